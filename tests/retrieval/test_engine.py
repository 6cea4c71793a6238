"""Ingest, re-ingest, replace, forget and ask, on a real chromadb with the real model."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

import httpx
import numpy as np
import pytest

from retrieval.config import Settings
from retrieval.embed.embedder import Embedder
from retrieval.engine import Engine, space_for_guild
from retrieval.errors import ArticleNotFound, ConfigError, InvalidQuestion
from retrieval.index.search import Searcher
from retrieval.index.store import Store
from retrieval.records import Article, Chunk, IngestReport, Passage
from tests import stories


@pytest.fixture
def filled(engine: Engine) -> Engine:
    engine.ingest_articles(stories.ALL)
    return engine


class WatchedStore(Store):
    """The real store, noting which spaces' indexes are loaded; it can hold one load."""

    def __init__(self, settings: Settings, *, hold: str | None = None) -> None:
        super().__init__(settings)
        self.loads: list[str] = []
        self.hold, self.loading, self.release = hold, threading.Event(), threading.Event()

    def record_pages(
        self, space: str, ids: Sequence[str] | None = None
    ) -> Iterator[tuple[list[Chunk], np.ndarray]]:
        if ids is None:  # a whole load, not rows another process's write added
            self.loads.append(space)
        if space == self.hold:
            self.loading.set()
            self.release.wait(10)
        yield from super().record_pages(space, ids)


def watchful_engine(settings: Settings, embedder: Embedder, store: Store | None = None) -> Engine:
    """An engine that reads the store's version before every search."""
    store = store or Store(settings)
    searcher = Searcher(store, embedder, recheck_seconds=0.0)
    return Engine(settings, embedder=embedder, store=store, searcher=searcher)


@pytest.fixture
def watchful(settings: Settings, embedder: Embedder) -> Engine:
    engine = watchful_engine(settings, embedder, WatchedStore(settings))
    engine.ingest_articles(stories.ALL)
    return engine


def test_ingest_reports_and_lists_articles(engine: Engine) -> None:
    report = engine.ingest_articles(stories.ALL)
    assert (report.added, report.updated, report.skipped) == (5, 0, 0)
    assert report.chunks >= 5
    listed = engine.sources().articles
    assert [s.title for s in listed][0] == "Velmora dockers walk out again"  # newest first
    assert {s.source for s in listed} == {
        "Harbor Gazette",
        "Coastal Ledger",
        "Brenholt Courier",
        "Northern Post",
    }
    assert listed and all(s.chunks >= 1 for s in listed)


def test_reingesting_changes_nothing(filled: Engine) -> None:
    before = filled.store.count("shared")
    report = filled.ingest_articles(stories.ALL)
    assert (report.added, report.updated, report.skipped, report.chunks) == (0, 0, 5, 0)
    assert filled.store.count("shared") == before


def test_changed_article_replaces_its_chunks(filled: Engine) -> None:
    edited = dataclasses.replace(
        stories.STORM,
        body=stories.STORM.body + "\n\nSchools in the region stayed closed on Monday.",
    )
    report = filled.ingest_articles([edited])
    assert (report.added, report.updated) == (0, 1)
    chunks = [c for c in filled.store.iter_chunks("shared") if c.article_id == stories.STORM.id]
    assert chunks and {c.content_hash for c in chunks} == {edited.content_hash}
    assert any("Schools in the region" in c.text for c in chunks)
    assert len(filled.sources().articles) == 5


def test_search_sees_a_replaced_article_at_once(filled: Engine) -> None:
    question = "Which schools stayed closed after Storm Ardent?"
    filled.search(question)  # the in-memory index is loaded now, and kept in step from here
    edited = dataclasses.replace(
        stories.STORM, body=stories.STORM.body + "\n\nSchools in Harrowgate stayed closed."
    )
    filled.ingest_articles([edited])
    storm = [p.chunk for p in filled.search(question) if p.chunk.article_id == edited.id]
    assert storm and {c.content_hash for c in storm} == {edited.content_hash}
    assert any("Harrowgate" in c.text for c in storm)


def test_an_index_grown_in_place_ranks_like_one_loaded_from_the_store(
    filled: Engine, settings: object, embedder: object
) -> None:
    question = "Why did the Velmora dock workers strike?"
    filled.search(question)
    filled.ingest_articles([dataclasses.replace(stories.STORM, body="Winds eased by Friday.")])
    filled.forget(stories.TRAM_VOTE.id)
    fresh = Engine(settings, embedder=embedder)  # type: ignore[arg-type]
    grown = [(p.chunk.id, round(p.score, 5)) for p in filled.search(question)]
    assert grown == [(p.chunk.id, round(p.score, 5)) for p in fresh.search(question)]


