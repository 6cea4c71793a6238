"""The engine's public API: what the fronts (CLI, terminal chat, Discord) call.

    engine = Engine(settings)
    engine.ingest(["articles/"])                      -> IngestReport
    engine.ask("who denied it?", as_of=date(...))     -> Answer (with citations)
    engine.sources()                                  -> list[ArticleSummary]
    engine.forget(article_id)                         -> ArticleSummary

Knowledge is kept in *spaces*: `SHARED_SPACE` (what the command line ingests, seen by
everyone) and one per Discord server (`space_for_guild(id)`). Questions search a list
of spaces; ingest and forget act on one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from retrieval.config import Settings
from retrieval.records import (
    SHARED_SPACE,
    Answer,
    Article,
    ArticleSummary,
    IngestReport,
    Passage,
    Turn,
)


def space_for_guild(guild_id: int) -> str:
    return f"guild-{guild_id}"


class Engine:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def ingest(
        self, sources: Sequence[str], *, space: str = SHARED_SPACE, progress: bool = False
    ) -> IngestReport:
        """Read files, folders, article URLs and feeds; store what is new or changed."""
        raise NotImplementedError

    def ingest_articles(
        self, articles: Iterable[Article], *, space: str = SHARED_SPACE, progress: bool = False
    ) -> IngestReport:
        raise NotImplementedError

    def search(
        self,
        query: str,
        *,
        spaces: Sequence[str] = (SHARED_SPACE,),
        as_of: date | None = None,
        k: int | None = None,
    ) -> list[Passage]:
        raise NotImplementedError

    def ask(
        self,
        question: str,
        *,
        spaces: Sequence[str] = (SHARED_SPACE,),
        as_of: date | None = None,
        history: Sequence[Turn] = (),
    ) -> Answer:
        """Answer from the stored articles, citing each claim; refuse when they don't answer."""
        raise NotImplementedError

    def sources(self, *, spaces: Sequence[str] = (SHARED_SPACE,)) -> list[ArticleSummary]:
        """Stored articles, newest first."""
        raise NotImplementedError

    def forget(self, article_id: str, *, space: str = SHARED_SPACE) -> ArticleSummary:
        """Remove one article; raises ArticleNotFound."""
        raise NotImplementedError
