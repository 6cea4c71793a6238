"""Pack whole sentences of an article body into chunks that the embedding model reads whole.

A chunk's size is measured in the model's own tokens when `chunk_article` is given a
`TokenCounter` (the engine passes its embedder): what gets embedded, the chunk's title
and outlet line plus its text (`Chunk.embed_text`), fits the model's `max_tokens`, so no
sentence is cut off unseen. Without one, sizes are counted in words (`max_words`).

Sentences are packed greedily up to the budget, closing a chunk at a paragraph end once
it is at least half full. When a chunk has to close in the middle of a paragraph, the
next chunk repeats its last sentence, so a sentence that leans on the one before it
("He denied it.") keeps its context in search; chunks never overlap across paragraphs.
A sentence over the budget is cut at word boundaries into pieces that fit (in words:
only beyond three times the budget, so tables and lists without stops still get cut).
Whatever the text, no chunk is longer than `max_chars` characters (default 20 per word
allowed): a 5 MB line without spaces or stops is cut into pieces (`_capped`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from retrieval.records import Article, Chunk
from retrieval.text.sentences import Span, split_sentences

OVERLONG_FACTOR = 3  # a "sentence" over 3 x max_words is cut at word boundaries
CHARS_PER_WORD = 20  # the default character cap of a chunk: max_words x this
MIN_TOKENS = 32  # a chunk's own budget, however long the title line before it


class TokenCounter(Protocol):
    """The embedding model's tokenizer, as the chunker needs it (`Embedder` is one)."""

    @property
    def max_tokens(self) -> int: ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...


def chunk_article(
    article: Article,
    *,
    max_words: int = 200,
    overlap: bool = True,
    max_chars: int | None = None,
    tokens: TokenCounter | None = None,
    max_tokens: int | None = None,
) -> list[Chunk]:
    """Chunks of whole sentences of `article.body`: with `tokens`, each one's embedded
    text within the model's tokens (or `max_tokens`, if fewer); else each up to about
    `max_words` words. Never over `max_chars` characters.

    With `overlap`, a chunk that had to close inside a paragraph lends its last sentence
    to the next chunk.
    """
    limit = max_chars or max_words * CHARS_PER_WORD
    body = article.body
    spans = split_sentences(body)
    sizes: _Words | _Tokens
    if tokens is None:
        sizes = _Words(max_words)
        budget = max_words
    else:
        sizes = _Tokens(tokens)
        budget = _chunk_budget(article, tokens, max_tokens)
    sentences = _capped(body, _bounded(body, spans, sizes, budget), limit)
    content_hash = article.content_hash
    lengths = sizes.of([body[a:b] for a, b in sentences])
    groups = _capped_groups(sentences, _pack(body, sentences, lengths, budget, overlap), limit)
    return [
        _make_chunk(article, content_hash, [sentences[i] for i in group], position)
        for position, group in enumerate(groups)
    ]


def _chunk_budget(article: Article, tokens: TokenCounter, max_tokens: int | None) -> int:
    """The tokens left for a chunk's text once its title line (see `Chunk.embed_text`)
    is counted: one more for the line break, however the tokenizer treats it."""
    window = min(tokens.max_tokens, max_tokens or tokens.max_tokens)
    head = _make_chunk(article, "", [(0, 0)], 0).embed_text
    used = tokens.count_tokens([head])[0] + 1 if head else 0
    return max(MIN_TOKENS, window - used)


class _Words:
    """Sizes in words; a "sentence" is cut only beyond OVERLONG_FACTOR x the budget."""

    overlong_factor = OVERLONG_FACTOR

    def __init__(self, max_words: int) -> None:
        self.max_words = max_words

    def of(self, texts: Sequence[str]) -> list[int]:
        return [len(text.split()) for text in texts]


class _Tokens:
    """Sizes in the model's tokens; a sentence over the budget is cut to fit."""

    overlong_factor = 1

    def __init__(self, counter: TokenCounter) -> None:
        self.counter = counter

    def of(self, texts: Sequence[str]) -> list[int]:
        return self.counter.count_tokens(list(texts)) if texts else []


def _pack(
    body: str, sentences: list[Span], sizes: list[int], budget: int, overlap: bool
) -> list[list[int]]:
    """Group sentence indices into chunks (see the module docstring for the rules)."""
    following = [a for a, _ in sentences[1:]] + [len(body)]  # where the next one starts
    ends_paragraph = [
        "\n" in body[b:after] for (_, b), after in zip(sentences, following, strict=False)
    ]
    groups: list[list[int]] = []
    current: list[int] = []
    count = 0
    for index in range(len(sentences)):
        if current and count + sizes[index] > budget:  # full: close mid-paragraph
            groups.append(current)
            last = current[-1]
            if overlap and not ends_paragraph[last] and sizes[last] + sizes[index] <= budget:
                current, count = [last], sizes[last]
            else:
                current, count = [], 0
        current.append(index)
        count += sizes[index]
        if ends_paragraph[index] and count * 2 >= budget:  # half full at a paragraph end
            groups.append(current)
            current, count = [], 0
    if current:
        groups.append(current)
    return groups


def _bounded(body: str, sentences: list[Span], sizes: _Words | _Tokens, budget: int) -> list[Span]:
    """Cut any sentence over `overlong_factor` x the budget into pieces within the budget,
    at word boundaries."""
    out: list[Span] = []
    lengths = sizes.of([body[a:b] for a, b in sentences])
    for (a, b), size in zip(sentences, lengths, strict=True):
        if size <= sizes.overlong_factor * budget:
            out.append((a, b))
            continue
        word_spans = [(a + m.start(), a + m.end()) for m in re.finditer(r"\S+", body[a:b])]
        out.extend(_pieces(body, word_spans, sizes, budget, size))
    return out


def _pieces(
    body: str, words: list[Span], sizes: _Words | _Tokens, budget: int, size: int
) -> list[Span]:
    """Runs of `words` within the budget: as many words per run as the sentence's own
    size per word allows, one fewer until the run fits."""
    out: list[Span] = []
    per_run = max(1, len(words) * budget // max(size, 1))
    i = 0
    while i < len(words):
        n = min(per_run, len(words) - i)
        while n > 1 and sizes.of([body[words[i][0] : words[i + n - 1][1]]])[0] > budget:
            n = max(1, n * 9 // 10 if n > 10 else n - 1)
        out.append((words[i][0], words[i + n - 1][1]))
        i += n
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