def test_another_process_writing_to_the_store_is_noticed(
    watchful: Engine, settings: object, embedder: object
) -> None:
    filled = watchful
    question = "How much will the Brenholt tram line cost?"
    assert filled.search(question)
    other = Engine(settings, embedder=embedder)  # type: ignore[arg-type]
    other.forget(stories.TRAM_VOTE.id)
    found = filled.search(question)
    assert found and all(p.chunk.article_id != stories.TRAM_VOTE.id for p in found)


def test_identical_content_under_another_id_is_stored_once(filled: Engine) -> None:
    copy = dataclasses.replace(stories.TRAM_VOTE, id="tram-copy")
    report = filled.ingest_articles([copy])
    assert report.skipped == 1
    assert "tram-copy" not in {s.id for s in filled.sources().articles}


def test_forget_removes_an_article(filled: Engine) -> None:
    gone = filled.forget(stories.STORM.id)
    assert gone.title == "Storm Ardent closes northern highways"
    assert stories.STORM.id not in {s.id for s in filled.sources().articles}
    found = filled.search("Storm Ardent winds")
    assert found and all(p.chunk.article_id != stories.STORM.id for p in found)
    with pytest.raises(ArticleNotFound, match=stories.STORM.id):
        filled.forget(stories.STORM.id)


def test_spaces_keep_knowledge_apart(engine: Engine) -> None:
    engine.ingest_articles([stories.TRAM_VOTE], space=space_for_guild(1))
    engine.ingest_articles([stories.STORM])
    question = "How much will the Brenholt tram line cost?"
    assert engine.ask(question).refused
    assert engine.ask(question, spaces=("shared", space_for_guild(2))).refused
    answer = engine.ask(question, spaces=("shared", space_for_guild(1)))
    assert not answer.refused
    assert "410 million crowns" in answer.text


def test_answer_quotes_and_cites_the_article(filled: Engine) -> None:
    answer = filled.ask(
        "Who denied the plan to sell the container terminal?", as_of=date(2026, 3, 20)
    )
    assert not answer.refused
    assert answer.citations
    first = answer.citations[0]
    assert "denied reports that it planned to sell the container terminal" in first.quote
    assert f"“{first.quote}” [1]" in answer.text
    # The same sentence from two outlets is cited once.
    assert sum("denied reports" in c.quote for c in answer.citations) == 1
    for citation in answer.citations:
        passage = next(p for p in answer.passages if p.chunk.id == citation.chunk_id)
        assert citation.quote in passage.chunk.text


def test_as_of_excludes_later_articles(filled: Engine) -> None:
    early = filled.search("Velmora dock workers strike", as_of=date(2026, 3, 15))
    assert stories.PORT_STRIKE_RESUMES.id not in {p.chunk.article_id for p in early}
    late = filled.search("Velmora dock workers strike", as_of=date(2026, 4, 3))
    assert late[0].chunk.article_id == stories.PORT_STRIKE_RESUMES.id  # the newest story first


@pytest.mark.parametrize(
    "question",
    ["What is the capital of Peru?", "Who won the basketball final?", "How do I bake bread?"],
)
def test_unanswerable_questions_are_refused(filled: Engine, question: str) -> None:
    answer = filled.ask(question)
    assert answer.refused
    assert answer.citations == []
    assert "couldn't find" in answer.text


def test_refusal_on_an_empty_store(engine: Engine) -> None:
    answer = engine.ask("Who leads the dockers' union?")
    assert answer.refused and answer.passages == []


@pytest.mark.parametrize("question", ["", "   ", "x" * 1001])
def test_bad_questions_get_a_clear_error(engine: Engine, question: str) -> None:
    with pytest.raises(InvalidQuestion):
        engine.ask(question)


def test_follow_up_uses_the_previous_question(filled: Engine) -> None:
    from retrieval.records import Turn

    first = filled.ask("What did Brenholt council vote on?")
    assert not first.refused
    follow = filled.ask("And how much will it cost?", history=[Turn(first.question, first.text)])
    assert not follow.refused
    assert "410 million crowns" in follow.text
    assert follow.search_query.startswith("What did Brenholt council vote on?")


class _FailingEmbedder:
    """Wraps the real embedder; fails on the n-th batch, like a crash mid-ingest."""

    def __init__(self, real: object, fail_on: int) -> None:
        self.real, self.fail_on, self.calls = real, fail_on, 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)

    def encode(self, texts: list[str]) -> object:
        self.calls += 1
        if self.calls == self.fail_on:
            raise RuntimeError("simulated crash")
        return self.real.encode(texts)  # type: ignore[attr-defined]


