"""A space's search index, in memory: its chunks, their vectors, their days, and BM25.

Loaded from the store once, then kept in step with this process's own writes, so a
question never waits for the store: exact cosine search over a few hundred thousand
384-dimensional vectors takes milliseconds in numpy (and is exact, where the store's
HNSW graph is approximate and slows down under a date filter).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from retrieval.index.arrays import AppendedRows, GrowingArray
from retrieval.index.bm25 import BM25Index, top_rows
from retrieval.index.chunks import ChunkTable, split
from retrieval.index.store import date_ord
from retrieval.records import Chunk


@cache
def single_threaded_blas() -> None:
    """Keep numpy's BLAS to one thread (once per process). A question's search is one
    matrix-vector product; a second BLAS thread gains little there and fights the
    embedding model's threads for the cores: on 2 cores, ask p50 went from 32 to 14 ms."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


@dataclass(frozen=True, slots=True)
class Hit:
    chunk: Chunk
    similarity: float  # cosine similarity to the query
    embedding: np.ndarray


@dataclass(frozen=True, slots=True)
class Written:
    """A snapshot whose files (`parts`, as its manifest names them) hold an index's first
    `rows` rows, with the liveness flags `live` they had when its last part was written."""

    parts: tuple[str, ...]
    rows: int
    live: np.ndarray


class OnDisk:
    """Where an index stands on disk, so that a save writes only what the snapshot lacks.
    One per index and shared with its still copies: saving a copy moves it on for the
    index. A compacted index, its rows numbered anew, starts with a new one."""

    def __init__(self) -> None:
        self.written: Written | None = None  # None: no snapshot holds this index's rows


