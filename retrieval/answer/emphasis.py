"""Which words of a quote answer the question: the span the fronts show in bold.

    answer_span("Who won the Brenholt vote?",
                "Ilse Marrow won the Brenholt vote by 1,204 votes.")   # (0, 11): "Ilse Marrow"

The words are a value of the kind the question asks for (a name for "who", a number for
"how many", a date for "when", a place for "where"; see `kinds`) that the question does
not already name. When the quote holds several, the one next to a word it shares with
the question is meant ("Marrow won…, beating Ken Lo": "won" points at Marrow), else the
first. "Who is X?" points at the words that say who X is (`roles.introduction`: "its
director"). A question that asks "why" points at the quote's "because…" clause; other
questions that ask for no such value get no span, and a span is never the whole quote.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from retrieval.answer.kinds import Kind, Value, asked_kinds, find_values
from retrieval.answer.roles import identity, introduction
from retrieval.records import Citation
from retrieval.text.words import stem, tokenize, words

Span = tuple[int, int]

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
_WHY = re.compile(r"\bwhy\b", re.IGNORECASE)
_REASON = re.compile(
    r"\b(?:because|due to|owing to|as a result of|in order to|so that)\b[^,;:.!?]*",
    re.IGNORECASE,
)
_PLACE_LEAD = re.compile(
    r"\b(?:in|at|from|to|near|off|across|outside|inside|into|of|on)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_NEXT_TO = 1  # a value at most this many words from a question's word is "next to" it
_MERGE_GAP = 4  # two asked values this few words apart are shown as one span
FAR = 1_000_000  # the `value_distances` of a value no word of the question is near


def answer_span(
    question: str,
    quote: str,
    *,
    context: str = "",
    kinds: Sequence[Kind] | None = None,
    outlet: str = "",
) -> Span | None:
    """Offsets into `quote` of the words that answer `question`, or None.

    `context` is the question as understood with the conversation ("How much will the
    Brenholt tram cost?" for the follow-up "and how much?"): what it names is not the
    answer either. `kinds` overrides what the question is taken to ask for (one part of
    a multi-part question). The outlet's own name ("…, the Harbor Gazette reported") is
    never the answer.
    """
    asked = context or question
    if (name := identity(asked)) is not None and kinds is None:  # "Who is Hanne Solberg?"
        found = introduction(quote, name)
        return _partial(quote, found) if found else None
    if kinds is None:
        kinds = asked_kinds(question) or asked_kinds(asked)
    if not kinds:
        return _reason(quote) if _WHY.search(question) else None
    terms = set(tokenize(asked))
    outlet_key = " ".join(outlet.casefold().split())
    chosen: list[Value] = []
    for kind in kinds:
        values = [v for v in find_values(quote, kind, question=asked) if v.key != outlet_key]
        if values:
            chosen.append(_nearest(quote, values, terms))
    if not chosen:
        return None
    first = chosen[0]
    start, end = first.start, _unpossessed(quote, first)
    for value in sorted(chosen[1:], key=lambda v: v.start):  # "Ilse Marrow won by 1,204"
        a, b = sorted(((start, end), (value.start, value.end)))
        if len(words(quote[a[1] : b[0]])) <= _MERGE_GAP:
            start, end = min(start, value.start), max(end, _unpossessed(quote, value))
    return _partial(quote, (start, end))


def with_spans(
    question: str, citations: Sequence[Citation], *, context: str = ""
) -> list[Citation]:
    """The citations, each with the span of its quote that answers `question`."""
    return [
        dataclasses.replace(
            c, span=answer_span(question, c.quote, context=context, outlet=c.source)
        )
        for c in citations
    ]


def _nearest(quote: str, values: Sequence[Value], terms: set[str]) -> Value:
    """The first value next to a word the question also uses ("beating Ken Lo" for "who
    did she beat?"), else the first value, a sentence's subject more often than not; a
    place after "in", "off", "at"… before any other ("the ferry Marla was found off
    Cape Dunmore"). On RealTimeQA dev, with the sentence that holds the right answer,
    this bolds it for 49 % of questions asking a kind (38 % other words, 13 % none);
    the nearest value at any distance 46 %, always the first 48 %."""

    def led(value: Value) -> bool:
        return value.kind is Kind.PLACE and bool(_PLACE_LEAD.search(quote[: value.start]))

    distances = value_distances(quote, values, terms)
    best = min(range(len(values)), key=lambda i: (not led(values[i]), distances[i] > _NEXT_TO))
    return values[best]  # min keeps the first of equals


def value_distances(quote: str, values: Sequence[Value], terms: set[str]) -> list[int]:
    """For each value, how many words lie between it and the nearest word of `quote`
    (outside the values) whose term is in `terms`; `FAR` when no word is."""
    tokens = [(m.start(), stem(m.group())) for m in _WORD.finditer(quote)]
    inside = [any(v.start <= a < v.end for v in values) for a, _ in tokens]
    shared = [i for i, (_, term) in enumerate(tokens) if term in terms and not inside[i]]

    def distance(value: Value) -> int:
        own = [i for i, (a, _) in enumerate(tokens) if value.start <= a < value.end]
        if not shared or not own:
            return FAR
        return min((own[0] - i - 1) if i < own[0] else (i - own[-1] - 1) for i in shared)

    return [distance(v) for v in values]


def _unpossessed(quote: str, value: Value) -> int:
    """Where a value ends without its possessive: "ByteDance" of "ByteDance’s TikTok"."""
    if value.kind in (Kind.NAME, Kind.PLACE) and quote[value.start : value.end].endswith(
        ("'s", "’s")
    ):
        return value.end - 2
    return value.end


def _reason(quote: str) -> Span | None:
    match = _REASON.search(quote)
    return _partial(quote, match.span()) if match else None


def _partial(quote: str, span: Span) -> Span | None:
    """`span` without edge whitespace, or None when it is empty or all the quote says."""
    start, end = span
    while start < end and quote[start].isspace():
        start += 1
    while end > start and quote[end - 1].isspace():
        end -= 1
    if start >= end or words(quote[start:end]) == words(quote):
        return None
    return start, end
