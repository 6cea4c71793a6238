"""Helpers for the loader tests: load sources as `newsbot ingest` reads them."""

from __future__ import annotations

from pathlib import Path

from retrieval.config import Settings
from retrieval.errors import SourceError
from retrieval.ingest.loading import iter_articles
from retrieval.records import Article
from tests.retrieval.conftest import ARTICLES

FEED = ARTICLES / "feeds" / "ledger.rss"
FOG_URL = "https://ledger.example/2026/02/27/fog-airport"


def load(
    *sources: str | Path, settings: Settings, **options: object
) -> list[Article | SourceError]:
    return list(iter_articles([str(s) for s in sources], settings, **options))  # type: ignore[arg-type]


def only_article(items: list[Article | SourceError]) -> Article:
    assert len(items) == 1 and isinstance(items[0], Article), items
    return items[0]


def only_error(items: list[Article | SourceError]) -> str:
    assert len(items) == 1 and isinstance(items[0], SourceError), items
    return str(items[0])
