"""The searcher opens spaces from their snapshots and keeps to its memory budget."""

from __future__ import annotations

from typing import Any

import pytest

from retrieval.config import Settings
from retrieval.embed.embedder import Embedder
from retrieval.engine import Engine
from tests import stories


def top_title(engine: Engine, question: str, space: str) -> str:
    return engine.search(question, spaces=[space], k=1)[0].chunk.title


def test_a_restart_opens_the_index_from_its_snapshot(
    settings: Settings, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = Engine(settings, embedder=embedder)
    first.ingest_articles(stories.ALL, space="harbor")
    expected = top_title(first, "How long did the port strike last?", "harbor")
    first.close()  # what the process's own writes changed is saved

    restarted = Engine(settings, embedder=embedder)

    def no_reading(*args: Any) -> Any:
        raise AssertionError("the index was read back from the store")

    monkeypatch.setattr(restarted.store, "record_pages", no_reading)
    assert top_title(restarted, "How long did the port strike last?", "harbor") == expected


def test_spaces_beyond_the_budget_are_closed_and_reopened(
    settings: Settings, embedder: Embedder
) -> None:
    engine = Engine(settings.model_copy(update={"index_memory_mb": 0.001}), embedder=embedder)
    engine.ingest_articles([stories.PORT_STRIKE], space="harbor")
    engine.ingest_articles([stories.TRAM_VOTE], space="transit")
    harbor = top_title(engine, "port strike", "harbor")
    assert top_title(engine, "tram vote", "transit") == stories.TRAM_VOTE.title
    assert list(engine.searcher._indexes) == ["transit"]  # harbor was closed
    assert top_title(engine, "port strike", "harbor") == harbor == stories.PORT_STRIKE.title
    assert list(engine.searcher._indexes) == ["harbor"]


def test_a_large_space_finds_the_same_through_the_approximate_index(
    settings: Settings, embedder: Embedder
) -> None:
    exact = Engine(settings, embedder=embedder)
    exact.ingest_articles(stories.ALL)
    approximate = Engine(
        settings.model_copy(update={"exact_search_max_chunks": 0}), embedder=embedder
    )
    question = "How long did the port strike last?"
    asked: list[str] = []
    nearest = approximate.store.nearest
    approximate.store.nearest = lambda space, *a: asked.append(space) or nearest(space, *a)  # type: ignore[method-assign]
    assert [p.chunk.id for p in approximate.search(question)] == [
        p.chunk.id for p in exact.search(question)
    ]
    old = approximate.search(question, as_of=stories.PORT_STRIKE.published_at)
    assert asked == ["shared", "shared"]  # the store's HNSW index gave the dense candidates
    cutoff = stories.PORT_STRIKE.published_at
    assert old and all(p.chunk.published_at and p.chunk.published_at <= cutoff for p in old)
