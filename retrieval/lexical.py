"""A small BM25 index kept in memory, built from the chunks of a space.

Dense vectors miss rare names and numbers ("Nebenzia", "1,500"); BM25 catches them.
Postings are numpy arrays, so scoring a query touches only the documents that share
a term with it.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from functools import cache, lru_cache
from typing import Any

import numpy as np

_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been much many
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own s same she should so some such t than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your yours
    yourself yourselves said says say according last week year new one two""".split()
)


# Words news reports use interchangeably for the same act, folded to one stem, so
# "who denied it?" finds "Moscow rejected the claim". Kept small on purpose.
_SAME_ACT = {
    "deni": ("denial", "refut", "reject", "dismiss", "rebuf", "disput"),
    "confirm": ("verifi", "acknowledg"),
    "agre": ("accept",),
    "accus": ("alleg", "blame"),
    "arrest": ("detain",),
    "announc": ("unveil",),
    "buy": ("bought", "acquir", "purchas"),
    "kill": ("slain",),
    "win": ("won",),
}
_CANONICAL = {stem: head for head, stems in _SAME_ACT.items() for stem in stems}


@cache
def _stemmer() -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=500_000)
def _term(word: str) -> str:
    """A word's index term. Stemming is slow in pure Python, but a corpus of millions of
    words has only tens of thousands of distinct ones."""
    stem = _stemmer().stemWord(word)
    return _CANONICAL.get(stem, stem)


def tokenize(text: str) -> list[str]:
    """Content words, lower-cased and Snowball-stemmed; stopwords dropped, synonyms folded."""
    words = _TOKEN.findall(text.casefold().replace("’", "'"))
    return [_term(w) for w in words if w not in STOPWORDS]


class BM25Index:
    def __init__(
        self,
        ids: Sequence[str],
        texts: Sequence[str],
        day_ords: Sequence[int] | None = None,
        *,
        k1: float = 1.2,
        b: float = 0.75,
    ) -> None:
        self.ids = list(ids)
        self.positions = {doc_id: i for i, doc_id in enumerate(self.ids)}
        self.day_ords = np.asarray(day_ords if day_ords is not None else [-1] * len(ids))
        self.k1, self.b = k1, b
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        lengths = np.zeros(len(texts), dtype=np.float32)
        for doc, text in enumerate(texts):
            counts = Counter(tokenize(text))
            lengths[doc] = sum(counts.values())
            for term, tf in counts.items():
                postings[term].append((doc, tf))
        n_docs = max(len(texts), 1)
        average = float(lengths.mean()) if len(texts) else 1.0
        self._norm = k1 * (1 - b + b * lengths / max(average, 1.0))
        self._postings: dict[str, tuple[np.ndarray, np.ndarray, float]] = {}
        for term, rows in postings.items():
            docs = np.fromiter((d for d, _ in rows), dtype=np.int32, count=len(rows))
            tfs = np.fromiter((tf for _, tf in rows), dtype=np.float32, count=len(rows))
            idf = math.log(1 + (n_docs - len(rows) + 0.5) / (len(rows) + 0.5))
            self._postings[term] = (docs, tfs, idf)

    def __len__(self) -> int:
        return len(self.ids)

    def idf(self, term: str) -> float:
        entry = self._postings.get(term)
        return entry[2] if entry else 0.0

    def scores(self, query: str, *, max_day_ord: int | None = None) -> np.ndarray:
        """BM25 score of every document (zero where no term matches or dated after the day)."""
        scores = np.zeros(len(self.ids), dtype=np.float32)
        for term in set(tokenize(query)):
            entry = self._postings.get(term)
            if entry is None:
                continue
            docs, tfs, idf = entry
            scores[docs] += idf * tfs * (self.k1 + 1) / (tfs + self._norm[docs])
        if max_day_ord is not None:
            scores[self.day_ords > max_day_ord] = 0.0
        return scores

    def best(self, scores: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The k best (id, score) pairs with a positive score, best first."""
        k = min(k, len(scores))
        if k <= 0:
            return []
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best])]
        return [(self.ids[i], float(scores[i])) for i in best if scores[i] > 0]
