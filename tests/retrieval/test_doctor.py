"""`newsbot doctor`: one line per check, failures explained, secrets never shown."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from retrieval.config import Settings
from retrieval.doctor import Check, run_checks
from retrieval.embed import embedder as embeddings
from retrieval.embed.embedder import Embedder
from retrieval.engine import Engine
from tests.fake_openai import fake_openai
from tests.stories import PORT_STRIKE, TRAM_VOTE

SECRET = "sk-do-not-print-me"


@pytest.fixture(autouse=True)
def _shared_model(monkeypatch: pytest.MonkeyPatch, embedder: Embedder) -> None:
    """The session's model, instead of one loaded afresh for each temporary data dir."""
    monkeypatch.setattr(embeddings, "get_embedder", lambda settings: embedder)


def doctor_settings(tmp_path: Path, **values: Any) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data", **values)  # type: ignore[call-arg]


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_fresh_install_without_an_llm_is_healthy(tmp_path: Path) -> None:
    checks = by_name(run_checks(doctor_settings(tmp_path)))

    assert list(checks) == ["embedding model", "store", "LLM"]
    assert all(check.ok for check in checks.values())
    assert checks["embedding model"].detail.startswith(
        "all-MiniLM-L6-v2 (onnx-int8) embeds 384-dimensional vectors"
    )
    assert checks["store"].detail.endswith("`newsbot ingest` creates it")
    assert checks["LLM"].detail == "none (extractive answers, no model needed)"
    assert not (tmp_path / "data").exists()  # the doctor looks, it doesn't create


def test_the_store_check_counts_what_is_stored(tmp_path: Path, embedder: Embedder) -> None:
    settings = doctor_settings(tmp_path)
    Engine(settings, embedder=embedder).ingest_articles([PORT_STRIKE, TRAM_VOTE])

    store = by_name(run_checks(settings))["store"]

    assert store.ok
    assert store.detail == f"{settings.chroma_dir}: 1 knowledge space, 2 chunks"


def test_an_unreachable_chroma_server_fails_the_store_check(tmp_path: Path) -> None:
    settings = doctor_settings(tmp_path, chroma_host="127.0.0.1", chroma_port=free_port())
    store = by_name(run_checks(settings))["store"]

    assert not store.ok
    assert store.detail.startswith("The article store is unreachable at 127.0.0.1:")


def test_a_reachable_llm_passes(tmp_path: Path) -> None:
    with fake_openai(lambda request: "OK") as server:
        settings = doctor_settings(
            tmp_path, llm="openai", llm_model="test-model", OPENAI_BASE_URL=server.base_url,
            OPENAI_API_KEY=SECRET,
        )  # fmt: skip
        llm = by_name(run_checks(settings))["LLM"]

    assert llm.ok, llm.detail
    assert llm.detail.startswith(f"openai model test-model at {server.base_url} answered in")
    assert server.requests[0]["messages"][0]["content"] == "Reply with the single word OK."


def test_an_unreachable_llm_fails_without_showing_secrets(tmp_path: Path) -> None:
    settings = doctor_settings(
        tmp_path, llm="openai", llm_model="test-model", llm_timeout=5,
        OPENAI_BASE_URL=f"http://admin:{SECRET}@127.0.0.1:{free_port()}/v1",
        OPENAI_API_KEY=SECRET,
    )  # fmt: skip
    llm = by_name(run_checks(settings))["LLM"]

    assert not llm.ok
    assert llm.detail.startswith("openai model test-model at http://***@127.0.0.1:")
    assert "is not answering" in llm.detail
    assert SECRET not in llm.detail


def test_a_missing_model_name_fails_the_llm_check(tmp_path: Path) -> None:
    llm = by_name(run_checks(doctor_settings(tmp_path, llm="ollama")))["LLM"]

    assert not llm.ok
    assert "set NEWSBOT_LLM_MODEL" in llm.detail
