"""Hybrid, time-aware search: what a question finds, as of which day, duplicates once."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from retrieval.config import Settings
from retrieval.embed.embedder import Embedder
from retrieval.index.search import Searcher, SearchWeights
from retrieval.index.store import Store
from retrieval.ingest.chunking import chunk_article
from tests import stories
from tests.conftest import make_article


@pytest.fixture
def store(settings: Settings, embedder: Embedder) -> Store:
    store = Store(settings)
    chunks = [c for a in stories.ALL for c in chunk_article(a, max_words=30)]
    store.add_chunks("shared", chunks, embedder.encode([c.embed_text for c in chunks]))
    return store


def search(searcher: Searcher, query: str, as_of: date | None, k: int = 5) -> list[str]:
    return [p.chunk.text for p in searcher.search(query, spaces=["shared"], as_of=as_of, k=k)]


def test_the_passage_that_answers_comes_first(store: Store, embedder: Embedder) -> None:
    passages = Searcher(store, embedder).search(
        "How many homes lost power?", spaces=["shared"], as_of=date(2026, 3, 20), k=3
    )
    assert "22,000 homes lost power" in passages[0].chunk.text
    assert [p.rank for p in passages] == [1, 2, 3]
    assert passages[0].score > passages[1].score >= passages[2].score


def test_nothing_published_after_the_as_of_day_is_found(store: Store, embedder: Embedder) -> None:
    searcher = Searcher(store, embedder)
    question = "Why did the Velmora dockers walk out again?"
    later = searcher.search(question, spaces=["shared"], as_of=date(2026, 4, 5), k=10)
    earlier = searcher.search(question, spaces=["shared"], as_of=date(2026, 3, 1), k=10)
    assert later[0].chunk.article_id == stories.PORT_STRIKE_RESUMES.id
    assert earlier
    assert all(p.chunk.published_at and p.chunk.published_at <= date(2026, 3, 1) for p in earlier)


def test_a_wire_story_carried_by_two_outlets_is_found_once(
    store: Store, embedder: Embedder
) -> None:
    wire = make_article(stories.STORM.title, stories.STORM.body, source="Northern Post Wire")
    chunks = chunk_article(stories.STORM) + chunk_article(wire)
    store.add_chunks("wire", chunks, embedder.encode([c.embed_text for c in chunks]))
    found = Searcher(store, embedder).search(
        "How many homes lost power?", spaces=["wire"], as_of=date(2026, 3, 20), k=10
    )
    assert len(chunks) == 2 and len(found) == 1  # the better-scored copy: the newer one
    assert found[0].chunk.article_id == wire.id


def test_copies_of_one_text_are_found_once_even_with_distant_vectors(
    store: Store, embedder: Embedder
) -> None:
    copies = [
        dataclasses.replace(c, id=f"copy-{n}:0", article_id=f"copy-{n}", title=title)
        for n, title in enumerate(["Storm cuts power", "Winds topple lines", "Night of outages"])
        for c in chunk_article(stories.STORM)[:1]
    ]
    vectors = embedder.encode([c.embed_text for c in copies])
    store.add_chunks("copies", copies, vectors)
    found = Searcher(store, embedder).search(
        "How many homes lost power?", spaces=["copies"], as_of=date(2026, 3, 20), k=10
    )
    assert len(found) == 1  # one text, whatever headline each copy was embedded with


def test_recent_news_ranks_higher_with_the_recency_weight(store: Store, embedder: Embedder) -> None:
    question = "Ilse Marrow and the dock workers"
    as_of = date(2026, 4, 3)
    timeless = Searcher(store, embedder, SearchWeights(recency=0.0))
    recent = Searcher(store, embedder, SearchWeights(recency=2.0))
    top = recent.search(question, spaces=["shared"], as_of=as_of, k=1)[0]
    assert top.chunk.article_id == stories.PORT_STRIKE_RESUMES.id
    scores = {
        p.chunk.id: p.score for p in timeless.search(question, spaces=["shared"], as_of=as_of, k=10)
    }
    assert top.score > scores[top.chunk.id]  # the boost is what lifted it


def test_k_bounds_the_passages_and_an_empty_space_finds_nothing(
    store: Store, embedder: Embedder
) -> None:
    searcher = Searcher(store, embedder)
    assert len(search(searcher, "storm", None, k=2)) == 2
    assert searcher.search("storm", spaces=["empty"], as_of=None, k=5) == []
