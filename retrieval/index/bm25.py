"""A BM25 index kept in memory and grown as chunks are stored.

Dense vectors miss rare names and numbers ("Nebenzia", "1,500"); BM25 catches them.
Postings are flat numpy arrays, so scoring a query touches only the documents that
share a term with it, and a snapshot can memory-map them.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np

from retrieval.index.arrays import GrowingArray
from retrieval.index.bm25_query import BM25Query, Segment, Term
from retrieval.text.words import tokenize


class BM25Index:
    """BM25 over documents numbered 0, 1, 2... in the order they were added.

    Postings live in flat arrays (CSR: a vocabulary of term numbers, `offsets`, `docs`,
    `tfs`), as loaded from a snapshot's base; documents added since (or loaded from its
    later parts) are pending segments per term, merged into a term's postings the first
    time a query needs it and into the flat arrays by `frozen` (when a whole snapshot is
    written). Retired documents keep their number and no longer score or count.
    """

    def __init__(self, texts: Sequence[str] = (), *, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self._vocab: dict[str, int] = {}
        self._offsets = np.zeros(1, dtype=np.int64)
        self._docs = np.zeros(0, dtype=np.int32)
        self._tfs = np.zeros(0, dtype=np.uint16)
        self._flat_rows = 0  # the flat postings are of documents before this one
        self._pending: dict[str, list[Segment]] = defaultdict(list)
        self._lengths = GrowingArray(np.float32)
        self._alive = GrowingArray(np.bool_)
        self._alive_count = 0
        self._alive_length = 0.0
        self._df: dict[str, int] = {}  # live documents per term, while some are retired
        self._extreme: dict[str, tuple[int, int, float]] = {}  # see `_extremes`
        self.add(texts)

    @classmethod
    def from_arrays(cls, terms: Sequence[str], arrays: dict[str, np.ndarray]) -> BM25Index:
        """An index over flat arrays (as `frozen` returned them; they may be memory-mapped)."""
        index = cls()
        index._vocab = {term: n for n, term in enumerate(terms)}
        index._offsets, index._docs, index._tfs = arrays["offsets"], arrays["docs"], arrays["tfs"]
        index._lengths = GrowingArray.wrap(arrays["lengths"])
        index._flat_rows = len(arrays["lengths"])
        index._alive = GrowingArray.wrap(np.array(arrays["alive"], dtype=np.bool_))
        alive = index._alive.values
        index._alive_count = int(np.count_nonzero(alive))
        index._alive_length = float(index._lengths.values[alive].sum(dtype=np.float64))
        return index

    def still(self) -> BM25Index:
        """A copy to freeze while this index takes writes: the flat postings and lengths
        are shared (never written in place), liveness and pending segments copied."""
        copy = BM25Index(k1=self.k1, b=self.b)
        copy._vocab, copy._offsets, copy._docs, copy._tfs, copy._flat_rows = (
            self._vocab, self._offsets, self._docs, self._tfs, self._flat_rows,
        )  # fmt: skip
        copy._pending = defaultdict(list, {t: list(s) for t, s in self._pending.items()})
        copy._lengths = GrowingArray.wrap(self._lengths.values)
        copy._alive = GrowingArray.wrap(self._alive.values.copy())
        copy._alive_count, copy._alive_length = self._alive_count, self._alive_length
        return copy

    def frozen(self) -> tuple[list[str], dict[str, np.ndarray]]:
        """The terms and flat arrays of every posting, pending ones merged in."""
        terms = list(self._vocab) + [t for t in self._pending if t not in self._vocab]
        arrays = _flat([self._postings(term) for term in terms])
        return terms, arrays | {"lengths": self._lengths.values, "alive": self._alive.values}

    def since(self, first: int) -> tuple[list[str], dict[str, np.ndarray]]:
        """The terms and flat arrays (postings, lengths) of documents `first` on, for a
        snapshot that holds the ones before. They are all in pending segments: the flat
        postings are of the documents loaded with them."""
        assert first >= self._flat_rows, "the flat postings are a snapshot's already"
        terms, parts = [], []
        for term in list(self._pending):
            docs, tfs = self._segments(term)[-1]  # the pending ones, merged
            start = int(np.searchsorted(docs, first))
            if start < len(docs):
                terms.append(term)
                parts.append((docs[start:], tfs[start:]))
        return terms, _flat(parts) | {"lengths": self._lengths.values[first:]}

    def extend(self, terms: Sequence[str], arrays: dict[str, np.ndarray]) -> None:
        """Append the documents `since` returned (in memory: they become pending segments)."""
        offsets = arrays["offsets"].tolist()
        for number, term in enumerate(terms):
            begin, end = offsets[number], offsets[number + 1]
            self._pending[term].append(
                (np.array(arrays["docs"][begin:end]), np.array(arrays["tfs"][begin:end]))
            )
        lengths = np.asarray(arrays["lengths"], dtype=np.float32)
        self._lengths.extend(lengths)
        self._alive.extend(np.ones(len(lengths), dtype=np.bool_))
        self._alive_count += len(lengths)
        self._alive_length += float(lengths.sum(dtype=np.float64))
        self._df.clear()

    def __len__(self) -> int:
        """Documents added so far, retired ones included (the numbering's extent)."""
        return self._lengths.size

    @property
    def alive(self) -> int:
        return self._alive_count

    @property
    def live(self) -> np.ndarray:
        """One flag per document: not retired (a view; don't write to it)."""
        return self._alive.values

    @property
    def nbytes(self) -> int:
        pending = sum(d.nbytes + t.nbytes for segs in self._pending.values() for d, t in segs)
        flat = self._offsets.nbytes + self._docs.nbytes + self._tfs.nbytes
        return flat + pending + 100 * len(self._vocab) + 8 * len(self)

    def add(self, texts: Sequence[str]) -> None:
        first = len(self)
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        lengths = np.zeros(len(texts), dtype=np.float32)
        for offset, text in enumerate(texts):
            counts = Counter(tokenize(text))
            lengths[offset] = sum(counts.values())
            for term, tf in counts.items():
                postings[term].append((first + offset, tf))
        for term, rows in postings.items():
            docs = np.fromiter((d for d, _ in rows), dtype=np.int32, count=len(rows))
            tfs = np.fromiter((min(tf, 65535) for _, tf in rows), dtype=np.uint16, count=len(rows))
            self._pending[term].append((docs, tfs))
        self._lengths.extend(lengths)
        self._alive.extend(np.ones(len(texts), dtype=np.bool_))
        self._alive_count += len(texts)
        self._alive_length += float(lengths.sum())
        self._df.clear()

    def remove(self, docs: Sequence[int]) -> None:
        alive = self._alive.values
        for doc in docs:
            if alive[doc]:
                alive[doc] = False
                self._alive_count -= 1
                self._alive_length -= float(self._lengths.values[doc])
        self._df.clear()

    def _segments(self, term: str) -> tuple[Segment, ...]:
        """The term's postings: its flat slice and its pending segments (merged into one),
        each sorted by document, the flat ones first."""
        number = self._vocab.get(term)
        pending = self._pending.get(term)
        if pending and len(pending) > 1:
            merged = (
                np.concatenate([d for d, _ in pending]),
                np.concatenate([t for _, t in pending]),
            )
            pending[:] = [merged]
        segments = list(pending or [])
        if number is not None:
            begin, end = int(self._offsets[number]), int(self._offsets[number + 1])
            segments.insert(0, (self._docs[begin:end], self._tfs[begin:end]))
        return tuple(segments)

    def _postings(self, term: str) -> Segment | None:
        """The term's (documents, term frequencies) as one pair of arrays."""
        segments = self._segments(term)
        if not segments:
            return None
        if len(segments) == 1:
            return segments[0]
        return np.concatenate([d for d, _ in segments]), np.concatenate([t for _, t in segments])

    def idf(self, term: str) -> float:
        return self._idf(term, self._segments(term))

    def _idf(self, term: str, segments: tuple[Segment, ...]) -> float:
        # Nothing retired (the usual case): every posting counts, no gather over them.
        if self._alive_count == len(self):
            df = sum(len(docs) for docs, _ in segments)
        elif (df := self._df.get(term, -1)) < 0:  # counted once until the next write
            alive = self._alive.values
            df = self._df[term] = sum(int(np.count_nonzero(alive[d])) for d, _ in segments)
        n = max(self._alive_count, 1)
        return math.log(1 + (n - df + 0.5) / (df + 0.5)) if df else 0.0

    def _extremes(self, term: str, segments: tuple[Segment, ...]) -> tuple[int, float]:
        """The highest term frequency and the shortest document length in the term's
        postings, retired ones included (they only grow: the postings only grow at the
        end, so each is read once, when a query first needs it)."""
        covered, top_tf, shortest = self._extreme.get(term, (0, 0, math.inf))
        lengths = self._lengths.values
        for docs, tfs in segments:
            if covered >= len(docs):
                covered -= len(docs)
                continue
            top_tf = max(top_tf, int(tfs[covered:].max()))
            shortest = min(shortest, float(lengths[docs[covered:]].min()))
            covered = 0
        self._extreme[term] = (sum(len(d) for d, _ in segments), top_tf, shortest)
        return top_tf, shortest

    def query(self, query: str) -> BM25Query:
        """The query's terms (those that occur, sorted) with their weights, for scoring."""
        terms = []
        for term in sorted(set(tokenize(query))):
            segments = self._segments(term)
            idf = self._idf(term, segments) if segments else 0.0
            if idf > 0:
                top_tf, shortest = self._extremes(term, segments)
                terms.append(Term(segments, np.float32(idf * (self.k1 + 1)), top_tf, shortest))
        average = max(self._alive_length / self._alive_count, 1.0) if self._alive_count else 1.0
        return BM25Query(
            terms if self._alive_count else [],
            self._lengths.values,
            None if self._alive_count == len(self) else self._alive.values,
            scale=np.float32(self.k1 * self.b / average),
            base=np.float32(self.k1 * (1 - self.b)),
        )

    def scores(self, query: str) -> np.ndarray:
        """The BM25 score of every document (zero where no term matches or retired)."""
        return self.query(query).scores()


def _flat(postings: Sequence[Segment | None]) -> dict[str, np.ndarray]:
    """Postings (documents, term frequencies) per term as CSR arrays: `offsets`, `docs`, `tfs`."""
    sizes = np.array([len(p[0]) if p else 0 for p in postings], dtype=np.int64)
    empty = (np.zeros(0, np.int32), np.zeros(0, np.uint16))
    return {
        "offsets": np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
        "docs": np.concatenate([(p or empty)[0] for p in postings] or [empty[0]]).astype(np.int32),
        "tfs": np.concatenate([(p or empty)[1] for p in postings] or [empty[1]]).astype(np.uint16),
    }


def top_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest positive scores, best first."""
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    best = np.argpartition(-scores, k - 1)[:k]
    best = best[np.argsort(-scores[best], kind="stable")]
    return best[scores[best] > 0]
