"""Hybrid, time-aware search over one or more knowledge spaces.

Candidates come from exact dense search and from BM25, both over an in-memory index
of the space (retrieval/index.py); each is scored as

    cosine + lexical * bm25 / best_bm25 + recency * 2 ** (-age_days / half_life_days)

Articles published after the as-of day are never candidates. Duplicate passages (the
same wire story on two outlets: the same text, or vectors closer than duplicate_cosine)
keep only their best-scored copy. The text counts on its own: two outlets' headlines,
embedded with the text, can set the copies' vectors further apart than that. The weights
were tuned on the RealTimeQA dev split (see README, "Retrieval quality").
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from retrieval.embed.embedder import Embedder
from retrieval.index import snapshot
from retrieval.index.changes import KEEP_CHANGES, Changes
from retrieval.index.memory import Hit, SpaceIndex, single_threaded_blas
from retrieval.index.saving import SAVE_AFTER_SECONDS, BackgroundSaves
from retrieval.index.store import NO_DATE, Store, date_ord
from retrieval.records import Chunk, Passage
from retrieval.text.words import VALUE_WORD

log = logging.getLogger(__name__)

RECHECK_SECONDS = 1.0
COMPACT_WHEN_RETIRED = 0.25  # rebuild an index once a quarter of its rows are removed chunks
OVERFETCH = 64  # ask the approximate index for up to this many times the neighbours wanted
RESAVE_BEHIND = KEEP_CHANGES // 4  # other processes' writes a snapshot may lag before a save


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
    """Searches the spaces' in-memory indexes, loaded from the store on first use.

    The engine reports this process's own writes (`added`, `removed`), which update a
    loaded index in place. Another process's writes (a CLI ingest beside the running
    bot) change the store's version of the space, noticed within RECHECK_SECONDS, and
    the rows they added or removed are applied (see index/changes.py).

    With `snapshots` (a folder), an index is opened from its snapshot there, brought up to
    the store's version from the change log when it is older (a process killed after its
    writes), and built from the store only when the log can't tell or the snapshot is
    damaged. It is written there after a build, in the background `save_after` seconds
    after this process's writes (see index/saving.py), when other processes' writes have
    left it RESAVE_BEHIND versions behind, and when the space is closed (in the background
    too: closing the least recently used space must not hold up the question that needed
    the room). With `memory_mb`, the least recently used spaces are closed (their indexes
    dropped) while the indexes hold more than that.
    With `exact_up_to`, a space with more chunks takes its dense candidates from the
    store's approximate (HNSW) index under the same as-of filter instead of a full scan.
    """

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        weights: SearchWeights | None = None,
        *,
        snapshots: Path | None = None,
        memory_mb: float | None = None,
        exact_up_to: int | None = None,
        recheck_seconds: float = RECHECK_SECONDS,
        save_after: float | None = SAVE_AFTER_SECONDS,
    ):
        self.store = store
        self.embedder = embedder
        self.weights = weights or SearchWeights()
        self.snapshots = snapshots
        self.memory_mb = memory_mb
        self.exact_up_to = exact_up_to  # larger spaces take dense candidates from the store
        self.recheck_seconds = recheck_seconds  # how often the store's version is read
        self._indexes: OrderedDict[str, SpaceIndex] = OrderedDict()  # least recently used first
        self._unsaved: set[str] = set()  # spaces whose snapshot lags this process's writes
        self._checked: dict[str, float] = {}  # when each space's version was last read
        self._versions: dict[str, int] = {}  # the store's version each index holds
        self._saved: dict[str, int] = {}  # the version of each open space's snapshot on disk
        self._edits: Counter[str] = Counter()  # changes applied, to tell if a save has them all
        self.loads: Counter[str] = Counter()  # how spaces were opened: snapshot, log, store
        self._saves = (
            BackgroundSaves(self._save_in_background, after=save_after)
            if snapshots is not None and save_after is not None
            else None
        )
        self._lock = threading.RLock()  # guards the indexes while they are read or changed
        self._loading: dict[str, threading.Lock] = defaultdict(threading.Lock)  # one per space
        # Closed with writes their snapshot lacks, until it is written: (index, version).
        self._closing: dict[str, tuple[SpaceIndex, int]] = {}
        self._writing: dict[str, threading.Lock] = defaultdict(threading.Lock)  # a save at a time
        single_threaded_blas()

    def added(self, space: str, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        with self._lock:
            if space in self._indexes:
                self._indexes[space].add(chunks, vectors)
                self._caught_up(space)
                self._changed(space, own=True)

    def removed(self, space: str, chunk_ids: Sequence[str]) -> None:
        with self._lock:
            index = self._indexes.get(space)
            if index is not None:
                index.remove(chunk_ids)
                self._caught_up(space)
                self._changed(space, own=True)
                if index.retired > COMPACT_WHEN_RETIRED:
                    self._indexes[space] = index.compacted()

    def _caught_up(self, space: str) -> None:
        """After applying this process's own write: the index holds the store's version
        after it, if it held the one just before (else the next check fetches the other
        processes' writes in between, and this one again, harmlessly)."""
        written = self.store.written_version(space)
        if written is not None and self._versions.get(space) == written[0]:
            self._versions[space] = written[1]

    def _changed(self, space: str, *, own: bool, version: int | None = None) -> None:
        """The index took writes its snapshot lacks: save it later, soon after this
        process's own writes, or once other processes' writes (`version`: the store's
        version now) have left it far behind. Called with the lock held."""
        self._unsaved.add(space)
        self._edits[space] += 1
        behind = (version or 0) - self._saved.get(space, 0)
        if self._saves is not None and (own or behind >= RESAVE_BEHIND):
            self._saves.request(space)

    def index(self, space: str) -> SpaceIndex:
        """The space's index, kept in step with other processes' writes: at most every
        RECHECK_SECONDS, one read of the store's version; when it moved, the rows those
        writes added or removed (the whole space again only if the log can't tell).

        Loading a large space takes seconds; questions about other spaces go on meanwhile.
        """
        with self._lock:
            loading = self._loading[space]
        with loading:
            with self._lock:
                index = self._indexes.get(space)
                checked = self._checked.get(space, -self.recheck_seconds)
                known = self._versions.get(space)
            if index is not None and time.monotonic() - checked < self.recheck_seconds:
                return index
            version = self.store.version(space)  # read first: later writes make a new one
            if index is not None and known is not None and version != known:
                if self._catch_up(space, index, known, version):
                    with self._lock:
                        self._changed(space, own=False, version=version)
                else:
                    index = None
            if index is None or known is None:
                started = time.perf_counter()
                loaded, how, saved = self._load(space, version)
                log.info(
                    "loaded the index of %s (%s): %d chunks in %.1f s",
                    space,
                    how,
                    len(loaded),
                    time.perf_counter() - started,
                )
                with self._lock:
                    self.loads[how] += 1
                    self._indexes[space] = loaded
                    self._unsaved.discard(space)
                    if saved is not None:
                        self._saved[space] = saved
                        if saved != version:
                            self._changed(space, own=False, version=version)
            with self._lock:
                self._versions[space] = version
                self._checked[space] = time.monotonic()
                self._indexes.move_to_end(space)
                found = self._indexes[space]
                self._keep_within_budget()
                return found

    def _load(self, space: str, version: int) -> tuple[SpaceIndex, str, int | None]:
        """The space's index at `version`, how it was opened, and the version of the
        snapshot it was opened from or written to (None: no snapshot)."""
        folder = snapshot.folder_of(self.snapshots, space) if self.snapshots else None
        if folder is not None:
            with self._writing[space]:  # closed with unsaved writes: they are written first
                self._write_closed(space)
        found = snapshot.load(folder) if folder is not None else None
        if found is not None and found.version == version:
            return found.index, "snapshot", version
        if found is not None and found.version < version:
            changes = self.store.changes(space, found.version, version)
            if changes is not None:
                log.info(
                    "the index snapshot of %s is of version %d, the store's is %d: applying "
                    "%d added and %d removed chunks from the change log",
                    space, found.version, version, len(changes.added), len(changes.removed),
                )  # fmt: skip
                caught = self._applied(space, found.index, changes)
                return caught, "snapshot and change log", found.version
        if found is not None:
            log.info("the index snapshot of %s (version %d) can't be brought to version %d "
                     "from the change log; building it from the store", space, found.version,
                     version)  # fmt: skip
        index = SpaceIndex(self.embedder.dimension)
        for chunks, vectors in self.store.record_pages(space):
            index.add(chunks, vectors)
        if folder is not None and len(index):
            snapshot.save(index, folder, version)
            reopened = snapshot.load(folder)  # mapped: the chunks leave RAM
            if reopened is not None and reopened.version == version:
                return reopened.index, "store", version
        return index, "store", None

    def _applied(self, space: str, index: SpaceIndex, changes: Changes) -> SpaceIndex:
        """The index with the writes of `changes` applied (the rows are read first,
        outside the lock); compacted when too many of its rows are removed chunks."""
        pages = list(self.store.record_pages(space, sorted(changes.added)))
        with self._lock:
            index.remove(changes.removed)
            for chunks, vectors in pages:
                index.add(chunks, vectors)
            return index.compacted() if index.retired > COMPACT_WHEN_RETIRED else index

    def _save_in_background(self, space: str) -> bool:
        """Write the snapshot of a space this process changed: of a closed one, the index
        it held; of an open one, a still copy taken under the lock (milliseconds). The
        files are written without it."""
        assert self.snapshots is not None
        with self._writing[space]:
            closed = self._write_closed(space)
            if closed is not None:
                return closed
            with self._lock:
                index, version = self._indexes.get(space), self._versions.get(space)
                if index is None or version is None or space not in self._unsaved:
                    return False
                edits, still = self._edits[space], index.still()
            started = time.perf_counter()
            switched = snapshot.save(still, snapshot.folder_of(self.snapshots, space), version)
            with self._lock:
                if self._edits[space] == edits and space in self._indexes:
                    self._unsaved.discard(space)
                if switched:
                    self._saved[space] = max(self._saved.get(space, 0), version)
        log.info("wrote the index snapshot of %s at version %d in the background in %.1f s",
                 space, version, time.perf_counter() - started)  # fmt: skip
        return switched

    def _write_closed(self, space: str) -> bool | None:
        """Write the snapshot of a space closed with writes it lacked (None: it has none
        to write); whether it switched. Called with the space's writing lock held, never
        with the searcher's lock: a question may hold that while it waits for this one."""
        with self._lock:
            closed = self._closing.pop(space, None)
        if closed is None or self.snapshots is None:
            return None
        index, version = closed  # closed: it takes no more writes, so it is written as it is
        started = time.perf_counter()
        switched = snapshot.save(index, snapshot.folder_of(self.snapshots, space), version)
        log.info("wrote the index snapshot of %s, closed, at version %d in %.1f s",
                 space, version, time.perf_counter() - started)  # fmt: skip
        return switched

    def _keep_within_budget(self) -> None:
        """Close the least recently used spaces while the indexes hold more than the budget
        (the most recently used one always stays). Called with the lock held."""
        if self.memory_mb is None:
            return
        budget = self.memory_mb * 1e6
        while len(self._indexes) > 1 and sum(i.nbytes for i in self._indexes.values()) > budget:
            space = next(iter(self._indexes))
            self.close_space(space)

    def close_space(self, space: str) -> None:
        """Drop a space's index; if this process changed it, its snapshot is written next
        in the background (here without a background saver), and opening the space again
        first waits for that. The next question about it opens it again."""
        with self._lock:
            index = self._indexes.pop(space, None)
            version = self._versions.pop(space, None)
            self._checked.pop(space, None)
            self._saved.pop(space, None)
            if self._saves is not None:
                self._saves.cancel(space)
            unsaved = index is not None and space in self._unsaved and version is not None
            if unsaved and self.snapshots is not None:
                assert index is not None and version is not None
                self._closing[space] = (index, version)
                if self._saves is None or not self._saves.request(space, now=True):
                    del self._closing[space]  # no saver (or closed): written here
                    snapshot.save(index, snapshot.folder_of(self.snapshots, space), version)
            self._unsaved.discard(space)
            log.debug("closed the index of %s", space)

    def close(self) -> None:
        """Close every space (writing the snapshots this process's writes made stale),
        after the background save in progress, if any."""
        if self._saves is not None:
            self._saves.close()
        with self._lock:
            for space in list(self._indexes):
                self.close_space(space)
            closing = list(self._closing)
        for space in closing:  # closed earlier, their background saves dropped by close
            with self._writing[space]:
                self._write_closed(space)

    def _catch_up(self, space: str, index: SpaceIndex, known: int, version: int) -> bool:
        """Apply the writes between two versions as rows; False if the log can't tell."""
        changes = self.store.changes(space, known, version)
        if changes is None:
            return False
        caught = self._applied(space, index, changes)
        with self._lock:
            self._indexes[space] = caught
        log.info(
            "applied %d added and %d removed chunks of %s from other processes",
            len(changes.added),
            len(changes.removed),
            space,
        )
        return True

    def search(
        self, query: str, *, spaces: Sequence[str], as_of: date | None, k: int
    ) -> list[Passage]:
        vector = self.embedder.encode_cached([query])[0]
        max_day = date_ord(as_of) if as_of else None
        hits: list[Hit] = []
        bm25: dict[str, float] = {}
        indexes = [self.index(space) for space in spaces]
        dense = self.weights.dense_candidates
        nearest = [
            self._nearest(space, index, vector, dense, max_day)
            for space, index in zip(spaces, indexes, strict=True)
        ]
        with self._lock:
            for index, approximate in zip(indexes, nearest, strict=True):
                found, scores = index.search(
                    vector,
                    query,
                    dense=dense,
                    lexical=self.weights.lexical_candidates if self.weights.lexical > 0 else 0,
                    max_day=max_day,
                    nearest=approximate,
                )
                hits.extend(found)
                bm25.update(scores)
        return self._rank(hits, bm25, as_of, k)

    def _nearest(
        self, space: str, index: SpaceIndex, vector: np.ndarray, dense: int, max_day: int | None
    ) -> list[str] | None:
        """The `dense` nearest chunks a search as of `max_day` may find, by the store's
        approximate index; None when the space is small enough to search exactly.

        chromadb's HNSW query under a date filter took seconds at 250,000 chunks (5 ms
        without), so the query goes unfiltered, asking for more neighbours until enough
        of them are old enough; only if they still aren't (the question is about a time
        before most of what is near it) does the filtered query run.
        """
        if self.exact_up_to is None or index.allowed_count(max_day) <= self.exact_up_to:
            return None  # an exact scan of what may be found
        wanted = dense
        while wanted <= dense * OVERFETCH:
            found = self.store.nearest(space, vector, wanted, None)
            allowed = index.allowed_ids(found, max_day)
            if len(allowed) >= dense or len(found) < wanted:
                return allowed[:dense]
            wanted *= 4
        return self.store.nearest(space, vector, dense, max_day)

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
        kept_texts: set[str] = set()
        for score, hit in scored:
            text = " ".join(hit.chunk.text.split())
            if text in kept_texts or any(
                float(np.dot(hit.embedding, v)) >= w.duplicate_cosine
                and not differs_in_values(hit.chunk.text, other.chunk.text)
                for v, (_, other) in zip(kept_vectors, kept, strict=True)
            ):
                continue
            kept.append((score, hit))
            kept_vectors.append(hit.embedding)
            kept_texts.add(text)
            if len(kept) == k:
                break
        return [Passage(hit.chunk, score, rank) for rank, (score, hit) in enumerate(kept, 1)]


def differs_in_values(a: str, b: str) -> bool:
    """Whether two near-identical passages differ in a number, date or name: one
    outlet's "1,200 workers" against another's "900 workers" is not a copy to drop."""
    return set(VALUE_WORD.findall(a)) != set(VALUE_WORD.findall(b))
