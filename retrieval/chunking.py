"""Split article bodies into sentences, and pack whole sentences into chunks.

`split_sentences` is a small rule-based splitter (pure Python, no models, no downloads).
A sentence ends at `.`, `!`, `?` or an ellipsis, after any closing quotes or brackets,
when the next word does not start in lower case. A line break always ends a sentence,
so paragraphs and headings without a final stop stand alone. A full stop after a known
abbreviation, an initial ("J. Smith") or a dotted acronym ("U.S.") ends a sentence only
when a common sentence opener follows ("… in the U.S. The vote …"); after a title such as
"Mr." or "Dr." it never does. Decimals ("3.5") and dotted names have no space after the
stop, so they never split.

`chunk_article` packs sentences greedily up to `max_words`, closing a chunk at a paragraph
end once it is at least half full. When a chunk has to close in the middle of a paragraph,
the next chunk repeats its last sentence, so a sentence that leans on the one before it
("He denied it.") keeps its context in search; chunks never overlap across paragraphs.
A sentence longer than `max_words` is a chunk of its own; text with no sentence ends at
all (tables, lists without stops) is cut at word boundaries every `max_words` words
beyond three times that length, so no chunk outgrows what the embedding model reads.
"""

from __future__ import annotations

import re

from retrieval.records import Article, Chunk

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

OVERLONG_FACTOR = 3  # a "sentence" over 3 x max_words is cut at word boundaries


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


def chunk_article(article: Article, *, max_words: int = 200, overlap: bool = True) -> list[Chunk]:
    """Chunks of whole sentences of `article.body`, each up to about `max_words` words.

    With `overlap`, a chunk that had to close inside a paragraph lends its last sentence
    to the next chunk.
    """
    sentences = _bounded(article.body, split_sentences(article.body), max_words)
    content_hash = article.content_hash
    return [
        _make_chunk(article, content_hash, [sentences[i] for i in group], position)
        for position, group in enumerate(_pack(article.body, sentences, max_words, overlap))
    ]


def _pack(body: str, sentences: list[Span], max_words: int, overlap: bool) -> list[list[int]]:
    """Group sentence indices into chunks (see the module docstring for the rules)."""
    words = [len(body[a:b].split()) for a, b in sentences]
    following = [a for a, _ in sentences[1:]] + [len(body)]  # where the next one starts
    ends_paragraph = [
        "\n" in body[b:after] for (_, b), after in zip(sentences, following, strict=False)
    ]
    groups: list[list[int]] = []
    current: list[int] = []
    count = 0
    for index in range(len(sentences)):
        if current and count + words[index] > max_words:  # full: close mid-paragraph
            groups.append(current)
            last = current[-1]
            if overlap and not ends_paragraph[last] and words[last] + words[index] <= max_words:
                current, count = [last], words[last]
            else:
                current, count = [], 0
        current.append(index)
        count += words[index]
        if ends_paragraph[index] and count * 2 >= max_words:  # half full at a paragraph end
            groups.append(current)
            current, count = [], 0
    if current:
        groups.append(current)
    return groups


def _bounded(body: str, sentences: list[Span], max_words: int) -> list[Span]:
    """Cut any sentence longer than OVERLONG_FACTOR * max_words into max_words pieces."""
    out: list[Span] = []
    for a, b in sentences:
        if body.count(" ", a, b) < OVERLONG_FACTOR * max_words:
            out.append((a, b))
            continue
        word_spans = [m.span() for m in re.finditer(r"\S+", body[a:b])]
        for i in range(0, len(word_spans), max_words):
            piece = word_spans[i : i + max_words]
            out.append((a + piece[0][0], a + piece[-1][1]))
    return out


def _make_chunk(article: Article, content_hash: str, spans: list[Span], position: int) -> Chunk:
    start, end = spans[0][0], spans[-1][1]
    return Chunk(
        id=f"{article.id}:{content_hash[:8]}:{position}",
        article_id=article.id,
        position=position,
        text=article.body[start:end],
        start=start,
        sentences=tuple((a - start, b - start) for a, b in spans),
        title=article.title,
        source=article.source,
        url=article.url,
        published_at=article.published_at,
        content_hash=content_hash,
        summary_only=article.summary_only,
    )
