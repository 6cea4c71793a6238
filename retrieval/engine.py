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

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date

from tqdm import tqdm

from retrieval.answer.base import Answerer
from retrieval.answer.factory import build_answerer
from retrieval.config import Settings
from retrieval.embed.embedder import Embedder, get_embedder
from retrieval.errors import ArticleNotFound, InvalidQuestion, SourceError
from retrieval.index.search import Searcher
from retrieval.index.store import Store, StoredArticle
from retrieval.ingest.chunking import chunk_article
from retrieval.ingest.loading import iter_articles
from retrieval.records import (
    SHARED_SPACE,
    Answer,
    Article,
    ArticleSummary,
    Chunk,
    IngestReport,
    Passage,
    Turn,
)

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000
INGEST_BATCH_CHUNKS = 512  # embed and store this many chunks at a time


def space_for_guild(guild_id: int) -> str:
    return f"guild-{guild_id}"


class _Stopwatch:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - start


class Engine:
    def __init__(
        self,
        settings: Settings,
        *,
        store: Store | None = None,
        embedder: Embedder | None = None,
        answerer: Answerer | None = None,
    ) -> None:
        self.settings = settings
        self.embedder = embedder or get_embedder(settings)
        self.store = store or Store(settings)
        self.searcher = Searcher(self.store, self.embedder)
        self.answerer = answerer or build_answerer(settings, self.embedder)
        self._writing = threading.Lock()  # one ingest or forget at a time (Discord runs threads)

    def warm_up(self, spaces: Sequence[str] = (SHARED_SPACE,)) -> None:
        """Load the embedding model and the spaces' search indexes now, rather than on the
        first question."""
        self.embedder.encode(["warm up"])
        for space in spaces:
            self.searcher.index(space)

    # -- ingest ---------------------------------------------------------------------------

    def ingest(
        self, sources: Sequence[str], *, space: str = SHARED_SPACE, progress: bool = False
    ) -> IngestReport:
        """Read files, folders, article URLs and feeds; store what is new or changed."""
        report = IngestReport()

        def articles(stored: dict[str, StoredArticle]) -> Iterator[Article]:
            def is_stored(url: str) -> bool:
                """Stored in full: a summary stored after a failed fetch is fetched again."""
                found = stored.get(Article.id_for_url(url))
                return found is not None and not found.summary_only

            for item in iter_articles(sources, self.settings, is_stored=is_stored):
                if isinstance(item, SourceError):
                    log.warning("skipped %s", item)
                    report.errors.append(str(item))
                else:
                    yield item

        return self._ingest(articles, space, progress, report)

    def ingest_articles(
        self, articles: Iterable[Article], *, space: str = SHARED_SPACE, progress: bool = False
    ) -> IngestReport:
        return self._ingest(lambda _: iter(articles), space, progress, IngestReport())

    def _ingest(
        self,
        read: Callable[[dict[str, StoredArticle]], Iterator[Article]],
        space: str,
        progress: bool,
        report: IngestReport,
    ) -> IngestReport:
        """Read the articles (knowing what is stored) and store them, one ingest at a time."""
        with self._writing:
            stored = self.store.stored_articles(space)
            self.searcher.removed(space, self.store.heal(space, stored))  # interrupted updates
            self._ingest_locked(read(stored), stored, space, progress, report)
        return report

    def _ingest_locked(
        self,
        articles: Iterator[Article],
        stored: dict[str, StoredArticle],
        space: str,
        progress: bool,
        report: IngestReport,
    ) -> None:
        """Skip what is stored already, then chunk, embed and store the rest in batches."""
        started = time.perf_counter()
        clock = _Stopwatch()
        owner_of_content = {a.content_hash: a.id for a in stored.values()}
        pending: list[tuple[Article, list[Chunk]]] = []
        bar = tqdm(desc="Ingesting", unit=" articles", disable=not progress, leave=False)
        try:
            while True:
                with clock("parse"):
                    article = next(articles, None)
                if article is None:
                    break
                bar.update()
                if article.summary_only and article.id in stored:  # never replace a full text
                    report.skipped += 1
                    continue
                if article.content_hash in owner_of_content:  # unchanged, or a copy
                    report.skipped += 1
                    continue
                with clock("chunk"):
                    chunks = chunk_article(article, max_words=self.settings.chunk_words)
                if not chunks:
                    report.errors.append(f"{article.origin or article.id}: no text to store")
                    continue
                owner_of_content[article.content_hash] = article.id
                pending.append((article, chunks))
                if sum(len(c) for _, c in pending) >= INGEST_BATCH_CHUNKS:
                    self._store_batch(pending, stored, space, report, clock)
                    pending = []
            self._store_batch(pending, stored, space, report, clock)
        finally:
            bar.close()
        report.seconds = time.perf_counter() - started
        report.stage_seconds = clock.seconds

    def _store_batch(
        self,
        batch: list[tuple[Article, list[Chunk]]],
        stored: dict[str, StoredArticle],
        space: str,
        report: IngestReport,
        clock: _Stopwatch,
    ) -> None:
        """Embed and add a batch; only then drop the replaced versions (nothing is lost)."""
        if not batch:
            return
        chunks = [chunk for _, article_chunks in batch for chunk in article_chunks]
        with clock("embed"):
            vectors = self.embedder.encode([c.embed_text for c in chunks])
        with clock("store"):
            self.store.add_chunks(space, chunks, vectors)
            self.searcher.added(space, chunks, vectors)
            for article, _ in batch:
                if article.id in stored:
                    old = self.store.delete_article(
                        space, article.id, keep_hash=article.content_hash
                    )
                    self.searcher.removed(space, old)
                    report.updated += 1
                else:
                    report.added += 1
                report.article_ids.append(article.id)
        report.chunks += len(chunks)

    # -- ask ------------------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        spaces: Sequence[str] = (SHARED_SPACE,),
        as_of: date | None = None,
        k: int | None = None,
    ) -> list[Passage]:
        return self.searcher.search(
            query, spaces=spaces, as_of=as_of or date.today(), k=k or self.settings.top_k
        )

    def ask(
        self,
        question: str,
        *,
        spaces: Sequence[str] = (SHARED_SPACE,),
        as_of: date | None = None,
        history: Sequence[Turn] = (),
    ) -> Answer:
        """Answer from the stored articles, citing each claim; refuse when they don't answer."""
        question = " ".join(question.split())
        if not question:
            raise InvalidQuestion("The question is empty: ask something about the news.")
        if len(question) > MAX_QUESTION_CHARS:
            raise InvalidQuestion(
                f"The question is {len(question)} characters long; "
                f"please keep it under {MAX_QUESTION_CHARS}."
            )
        started = time.perf_counter()
        query = self.answerer.contextualize(question, history)
        passages = self.search(query, spaces=spaces, as_of=as_of)
        searched = time.perf_counter()
        answer = self.answerer.answer(question, passages, as_of=as_of, history=history)
        done = time.perf_counter()
        answer.passages = passages
        answer.as_of = as_of
        answer.search_query = query
        answer.timings_ms = {
            "retrieve": (searched - started) * 1000,
            "answer": (done - searched) * 1000,
            "total": (done - started) * 1000,
        }
        return answer

    # -- manage ---------------------------------------------------------------------------

    def sources(self, *, spaces: Sequence[str] = (SHARED_SPACE,)) -> list[ArticleSummary]:
        """Stored articles, newest first."""
        found = [summary for space in spaces for summary in self.store.summaries(space)]
        found.sort(key=lambda s: (s.published_at or date.min, s.title), reverse=True)
        return found

    def forget(self, article_id: str, *, space: str = SHARED_SPACE) -> ArticleSummary:
        """Remove one article; raises ArticleNotFound."""
        with self._writing:
            found = self.store.summaries(space, article_id)
            if not found:
                raise ArticleNotFound(article_id)
            self.searcher.removed(space, self.store.delete_article(space, article_id))
            return found[0]
