"""The store's bookkeeping at any size, its change log, healing, and a server that goes away."""

from __future__ import annotations

import dataclasses
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from retrieval.config import Settings
from retrieval.embed.embedder import Embedder
from retrieval.engine import Engine
from retrieval.errors import StoreUnavailable
from retrieval.index.connection import open_client
from retrieval.index.store import Store, collection_name
from retrieval.ingest.chunking import chunk_article
from tests import stories


def paged_engine(settings: Settings, embedder: Embedder, page_size: int = 2) -> Engine:
    return Engine(settings, embedder=embedder, store=Store(settings, page_size=page_size))


def test_bookkeeping_reads_pages_at_any_number_of_articles(
    settings: Settings, embedder: Embedder
) -> None:
    engine = paged_engine(settings, embedder)  # pages of 2 rows: 5 articles take 3 pages
    engine.ingest_articles(stories.ALL)

    assert set(engine.store.stored("shared", [a.id for a in stories.ALL])) == {
        a.id for a in stories.ALL
    }
    assert {s.title for s in engine.sources().articles} == {a.title for a in stories.ALL}
    assert engine.ingest_articles(stories.ALL).skipped == 5
    engine.forget(stories.STORM.id)
    assert len(engine.sources().articles) == 4
    assert {c.article_id for c in engine.store.iter_chunks("shared")} == {
        a.id for a in stories.ALL if a is not stories.STORM
    }


def test_another_process_write_is_applied_as_rows_without_a_reload(
    settings: Settings, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    running = Engine(settings, embedder=embedder)
    running.searcher.recheck_seconds = 0.0
    running.ingest_articles(stories.ALL[:3])
    assert running.search("How much will the Brenholt tram line cost?")

    def no_reload(space: str) -> None:
        pytest.fail(f"the index of {space} was loaded again for another process's write")

    monkeypatch.setattr(running.searcher, "_load", no_reload)
    other = Engine(settings, embedder=embedder)
    other.ingest_articles([stories.TRAM_VOTE])
    other.forget(stories.PORT_STRIKE.id)

    found = {p.chunk.article_id for p in running.search("How much will the Brenholt tram cost?")}
    assert stories.TRAM_VOTE.id in found
    found = {p.chunk.article_id for p in running.search("Did the Velmora dock strike end?")}
    assert stories.PORT_STRIKE.id not in found


def test_checking_for_changes_reads_one_number(settings: Settings, embedder: Embedder) -> None:
    engine = Engine(settings, embedder=embedder)
    assert engine.store.version("shared") == 0
    engine.ingest_articles(stories.ALL[:2])
    engine.forget(stories.PORT_STRIKE.id)
    assert engine.store.version("shared") == 2  # one add (a batch), one delete
    changes = engine.store.changes("shared", 0, 2)
    assert changes is not None
    assert {cid.split(":")[0] for cid in changes.added} == {stories.PORT_STRIKE_WIRE.id}
    assert changes.removed and all(c.startswith(stories.PORT_STRIKE.id) for c in changes.removed)


def test_an_update_interrupted_between_its_two_steps_heals_on_the_next_ingest(
    settings: Settings, embedder: Embedder
) -> None:
    engine = Engine(settings, embedder=embedder)
    engine.ingest_articles([stories.STORM, stories.TRAM_VOTE])
    edited = dataclasses.replace(stories.STORM, body=stories.STORM.body + "\n\nRoads reopened.")
    chunks = chunk_article(edited, max_words=settings.chunk_words)
    # the crash: the new version is stored, the old one not yet removed
    engine.store.add_chunks("shared", chunks, embedder.encode([c.embed_text for c in chunks]))
    assert engine.store.articles(["shared"], 0, 10)[1] == 3  # two versions of the storm article

    report = engine.ingest_articles([edited, stories.TRAM_VOTE])

    assert (report.added, report.updated, report.skipped) == (0, 0, 2)
    assert len(engine.sources().articles) == 2
    storm = [c for c in engine.store.iter_chunks("shared") if c.article_id == edited.id]
    assert {c.content_hash for c in storm} == {edited.content_hash}
    assert any("Roads reopened." in p.chunk.text for p in engine.search("Did roads reopen?"))


def test_a_partly_stored_new_version_gives_way_to_the_complete_old_one(
    settings: Settings, embedder: Embedder
) -> None:
    engine = Engine(settings, embedder=embedder)
    long_storm = dataclasses.replace(
        stories.STORM, body=" ".join([stories.STORM.body] * 6)
    )  # several chunks
    engine.ingest_articles([long_storm])
    edited = dataclasses.replace(long_storm, body=long_storm.body + "\n\nRoads reopened.")
    chunks = chunk_article(edited, max_words=settings.chunk_words)
    assert len(chunks) > 1
    engine.store.add_chunks("shared", chunks, embedder.encode([c.embed_text for c in chunks]))
    # killed after the first of several writes of the new version's chunks
    open_client(settings).get_collection(collection_name("shared")).delete(
        ids=[c.id for c in chunks[1:]]
    )

    report = engine.ingest_articles([edited])

    assert report.updated == 1
    stored = [c for c in engine.store.iter_chunks("shared") if c.article_id == edited.id]
    assert {c.content_hash for c in stored} == {edited.content_hash}
    assert len(stored) == len(chunks)


# -- a chromadb server that goes away ------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ChromaServer:
    def __init__(self, path: Path) -> None:
        self.path, self.port = path, _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        run = "import sys, chromadb_rust_bindings as b; b.cli(['chroma', 'run', *sys.argv[1:]])"
        self.process = subprocess.Popen(
            [sys.executable, "-c", run, "--path", str(self.path), "--host", "127.0.0.1",
             "--port", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/api/v2/heartbeat", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("the chromadb server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(20)
            self.process = None


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[ChromaServer]:
    server = ChromaServer(tmp_path / "served")
    server.start()
    yield server
    server.stop()


def test_a_stopped_server_is_unavailable_and_the_first_question_after_it_is_back_works(
    tmp_path: Path, embedder: Embedder, chroma_server: ChromaServer
) -> None:
    settings = Settings(
        _env_file=None, data_dir=tmp_path / "data", chroma_host="127.0.0.1",
        chroma_port=chroma_server.port,
    )  # type: ignore[call-arg]  # fmt: skip
    engine = Engine(settings, embedder=embedder)
    engine.ingest_articles([stories.TRAM_VOTE])
    question = "How much will the Brenholt tram line cost?"
    assert not engine.ask(question).refused

    chroma_server.stop()
    where = f"the article store is unreachable at 127.0.0.1:{chroma_server.port}"
    time.sleep(1.1)  # past the searcher's recheck: the next question asks the store
    for call in (lambda: engine.ask(question), engine.sources, lambda: engine.forget("x")):
        with pytest.raises(StoreUnavailable) as raised:
            call()
        assert where in str(raised.value).lower()

    chroma_server.start()
    answer = engine.ask(question)
    assert not answer.refused
    assert stories.TRAM_VOTE.id in {c.article_id for c in answer.citations}


def test_a_server_that_is_down_at_start_is_unavailable_not_empty(tmp_path: Path) -> None:
    port = _free_port()
    settings = Settings(
        _env_file=None, data_dir=tmp_path / "data", chroma_host="127.0.0.1", chroma_port=port
    )  # type: ignore[call-arg]
    store = Store(settings)  # opens nothing yet
    with pytest.raises(StoreUnavailable, match=f"unreachable at 127.0.0.1:{port}"):
        store.catch_up("shared")
