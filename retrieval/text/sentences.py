"""One sentence splitter for the whole engine, keeping offsets into the text.

`split_sentences` is a small rule-based splitter (pure Python, no models, no downloads).
A sentence ends at `.`, `!`, `?` or an ellipsis, after any closing quotes or brackets,
when the next word does not start in lower case. A line break always ends a sentence,
so paragraphs and headings without a final stop stand alone. A full stop after a known
abbreviation, an initial ("J. Smith") or a dotted acronym ("U.S.") ends a sentence only
when a common sentence opener follows ("… in the U.S. The vote …"); after a title such as
"Mr." or "Dr." it never does. Decimals ("3.5") and dotted names have no space after the
stop, so they never split.
"""

from __future__ import annotations

import re

Span = tuple[int, int]

_CANDIDATE = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s)")
_LINE = re.compile(r"[^\n]+")
_TOKEN_BEFORE = re.compile(r"[^\s\"'“‘«(\[]+$")
_OPENERS = "\"'“‘«([*_"
_DOTTED = re.compile(r"(?:[A-Za-z]{1,2}\.)+[A-Za-z]{1,2}")
_CAMEL = re.compile(r"[a-z]+[A-Z]")  # iPhone, eBay: a sentence may start with these
_WORD = re.compile(r"[\w’'-]+")
_LIST_MARKER = re.compile(r"\(?(\d{1,3}|[A-Za-z])")

# A full stop after these never ends a sentence: they stand before a name.
_TITLES = frozenset(
    "mr mrs ms messrs mme dr prof rev hon sen rep gov gen lt col sgt capt cmdr adm maj brig "
    "cpl pvt fr supt det insp pres amb v vs".split()
)
# After these it ends one only when a common sentence opener follows.
_ABBREVIATIONS = frozenset(
    "st mt ft jr sr inc ltd co corp bros llc plc dept univ assn ave blvd rd no nos vol fig "
    "est approx etc al jan feb mar apr jun jul aug sep sept oct nov dec "
    "mon tue tues wed thu thur thurs fri sat sun".split()
)
_OPENERS_AFTER_ABBREVIATION = frozenset(
    "the a an he she it they we i you this that these those there here his her its their "
    "our my but and or so yet in on at for from with by as after before when while if "
    "although though however meanwhile also still then now some many most all both each "
    "one two no not what who why how where which mr mrs ms dr officials police".split()
)
_TIME_FOLLOWERS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday today tonight tomorrow "
    "yesterday et est edt ct cst cdt mt mst mdt pt pst pdt gmt utc bst cet eastern central "
    "mountain pacific local".split()
)


def split_sentences(text: str) -> list[Span]:
    """(start, end) offsets of each sentence in `text`: end exclusive, no outer whitespace."""
    spans: list[Span] = []
    for line in _LINE.finditer(text):
        start, end = line.span()
        for candidate in _CANDIDATE.finditer(text, start, end):
            if _ends_sentence(text, start, candidate, end):
                _add(text, start, candidate.end(), spans)
                start = candidate.end()
        _add(text, start, end, spans)
    return spans


def _add(text: str, start: int, end: int, spans: list[Span]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append((start, end))


def _ends_sentence(text: str, start: int, candidate: re.Match[str], line_end: int) -> bool:
    following = candidate.end()
    while following < line_end and (text[following].isspace() or text[following] in _OPENERS):
        following += 1
    if following >= line_end:
        return True
    if text[following].islower():
        return bool(_CAMEL.match(text, following))
    stops = candidate.group().rstrip("\"'”’»)]")
    if stops != ".":
        return True  # "?", "!", "...", "…": the next word starts in upper case
    token_match = _TOKEN_BEFORE.search(text, max(start, candidate.start() - 40), candidate.start())
    token = token_match.group() if token_match else ""
    if token and text[start : candidate.start()].strip() == token and _LIST_MARKER.fullmatch(token):
        return False  # "1. First item", "(a) …": a list marker, not a sentence
    word = token.casefold()
    if word in _TITLES:
        return False
    next_word = _WORD.match(text, following)
    opener = next_word.group().casefold() if next_word else ""
    if word in ("a.m", "p.m"):
        return opener not in _TIME_FOLLOWERS
    if word in _ABBREVIATIONS or _DOTTED.fullmatch(token) or (len(token) == 1 and token.isupper()):
        return opener in _OPENERS_AFTER_ABBREVIATION
    return True
