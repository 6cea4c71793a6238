"""Pack whole sentences of an article body into chunks.

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
from retrieval.text.sentences import Span, split_sentences

OVERLONG_FACTOR = 3  # a "sentence" over 3 x max_words is cut at word boundaries


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
        source=article.source or article.fallback_source,
        url=article.url or article.fallback_url,
        published_at=article.published_at,
        content_hash=content_hash,
        summary_only=article.summary_only,
    )
