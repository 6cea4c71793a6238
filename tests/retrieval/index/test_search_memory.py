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
    first.searcher.close()  # what the process's own writes changed is saved

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
