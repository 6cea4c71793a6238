"""Several real `newsbot` processes on one data dir, through the data dir's own server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import pytest

from retrieval.embed.embedder import Embedder

NEWSBOT = str(Path(sys.executable).with_name("newsbot"))
LIBRARY = """Quarrington library reopens after flood repairs
Source: Fenwick Herald
Date: 2026-11-20

The Quarrington Public Library reopened on Friday after flood repairs that cost 3.2 million crowns.
Head librarian Odile Marchetti said 900 visitors came in the first hour.
"""
FERRY = """Ostrava Bay ferry gets a new electric boat
Source: Fenwick Herald
Date: 2026-11-21

The Ostrava Bay ferry service launched its first electric boat, the Kestrel, on Saturday.
The boat carries 180 passengers and charges in twelve minutes at the Pell Street pier.
"""
OBSERVATORY = """Hollin observatory names its new telescope
Source: Northern Post
Date: 2026-11-22

The Hollin Observatory named its new telescope Wren after a vote by 4,000 schoolchildren.
"""
LIBRARY_Q = "How much did the Quarrington library flood repairs cost?"
FERRY_Q = "How many passengers does the Kestrel ferry carry?"
OBSERVATORY_Q = "What did the Hollin Observatory name its new telescope?"


@pytest.fixture
def env(tmp_path: Path, embedder: Embedder) -> dict[str, str]:
    """The real default: the data dir's own chromadb server (the model is exported once)."""
    return {
        **os.environ,
        "NEWSBOT_STORE_MODE": "server",
        "NEWSBOT_DATA_DIR": str(tmp_path / "data"),
    }


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def newsbot(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([NEWSBOT, *args], env=env, capture_output=True, text=True, timeout=120)


class CoProcess:
    """`newsbot ask --json -` kept open: one question in, one answer out."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [NEWSBOT, "ask", "--json", "-"], env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def ask(self, question: str) -> dict[str, Any]:
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        stdin.write(question + "\n")
        stdin.flush()  # and stdin stays open: the answer must come now
        line = _readline(stdout, timeout=120)
        return dict(json.loads(line))

    def cited(self, question: str) -> set[str]:
        return {c["title"] for c in self.ask(question)["citations"]}

    def close(self) -> int:
        assert self.process.stdin is not None
        self.process.stdin.close()
        return self.process.wait(60)


def _readline(stream: IO[str], timeout: float) -> str:
    import selectors

    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        if not selector.select(timeout):
            raise AssertionError("no answer while standard input stays open")
    return stream.readline()


def wait_for(predicate: Any, timeout: float = 15.0) -> float:
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise AssertionError("not seen in time")
        time.sleep(0.1)
    return time.monotonic() - started


def test_a_running_process_answers_while_others_ingest_in_parallel_and_forget(
    tmp_path: Path, env: dict[str, str]
) -> None:
    texts = {"library.txt": LIBRARY, "ferry.txt": FERRY, "sky.txt": OBSERVATORY}
    sources = [write(tmp_path, name, text) for name, text in texts.items()]
    running = CoProcess(env)  # the bot, say: up before anything is stored
    try:
        assert running.ask(FERRY_Q)["refused"]
        ingests = [
            subprocess.Popen([NEWSBOT, "ingest", *batch], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for batch in (sources[:2], sources[2:])
        ]  # fmt: skip
        for ingest in ingests:  # two ingests at once
            _, err = ingest.communicate(timeout=120)
            assert ingest.returncode == 0, err
        ingested = time.monotonic()
        wait_for(lambda: "Ostrava Bay ferry gets a new electric boat" in running.cited(FERRY_Q))
        assert time.monotonic() - ingested < 5.0
        assert "Hollin observatory names its new telescope" in running.cited(OBSERVATORY_Q)
        assert "Quarrington library reopens after flood repairs" in running.cited(LIBRARY_Q)

        listed = json.loads(newsbot(env, "sources", "--json").stdout)["articles"]
        assert len(listed) == 3
        library_id = next(s["id"] for s in listed if s["title"].startswith("Quarrington"))
        assert newsbot(env, "forget", library_id).returncode == 0
        wait_for(lambda: running.ask(LIBRARY_Q)["refused"], timeout=5.0)
        assert "Ostrava Bay ferry gets a new electric boat" in running.cited(FERRY_Q)
    finally:
        assert running.close() == 0

    # no process uses the store any more: its server stops by itself
    server_file = tmp_path / "data" / "chroma-server.json"
    wait_for(lambda: not server_file.exists(), timeout=30)
    assert not list((tmp_path / "data" / "clients").iterdir())


ROOT = str(Path(__file__).resolve().parents[3])
WRITER = """
import sys, time
from retrieval.config import Settings
from retrieval.engine import Engine
from tests import stories

engine = Engine(Settings())
engine.ingest_articles(stories.ALL[:3])
engine.search("How much will the Brenholt tram line cost?")  # built, and its snapshot written
engine.ingest_articles([stories.TRAM_VOTE])
engine.forget(stories.PORT_STRIKE.id)
while sys.argv[1] == "wait" and not engine.searcher._saves.saved:
    time.sleep(0.05)
print("written", flush=True)
time.sleep(300)
"""
RESTART = """
import json, logging
from retrieval.config import Settings
from retrieval.engine import Engine

logging.basicConfig(level=logging.INFO)
engine = Engine(Settings())
found = {q: [p.chunk.article_id for p in engine.search(q)] for q in ("tram cost", "dock strike")}
print(json.dumps({"found": found, "loads": engine.searcher.loads}))
"""


@pytest.mark.parametrize(
    ("before_the_kill", "opened"),
    [("nothing", "snapshot and change log"), ("wait", "snapshot")],
)
def test_a_restart_after_a_kill_opens_the_stale_snapshot_without_a_rebuild(
    env: dict[str, str], before_the_kill: str, opened: str
) -> None:
    from tests import stories

    env = {**env, "PYTHONPATH": ROOT}
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, before_the_kill], env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert writer.stdout is not None
        assert _readline(writer.stdout, timeout=120).strip() == "written"
    finally:
        writer.kill()  # SIGKILL: no close, no atexit, no snapshot written at exit
        writer.wait(30)
    restart = subprocess.run(
        [sys.executable, "-c", RESTART], env=env, capture_output=True, text=True, timeout=120
    )
    assert restart.returncode == 0, restart.stderr
    result = json.loads(restart.stdout)
    assert result["loads"] == {opened: 1}
    assert f"loaded the index of shared ({opened})" in restart.stderr
    assert stories.TRAM_VOTE.id in result["found"]["tram cost"]
    assert stories.PORT_STRIKE.id not in result["found"]["dock strike"]
