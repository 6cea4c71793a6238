"""Scoring one query against a BM25 index: every document, given rows, or the exact top k.

In a large space a question's common words have postings in most documents ("million"
in every one of a million chunks), yet they add almost nothing to any score. `top` finds
the k best documents without scoring every posting (MaxScore): no document gets more
from a term than its bound (see `Term`), so once the k-th best score found so far
beats what the remaining terms could add together, documents without any of the terms
scored so far are out; the remaining terms are only looked up for the documents still
in the race. Scores are summed in the order `scores` sums them, so the k documents and
their scores are exactly those of scoring everything (ties: the lower row first).

The bar rises as the race goes on (see `top`), and what a lookup finds is reused for the
full scores of the documents left. At a million synthetic chunks (bench/scale_big.py's
corpus, every query word in 0.5 to 100 % of the chunks) the top 20 takes 11 ms of CPU
(p50, on a loaded machine; 13 ms with the bar from probes alone, 54-70 ms scoring every
document): a third of the lookups, and most of what is left is the scattering of the
two or three terms with the highest bounds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

Segment = tuple[np.ndarray, np.ndarray]  # (documents ascending, term frequencies)
Allowed = Callable[[np.ndarray], np.ndarray]  # rows -> which of them may be found

SLACK = 1e-4  # relative margin on every bound, for float32 rounding in the partial sums
PROBES = 128  # fully score up to this many of the best partial scores to raise the bar
LOOKUP_COST = 16  # a posting looked up by binary search costs about this many scattered
DENSE_SCAN = 8  # a document's partial score read in order costs about 1/8 of one gathered


@dataclass(frozen=True, slots=True)
class Term:
    """A query term: its postings as consecutive segments, its weight idf * (k1 + 1), and
    the highest term frequency and shortest length among its documents: no document gets
    more from it than weight * top_tf / (top_tf + base + scale * shortest)."""

    segments: tuple[Segment, ...]
    weight: np.float32
    top_tf: int
    shortest: float

    @property
    def postings(self) -> int:
        return sum(len(docs) for docs, _ in self.segments)


class BM25Query:
    """The terms of one query (sorted, as `scores` sums them) over an index's lengths."""

    def __init__(
        self,
        terms: Sequence[Term],
        lengths: np.ndarray,
        live: np.ndarray | None,
        *,
        scale: np.float32,
        base: np.float32,
    ) -> None:
        self.terms = list(terms)
        self._lengths = lengths
        self._live = live  # None: every document is live
        self._scale, self._base = scale, base

    def _contribution(self, term: Term, docs: np.ndarray, tfs: np.ndarray) -> np.ndarray:
        counts = tfs.astype(np.float32)
        norm = self._lengths[docs] * self._scale + self._base
        return term.weight * counts / (counts + norm)

    def _bound(self, term: Term) -> float:
        """The most any document gets from the term (a little over: float32 rounding)."""
        tf = float(term.top_tf)
        norm = float(self._base) + float(self._scale) * term.shortest
        return float(term.weight) * tf / (tf + norm) * (1 + SLACK)

    def _scatter(self, total: np.ndarray, term: Term) -> None:
        for docs, tfs in term.segments:
            total[docs] += self._contribution(term, docs, tfs)

    def _lookup(self, term: Term, rows: np.ndarray) -> np.ndarray:
        """The term's contribution to each of `rows` (ascending), zero where it is absent."""
        out = np.zeros(len(rows), dtype=np.float32)
        for docs, tfs in term.segments:
            if not len(docs):
                continue
            keys = rows.astype(docs.dtype)  # the same type: no copy of the postings to search
            at = np.minimum(np.searchsorted(docs, keys), len(docs) - 1)
            found = docs[at] == keys
            out[found] = self._contribution(term, rows[found], tfs[at[found]])
        return out

    def scores(self) -> np.ndarray:
        """Every document's score (zero where no term matches or retired)."""
        total = np.zeros(len(self._lengths), dtype=np.float32)
        for term in self.terms:
            self._scatter(total, term)
        if self._live is not None:
            total[~self._live] = 0.0
        return total

    def scores_of(self, rows: np.ndarray) -> np.ndarray:
        """The scores of `rows` (ascending), equal to those of `scores` at them."""
        total = np.zeros(len(rows), dtype=np.float32)
        for term in self.terms:
            total += self._lookup(term, rows)
        if self._live is not None:
            total[~self._live[rows]] = 0.0
        return total

    def _eligible(self, rows: np.ndarray, allowed: Allowed | None) -> np.ndarray:
        keep = self._live[rows] if self._live is not None else np.ones(len(rows), np.bool_)
        if allowed is not None and len(rows):
            keep &= allowed(rows)
        return rows[keep]

    def _probed(
        self, rows: np.ndarray, partial: np.ndarray, k: int, allowed: Allowed | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The eligible documents among those with the k (at least PROBES) best partial
        scores, with their full scores: any k of them make a bar the top k reach."""
        probes = max(PROBES, k)
        if len(rows) > probes:
            rows = rows[np.argpartition(-partial, probes - 1)[:probes]]
        rows = self._eligible(np.sort(rows), allowed)
        return rows, self.scores_of(rows)

    def top(self, k: int, allowed: Allowed | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The k best-scoring documents that may be found (live, and `allowed` if given)
        with their scores: best first, ties by lower row, positive scores only.

        `bar` is always a score the k-th best document reaches at least: the k-th best
        full score among the documents probed so far, or, once every document left in
        the race has a partial score (a lower bound of its full one), the k-th best of
        those. It only rises, and every rise drops more documents from the race.
        """
        if k <= 0 or not self.terms:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        bounds = {id(t): self._bound(t) for t in self.terms}
        order = sorted(self.terms, key=lambda t: -bounds[id(t)])  # highest bound first
        rest = np.cumsum([bounds[id(t)] for t in reversed(order)])[::-1].tolist() + [0.0]
        partial = np.zeros(len(self._lengths), dtype=np.float32)
        bar, scored = 0.0, 0
        probed: dict[int, float] = {}  # row -> full score, of every document probed for the bar
        # Score the terms with the highest bounds over all their postings, until what the
        # others could add falls under the bar: a document none of these has is out.
        for term in order:
            if rest[scored] < bar * (1 - SLACK):
                break
            self._scatter(partial, term)
            scored += 1
            docs = np.concatenate([d for d, _ in term.segments])
            rows, full = self._probed(docs, partial[docs], k, allowed)
            probed.update(zip(rows.tolist(), full.tolist(), strict=True))
            bar = max(bar, _kth(np.fromiter(probed.values(), np.float32, len(probed)), k))
        reach = bar * (1 - SLACK) - rest[scored]
        if sum(t.postings for t in order[:scored]) * DENSE_SCAN > len(partial):
            rows = np.flatnonzero((partial >= reach) & (partial > 0))  # sorted, once each
        else:
            found = [d[partial[d] >= reach] for t in order[:scored] for d, _ in t.segments]
            rows = np.sort(np.concatenate(found)).astype(np.int64)
            rows = rows[np.diff(rows, prepend=-1) > 0]
        rows = self._eligible(rows, allowed)
        # The other terms: looked up only for the documents that can still make the top k;
        # what a lookup finds is kept for the full scores at the end.
        looked_up: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for n, term in enumerate(order[scored:], scored + 1):
            if len(rows) * LOOKUP_COST > term.postings:
                self._scatter(partial, term)
            else:
                looked_up[id(term)] = (rows, self._lookup(term, rows))
                partial[rows] += looked_up[id(term)][1]
            bar = max(bar, _kth(partial[rows], k) * (1 - SLACK))
            rows = rows[partial[rows] >= bar * (1 - SLACK) - rest[n]]
        bar = max(bar, _kth(partial[rows], k) * (1 - SLACK))
        rows = rows[partial[rows] >= bar * (1 - SLACK)]
        exact = np.zeros(len(rows), dtype=np.float32)
        for term in self.terms:  # summed in the order `scores` sums them
            if id(term) in looked_up:
                before, values = looked_up[id(term)]
                exact += values[np.searchsorted(before, rows)]
            else:
                exact += self._lookup(term, rows)
        rows, exact = rows[exact > 0], exact[exact > 0]  # (rows are live: eligible)
        best = np.lexsort((rows, -exact))[:k]
        return rows[best], exact[best]


def _kth(scores: np.ndarray, k: int) -> float:
    """The k-th highest of `scores`, 0 when there are fewer."""
    return float(-np.partition(-scores, k - 1)[k - 1]) if len(scores) >= k else 0.0
