"""Reading an answer's text: sentences, `[n]` markers, claims, content words and facts.

Pure text functions, no models: `retrieval.answer.verify` uses them to check an LLM's answer.
Sentences, words and stems come from `retrieval.text`, as for articles and search; an
answer's `[n]` markers after a sentence's stop stay with that sentence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from retrieval.text.sentences import Span
from retrieval.text.sentences import split_sentences as _split_text
from retrieval.text.words import STOPWORDS, stem, words
from retrieval.text.words import content_words as _content_words

# "[1]", "[1, 2]", and the "[Passage 1]" some models write; a group is markers in a row.
_MARKER = r"\[\s*(?:(?i:passage|source|article)s?\s*)?\d+(?:\s*,\s*\d+)*\s*\]"
MARKER_GROUP = re.compile(rf"(?:\s*{_MARKER})+")
_LEADING_MARKERS = re.compile(rf"{_MARKER}(?:\s*{_MARKER})*")
_NUMBER_IN_MARKER = re.compile(r"\d+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_MARKDOWN = re.compile(r"[*_`]+")  # emphasis and code marks
_LABEL = re.compile(r"^\s*[^\W\d_][\w'’]*(?:\s+[\w'’]+){0,2}:\s+")  # "Short answer: …"
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_THINK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)


# Words an answer uses to say where a claim comes from, not what it claims.
_ATTRIBUTION_WORDS = frozenset(
    "told tells reported reports reporting stated states saying "
    "article articles passage passages source sources".split()
)
_NOT_NAMES = STOPWORDS | _ATTRIBUTION_WORDS
_CALENDAR = frozenset(
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday".split()
)
_NUMBER_WORDS = {
    "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11",
    "twelve": "12", "thirteen": "13", "fourteen": "14", "fifteen": "15", "sixteen": "16",
    "seventeen": "17", "eighteen": "18", "nineteen": "19", "twenty": "20", "thirty": "30",
    "forty": "40", "fifty": "50", "hundred": "100", "thousand": "1000", "dozen": "12",
}  # fmt: skip


# --- text helpers ---------------------------------------------------------------------


def strip_reasoning(text: str) -> str:
    """Remove `<think>…</think>` blocks that some local reasoning models emit."""
    return _THINK.sub("", text).strip()


def content_words(text: str) -> set[str]:
    """The terms that carry meaning (see `retrieval.text.content_words`), attribution aside."""
    return _content_words(text, ignore=_ATTRIBUTION_WORDS)


def numbers_in(text: str) -> set[str]:
    """Numbers written in digits (commas dropped) or as common number words."""
    found = {n.replace(",", "").rstrip(".") for n in _NUMBER.findall(text)}
    found |= {_NUMBER_WORDS[w.lower()] for w in words(text) if w.lower() in _NUMBER_WORDS}
    return found


def hard_facts(claim: str) -> set[str]:
    """What a claim must not get wrong: numbers, months and weekdays, and names.

    Names are capitalised words other than the first. All come back in the form
    `known_facts` gives them, so `hard_facts(claim) - known_facts(passage)` is what the
    claim says that the passage does not.
    """
    found = words(claim)
    names = {stem(w) for w in found[1:] if w[:1].isupper() and w.lower() not in _NOT_NAMES}
    calendar = {stem(w) for w in found if w[:1].isupper() and w.lower() in _CALENDAR}
    return numbers_in(claim) | names | calendar


def known_facts(text: str) -> set[str]:
    """Every number, content word and calendar word of `text`, as `hard_facts` gives them."""
    calendar = {stem(w) for w in words(text) if w.lower() in _CALENDAR}
    return numbers_in(text) | content_words(text) | calendar


def date_words(day: date | None) -> str:
    if day is None:
        return ""
    return f"{day.isoformat()} {day.day} {day:%B} {day:%b} {day.year} {day.month}"


def sentence_spans(text: str) -> list[Span]:
    """(start, end) of each sentence of an answer, as `retrieval.text.split_sentences`
    finds them, except that `[n]` markers after a sentence's stop stay with it
    ("It closed. [1] Then …" is "It closed. [1]" and "Then …"), and so do markers on a
    line of their own."""
    spans: list[Span] = []
    for start, end in _split_text(text):
        markers = _LEADING_MARKERS.match(text, start, end)
        alone = markers is not None and markers.end() == end
        if markers and spans and (alone or "\n" not in text[spans[-1][1] : start]):
            spans[-1] = (spans[-1][0], markers.end())
            start = (
                markers.end()
                + len(text[markers.end() : end])
                - len(text[markers.end() : end].lstrip())
            )
        if start < end:
            spans.append((start, end))
    return spans


def split_sentences(text: str) -> list[str]:
    """The sentences of an answer (see `sentence_spans`)."""
    return [text[a:b] for a, b in sentence_spans(text)]


_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
    "|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_DATE = re.compile(
    rf"\b(?:\d{{4}}-\d{{2}}-\d{{2}}"
    rf"|(?:\d{{1,2}}(?:st|nd|rd|th)?\s+)?(?:{_MONTHS})\.?(?:\s+\d{{1,2}}(?:st|nd|rd|th)?)?"
    rf"(?:,?\s+\d{{4}})?)\b"
)
_ATTRIBUTION = re.compile(
    r"^\s*(?:as of|on)\b\s*,?|\b(?:as of|(?:was |were )?(?:reported|published)(?: on)?(?: that)?"
    r"|according to)\b\s*,?",
    re.IGNORECASE,
)


def _is_one_of(found: str, days: Sequence[date]) -> bool:
    numbers = set(re.findall(r"\d+", found.replace("-", " ")))
    for day in days:
        same_month = day.strftime("%b").lower() in found.lower() or f"-{day:%m}-" in found
        parts = {str(day.day), f"{day:%d}", str(day.year)} | (
            {f"{day:%m}"} if "-" in found else set()
        )
        if same_month and numbers <= parts:
            return True
    return False


def strip_attribution(claim: str, outlets: Sequence[str], days: Sequence[date]) -> str:
    """The claim without who reported it and when: what the passage text itself must say.

    "As of 4 March 2031, the Courier reported that the bridge will close" -> "the bridge
    will close", when the Courier and 4 March 2031 are a passage's outlet and date (or the
    as-of date): those come from passage metadata, not from its text.
    """
    text = _DATE.sub(lambda m: " " if _is_one_of(m.group(), days) else m.group(), claim)
    for outlet in sorted(filter(None, outlets), key=len, reverse=True):
        text = re.sub(rf"\b(?:the\s+)?{re.escape(outlet)}(?:'s|’s)?", " ", text, flags=re.I)
    text = _ATTRIBUTION.sub(" ", re.sub(r"\s+", " ", text))
    text = re.sub(r"^[\s,;:]+|\s+(?=[,.;:])", "", re.sub(r"\s+", " ", text))
    return text.strip() or claim


def normalize_phrase(text: str) -> str:
    return " ".join(words(text.lower().replace("’", "'")))


def marker_numbers(text: str) -> list[int]:
    """The passage numbers in `[1]`, `[1][2]` or `[1, 2]`, in order."""
    return [int(n) for n in _NUMBER_IN_MARKER.findall(text)]


def without_markers(text: str) -> str:
    return MARKER_GROUP.sub("", text).strip()


@dataclass(frozen=True, slots=True)
class Claim:
    """What one group of markers in a sentence vouches for."""

    text: str  # the claim, markers removed
    cited: tuple[int, ...]  # the passage numbers the LLM gave it (1-based), known ones only


def parse_claims(sentence: str, passages: int) -> tuple[list[Claim], list[int]]:
    """A sentence's claims, one per marker group, and the marker numbers out of 1..passages.

    The claim of a group is the text since the previous group ("X [1], while Y [2]."),
    with any text after the last group added to the last claim. A claim of fewer than
    three content words ("According to [1], …") is the whole sentence. Bullets, markdown
    emphasis and a short label ("**In short:** …") are not part of any claim.
    """
    body = _LABEL.sub("", _MARKDOWN.sub("", _BULLET.sub("", sentence)))
    whole = without_markers(body)
    pieces: list[tuple[str, tuple[int, ...]]] = []
    unknown: list[int] = []
    position = 0
    for group in MARKER_GROUP.finditer(body):
        numbers = marker_numbers(group.group())
        pieces.append(
            (
                body[position : group.start()],
                tuple(dict.fromkeys(n for n in numbers if 1 <= n <= passages)),
            )
        )
        unknown.extend(n for n in numbers if not 1 <= n <= passages)
        position = group.end()
    if pieces:
        text, cited = pieces[-1]
        pieces[-1] = (text + body[position:], cited)
    claims = [
        Claim(text=(text if len(content_words(text)) >= 3 else whole).strip(" ,;—-"), cited=cited)
        for text, cited in pieces
        if cited
    ]
    return claims, unknown