def test_interrupted_ingest_loses_and_duplicates_nothing(
    settings: object, embedder: object
) -> None:
    engine = Engine(settings, embedder=embedder)  # type: ignore[arg-type]
    engine.ingest_articles(stories.ALL[:2])
    before = {c.id for c in engine.store.iter_chunks("shared")}
    edited = dataclasses.replace(stories.PORT_STRIKE, body=stories.PORT_STRIKE.body + "\n\nMore.")

    crashing = Engine(
        settings,  # type: ignore[arg-type]
        embedder=_FailingEmbedder(embedder, fail_on=2),  # type: ignore[arg-type]
        ingest_batch_chunks=1,  # one article per batch
    )
    with pytest.raises(RuntimeError, match="simulated crash"):
        crashing.ingest_articles([stories.TRAM_VOTE, edited, stories.STORM])
    after_crash = {c.id for c in engine.store.iter_chunks("shared")}
    assert before <= after_crash  # the old version of the edited article is still there
    assert {s.title for s in engine.sources().articles} >= {stories.TRAM_VOTE.title}

    report = engine.ingest_articles([stories.TRAM_VOTE, edited, stories.STORM])
    assert (report.added, report.updated, report.skipped) == (1, 1, 1)
    chunks = list(engine.store.iter_chunks("shared"))
    assert len(chunks) == len({c.id for c in chunks})
    assert len(engine.sources().articles) == 4
    edited_chunks = [c for c in chunks if c.article_id == stories.PORT_STRIKE.id]
    assert {c.content_hash for c in edited_chunks} == {edited.content_hash}


def test_a_store_embedded_with_another_model_is_refused_clearly(
    filled: Engine, settings: Settings, embedder: object
) -> None:
    other = settings.model_copy(update={"embedding_model": "intfloat/e5-small-v2"})
    engine = Engine(other, embedder=embedder)  # type: ignore[arg-type]
    message = "embedded with all-MiniLM-L6-v2, but NEWSBOT_EMBEDDING_MODEL is intfloat/e5-small-v2"
    with pytest.raises(ConfigError, match=message):
        engine.search("Velmora dock workers strike")
    with pytest.raises(ConfigError, match=message):
        engine.ingest_articles([dataclasses.replace(stories.STORM, body="Winds eased.")])
    assert len(engine.sources().articles) == 5  # listing and forgetting need no vectors
    same = settings.model_copy(update={"embedding_model": "sentence-transformers/all-MiniLM-L6-v2"})
    assert Engine(same, embedder=embedder).search("Velmora dock workers strike")  # type: ignore[arg-type]


