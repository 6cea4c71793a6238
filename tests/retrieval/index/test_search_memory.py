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


class NearestStore:
    """Answers `nearest` from a fixed order of chunk ids, recording each query."""

    def __init__(self, order: list[str]) -> None:
        self.order = order
        self.asked: list[tuple[int, int | None]] = []

    def nearest(self, space: str, vector: Any, k: int, max_day: int | None) -> list[str]:
        self.asked.append((k, max_day))
        return self.order[:k]


def test_the_approximate_query_goes_unfiltered_and_asks_for_more_when_too_new() -> None:
    from datetime import date

    import numpy as np

    from retrieval.index.search import Searcher
    from retrieval.index.store import date_ord
    from tests.retrieval.index.test_memory import three_chunks

    index = three_chunks()  # a (May 1), b (May 20), c (undated)
    store = NearestStore(["b", "a", "c"])
    searcher = Searcher(store, embedder=None, exact_up_to=0)  # type: ignore[arg-type]
    vector = np.zeros(3, dtype=np.float32)
    assert searcher._nearest("s", index, vector, 2, None) == ["b", "a"]
    assert store.asked == [(2, None)]  # every chunk may be found: no filter
    store.asked.clear()
    may_10 = date_ord(date(2026, 5, 10))
    assert searcher._nearest("s", index, vector, 2, may_10) == ["a", "c"]
    assert store.asked == [(2, None), (8, None)]  # b is too new: four times as many
    store.asked.clear()
    store.order = ["b"] * 200  # nothing near enough is old enough
    searcher._nearest("s", index, vector, 2, may_10)
    assert store.asked == [(2, None), (8, None), (32, None), (128, None), (2, may_10)]
