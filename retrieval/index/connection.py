"""How the store is reached, and what a lost connection becomes: StoreUnavailable."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from retrieval.config import Settings
from retrieval.errors import StoreUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")


def _connection_failed(exc: BaseException) -> bool:
    import httpx

    return isinstance(exc, httpx.TransportError | ConnectionError)


class Connection:
    """How the store is reached: a chromadb server (NEWSBOT_CHROMA_HOST, or by default the
    data dir's own, see server.py), or the embedded client (NEWSBOT_STORE_MODE=embedded:
    one process at a time)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.local_server = not settings.chroma_host and settings.store_mode == "server"
        self.where = f"{settings.chroma_host}:{settings.chroma_port}"

    def open(self) -> Any:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        settings = self.settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        if not settings.chroma_host and not self.local_server:
            settings.chroma_dir.mkdir(parents=True, exist_ok=True)
            return chromadb.PersistentClient(
                path=str(settings.chroma_dir), settings=chroma_settings
            )
        host, port = settings.chroma_host or "", settings.chroma_port
        if self.local_server:
            from retrieval.index.server import HOST, ensure_server

            host, port = HOST, ensure_server(settings.data_dir, settings.store_memory_mb)
            self.where = f"{host}:{port}"
        try:
            return chromadb.HttpClient(host=host, port=port, settings=chroma_settings)
        except Exception as exc:  # chromadb raises ValueError when the heartbeat fails
            raise self.unavailable() from exc

    def unavailable(self) -> StoreUnavailable:
        return StoreUnavailable(
            f"The article store is unreachable at {self.where}; try again in a moment."
        )


def open_client(settings: Settings) -> Any:
    """A chromadb client as the settings say; raises StoreUnavailable."""
    return Connection(settings).open()


def reachable(method: Callable[..., T]) -> Callable[..., T]:
    """A store method whose connection failures are StoreUnavailable, never "not found".

    The data dir's own server is started again (once) when it has gone away, or waited
    for while its supervisor restarts it, before the call is made again: a call that
    reuses a collection it had already opened would otherwise be refused again at once."""

    @functools.wraps(method)
    def call(self: Any, *args: Any, **kwargs: Any) -> T:
        for attempt in (1, 2):
            try:
                return method(self, *args, **kwargs)
            except Exception as exc:
                if not _connection_failed(exc):
                    raise
                self._lost()
                if attempt == 2 or not self._connection.local_server:
                    raise self._connection.unavailable() from exc
                log.warning("the store server went away; starting it again")
                self._client  # noqa: B018 (opened again: the server is up once this returns)
        raise AssertionError("unreachable")

    return call