def test_a_feed_read_again_fetches_only_pages_it_lacks_and_keeps_full_texts(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.retrieval.conftest import ARTICLES, PAGES, html_response

    fog_url = "https://ledger.example/2026/02/27/fog-airport"
    bread_url = "https://ledger.example/2026/02/28/bread-award"
    requested: list[str] = []
    pages: dict[str, httpx.Response | Exception] = {
        fog_url: html_response(PAGES / "fog_airport.html"),
        bread_url: httpx.ConnectError("Name or service not known"),
    }

    def answer(request: httpx.Request) -> httpx.Response:
        requested.append(str(request.url))
        page = pages[str(request.url)]
        if isinstance(page, Exception):
            raise page
        return page

    monkeypatch.setattr(
        "retrieval.ingest.loaders.web.make_client",
        lambda settings, policy=None: httpx.Client(transport=httpx.MockTransport(answer)),
    )
    feed = str(ARTICLES / "feeds" / "ledger.rss")
    first = engine.ingest([feed])
    assert (first.added, requested) == (3, [fog_url, bread_url])  # bread: only its summary

    # Now the fog page fails and the bakery's works: only the bakery's is fetched again,
    # and its full text replaces the summary; the fog article keeps its full text.
    requested.clear()
    pages[fog_url] = httpx.ConnectError("Name or service not known")
    pages[bread_url] = html_response(PAGES / "bread_award.html")
    again = engine.ingest([feed])
    assert (again.added, again.updated, again.skipped, requested) == (0, 1, 2, [bread_url])
    texts = {p.chunk.text for p in engine.search("fog flights bread award", k=20)}
    assert any("Eleven departures were cancelled" in t for t in texts)
    assert any("sourdough starter" in t for t in texts)

    requested.clear()
    assert engine.ingest([feed]).skipped == 3 and requested == []  # nothing left to fetch


def test_loading_one_space_does_not_hold_up_questions_about_another(
    engine: Engine, settings: Settings, embedder: Embedder
) -> None:
    engine.ingest_articles([stories.STORM], space="big")
    engine.ingest_articles([stories.TRAM_VOTE], space="small")
    store = WatchedStore(settings, hold="big")
    fresh = Engine(settings, embedder=embedder, store=store)
    loading, release = store.loading, store.release
    big = threading.Thread(target=fresh.search, args=("Storm Ardent",), kwargs={"spaces": ["big"]})
    big.start()
    try:
        assert loading.wait(10)
        answers: list[list[Passage]] = []
        small = threading.Thread(
            target=lambda: answers.append(fresh.search("tram line cost", spaces=["small"]))
        )
        small.start()
        small.join(5)
        assert answers and answers[0][0].chunk.article_id == stories.TRAM_VOTE.id
    finally:
        release.set()
        big.join(10)


def test_another_process_replacing_an_article_is_noticed(
    watchful: Engine, settings: Settings, embedder: object
) -> None:
    filled = watchful
    question = "What closed the northern highways?"
    assert filled.search(question)
    count = filled.store.count("shared")
    edited = dataclasses.replace(
        stories.STORM, body=stories.STORM.body.replace("Storm Ardent", "Storm Ardent, a gale,")
    )
    other = Engine(settings, embedder=embedder)  # type: ignore[arg-type]
    assert other.ingest_articles([edited]).updated == 1
    assert filled.store.count("shared") == count  # as many chunks as before: a new version
    storm = [p.chunk for p in filled.search(question) if p.chunk.article_id == edited.id]
    assert storm and {c.content_hash for c in storm} == {edited.content_hash}


def test_own_writes_update_the_loaded_index_without_loading_it_again(watchful: Engine) -> None:
    filled = watchful
    filled.searcher.index("shared")
    store = filled.store
    assert isinstance(store, WatchedStore) and store.loads == ["shared"]
    calm = dataclasses.replace(stories.STORM, body="Winds eased by Friday, forecasters said.")
    filled.ingest_articles([calm])
    filled.forget(stories.TRAM_VOTE.id)
    found = {p.chunk.text for p in filled.search("Did the winds ease?")}
    assert "Winds eased by Friday, forecasters said." in found
    assert store.loads == ["shared"]  # this engine's own writes updated it in place


def test_an_answer_from_a_file_without_source_names_the_file(
    engine: Engine, tmp_path: Path
) -> None:
    note = tmp_path / "harbour-notes.txt"
    note.write_text(
        "Night ferry returns\n\nThe night ferry to Quillhaven runs again from Friday, "
        "the harbour office said.\n"
    )
    engine.ingest([str(note)])
    answer = engine.ask("When does the night ferry to Quillhaven run again?")
    assert not answer.refused
    assert (answer.citations[0].source, answer.citations[0].url) == (
        "harbour-notes.txt",
        str(note.resolve()),
    )
    assert "harbour-notes.txt reported" in answer.text
    assert [s.source for s in engine.sources().articles] == ["harbour-notes.txt"]


def test_a_slow_download_does_not_hold_up_forget_or_other_ingests(engine: Engine) -> None:
    engine.ingest_articles([stories.TRAM_VOTE], space="guild-2")
    downloading, release = threading.Event(), threading.Event()

    def slow_source() -> Iterator[Article]:
        downloading.set()
        release.wait(10)  # a server trickling its page
        yield stories.STORM

    slow = threading.Thread(target=lambda: engine.ingest_articles(slow_source(), space="guild-1"))
    slow.start()
    try:
        assert downloading.wait(10)
        done: list[object] = []
        other = threading.Thread(
            target=lambda: done.extend(
                [
                    engine.forget(stories.TRAM_VOTE.id, space="guild-2"),
                    engine.ingest_articles([stories.PORT_STRIKE], space="guild-2"),
                ]
            )
        )
        other.start()
        other.join(5)
        assert len(done) == 2, "forget and ingest waited for the slow download"
    finally:
        release.set()
        slow.join(10)
    assert [a.id for a in engine.sources(spaces=("guild-1",)).articles] == [stories.STORM.id]


def test_two_ingests_of_one_article_at_once_store_it_once(engine: Engine) -> None:
    """The second one read what was stored before the first stored it; it notices."""
    started, release = threading.Event(), threading.Event()

    def slow_source() -> Iterator[Article]:
        started.set()
        release.wait(10)
        yield stories.STORM

    reports: list[IngestReport] = []
    slow = threading.Thread(target=lambda: reports.append(engine.ingest_articles(slow_source())))
    slow.start()
    assert started.wait(10)
    first = engine.ingest_articles([stories.STORM])
    release.set()
    slow.join(10)
    assert (first.added, reports[0].added, reports[0].skipped) == (1, 0, 1)
    assert len(engine.sources().articles) == 1
    chunks = engine.store.count("shared")
    assert chunks == first.chunks
