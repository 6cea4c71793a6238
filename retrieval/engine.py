"""The engine's public API: what the fronts (CLI, terminal chat, Discord) call.

    engine = Engine(settings)
    engine.ingest(["articles/"])                      -> IngestReport
    engine.ask("who denied it?", as_of=date(...))     -> Answer (with citations)
    engine.sources(page=1)                            -> SourcesPage (newest first)
    engine.forget(article_id)                         -> ArticleSummary
    engine.as_retriever(as_of=..., k=4)               -> a LangChain retriever

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

from retrieval.answer.base import Answerer
from retrieval.answer.factory import build_answerer
from retrieval.config import HISTORY_TURNS, MAX_QUESTION_CHARS, Settings
from retrieval.embed.embedder import Embedder, get_embedder
from retrieval.errors import ArticleNotFound, InvalidPage, InvalidQuestion, SourceError
from retrieval.index.retriever import NewsRetriever
from retrieval.index.search import Searcher
from retrieval.index.store import Store, StoredArticle
from retrieval.ingest.chunking import chunk_article
from retrieval.ingest.fetch import FetchPolicy
from retrieval.ingest.loading import iter_articles
from retrieval.records import (
    GUILD_PREFIX,
    SHARED_SPACE,
    Answer,
    Article,
    ArticleSummary,
    Chunk,
    IngestReport,
    Passage,
    Progress,
    SourcesPage,
    Turn,
)

log = logging.getLogger(__name__)

INGEST_BATCH_CHUNKS = 512  # embed and store this many chunks at a time
SOURCES_PER_PAGE = 20  # articles on a page of `sources`


def space_for_guild(guild_id: int) -> str:
    return f"{GUILD_PREFIX}{guild_id}"


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


class _StoredView:
    """What an ingest knows is stored in its space: looked up in the store's catalog by id
    and content hash, a few articles at a time, never by reading the whole space; plus
    the articles this ingest has chunked and not stored yet."""

    def __init__(self, store: Store, space: str) -> None:
        self.store = store
        self.space = space
        self.pending: set[str] = set()  # content hashes of this ingest's unstored articles

    def article(self, article_id: str) -> StoredArticle | None:
        return self.store.stored(self.space, [article_id]).get(article_id)

    def known(self, article: Article) -> bool:
        """Unchanged, a copy of a stored article, or a summary that must not replace one."""
        if article.content_hash in self.pending:
            return True
        if article.summary_only and self.article(article.id) is not None:
            return True
        return bool(self.store.stored_hashes(self.space, [article.content_hash]))

    def unknown(self, articles: Sequence[Article]) -> list[bool]:
        """For each of a batch, whether it is still to be stored (looked up together)."""
        stored = self.store.stored(self.space, [a.id for a in articles])
        hashes = self.store.stored_hashes(self.space, [a.content_hash for a in articles])
        return [
            a.content_hash not in hashes and not (a.summary_only and a.id in stored)
            for a in articles
        ]


class Engine:
    max_question_chars = MAX_QUESTION_CHARS  # longer questions raise InvalidQuestion
    history_turns = HISTORY_TURNS  # `ask` reads only the last few turns of `history`

    def __init__(
        self,
        settings: Settings,
        *,
        store: Store | None = None,
        embedder: Embedder | None = None,
        answerer: Answerer | None = None,
        searcher: Searcher | None = None,
        ingest_batch_chunks: int = INGEST_BATCH_CHUNKS,
    ) -> None:
        self.settings = settings
        self.embedder = embedder or get_embedder(settings)
        self.store = store or Store(settings)
        self.searcher = searcher or Searcher(
            self.store,
            self.embedder,
            snapshots=settings.index_dir,
            memory_mb=settings.index_memory_mb,
            exact_up_to=settings.exact_search_max_chunks,
        )
        self.ingest_batch_chunks = ingest_batch_chunks
        self.answerer = answerer or build_answerer(settings, self.embedder)
        self._writing = threading.Lock()  # one store write at a time (Discord runs threads)

    def close(self) -> None:
        """Write the index snapshots this process's writes left stale (call at shutdown:
        without it, the next start rebuilds those spaces' indexes from the store)."""
        self.searcher.close()

    def warm_up(self, spaces: Sequence[str] = (SHARED_SPACE,)) -> None:
        """Load the embedding model and the spaces' search indexes now, rather than on the
        first question."""
        self.embedder.encode(["warm up"])
        for space in spaces:
            self.searcher.index(space)

    # -- ingest ---------------------------------------------------------------------------

    def ingest(
        self,
        sources: Sequence[str],
        *,
        space: str = SHARED_SPACE,
        progress: Progress | None = None,
        untrusted: bool = False,
    ) -> IngestReport:
        """Read files, folders, article URLs and feeds; store what is new or changed.

        `progress("ingest", articles_read, None)` is called after each article read.
        `untrusted` (a Discord /ingest) keeps every fetch, redirect and feed entry page off
        private networks (except NEWSBOT_ALLOWED_PRIVATE_HOSTS); the command line's may
        reach any host. Downloading and parsing happen outside the write lock.
        """
        report = IngestReport()
        policy = FetchPolicy.from_settings(self.settings, untrusted=untrusted)

        def articles(view: _StoredView) -> Iterator[Article]:
            def is_stored(url: str) -> bool:
                """Stored in full: a summary stored after a failed fetch is fetched again."""
                found = view.article(Article.id_for_url(url))
                return found is not None and not found.summary_only

            for item in iter_articles(sources, self.settings, is_stored=is_stored, policy=policy):
                if isinstance(item, SourceError):
                    log.info("skipped %s", item)  # reported once, in the report
                    report.errors.append(str(item))
                else:
                    yield item

        return self._ingest(articles, space, progress, report)

    def ingest_articles(
        self,
        articles: Iterable[Article],
        *,
        space: str = SHARED_SPACE,
        progress: Progress | None = None,
    ) -> IngestReport:
        return self._ingest(lambda _: iter(articles), space, progress, IngestReport())

    def _ingest(
        self,
        read: Callable[[_StoredView], Iterator[Article]],
        space: str,
        progress: Progress | None,
        report: IngestReport,
    ) -> IngestReport:
        """Read, chunk and embed the articles outside the write lock; store them under it.

        Each article read is looked up in the store's catalog (by id and content hash);
        under the lock, each batch is looked up again, in case another ingest or forget
        stored or removed some of it meanwhile.
        """
        started = time.perf_counter()
        clock = _Stopwatch()
        with self._writing:  # apply what the catalog missed, and remove what an interrupted
            self.store.catch_up(space)  # update left behind (rarely anything)
            healed = self.store.heal(space)
            if healed:
                self.searcher.removed(space, healed)
        view = _StoredView(self.store, space)
        pending: list[tuple[Article, list[Chunk]]] = []
        articles = read(view)
        count = 0
        while True:
            with clock("parse"):
                article = next(articles, None)
            if article is None:
                break
            count += 1
            if progress is not None:
                progress("ingest", count, None)
            if view.known(article):
                report.skipped += 1
                continue
            with clock("chunk"):
                chunks = chunk_article(
                    article,
                    tokens=self.embedder,
                    max_tokens=self.settings.chunk_tokens,
                    max_words=self.settings.chunk_words,
                )
            if not chunks:
                report.errors.append(f"{article.origin or article.id}: no text to store")
                continue
            view.pending.add(article.content_hash)
            pending.append((article, chunks))
            if sum(len(c) for _, c in pending) >= self.ingest_batch_chunks:
                self._store_batch(pending, view, space, report, clock)
                pending = []
        self._store_batch(pending, view, space, report, clock)
        report.seconds = time.perf_counter() - started
        report.stage_seconds = clock.seconds
        return report

    def _store_batch(
        self,
        batch: list[tuple[Article, list[Chunk]]],
        view: _StoredView,
        space: str,
        report: IngestReport,
        clock: _Stopwatch,
    ) -> None:
        """Embed a batch, then add it; only then drop the replaced versions (nothing is lost)."""
        if not batch:
            return
        chunks = [chunk for _, article_chunks in batch for chunk in article_chunks]
        with clock("embed"):
            vectors = self.embedder.encode([c.embed_text for c in chunks])
        with self._writing, clock("store"):
            self.store.catch_up(space)
            keep = view.unknown([article for article, _ in batch])
            report.skipped += keep.count(False)
            if not all(keep):  # another write stored some of them meanwhile
                batch = [item for item, kept in zip(batch, keep, strict=True) if kept]
                kept_ids = {c.id for _, cs in batch for c in cs}
                rows = [i for i, c in enumerate(chunks) if c.id in kept_ids]
                chunks, vectors = [chunks[i] for i in rows], vectors[rows]
                if not batch:
                    view.pending.clear()
                    return
            replaced = self.store.stored(space, [article.id for article, _ in batch])
            self.store.add_chunks(space, chunks, vectors)
            self.searcher.added(space, chunks, vectors)
            for article, _ in batch:
                if article.id in replaced:
                    old = self.store.delete_article(
                        space, article.id, keep_hash=article.content_hash
                    )
                    self.searcher.removed(space, old)
                    report.updated += 1
                else:
                    report.added += 1
                report.article_ids.append(article.id)
            view.pending.clear()  # stored: the catalog knows them now
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

    def as_retriever(
        self,
        *,
        spaces: Sequence[str] = (SHARED_SPACE,),
        as_of: date | None = None,
        k: int | None = None,
    ) -> NewsRetriever:
        """This engine's search as a LangChain `BaseRetriever` (retrieval/index/retriever.py)."""
        return NewsRetriever(search=self.search, spaces=tuple(spaces), as_of=as_of, k=k)

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
        if len(question) > self.max_question_chars:
            raise InvalidQuestion(
                f"The question is {len(question)} characters long; "
                f"please keep it under {self.max_question_chars}."
            )
        history = tuple(history)[-self.history_turns :]
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

    def sources(
        self,
        *,
        spaces: Sequence[str] = (SHARED_SPACE,),
        page: int = 1,
        per_page: int = SOURCES_PER_PAGE,
    ) -> SourcesPage:
        """One page of the stored articles, newest first; raises InvalidPage. Reads the
        page from the store's catalog, never the whole space."""
        if per_page < 1:
            raise ValueError(f"per_page must be at least 1, not {per_page}")
        for space in spaces:
            self.store.catch_up(space)
        found, total = self.store.articles(spaces, max(page - 1, 0) * per_page, per_page)
        listed = SourcesPage(found, page, per_page, total)
        if not 1 <= page <= listed.pages:
            raise InvalidPage(page, listed.pages)
        return listed

    def find_sources(
        self, text: str, *, spaces: Sequence[str] = (SHARED_SPACE,), limit: int = 25
    ) -> list[ArticleSummary]:
        """Up to `limit` stored articles whose id, title or outlet contains `text`."""
        for space in spaces:
            self.store.catch_up(space)
        return self.store.find_articles(spaces, text.strip(), limit)

    def source(self, article_id: str, *, space: str = SHARED_SPACE) -> ArticleSummary | None:
        """The stored article with this id, or None."""
        self.store.catch_up(space)
        return self.store.article(space, article_id)

    def forget(self, article_id: str, *, space: str = SHARED_SPACE) -> ArticleSummary:
        """Remove one article; raises ArticleNotFound."""
        with self._writing:
            self.store.catch_up(space)
            found = self.store.article(space, article_id)
            if found is None:
                raise ArticleNotFound(article_id)
            self.searcher.removed(space, self.store.delete_article(space, article_id))
            return found
