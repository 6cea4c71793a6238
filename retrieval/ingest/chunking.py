"""Pack whole sentences of an article body into chunks.

`chunk_article` packs sentences greedily up to `max_words`, closing a chunk at a paragraph
end once it is at least half full. When a chunk has to close in the middle of a paragraph,
the next chunk repeats its last sentence, so a sentence that leans on the one before it
("He denied it.") keeps its context in search; chunks never overlap across paragraphs.
A sentence longer than `max_words` is a chunk of its own; text with no sentence ends at
all (tables, lists without stops) is cut at word boundaries every `max_words` words
beyond three times that length, so no chunk outgrows what the embedding model reads.
Whatever the text, no chunk is longer than `max_chars` characters (default 20 per word
allowed): a 5 MB line without spaces or stops is cut into pieces (`_capped`).
"""

from __future__ import annotations

import re

from retrieval.records import Article, Chunk
from retrieval.text.sentences import Span, split_sentences

OVERLONG_FACTOR = 3  # a "sentence" over 3 x max_words is cut at word boundaries
CHARS_PER_WORD = 20  # the default character cap of a chunk: max_words x this


def chunk_article(
    article: Article, *, max_words: int = 200, overlap: bool = True, max_chars: int | None = None
) -> list[Chunk]:
    """Chunks of whole sentences of `article.body`, each up to about `max_words` words
    and never over `max_chars` characters.

    With `overlap`, a chunk that had to close inside a paragraph lends its last sentence
    to the next chunk.
    """
    limit = max_chars or max_words * CHARS_PER_WORD
    body = article.body
    sentences = _capped(body, _bounded(body, split_sentences(body), max_words), limit)
    content_hash = article.content_hash
    groups = _capped_groups(sentences, _pack(body, sentences, max_words, overlap), limit)
    return [
        _make_chunk(article, content_hash, [sentences[i] for i in group], position)
        for position, group in enumerate(groups)
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


def _capped(body: str, spans: list[Span], max_chars: int) -> list[Span]:
    """Cut any span longer than `max_chars` into pieces that fit, at a space when there
    is one in the second half of the piece, else anywhere."""
    out: list[Span] = []
    for a, b in spans:
        while b - a > max_chars:
            cut = body.rfind(" ", a + max_chars // 2, a + max_chars + 1)
            end = cut if cut > a else a + max_chars
            out.append((a, len(body[a:end].rstrip()) + a))
            a = end
            while a < b and body[a].isspace():
                a += 1
        if b > a:
            out.append((a, b))
    return out


def _capped_groups(spans: list[Span], groups: list[list[int]], max_chars: int) -> list[list[int]]:
    """Split any group of spans reaching over more than `max_chars` characters (an
    overlap sentence split off alone is dropped: the chunk before holds it)."""
    out: list[list[int]] = []
    for group in groups:
        current: list[int] = []
        for index in group:
            if current and spans[index][1] - spans[current[0]][0] > max_chars:
                if not (out and current == [out[-1][-1]]):
                    out.append(current)
                current = []
            current.append(index)
        out.append(current)
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
        source=article.source or article.fallback_source,
        url=article.url or article.fallback_url,
        published_at=article.published_at,
        content_hash=content_hash,
        summary_only=article.summary_only,
    )
