"""A poller on a real engine, a fake clock, and the tests' own feed server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from retrieval.config import Settings
from retrieval.embed.embedder import Embedder
from retrieval.engine import Engine
from retrieval.feeds import FeedPoller, FeedRegistry
from tests.feed_server import FeedServer


class Clock:
    def __init__(self, start: float = 1_773_300_000.0) -> None:  # 2026-03-12
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        yield running


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def feed_settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data", fetch_timeout=2)  # type: ignore[call-arg]


@pytest.fixture
def feed_engine(feed_settings: Settings, embedder: Embedder) -> Engine:
    return Engine(feed_settings, embedder=embedder)


def make_poller(engine: Engine, clock: Clock) -> FeedPoller:
    """A poller as a fresh process would build it: a new registry on the same data dir."""
    return FeedPoller(
        engine, FeedRegistry(engine.settings.data_dir), clock=clock, jitter=lambda: 0.5
    )


@pytest.fixture
def poller(feed_engine: Engine, clock: Clock) -> FeedPoller:
    return make_poller(feed_engine, clock)