class SpaceIndex:
    """Rows appended in the order chunks arrive; a removed chunk's row stays, masked, until
    `compacted`. Row n of the vectors is document n of the BM25 index."""

    def __init__(self, dimension: int) -> None:
        self.dimension = dimension
        self._chunks = ChunkTable()
        self._ids: list[str] = []
        self._rows: dict[str, int] = {}
        self._vectors = AppendedRows(np.zeros((0, dimension), dtype=np.float32))
        self._days = GrowingArray(np.int32)
        self.lexical = BM25Index()  # also knows which rows are live
        self._latest: tuple[int, int] | None = None  # (rows, latest day) when last counted
        self.on_disk = OnDisk()

    @classmethod
    def from_arrays(
        cls, ids: list[str], terms: list[str], arrays: dict[str, np.ndarray]
    ) -> SpaceIndex:
        """An index over the arrays `arrays` returned (they may be memory-mapped)."""
        index = cls(int(arrays["vectors"].shape[1]))
        index._chunks = ChunkTable(arrays["blob"], arrays["blob_offsets"])
        index._vectors = AppendedRows(arrays["vectors"])
        index._days = GrowingArray.wrap(arrays["days"])
        index.lexical = BM25Index.from_arrays(terms, arrays)
        live = index.lexical.live
        index._ids = ids
        index._rows = {cid: row for row, cid in enumerate(ids) if live[row]}
        for row in np.flatnonzero(~live).tolist():
            index._chunks.remove(row)
        return index

    def extend_from(self, ids: list[str], terms: list[str], arrays: dict[str, np.ndarray]) -> None:
        """Append the rows `changes_since` returned (copied into memory), then retire the
        rows it lists as removed."""
        first = len(self._ids)
        self._chunks.extend(split(arrays["blob"], arrays["blob_offsets"]))
        self._ids.extend(ids)
        self._rows.update((cid, first + n) for n, cid in enumerate(ids))
        self._vectors.extend(arrays["vectors"])
        self._days.extend(arrays["days"])
        self.lexical.extend(terms, arrays)
        rows = arrays["removed"].tolist()
        for row in rows:  # a replaced chunk's id names its new row by now: keep that one
            if self._rows.get(self._ids[row]) == row:
                del self._rows[self._ids[row]]
            self._chunks.remove(row)
        self.lexical.remove(rows)

    def still(self) -> SpaceIndex:
        """A copy for writing a snapshot while this index goes on taking writes and
        searches: it shares every array (rows are only ever appended, and a removal only
        flags its row) and copies the few things a write changes in place, in milliseconds
        at a million rows, so it can be taken under the searcher's lock and written out
        without it. Good for `arrays` only."""
        copy = SpaceIndex(self.dimension)
        copy.on_disk = self.on_disk
        copy._chunks = self._chunks.still()
        copy._ids = list(self._ids)
        copy._vectors = self._vectors.still()
        copy._days = GrowingArray.wrap(self._days.values)
        copy.lexical = self.lexical.still()
        return copy

    def arrays(self) -> tuple[list[str], list[str], dict[str, np.ndarray | list[np.ndarray]]]:
        """(ids by row, BM25 terms, flat arrays): everything a snapshot holds (the vectors
        as consecutive parts, the snapshot's own rows first: they are not copied)."""
        terms, flat = self.lexical.frozen()
        blob, offsets = self._chunks.encoded()
        arrays: dict[str, np.ndarray | list[np.ndarray]] = dict(flat)
        arrays |= {
            "vectors": self._vectors.parts(),
            "days": self._days.values,
            "blob": blob,
            "blob_offsets": offsets,
        }
        return self._ids, terms, arrays

    def changes_since(self, written: Written) -> tuple[list[str], list[str], dict[str, np.ndarray]]:
        """(ids, BM25 terms, flat arrays) of what the index took since `written`: the rows
        appended after it, as `arrays` has them (without "alive"), and "removed": the rows
        retired since, its own or appended ones."""
        first = written.rows
        terms, flat = self.lexical.since(first)
        blob, offsets = self._chunks.encoded_since(first)
        live = self.lexical.live
        was_live = np.concatenate([written.live, np.ones(len(live) - first, dtype=np.bool_)])
        arrays = flat | {
            "vectors": self._vectors.since(first),
            "days": self._days.values[first:],
            "blob": blob,
            "blob_offsets": offsets,
            "removed": np.flatnonzero(was_live & ~live).astype(np.int64),
        }
        return self._ids[first:], terms, arrays

    def wrote(self, parts: Sequence[str]) -> None:
        """A snapshot named `parts` now holds every row of this index as it is."""
        self.on_disk.written = Written(tuple(parts), self.extent, self.lexical.live.copy())

    @property
    def nbytes(self) -> int:
        """Roughly the memory this index holds, mapped files included."""
        rows = len(self._ids)
        python = 150 * rows + 100 * len(self._rows)  # the ids and the id -> row table
        arrays = self._vectors.nbytes + self._days.values.nbytes
        return python + arrays + self.lexical.nbytes + self._chunks.nbytes

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def extent(self) -> int:
        """Rows, removed chunks' included (the numbering's extent)."""
        return len(self._ids)

    def __contains__(self, chunk_id: str) -> bool:
        return chunk_id in self._rows

    @property
    def retired(self) -> float:
        """The share of rows that belong to removed chunks."""
        return 1 - len(self._rows) / len(self._ids) if self._ids else 0.0

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Add chunks with their (normalised) vectors; a chunk already here is replaced."""
        self.remove([c.id for c in chunks if c.id in self._rows])
        first = len(self._ids)
        self._chunks.extend(chunks)
        self._ids.extend(c.id for c in chunks)
        self._rows.update((c.id, first + i) for i, c in enumerate(chunks))
        self._vectors.extend(np.asarray(vectors, dtype=np.float32).reshape(-1, self.dimension))
        self._days.extend(np.array([date_ord(c.published_at) for c in chunks], dtype=np.int32))
        self.lexical.add([c.embed_text for c in chunks])

    def remove(self, chunk_ids: Iterable[str]) -> None:
        rows = [self._rows.pop(cid) for cid in chunk_ids if cid in self._rows]
        for row in rows:
            self._chunks.remove(row)
        self.lexical.remove(rows)

    def compacted(self) -> SpaceIndex:
        """A copy without the removed chunks' rows."""
        rows = sorted(self._rows.values())
        fresh = SpaceIndex(self.dimension)
        chunks = [c for c in (self._chunks[row] for row in rows) if c]
        fresh.add(chunks, self._vectors.take(np.array(rows, dtype=np.int64)))
        return fresh

    def _allowed(self, max_day: int | None) -> np.ndarray:
        """Rows that may be found: not removed, and not published after `max_day`."""
        allowed = self.lexical.live.copy()
        if max_day is not None:
            allowed &= self._days.values <= max_day  # NO_DATE (-1) always passes
        return allowed

    def allowed_count(self, max_day: int | None) -> int:
        """How many chunks a search as of `max_day` may find."""
        if max_day is None or max_day >= self.latest_day:
            return len(self)
        return int(np.count_nonzero(self._allowed(max_day)))

    @property
    def latest_day(self) -> int:
        """The latest publication day of any row (NO_DATE when there is none)."""
        if self._latest is None or self._latest[0] != len(self._days.values):
            days = self._days.values
            self._latest = (len(days), int(days.max()) if len(days) else -1)
        return self._latest[1]

    def allowed_ids(self, chunk_ids: Iterable[str], max_day: int | None) -> list[str]:
        """Those of `chunk_ids` a search as of `max_day` may find, in the same order."""
        days = self._days.values
        rows = ((cid, self._rows.get(cid)) for cid in chunk_ids)
        return [
            cid
            for cid, row in rows
            if row is not None and (max_day is None or days[row] <= max_day)
        ]

    def search(
        self,
        query: np.ndarray,
        query_text: str,
        *,
        dense: int,
        lexical: int,
        max_day: int | None,
        nearest: Sequence[str] | None = None,
    ) -> tuple[list[Hit], dict[str, float]]:
        """The `dense` nearest chunks and the `lexical` best BM25 matches, with the BM25
        score of every chunk found either way. With `nearest` (the ids an approximate
        index found nearest), those are the dense candidates and no vector is scanned."""
        may_find = None if max_day is None else (lambda rows: self._days.values[rows] <= max_day)
        if nearest is None:
            allowed = self._allowed(max_day)
            candidates = np.flatnonzero(allowed)
            if 2 * len(candidates) < len(allowed):  # few may be found: read only those rows
                similarity = self._vectors.take(candidates) @ query
                rows = set(candidates[top_rows(similarity + 2.0, dense)].tolist())
            else:
                similarity = self._vectors.dot(query)
                similarity[~allowed] = -np.inf
                rows = set(top_rows(similarity + 2.0, dense).tolist())  # shifted: wants > 0
        else:  # no per-row work: only the rows the approximate index found are checked
            found = np.array([r for r in map(self._rows.get, nearest) if r is not None], np.int64)
            rows = set(found[may_find(found)].tolist() if may_find else found.tolist())
        terms = self.lexical.query(query_text if lexical > 0 else "")
        rows.update(terms.top(lexical, may_find)[0].tolist())
        ordered = np.array(sorted(rows), dtype=np.int64)
        bm25 = terms.scores_of(ordered)
        hits, scores = [], {}
        for row, vector, score in zip(
            ordered.tolist(), self._vectors.take(ordered), bm25.tolist(), strict=True
        ):
            chunk = self._chunks[row]
            assert chunk is not None  # only live rows are allowed
            hits.append(Hit(chunk, float(vector @ query), vector))
            scores[chunk.id] = score
        return hits, scores
