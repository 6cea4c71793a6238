"""`newsbot doctor`: is the configuration usable? The model, the store, the LLM.

Each check reports one line; none raises, and no secret (API key, token, password in a
URL) is ever part of a detail.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from retrieval.config import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str


def run_checks(settings: Settings) -> list[Check]:
    """The embedding model, the store, and the LLM (when one is configured)."""
    checks = [
        _run("embedding model", check_embedding_model, settings),
        _run("store", check_store, settings),
        _run("LLM", check_llm_reachable, settings),
    ]
    return [Check(c.name, c.ok, _without_secrets(c.detail, settings)) for c in checks]


def _run(name: str, check: Callable[[Settings], str], settings: Settings) -> Check:
    try:
        return Check(name, True, check(settings))
    except Exception as exc:  # a failed check is a report, not a crash
        log.debug("doctor: %s failed", name, exc_info=True)
        return Check(name, False, str(exc) or type(exc).__name__)


def check_embedding_model(settings: Settings) -> str:
    from retrieval.embed.embedder import get_embedder

    embedder = get_embedder(settings)
    started = time.perf_counter()
    vectors = embedder.encode(["Is the embedding model working?"])
    elapsed = (time.perf_counter() - started) * 1000
    if vectors.shape != (1, embedder.dimension) or not vectors.any():
        raise RuntimeError(f"the model returned vectors of shape {vectors.shape}")
    return (
        f"{settings.embedding_model} ({embedder.backend}) embeds "
        f"{embedder.dimension}-dimensional vectors; a test sentence took {elapsed:.0f} ms"
    )


def check_store(settings: Settings) -> str:
    if settings.chroma_host:
        from retrieval.index.connection import open_client

        client = open_client(settings)
        client.heartbeat()
        where = f"chromadb server {settings.chroma_host}:{settings.chroma_port}"
    else:
        if not settings.chroma_dir.exists():
            return f"no store yet at {settings.chroma_dir}: `newsbot ingest` creates it"
        from retrieval.index.connection import open_client

        client = open_client(settings)
        where = str(settings.chroma_dir)
    collections = [c for c in client.list_collections() if _name(c).startswith("newsbot-")]
    chunks = sum(client.get_collection(_name(c)).count() for c in collections)
    return f"{where}: {_count(len(collections), 'knowledge space')}, {_count(chunks, 'chunk')}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _name(collection: object) -> str:
    return str(getattr(collection, "name", collection))  # chromadb returns names or models


def check_llm_reachable(settings: Settings) -> str:
    from retrieval.answer.llm import check_llm, describe_llm

    if settings.llm == "none":
        return describe_llm(settings)
    return check_llm(settings)


def _without_secrets(detail: str, settings: Settings) -> str:
    for secret in (settings.openai_api_key, settings.discord_token):
        value = secret.get_secret_value() if secret is not None else ""
        if len(value) >= 4:
            detail = detail.replace(value, "***")
    return detail
