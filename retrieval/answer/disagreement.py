"""Where outlets disagree: two quotes giving different values for what was asked.

"How many workers are on strike?" answered by one outlet with 1,200 and by another with
900 is not one answer but two, and the reader should see both. A question that asks
for a name, number, date or place (see kinds.py) lets each sentence be read for the
value it gives (a question asking for none of these, "what does CES stand for?", for
any of them); two sentences from different articles about the same thing disagree when
each gives a value the other does not. The extractive answerer uses `differ` to keep a
near-duplicate sentence that gives another value (it is not a copy), and `pick_sides`
to make sure the quotes show the other version the best sentences give; `disagrees`
tells whether the quotes chosen do.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from difflib import SequenceMatcher
from functools import lru_cache
from typing import TypeVar

from retrieval.answer.kinds import NOT_A_NAME, Kind, asked_kinds, find_values
from retrieval.text.words import VALUE_WORD, content_words

T = TypeVar("T")

HEADLINE = "Sources disagree:"
# Two sentences are two versions of the same thing when at least this similar: loosely
# when the question says what is asked, only a near restatement when it doesn't.
SIDE_COSINE = 0.50
RESTATED_COSINE = 0.80


def same_thing_cosine(question: str) -> float:
    return SIDE_COSINE if asked_kinds(question) else RESTATED_COSINE


# ...and when at least this share of the longer one's other words (not names, numbers
# or dates) are the other's: "the strike ended on Sunday" and "the union called the
# strike on Friday" are two facts of one story, not two versions of one.
SHARED_WORDS = 0.40


# A sentence whose other words are nearly all another's is that sentence with other
# values: "Lake Mead, located in Arizona and Nevada, is the largest reservoir" against
# "Lake Powell, located in Arizona and Nevada, …" are two versions even when the
# question asks no kind, and however far the other value lowers their similarity.
RESTATED_WORDS = 0.80


def same_report(a: str, b: str) -> bool:
    """Whether two sentences tell the same thing in mostly the same words, leaving out
    the values they may disagree on."""
    return _shared_words(a, b) >= SHARED_WORDS


def restated(a: str, b: str) -> bool:
    """Whether one sentence is the other with other values (see RESTATED_WORDS)."""
    return _shared_words(a, b) >= RESTATED_WORDS


# Two versions of one report are published about the same time; months apart, two
# sentences alike in all but their values tell two events (this year's recall and last
# year's, two seasons' champions), and the newer one is the news, not a dispute. On
# the plain RealTimeQA dev corpus, 19 of the 21 answers flagged as disagreeing quoted
# sentences 112 to 2,153 days apart, none a real contradiction.
VERSION_DAYS = 30


def versions(
    question: str, a: str, b: str, cosine: float, published: tuple[date | None, date | None]
) -> bool:
    """Whether sentences `a` and `b`, whose vectors have `cosine` and whose articles were
    `published` on those dates, are two versions of one report of what `question` asks
    (should their values differ)."""
    if not same_time(*published):
        return False
    if cosine >= same_thing_cosine(question) and same_report(a, b):
        return True
    return cosine >= SIDE_COSINE and restated(a, b)


_NAME_RUN = re.compile(r"[A-Z][\w'’-]+(?:\s+(?:of\s+)?[A-Z][\w'’-]+)*")
_SENTENCE_START = re.compile(r"(?:^|[.!?][\"'”’)]*\s+)$")


@lru_cache(maxsize=1024)
def named(passage: str, leaving_out: frozenset[str] = frozenset()) -> frozenset[str]:
    """The names a passage gives (capitalised runs, casefolded: "port of velmora", "ilse
    marrow"), but not a lone capitalised word that opens a sentence ("The", "Union"), a
    weekday or month; without the words of `leaving_out` and those made from them."""
    found = set()
    for m in _NAME_RUN.finditer(passage):
        words = [re.sub(r"['’]s$", "", w) for w in m.group().casefold().split()]  # "Brazil’s"
        if len(words) > 1 and words[0] in ("the", "a", "an"):  # "The Velmora Port Authority"
            words = words[1:]
        if len(words) == 1 and _SENTENCE_START.search(passage[: m.start()]):
            continue
        words = [w for w in words if not _of_any(w, leaving_out)]  # "Chief Justice [John Roberts]"
        while words and words[-1] == "of":
            words.pop()
        while words and words[0] == "of":
            words.pop(0)
        if words and not all(w in NOT_A_NAME or w == "of" for w in words):
            found.add(" ".join(words))
    return frozenset(found)


def _of_any(word: str, values: frozenset[str]) -> bool:
    """Whether `word` is one of `values`' words or made from one ("Brazilians")."""
    return word in values or any(len(v) >= 4 and word.startswith(v) for v in values)


def same_story(passages: tuple[str, str], sentences: tuple[str, str]) -> bool:
    """Whether two passages can tell one story: they share a name other than the words of
    the names and places the two `sentences` differ in (two dock strikes, one at the Port
    of Velmora and one at the Port of Marrow Bay, are two stories however alike their
    sentences). True when either names nothing else."""
    given = [
        {w for kind in (Kind.NAME, Kind.PLACE) for v in find_values(s, kind) for w in v.key.split()}
        for s in sentences
    ]
    differing = frozenset(given[0] ^ given[1])
    first, second = (named(p, differing) for p in passages)
    return not first or not second or bool(first & second)


def untold(question: str, a: str, b: str, passages: tuple[str, str]) -> bool:
    """Whether the values for what `question` asks that sentence `a` gives and `b` does
    not, and those `b` gives and `a` does not, are each never given by the other's
    passage (`passages`: a's, then b's): a story that says "Tarrow Foods" elsewhere does
    not dispute another's "Tarrow Foods" with its "the popular retailer". True when one
    of them has no such values (they differ in a `swapped` value, or not at all)."""
    kinds = asked_kinds(question)
    own_a, own_b = values(question, a, kinds), values(question, b, kinds)
    only_a, only_b = own_a - own_b, own_b - own_a
    if not only_a or not only_b:
        return True
    return bool(only_a - _told(question, passages[1], tuple(kinds))) and bool(
        only_b - _told(question, passages[0], tuple(kinds))
    )


@lru_cache(maxsize=512)
def _told(question: str, passage: str, kinds: tuple[Kind, ...]) -> frozenset[str]:
    """The values `passage` gives, and the acronyms of its runs of words ("DEI" is told
    by "diversity, equity and inclusion")."""
    found = values(question, passage, kinds)
    named = [k for k in kinds if k in (Kind.NAME, Kind.PLACE)] or [Kind.NAME]
    words = [w for w in _WORDS.findall(passage.casefold()) if w not in _LINKS]
    initials = {
        "".join(w[0] for w in words[i : i + n])
        for n in range(2, _LONGEST_ACRONYM + 1)
        for i in range(len(words) - n + 1)
    }
    return found | {f"{kind}:{a}" for kind in named for a in initials}


_WORDS = re.compile(r"[^\W\d_]+")
_LINKS = frozenset("and of the for & a an".split())  # "Bank of Lisk" is BL
_LONGEST_ACRONYM = 6


def same_time(a: date | None, b: date | None) -> bool:
    """Whether two articles' publication dates are close enough for their sentences to
    be versions of one report (an unknown date may be)."""
    return a is None or b is None or abs((a - b).days) <= VERSION_DAYS


def _shared_words(a: str, b: str) -> float:
    """The share of the longer sentence's other words (not values) the other holds."""
    words_a = content_words(VALUE_WORD.sub(" ", a))
    words_b = content_words(VALUE_WORD.sub(" ", b))
    if not words_a or not words_b:
        return 0.0
    return len(words_a & words_b) / max(len(words_a), len(words_b))


def values(question: str, sentence: str, kinds: Sequence[Kind] | None = None) -> frozenset[str]:
    """The keys of the values of the asked kinds that `sentence` gives (not those the
    question itself mentions, nor offices: `office`); of every kind when the question
    asks for none."""
    kinds = (asked_kinds(question) if kinds is None else kinds) or list(Kind)
    return frozenset(
        f"{kind}:{v.key}"
        for kind in kinds
        for v in find_values(sentence, kind, question=question)
        if not (v.kind in (Kind.NAME, Kind.PLACE) and office(v.text))
    )


_TITLES = frozenset(
    """duke duchess prince princess king queen earl countess lord lady baron baroness
    emperor empress pope president vice prime minister secretary chancellor governor mayor
    senator speaker minister attorney general chief justice commissioner ambassador""".split()
)
_OFFICE = re.compile(
    r"^(?P<titles>[\w\s-]+?)(?:\s+of\s+(?P<seat>(?!the\b)[\w'’-]+(?:\s+[\w'’-]+)?))?$"
)


def office(name: str) -> bool:
    """Whether `name` is an office, not who holds it: titles, and at most the seat they
    are "of" ("the Duke and Duchess of Tarrow", "Secretary of Ferries", "Prime
    Minister"; not a lone "Queen", which may be the band). One story's "the Duke and
    Duchess of Tarrow" and another's "Prince Tam and his wife Ilse" may be the same
    people: an office names no one to disagree on (on plain RealTimeQA dev, a royal
    couple's title against their names was flagged as two versions)."""
    match = _OFFICE.match(" ".join(name.split()))
    if match is None:
        return False
    words = match.group("titles").casefold().replace("-", " ").split()
    titles = [w for w in words if w != "and"]
    return (
        all(w in _TITLES for w in titles)
        and words[0] != "and"
        and (len(titles) > 1 or match.group("seat") is not None)
    )


def differ(question: str, a: str, b: str, kinds: Sequence[Kind] | None = None) -> bool:
    """Whether `a` and `b` each give a value for what is asked that the other does not:
    "Ilse Marrow and Tomas Brenn" against "Odile Farran and Tomas Brenn" differ, a
    sentence that only adds a name to the other's does not; or one is the other with
    a value swapped (`swapped`)."""
    kinds = asked_kinds(question) if kinds is None else kinds
    return _apart(values(question, a, kinds), values(question, b, kinds)) or swapped(
        question, a, b, kinds
    )


_TOKEN = re.compile(r"\S+")


def swapped(question: str, a: str, b: str, kinds: Sequence[Kind] | None = None) -> bool:
    """Whether `b` is `a` retold (`restated`) with a value of the asked kind in the
    place of another: "…ended up at Lisk, home of Brenholt Zoo" against "…ended up at
    Lisk, home of Port Alder". The values count even when the question names them or
    shares a word with them ("Brenholt Zoo" for "…outside Brenholt, ended up where?"),
    which `values` leaves out: the words around them say they answer it."""
    if not restated(a, b):
        return False
    kinds = (asked_kinds(question) if kinds is None else kinds) or list(Kind)
    tokens_a, tokens_b = list(_TOKEN.finditer(a)), list(_TOKEN.finditer(b))
    matcher = SequenceMatcher(
        None, [t.group() for t in tokens_a], [t.group() for t in tokens_b], autojunk=False
    )
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op != "replace":
            continue
        here = _keys_within(a, kinds, tokens_a[i1].start(), tokens_a[i2 - 1].end())
        there = _keys_within(b, kinds, tokens_b[j1].start(), tokens_b[j2 - 1].end())
        if _apart(here, there):
            return True
    return False


def _keys_within(sentence: str, kinds: Sequence[Kind], start: int, end: int) -> frozenset[str]:
    """The keys of the values of `kinds` in `sentence` that overlap `start:end`."""
    return frozenset(
        f"{kind}:{v.key}"
        for kind in kinds
        for v in find_values(sentence, kind)
        if v.start < end and start < v.end
    )


def _apart(first: frozenset[str], second: frozenset[str]) -> bool:
    return bool(first - second) and bool(second - first)


def disagrees(
    question: str,
    quotes: Sequence[tuple[str, str]],
    related: Callable[[int, int], bool] | None = None,
) -> bool:
    """Whether two of the `(article id, sentence)` quotes, from different articles,
    give different values for what `question` asks (and, with `related`, are about the
    same thing: `related(i, j)` for quotes i and j)."""
    kinds = asked_kinds(question)
    return any(
        a != b and differ(question, x, y, kinds) and (related is None or related(i, j))
        for i, (a, x) in enumerate(quotes)
        for j, (b, y) in enumerate(quotes[i + 1 :], i + 1)
    )


def pick_sides(
    question: str,
    chosen: list[T],
    eligible: Sequence[T],
    *,
    text: Callable[[T], str],
    article: Callable[[T], str],
    max_quotes: int,
    related: Callable[[T, T], bool] | None = None,
) -> list[T]:
    """`chosen` (best first), changed so that it shows the other side of a quote: the
    first quote, best first, that has one of the `eligible` sentences (best first, each
    good enough to quote) from another article giving a value that differs from its own
    (or retelling it with a value swapped, `swapped`) gets that sentence beside it. The
    sentence takes the place of the last quote that adds no version of its own, or is
    added while there is room.
    The quotes stay at most `max_quotes`; nothing changes when no sentence differs or a
    quote's other side is already shown. With `related`, only a sentence about the same
    thing as the quote (`related(quote, sentence)`) is another side of it."""
    kinds = asked_kinds(question)

    def side_of(anchor: T, item: T) -> bool:
        return (
            article(item) != article(anchor)
            and differ(question, text(anchor), text(item), kinds)
            and (related is None or related(anchor, item))
        )

    for at, anchor in enumerate(chosen):
        if any(side_of(anchor, item) for item in chosen):
            return chosen  # this quote's other side is already shown
        other = next((item for item in eligible if side_of(anchor, item)), None)
        if other is None or other in chosen:
            continue
        if len(chosen) < max_quotes:
            return [*chosen[: at + 1], other, *chosen[at + 1 :]]
        return _replace_one(question, chosen, at, other, kinds, text)
    return chosen


def _replace_one(
    question: str,
    chosen: list[T],
    anchor: int,
    other: T,
    kinds: Sequence[Kind],
    text: Callable[[T], str],
) -> list[T]:
    """`chosen` with `other` beside its `anchor`, in the place of the last quote (not
    the best, not the anchor) that gives no value the others don't already give, else
    of the last one that is neither."""
    given = [values(question, text(item), kinds) for item in chosen]
    keep = {0, anchor}
    free = [i for i in range(len(chosen) - 1, 0, -1) if i not in keep]
    if not free:
        return chosen
    drop = next(
        (
            i
            for i in free
            if not given[i]
            or not given[i] - frozenset().union(*(g for j, g in enumerate(given) if j != i))
        ),
        free[0],
    )
    rest = [item for i, item in enumerate(chosen) if i != drop]
    at = rest.index(chosen[anchor])
    return [*rest[: at + 1], other, *rest[at + 1 :]]
