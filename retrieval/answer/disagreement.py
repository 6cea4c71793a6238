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

from collections.abc import Callable, Sequence
from typing import TypeVar

from retrieval.answer.kinds import Kind, asked_kinds, find_values
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


def same_report(a: str, b: str) -> bool:
    """Whether two sentences tell the same thing in mostly the same words, leaving out
    the values they may disagree on."""
    words_a = content_words(VALUE_WORD.sub(" ", a))
    words_b = content_words(VALUE_WORD.sub(" ", b))
    if not words_a or not words_b:
        return False
    return len(words_a & words_b) / max(len(words_a), len(words_b)) >= SHARED_WORDS


def values(question: str, sentence: str, kinds: Sequence[Kind] | None = None) -> frozenset[str]:
    """The keys of the values of the asked kinds that `sentence` gives (not those the
    question itself mentions); of every kind when the question asks for none."""
    kinds = (asked_kinds(question) if kinds is None else kinds) or list(Kind)
    return frozenset(
        f"{kind}:{v.key}" for kind in kinds for v in find_values(sentence, kind, question=question)
    )


def differ(question: str, a: str, b: str, kinds: Sequence[Kind] | None = None) -> bool:
    """Whether `a` and `b` each give a value for what is asked that the other does not:
    "Ilse Marrow and Tomas Brenn" against "Odile Farran and Tomas Brenn" differ, a
    sentence that only adds a name to the other's does not."""
    return _apart(values(question, a, kinds), values(question, b, kinds))


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
    found = [(article, values(question, text, kinds)) for article, text in quotes]
    return any(
        a != b and _apart(va, vb) and (related is None or related(i, j))
        for i, (a, va) in enumerate(found)
        for j, (b, vb) in enumerate(found[i + 1 :], i + 1)
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
    """`chosen` (best first), changed so that it shows the other side when one of the
    `eligible` sentences (best first, each good enough to quote) from another article
    gives a value that differs from the best quote's: that sentence takes the place of
    the last quote that adds no version of its own, or is added while there is room.
    The quotes stay at most `max_quotes`; nothing changes when no sentence differs.
    With `related`, only a sentence about the same thing as the best quote
    (`related(best, sentence)`) is another side of it."""
    kinds = asked_kinds(question)
    if not chosen:
        return chosen
    best = values(question, text(chosen[0]), kinds)
    if not best:
        return chosen
    shown = set(best)
    for item in chosen[1:]:
        shown |= values(question, text(item), kinds)
    other = next(
        (
            item
            for item in eligible
            if article(item) != article(chosen[0])
            and (related is None or related(chosen[0], item))
            and (found := values(question, text(item), kinds))
            and _apart(found, best)
        ),
        None,
    )
    if other is None or any(other is item for item in chosen):
        return chosen
    other_values = values(question, text(other), kinds)
    if not (other_values - shown) and any(
        article(item) != article(chosen[0]) and values(question, text(item), kinds) - best
        for item in chosen[1:]
    ):
        return chosen  # another side is already shown
    if len(chosen) < max_quotes:
        return [*chosen, other]
    # Replace the last quote that gives no value the others don't already give.
    for i in range(len(chosen) - 1, 0, -1):
        mine = values(question, text(chosen[i]), kinds)
        rest: set[str] = set()
        for j, item in enumerate(chosen):
            if j != i:
                rest |= values(question, text(item), kinds)
        if not (mine - rest - best) or not mine:
            return [*chosen[:i], *chosen[i + 1 :], other]
    return [*chosen[:-1], other]
