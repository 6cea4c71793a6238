"""Arrays that grow by appending: in memory, or a memory-mapped file with rows after it."""

from __future__ import annotations

from typing import Any

import numpy as np


class GrowingArray:
    """A numpy array that grows by appending (amortised doubling)."""

    def __init__(self, dtype: Any, width: int | None = None) -> None:
        shape = (16,) if width is None else (16, width)
        self._data = np.zeros(shape, dtype=dtype)
        self.size = 0

    @classmethod
    def wrap(cls, array: np.ndarray) -> GrowingArray:
        """Around an existing array (read-only or memory-mapped: the first `extend` copies)."""
        grown = cls(array.dtype)
        grown._data, grown.size = array, len(array)
        return grown

    @property
    def values(self) -> np.ndarray:
        return self._data[: self.size]

    def extend(self, rows: np.ndarray) -> None:
        if not len(rows):  # nothing to write, even into a read-only (mapped) array
            return
        needed = self.size + len(rows)
        if needed > len(self._data):
            grown = np.zeros(
                (max(needed, 2 * len(self._data)), *self._data.shape[1:]), dtype=self._data.dtype
            )
            grown[: self.size] = self.values
            self._data = grown
        self._data[self.size : needed] = rows
        self.size = needed


class AppendedRows:
    """The rows of a (memory-mapped) base array, then rows appended in memory.

    Appending never copies the base: after a restart the vectors of a million chunks stay
    in their snapshot file, paged in only where a search reads them, whatever this process
    adds. Reads go through `take` and `dot`, never through one array of every row.
    """

    def __init__(self, base: np.ndarray) -> None:
        self.base = base
        self.tail = GrowingArray(base.dtype, base.shape[1])

    def __len__(self) -> int:
        return len(self.base) + self.tail.size

    @property
    def nbytes(self) -> int:
        return int(self.base.nbytes + self.tail.values.nbytes)

    def extend(self, rows: np.ndarray) -> None:
        self.tail.extend(rows)

    def still(self) -> AppendedRows:
        """The rows as they are now, unchanged by later appends (nothing is copied)."""
        copy = AppendedRows(self.base)
        copy.tail = GrowingArray.wrap(self.tail.values)
        return copy

    def take(self, rows: np.ndarray) -> np.ndarray:
        """The given rows, in that order (a copy)."""
        rows = np.asarray(rows, dtype=np.int64)
        first = len(self.base)
        if not self.tail.size:
            return np.asarray(self.base[rows])
        out = np.empty((len(rows), self.base.shape[1]), dtype=self.base.dtype)
        low = rows < first
        out[low] = self.base[rows[low]]
        out[~low] = self.tail.values[rows[~low] - first]
        return out

    def dot(self, vector: np.ndarray) -> np.ndarray:
        """Every row's dot product with `vector`."""
        parts = [self.base @ vector]
        if self.tail.size:
            parts.append(self.tail.values @ vector)
        return np.concatenate(parts) if len(parts) > 1 else parts[0]

    def since(self, first: int) -> np.ndarray:
        """Rows `first` on, appended after the base (a view: they are not copied)."""
        assert first >= len(self.base), "the base's rows are a snapshot's already"
        return self.tail.values[first - len(self.base) :]

    def parts(self) -> list[np.ndarray]:
        """The rows as consecutive arrays (base first), for writing them out."""
        return [self.base, self.tail.values] if self.tail.size else [self.base]
