"""Typed records that flow between the steps of the engine.

Article -> Chunk (stored) -> Passage (a search hit) -> Answer with Citations.
Every chunk carries its article's id, title, outlet, date and URL, so a citation
never has to look anything up again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

SHARED_SPACE = "shared"
GUILD_PREFIX = "guild-"  # a Discord server's space is GUILD_PREFIX + its id
"""The knowledge base every server and DM sees (articles ingested from the command line)."""


class Progress(Protocol):
    """Told how far a long task has come: its stage ("ingest", "ask"), the items done so
    far and, when known, how many there are. The fronts draw it (a bar, a log line)."""

    def __call__(self, stage: str, done: int, total: int | None) -> None: ...


def short_hash(*parts: str, length: int = 16) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


@dataclass(frozen=True, slots=True)
class Article:
    """One cleaned news article, ready to be chunked."""

    id: str
    title: str
    body: str  # cleaned text; paragraphs separated by one blank line
    source: str = ""  # the outlet, e.g. "Harbor Gazette"
    url: str = ""
    published_at: date | None = None
    author: str = ""
    origin: str = ""  # where it was read from (a path or URL), for messages
    summary_only: bool = False  # a feed entry's summary: its full page was not read
    # What a citation shows when the article names no outlet or link: a file without a
    # `Source:` line shows its file name and its path. Not part of the identity or hash,
    # so the same text read from two paths is still one article.
    fallback_source: str = ""
    fallback_url: str = ""

    @staticmethod
    def id_for_url(url: str) -> str:
        """The id of the article at a URL (see `make_id`)."""
        return "u" + short_hash(url.strip())

    @staticmethod
    def make_id(*, title: str, body: str, source: str = "", url: str = "") -> str:
        """A stable id from the article's identity: its URL, else outlet and title, else body.

        The same article read from two paths gets the same id; an edited article keeps
        its id (so its old chunks are replaced) as long as its URL or title stays.
        """
        if url:
            return Article.id_for_url(url)
        if title.strip():
            return "t" + short_hash(source.strip().casefold(), title.strip().casefold())
        return "b" + short_hash(body)

    @property
    def content_hash(self) -> str:
        """Changes whenever anything stored about the article changes."""
        return short_hash(
            self.title, self.body, self.source, self.url, _iso(self.published_at), self.author
        )


@dataclass(frozen=True, slots=True)
class Chunk:
    """A run of whole sentences from one article; `text == article.body[start:start+len(text)]`."""

    id: str
    article_id: str
    position: int  # 0-based index of the chunk within its article
    text: str
    start: int  # character offset of `text` in the article body
    sentences: tuple[tuple[int, int], ...]  # (start, end) of each sentence, offsets into `text`
    title: str = ""
    source: str = ""
    url: str = ""
    published_at: date | None = None
    content_hash: str = ""  # the article's content hash
    summary_only: bool = False  # the article is a feed entry's summary (see Article)

    @property
    def sentence_texts(self) -> list[str]:
        return [self.text[a:b] for a, b in self.sentences]

    @property
    def embed_text(self) -> str:
        """What gets embedded: title and outlet give the vector its context."""
        head = " — ".join(part for part in (self.title, self.source) if part)
        return f"{head}\n{self.text}" if head else self.text


@dataclass(frozen=True, slots=True)
class Passage:
    """A chunk returned by search, with its score and rank (1-based)."""

    chunk: Chunk
    score: float
    rank: int

    def to_json(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "article_id": self.chunk.article_id,
            "chunk_id": self.chunk.id,
            "score": round(self.score, 6),
            "text": self.chunk.text,
        }


@dataclass(frozen=True, slots=True)
class Citation:
    """Source `[n]` of an answer: the article and the exact sentence quoted from it."""

    n: int
    article_id: str
    chunk_id: str
    title: str
    source: str
    url: str
    published_at: date | None
    quote: str  # verbatim from the chunk text
    # The words of the quote that answer the question, as offsets into `quote` (shown in
    # bold); None when no words stand out. See retrieval/answer/emphasis.py.
    span: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if self.span is not None:
            start, end = self.span
            if not 0 <= start < end <= len(self.quote):
                raise ValueError(f"span {self.span} is not within the quote {self.quote!r}")

    @property
    def answering(self) -> str:
        """The words `span` points at ("" without one)."""
        return self.quote[self.span[0] : self.span[1]] if self.span else ""

    @classmethod
    def from_chunk(
        cls, n: int, chunk: Chunk, quote: str, span: tuple[int, int] | None = None
    ) -> Citation:
        if quote not in chunk.text:
            raise ValueError(f"quote is not in chunk {chunk.id}: {quote!r}")
        return cls(
            n=n,
            article_id=chunk.article_id,
            chunk_id=chunk.id,
            title=chunk.title,
            source=chunk.source,
            url=chunk.url,
            published_at=chunk.published_at,
            quote=quote,
            span=span,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "article_id": self.article_id,
            "title": self.title,
            "source": self.source,
            "url": self.url,
            "published_at": _iso(self.published_at) or None,
            "quote": self.quote,
            "span": list(self.span) if self.span else None,
        }


@dataclass(frozen=True, slots=True)
class Turn:
    """One earlier exchange of a conversation, used to understand a follow-up question."""

    question: str
    answer: str


def group_by_source(citations: Sequence[Citation]) -> list[tuple[Citation, list[str]]]:
    """Each source `[n]` once, in order of n, with every sentence quoted from it."""
    grouped: dict[int, tuple[Citation, list[str]]] = {}
    for citation in citations:
        grouped.setdefault(citation.n, (citation, []))[1].append(citation.quote)
    return [grouped[n] for n in sorted(grouped)]


@dataclass(slots=True)
class Answer:
    question: str
    text: str  # with [n] markers
    refused: bool
    citations: list[Citation] = field(default_factory=list)  # one per quote; n per article
    passages: list[Passage] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    answerer: str = "extractive"  # "extractive", "llm", or "extractive-fallback"
    as_of: date | None = None
    search_query: str = ""  # the question as searched (rewritten for follow-ups)
    unsupported: list[str] = field(default_factory=list)  # LLM sentences no citation supports
    disagreement: bool = False  # the quotes give different values for what was asked

    def sources(self) -> list[tuple[Citation, list[str]]]:
        """Each source `[n]` once, in order of n, with every sentence quoted from it."""
        return group_by_source(self.citations)

    def emphasis(self) -> list[tuple[int, int]]:
        """Offsets into `text` of the words to show in bold: each citation's `span`, where
        its quote stands verbatim in the text (the extractive answer quotes it whole)."""
        spans = []
        at = 0
        for citation in self.citations:
            if citation.span is None:
                continue
            found = self.text.find(citation.quote, at)
            if found < 0:
                found = self.text.find(citation.quote)
            if found < 0:
                continue
            at = found + len(citation.quote)
            spans.append((found + citation.span[0], found + citation.span[1]))
        return sorted(spans)

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "refused": self.refused,
            "citations": [c.to_json() for c in self.citations],
            "passages": [p.to_json() for p in self.passages],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
            "answerer": self.answerer,
            "as_of": _iso(self.as_of) or None,
            "unsupported": list(self.unsupported),
            "disagreement": self.disagreement,
        }


@dataclass(frozen=True, slots=True)
class ArticleSummary:
    """One stored article, as `newsbot sources` and `/sources` list it."""

    id: str
    title: str
    source: str
    url: str
    published_at: date | None
    chunks: int
    space: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "source": self.source,
            "url": self.url,
            "published_at": _iso(self.published_at) or None,
            "chunks": self.chunks,
            "space": self.space,
        }


@dataclass(frozen=True, slots=True)
class SourcesPage:
    """One page of the stored articles, newest first: `page` counts from 1."""

    articles: list[ArticleSummary]
    page: int
    per_page: int
    total: int  # articles in all the spaces listed

    @property
    def pages(self) -> int:
        """How many pages the articles fill (an empty list is one empty page)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        """The 1-based position of the page's first article in the whole list."""
        return (self.page - 1) * self.per_page + 1

    def to_json(self) -> dict[str, Any]:
        return {
            "page": self.page,
            "pages": self.pages,
            "per_page": self.per_page,
            "total": self.total,
            "articles": [a.to_json() for a in self.articles],
        }


@dataclass(slots=True)
class IngestReport:
    """What one ingest did; `errors` holds one line per source that could not be read."""

    added: int = 0
    updated: int = 0
    skipped: int = 0  # unchanged, or the same content already stored under another id
    chunks: int = 0
    seconds: float = 0.0
    article_ids: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)  # parse, chunk, embed, store

    def summary(self) -> str:
        return (
            f"{self.added} added, {self.updated} updated, {self.skipped} skipped, "
            f"{self.chunks} chunks, {len(self.errors)} errors in {self.seconds:.1f} s"
        )
