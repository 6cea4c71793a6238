"""Hybrid, time-aware search over one or more knowledge spaces.

Candidates come from the dense index (chromadb) and from BM25; each is scored as

    cosine + lexical * bm25 / best_bm25 + recency * 2 ** (-age_days / half_life_days)

Articles published after the as-of day are never candidates. Near-duplicate passages
(the same wire story on two outlets) keep only their best-scored copy. The weights
were tuned on the RealTimeQA dev split (see README, "Retrieval quality").
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from retrieval.embeddings import Embedder
from retrieval.lexical import BM25Index
from retrieval.records import Passage
from retrieval.store import NO_DATE, Hit, Store, date_ord

log = logging.getLogger(__name__)

RECHECK_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class SearchWeights:
    # Tuned on the RealTimeQA dev split with bench/tune_search.py. A half-life of 2-3 days
    # and a weight of 0.5 scored a little higher there (Hits@1 0.935 against 0.899 with
    # as_of), but would let any story from yesterday outrank a closely matching one from
    # last week; a week's half-life is the kinder default for a news bot.
    lexical: float = 0.20
    recency: float = 0.30
    half_life_days: float = 7.0
    dense_candidates: int = 40
    lexical_candidates: int = 20
    duplicate_cosine: float = 0.95


class Searcher:
    def __init__(self, store: Store, embedder: Embedder, weights: SearchWeights | None = None):
        self.store = store
        self.embedder = embedder
        self.weights = weights or SearchWeights()
        self._lexical: dict[str, tuple[int, BM25Index]] = {}
        self._checked: dict[str, float] = {}  # when each space's chunk count was last read
        self._lock = threading.Lock()

    def invalidate(self, space: str) -> None:
        with self._lock:
            self._lexical.pop(space, None)

    def _lexical_index(self, space: str) -> BM25Index:
        """The space's BM25 index, rebuilt when the store's chunk count has changed.

        This process's own writes invalidate it at once; another process's (a CLI ingest
        beside the running bot) are noticed within RECHECK_SECONDS.
        """
        with self._lock:
            cached = self._lexical.get(space)
            fresh = time.monotonic() - self._checked.get(space, -RECHECK_SECONDS)
            if cached is not None and fresh < RECHECK_SECONDS:
                return cached[1]
        count = self.store.count(space)
        with self._lock:
            self._checked[space] = time.monotonic()
            cached = self._lexical.get(space)
            if cached is not None and cached[0] == count:
                return cached[1]
            chunks = list(self.store.iter_chunks(space))
            index = BM25Index(
                [c.id for c in chunks],
                [c.embed_text for c in chunks],
                [date_ord(c.published_at) for c in chunks],
            )
            self._lexical[space] = (count, index)
            log.debug("built BM25 index for %s: %d chunks", space, len(index))
            return index

    def search(
        self, query: str, *, spaces: Sequence[str], as_of: date | None, k: int
    ) -> list[Passage]:
        vector = self.embedder.encode_cached([query])[0]
        max_ord = date_ord(as_of) if as_of else None
        hits: dict[str, Hit] = {}
        bm25: dict[str, float] = {}
        for space in spaces:
            index = self._lexical_index(space)
            # Filtering by date slows chromadb down; skip it when nothing is newer anyway.
            newest = int(index.day_ords.max()) if len(index) else NO_DATE
            needs_filter = max_ord is not None and max_ord < newest
            for hit in self.store.query(
                space,
                vector,
                self.weights.dense_candidates,
                max_date_ord=max_ord if needs_filter else None,
            ):
                hits[hit.chunk.id] = hit
            if self.weights.lexical <= 0:
                continue
            lexical = index.scores(query, max_day_ord=max_ord)
            top = index.best(lexical, self.weights.lexical_candidates)
            missing = [cid for cid, _ in top if cid not in hits]
            for hit in self.store.get_hits(space, missing, vector):
                hits[hit.chunk.id] = hit
            for cid in hits:
                if cid in index.positions:
                    bm25[cid] = float(lexical[index.positions[cid]])
        return self._rank(list(hits.values()), bm25, as_of, k)

    def _rank(
        self, hits: list[Hit], bm25: dict[str, float], as_of: date | None, k: int
    ) -> list[Passage]:
        w = self.weights
        best_bm25 = max(bm25.values(), default=0.0) or 1.0
        scored = []
        for hit in hits:
            score = hit.similarity + w.lexical * bm25.get(hit.chunk.id, 0.0) / best_bm25
            published = hit.chunk.published_at
            if as_of and published and date_ord(published) != NO_DATE:
                age = max((as_of - published).days, 0)
                score += w.recency * 2.0 ** (-age / w.half_life_days)
            scored.append((score, hit))
        scored.sort(key=lambda pair: pair[0], reverse=True)

        kept: list[tuple[float, Hit]] = []
        kept_vectors: list[np.ndarray] = []
        for score, hit in scored:
            if any(float(np.dot(hit.embedding, v)) >= w.duplicate_cosine for v in kept_vectors):
                continue
            kept.append((score, hit))
            kept_vectors.append(hit.embedding)
            if len(kept) == k:
                break
        return [Passage(hit.chunk, score, rank) for rank, (score, hit) in enumerate(kept, 1)]
