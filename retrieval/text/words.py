"""Words as search and answer checks see them: one stopword list, one stemmer, one tokenizer.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

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
