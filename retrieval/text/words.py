"""Words as search and answer checks see them: one stopword list, one stemmer, one tokenizer.

`words` finds the words of a text as written; `stem` gives a word's term (lower-cased,
Snowball-stemmed, with a few synonyms folded); `tokenize` gives the terms of a text's
words that are not stopwords, in order (BM25 indexes these); `content_words` the set of
them without numbers and single letters (the citation checker compares these).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

# A word that may be a value two reports disagree on: one holding a digit ("1,200",
# "2026-03-12") or a capitalised word that doesn't open a sentence (a name).
VALUE_WORD = re.compile(r"[\w'’.,-]*\d[\w'’.,-]*|(?<![.?!]\s)(?<!^)\b[A-Z][\w'’-]*")
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been much many
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own s same she should so some such t than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your yours
    yourself yourselves said says say according last week year new one two
    might must shall per via yet still ones""".split()
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

# Irregular past forms, which the stemmer leaves as they are, as their verb: "Who leads
# the union?" finds "the union, led by Ilse Marrow". Only forms that are rarely another
# word ("left", "found", "saw" and "lay" are).
_IRREGULAR = {
    form: verb
    for verb, forms in {
        "lead": "led",
        "sell": "sold",
        "pay": "paid",
        "hold": "held",
        "tell": "told",
        "meet": "met",
        "give": "gave given",
        "take": "took taken",
        "make": "made",
        "begin": "began begun",
        "rise": "rose risen",
        "fall": "fell fallen",
        "spend": "spent",
        "send": "sent",
        "strike": "struck",
        "fight": "fought",
        "choose": "chose chosen",
        "drive": "drove driven",
        "steal": "stole stolen",
        "break": "broke broken",
        "lose": "lost",
        "shoot": "shot",
        "build": "built",
        "bring": "brought",
        "catch": "caught",
        "teach": "taught",
        "write": "wrote written",
        "speak": "spoke spoken",
        "know": "knew known",
        "grow": "grew grown",
        "fly": "flew flown",
        "throw": "threw thrown",
        "flee": "fled",
        "seek": "sought",
        "think": "thought",
        "keep": "kept",
        "withdraw": "withdrew withdrawn",
        "overtake": "overtook overtaken",
        "swear": "swore sworn",
        "freeze": "froze frozen",
        "sink": "sank sunk",
        "hide": "hid hidden",
    }.items()
    for form in forms.split()
}


@cache
def _stemmer() -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=500_000)
def _term(word: str) -> str:
    """A word's index term. Stemming is slow in pure Python, but a corpus of millions of
    words has only tens of thousands of distinct ones."""
    stem = _stemmer().stemWord(_IRREGULAR.get(word, word))
    return _CANONICAL.get(stem, stem)


def words(text: str) -> list[str]:
    """The words of `text` as written (letters and digits, with an inner apostrophe)."""
    return _TOKEN.findall(text)


def stem(word: str) -> str:
    """A word's term: "Ferries" -> "ferri", "closed" -> "close", "rejected" -> "deni"."""
    return _term(word.casefold().replace("’", "'"))


def tokenize(text: str) -> list[str]:
    """Content words, lower-cased and Snowball-stemmed; stopwords dropped, synonyms folded."""
    found = _TOKEN.findall(text.casefold().replace("’", "'"))
    return [_term(w) for w in found if w not in STOPWORDS]


def content_words(text: str, *, ignore: frozenset[str] = frozenset()) -> set[str]:
    """The terms of `text` that carry meaning: no stopwords (nor words in `ignore`, given
    lower-cased), numbers or single letters."""
    found = _TOKEN.findall(text.casefold().replace("’", "'"))
    return {
        _term(w)
        for w in found
        if w not in STOPWORDS and w not in ignore and len(w) > 1 and not w.isdigit()
    }
