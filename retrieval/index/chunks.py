"""The chunks of a space's index, by row: the ones loaded from a snapshot's base stay
encoded in one (memory-mapped) blob and those of its deltas as bytes, decoded only when a
search returns them; the ones added since are kept as they are."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

import numpy as np

from retrieval.records import Chunk


def encode(chunk: Chunk) -> bytes:
    published = chunk.published_at.isoformat() if chunk.published_at else ""
    fields = [
        chunk.id, chunk.article_id, chunk.position, chunk.text, chunk.start,
        chunk.sentences, chunk.title, chunk.source, chunk.url, published,
        chunk.content_hash, chunk.summary_only,
    ]  # fmt: skip
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()


def decode(data: bytes) -> Chunk:
    cid, article, position, text, start, sentences, title, source, url, day, digest, summary = (
        json.loads(data)
    )
    return Chunk(
        id=cid, article_id=article, position=position, text=text, start=start,
        sentences=tuple((a, b) for a, b in sentences), title=title, source=source, url=url,
        published_at=date.fromisoformat(day) if day else None, content_hash=digest,
        summary_only=summary,
    )  # fmt: skip


Row = Chunk | bytes | None  # a chunk, encoded or not; None once removed


def split(blob: np.ndarray, offsets: np.ndarray) -> list[Row]:
    """The rows `ChunkTable.encoded_since` encoded, still encoded (None: removed)."""
    data = blob.tobytes()
    bounds = zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True)
    return [data[a:b] if b > a else None for a, b in bounds]


def _encoded(rows: Sequence[Row]) -> tuple[np.ndarray, np.ndarray]:
    """(blob, sizes) of the rows, one after the other; a removed one takes no bytes."""
    data = [row if isinstance(row, bytes) else encode(row) if row else b"" for row in rows]
    blob = np.frombuffer(b"".join(data), dtype=np.uint8)
    return blob, np.array([len(row) for row in data], dtype=np.int64)


class ChunkTable:
    """Row n's chunk: encoded in `blob[offsets[n]:offsets[n + 1]]` for the first rows,
    a `Chunk` in a list for the rest. A removed row holds nothing."""

    def __init__(self, blob: np.ndarray | None = None, offsets: np.ndarray | None = None) -> None:
        self._blob = blob if blob is not None else np.zeros(0, dtype=np.uint8)
        self._offsets = offsets if offsets is not None else np.zeros(1, dtype=np.int64)
        self._encoded = len(self._offsets) - 1
        self._added: list[Row] = []
        self._removed: set[int] = set()

    def __len__(self) -> int:
        return self._encoded + len(self._added)

    @property
    def nbytes(self) -> int:
        """Memory held (the blob counts: a search may page any of it in)."""
        return self._blob.nbytes + self._offsets.nbytes + 2000 * len(self._added)

    def extend(self, chunks: Sequence[Row]) -> None:
        self._added.extend(chunks)

    def remove(self, row: int) -> None:
        if row < self._encoded:
            self._removed.add(row)
        else:
            self._added[row - self._encoded] = None

    def __getitem__(self, row: int) -> Chunk | None:
        if row >= self._encoded:
            added = self._added[row - self._encoded]
            return decode(added) if isinstance(added, bytes) else added
        if row in self._removed:
            return None
        begin, end = int(self._offsets[row]), int(self._offsets[row + 1])
        return decode(self._blob[begin:end].tobytes())

    def still(self) -> ChunkTable:
        """A copy to encode while this table takes writes (the blob is shared, not copied)."""
        copy = ChunkTable(self._blob, self._offsets)
        copy._added, copy._removed = list(self._added), set(self._removed)
        return copy

    def encoded(self) -> tuple[list[np.ndarray], np.ndarray]:
        """(blob as consecutive parts, offsets) of every row, removed rows empty. The
        encoded rows are runs of the (mapped) blob between the removed ones, never decoded
        or copied into one array: only the rows added since cost work."""
        sizes = np.diff(self._offsets)
        removed = np.array(sorted(self._removed), dtype=np.int64)
        sizes[removed] = 0
        kept_end = self._offsets[removed + 1]  # a run of kept rows starts after each removed one
        starts = np.concatenate([[0], kept_end]).astype(np.int64)
        ends = np.concatenate([self._offsets[removed], [self._offsets[-1]]]).astype(np.int64)
        parts = [self._blob[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
        added, added_sizes = _encoded(self._added)
        parts.append(added)
        offsets = np.concatenate([[0], np.cumsum(np.concatenate([sizes, added_sizes]))])
        return [part for part in parts if len(part)] or [parts[-1]], offsets.astype(np.int64)

    def encoded_since(self, first: int) -> tuple[np.ndarray, np.ndarray]:
        """(blob, offsets) of rows `first` on: rows added since the blob was loaded."""
        assert first >= self._encoded, "the blob's rows are a snapshot's already"
        blob, sizes = _encoded(self._added[first - self._encoded :])
        return blob, np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
