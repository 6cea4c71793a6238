"""Shared fixtures: the real embedding model (loaded once), engines on temporary stores."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from retrieval.config import Settings
from retrieval.embed.embedder import Embedder, get_embedder
from retrieval.engine import Engine
from retrieval.records import Article

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the bundled model's ONNX export is cached: made once per test session."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture(autouse=True)
def _isolated_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, model_cache: Path
) -> None:
    """No test sees the developer's .env, token or data dir."""
    for name in list(os.environ):
        if name.startswith("NEWSBOT_") or name in ("DISCORD_TOKEN", "OPENAI_API_KEY"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("NEWSBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NEWSBOT_MODEL_CACHE_DIR", str(model_cache))
    # One process per store in most tests; tests of several processes set "server".
    monkeypatch.setenv("NEWSBOT_STORE_MODE", "embedded")
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def embedder(model_cache: Path) -> Embedder:
    """The bundled all-MiniLM-L6-v2 on the default backend, loaded once per test session."""
    return get_embedder(Settings(_env_file=None, model_cache_dir=model_cache))  # type: ignore[call-arg]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data")  # type: ignore[call-arg]


@pytest.fixture
def engine(settings: Settings, embedder: Embedder) -> Iterator[Engine]:
    yield Engine(settings, embedder=embedder)


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not present")
    return SHARED


def make_article(
    title: str,
    body: str,
    *,
    source: str = "Harbor Gazette",
    published_at: date | None = date(2026, 3, 12),
    url: str = "",
    article_id: str | None = None,
) -> Article:
    """A fictional article, built the way the loaders build them."""
    from retrieval.ingest.cleaning import clean_text

    body = clean_text(body)
    return Article(
        id=article_id or Article.make_id(title=title, body=body, source=source, url=url),
        title=title,
        body=body,
        source=source,
        url=url,
        published_at=published_at,
    )
