"""A BM25 index kept in memory and grown as chunks are stored.

Dense vectors miss rare names and numbers ("Nebenzia", "1,500"); BM25 catches them.
Postings are numpy arrays, so scoring a query touches only the documents that share
a term with it.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from retrieval.text.words import tokenize


class GrowingArray:
    """A numpy array that grows by appending (amortised doubling)."""

    def __init__(self, dtype: Any, width: int | None = None) -> None:
        shape = (16,) if width is None else (16, width)
        self._data = np.zeros(shape, dtype=dtype)
        self.size = 0

    @property
    def values(self) -> np.ndarray:
        return self._data[: self.size]

    def extend(self, rows: np.ndarray) -> None:
        needed = self.size + len(rows)
        if needed > len(self._data):
            grown = np.zeros(
                (max(needed, 2 * len(self._data)), *self._data.shape[1:]), dtype=self._data.dtype
            )
            grown[: self.size] = self.values
            self._data = grown
        self._data[self.size : needed] = rows
        self.size = needed


class BM25Index:
    """BM25 over documents numbered 0, 1, 2... in the order they were added.

    Documents are added in batches and retired by number; each batch adds one segment
    to the postings of its terms, merged the first time a query needs that term. So
    adding a batch costs only its own tokenizing, however large the index already is.
    Retired documents keep their number and no longer score or count.
    """

    def __init__(self, texts: Sequence[str] = (), *, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self._segments: dict[str, list[tuple[np.ndarray, np.ndarray]]] = defaultdict(list)
        self._lengths = GrowingArray(np.float32)
        self._alive = GrowingArray(np.bool_)
        self._alive_count = 0
        self._alive_length = 0.0
        self.add(texts)

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
            tfs = np.fromiter((tf for _, tf in rows), dtype=np.float32, count=len(rows))
            self._segments[term].append((docs, tfs))
        self._lengths.extend(lengths)
        self._alive.extend(np.ones(len(texts), dtype=np.bool_))
        self._alive_count += len(texts)
        self._alive_length += float(lengths.sum())

    def remove(self, docs: Sequence[int]) -> None:
        alive = self._alive.values
        for doc in docs:
            if alive[doc]:
                alive[doc] = False
                self._alive_count -= 1
                self._alive_length -= float(self._lengths.values[doc])

    def _postings(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        """The term's (documents, term frequencies), its segments merged into one."""
        segments = self._segments.get(term)
        if not segments:
            return None
        if len(segments) > 1:
            docs = np.concatenate([d for d, _ in segments])
            tfs = np.concatenate([t for _, t in segments])
            segments[:] = [(docs, tfs)]
        return segments[0]

    def idf(self, term: str) -> float:
        postings = self._postings(term)
        if postings is None:
            return 0.0
        df = int(np.count_nonzero(self._alive.values[postings[0]]))
        n = max(self._alive_count, 1)
        return math.log(1 + (n - df + 0.5) / (df + 0.5)) if df else 0.0

    def scores(self, query: str) -> np.ndarray:
        """The BM25 score of every document (zero where no term matches or retired)."""
        scores = np.zeros(len(self), dtype=np.float32)
        if not self._alive_count:
            return scores
        average = max(self._alive_length / self._alive_count, 1.0)
        lengths = self._lengths.values
        for term in set(tokenize(query)):
            idf = self.idf(term)
            if idf <= 0:
                continue
            docs, tfs = self._postings(term)  # type: ignore[misc]
            norm = self.k1 * (1 - self.b + self.b * lengths[docs] / average)
            scores[docs] += idf * tfs * (self.k1 + 1) / (tfs + norm)
        scores[~self._alive.values] = 0.0
        return scores


def top_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest positive scores, best first."""
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    best = np.argpartition(-scores, k - 1)[:k]
    best = best[np.argsort(-scores[best], kind="stable")]
    return best[scores[best] > 0]
