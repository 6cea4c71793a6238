"""The data dir's own Chroma server under a memory budget: a real server, restarted."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from retrieval.config import Settings
from retrieval.index.server import SERVER_FILE, rss_mb
from retrieval.index.store import Store
from retrieval.ingest.chunking import chunk_article
from tests import stories

ROOT = str(Path(__file__).resolve().parents[3])
# The supervisor as ensure_server starts it, allowed to restart its server every second.
SUPERVISOR = (
    "import sys, retrieval.index.server as s; s.MIN_RESTART_SECONDS = 1.0; s.main(sys.argv[1:])"
)
BUDGET_MB = 100
SPACES, CHUNKS = 14, 2000  # ~10 MB of chromadb's memory a space


def server_pid(data_dir: Path) -> int:
    supervisor = json.loads((data_dir / SERVER_FILE).read_text())["pid"]
    children = Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()
    return int(children[0])


def filler(space: int) -> tuple[list, np.ndarray]:
    [base] = chunk_article(stories.STORM)[:1]
    chunks = [
        dataclasses.replace(base, id=f"c{space}-{i}", article_id=f"a{space}-{i}",
                            content_hash=f"h{space}-{i}")
        for i in range(CHUNKS)
    ]  # fmt: skip
    vectors = np.random.default_rng(space).normal(size=(CHUNKS, 384)).astype(np.float32)
    return chunks, vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_a_server_over_its_memory_budget_is_restarted_and_its_clients_go_on(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    supervisor = subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR, str(data_dir), "--memory-mb", str(BUDGET_MB)],
        env={**os.environ, "PYTHONPATH": ROOT},
    )
    try:
        while not (data_dir / SERVER_FILE).exists():
            time.sleep(0.1)
        settings = Settings(_env_file=None, data_dir=data_dir, store_mode="server")  # type: ignore[call-arg]
        store = Store(settings)  # found running: its budget is the supervisor's
        servers, held = set(), []
        for space in range(SPACES):
            store.add_chunks(f"guild-{space}", *filler(space))
            [(read, _)] = store.record_pages("guild-0")  # read after each write, by pages
            assert len(read) == CHUNKS and store.count("guild-0") == CHUNKS
            servers.add(server_pid(data_dir))
            held.append(rss_mb(server_pid(data_dir)) or 0.0)

        assert len(servers) >= 2  # restarted at least once
        assert max(held) < 1.6 * BUDGET_MB  # over by a write or two at most (unbounded: ~350)
        assert all(store.count(f"guild-{space}") == CHUNKS for space in range(SPACES))
        [(chunks, vectors)] = list(store.record_pages("guild-3"))
        assert len(chunks) == CHUNKS and np.allclose(vectors, filler(3)[1], atol=1e-5)
        log = (data_dir / "chroma-server.log").read_text()
        assert f"over {BUDGET_MB} MB" in log
    finally:
        supervisor.terminate()
        supervisor.wait(30)


def test_a_supervisor_asked_to_end_starts_no_server_again(tmp_path: Path) -> None:
    """SIGTERM while the server is over its budget: the restart that was due is not made,
    or the supervisor would serve on and never end."""
    from retrieval.index import server

    chroma = server._Chroma.__new__(server._Chroma)
    chroma.data_dir, chroma.port, chroma.stopping = tmp_path, 0, False
    chroma.process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    started: list[int] = []
    chroma._start = lambda: started.append(1) or chroma.process  # type: ignore[method-assign]
    chroma.end()
    assert chroma.restart("it holds 120 MB, over 100 MB") is False
    assert started == []
    assert chroma.process.wait(10) is not None  # the server was told to end
