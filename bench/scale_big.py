"""Restart time, memory and latency of one large space: up to a million chunks.

    python bench/scale_big.py --chunks N [--server] [--json]

Fills a fresh data dir quickly without embedding every chunk: a pool of generated
articles (bench/synthetic.py) is embedded for real, and each stored chunk is one of the
pool's texts under a new id, its vector the pool vector plus a little noise; `--needles`
further articles, embedded for real, carry the questions whose answers are known. Then
the engine is started twice in a fresh process each: the first start builds the space's
index from the store and writes its snapshot, the second (a restart) opens the snapshot.
From the restart: seconds to the first answer (model load included), resident memory,
`ask` p50/p95, search-alone p50, and needle Hits@5. Then one outside write: `newsbot
ingest` in another process adds a new article with a unique answer to the same space
(through the data dir's own Chroma server, or the `--server` one), while the restarted
process asks its question until an answer cites it: `outside_write_visible_s` (from the
store's version moving, read between the questions), the resident memory after, and
`outside_write_reloads` (indexes loaded again meanwhile: 0 when the write was applied as
rows). With `--server`, the store is a
Chroma server started (and stopped) here on 127.0.0.1. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from synthetic import articles

from retrieval.config import Settings
from retrieval.embed.embedder import get_embedder
from retrieval.eval.metrics import hits_at_k, p50, p95
from retrieval.index.server import SERVER_FILE, rss_mb
from retrieval.index.store import Store
from retrieval.ingest.chunking import chunk_article
from retrieval.records import SHARED_SPACE, Article

if TYPE_CHECKING:
    from retrieval.engine import Engine

BATCH = 5000
# A new article each run (a data dir measured again still holds the last run's).
OUTSIDE_QUESTION = "What did the Varnholt glassworks name furnace number {n}?"
OUTSIDE_TITLE = "Varnholt glassworks lights furnace number {n}"
OUTSIDE_ARTICLE = """{title}
Source: Fenwick Herald
Date: {day}

The Varnholt glassworks lit furnace number {n} on Monday and named it Pelloran {name}.
The furnace melts 40 tonnes of sand a day, said works manager Ilsabet Crohn.
"""
OUTSIDE_TIMEOUT = 600.0


def to_article(item: object) -> Article:
    return Article(
        id=item.id, title=item.title, body=item.body, source=item.source,  # type: ignore[attr-defined]
        published_at=item.published_at, origin="synthetic",  # type: ignore[attr-defined]
    )  # fmt: skip


def settings_for(
    data_dir: Path, port: int | None, memory_mb: float = 2048, store_memory_mb: float | None = None
) -> Settings:
    extra = {"chroma_host": "127.0.0.1", "chroma_port": port} if port else {}
    extra["index_memory_mb"] = memory_mb
    if store_memory_mb is not None:
        extra["store_memory_mb"] = store_memory_mb
    return Settings(_env_file=None, data_dir=data_dir, **extra)  # type: ignore[call-arg, arg-type]


def space_names(count: int) -> list[str]:
    return [SHARED_SPACE] + [f"guild-{n}" for n in range(1, count)]


def fill(
    settings: Settings, chunks: int, pool_size: int, needles: int, spaces: int = 1
) -> dict[str, float]:
    """Store `chunks` filler chunks (spread over `spaces`) and the needles (in the shared
    space); returns how long it took."""
    started = time.perf_counter()
    embedder = get_embedder(settings)
    pool = [chunk_article(to_article(a))[0] for a in articles(pool_size, seed=7)]
    pool_vectors = embedder.encode([c.embed_text for c in pool])
    planted = [to_article(a) for a in articles(needles, seed=991)]
    needle_chunks = [c for a in planted for c in chunk_article(a)]
    needle_vectors = embedder.encode([c.embed_text for c in needle_chunks])
    embedded = time.perf_counter() - started
    store = Store(settings)
    rng = np.random.default_rng(5)
    filler = chunks - len(needle_chunks)
    names = space_names(spaces)
    step = min(BATCH, max(filler // spaces, 1))
    for begin in range(0, filler, step):
        rows = range(begin, min(begin + step, filler))
        base = [pool[i % pool_size] for i in rows]
        batch = [
            dataclasses.replace(c, id=f"f{i}", article_id=f"fa{i}", content_hash=f"h{i}")
            for i, c in zip(rows, base, strict=True)
        ]
        vectors = pool_vectors[[i % pool_size for i in rows]]
        vectors = vectors + rng.normal(0, 0.025, vectors.shape).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        store.add_chunks(names[begin * spaces // filler], batch, vectors)
    store.add_chunks(SHARED_SPACE, needle_chunks, needle_vectors)
    return {"embed_s": embedded, "fill_s": time.perf_counter() - started}


def store_rss_mb(data_dir: Path) -> float | None:
    """Resident memory of the data dir's own Chroma server (its supervisor's children),
    where chromadb keeps the collections it opened; None when there is none."""
    try:
        supervisor = json.loads((data_dir / SERVER_FILE).read_text())["pid"]
        tasks = Path(f"/proc/{supervisor}/task").iterdir()
        children = [c for t in tasks for c in (t / "children").read_text().split()]
    except (OSError, KeyError, ValueError):
        return None
    return round(sum(rss_mb(child) or 0.0 for child in children))


def measure(settings: Settings, needles: int, spaces: int = 1) -> dict[str, float | None]:
    """In a fresh process: start the engine, ask, and measure."""
    from retrieval.engine import Engine

    items = list(articles(needles, seed=991))
    started = time.perf_counter()
    engine = Engine(settings)
    engine.ask(items[0].question)
    first = time.perf_counter() - started
    opened, store_held = [], []
    for space in space_names(spaces)[1:]:  # one question in every space, in turn
        began = time.perf_counter()
        engine.ask(items[0].question, spaces=[space])
        opened.append(time.perf_counter() - began)
        store_held.append(store_rss_mb(settings.data_dir) or 0)
    asked, searched, rankings = [], [], []
    for item in items:
        began = time.perf_counter()
        answer = engine.ask(item.question)
        asked.append((time.perf_counter() - began) * 1000)
        rankings.append([p.chunk.article_id for p in answer.passages])
        began = time.perf_counter()
        engine.search(item.question, k=5)
        searched.append((time.perf_counter() - began) * 1000)
    return (
        {
            "first_answer_s": round(first, 2),
            "rss_mb": round(rss_mb()),
            "store_rss_mb": store_rss_mb(settings.data_dir),
            "ask_p50_ms": round(p50(asked), 1),
            "ask_p95_ms": round(p95(asked), 1),
            "search_p50_ms": round(p50(searched), 1),
            "needle_hits_at_5": hits_at_k(rankings, [a.id for a in items], 5),
        }
        | (
            {
                "space_open_p50_s": round(p50(opened), 3),
                "spaces_open": len(engine.searcher._indexes),
                "store_rss_max_mb": max(store_held),  # while the spaces were opened
            }
            if opened
            else {}
        )
        | outside_write(engine, settings)
    )


class Loads(logging.Handler):
    """Counts the searcher's "loaded the index" messages (a reload of a whole space)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += record.getMessage().startswith("loaded the index")


def outside_write(engine: Engine, settings: Settings) -> dict[str, float]:
    """Another process ingests one article; ask until an answer cites it."""
    searcher = logging.getLogger("retrieval.index.search")
    loads = Loads()
    searcher.addHandler(loads)
    searcher.setLevel(logging.INFO)
    n = int(time.time()) % 100_000
    title, question = OUTSIDE_TITLE.format(n=n), OUTSIDE_QUESTION.format(n=n)
    source = settings.data_dir / "outside-write.txt"
    source.write_text(
        OUTSIDE_ARTICLE.format(title=title, day=date.today().isoformat(), n=n, name=n * 7 % 997)
    )
    env = {**os.environ, "NEWSBOT_DATA_DIR": str(settings.data_dir)}
    if settings.chroma_host:
        env |= {"NEWSBOT_CHROMA_HOST": settings.chroma_host,
                "NEWSBOT_CHROMA_PORT": str(settings.chroma_port)}  # fmt: skip
    errors = (settings.data_dir / "outside-write.err").open("w")
    version = engine.store.version(SHARED_SPACE)
    started = time.perf_counter()
    writer = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "ingest", str(source)], env=env,
        stdout=subprocess.DEVNULL, stderr=errors,
    )  # fmt: skip
    written: float | None = None  # when the write was done: the store's version moved
    asked = 0
    while time.perf_counter() - started < OUTSIDE_TIMEOUT:
        if writer.poll() is not None and writer.returncode:
            raise RuntimeError(f"the outside ingest failed: see {errors.name}")
        if written is None and engine.store.version(SHARED_SPACE) != version:
            written = time.perf_counter()
        answer = engine.ask(question)
        asked += 1
        if any(c.title == title for c in answer.citations):
            break
        time.sleep(0.1)
    else:
        raise RuntimeError("the outside write was never cited")
    cited = time.perf_counter()
    writer.wait()
    errors.close()
    assert written is not None
    searcher.removeHandler(loads)
    return {
        "outside_ingest_s": round(written - started, 2),  # its start to its write
        "outside_write_visible_s": round(cited - written, 2),
        "outside_write_asks": asked,
        "outside_write_reloads": loads.count,
        "rss_after_outside_write_mb": round(rss_mb()),
    }


def in_fresh_process(
    data_dir: Path,
    port: int | None,
    needles: int,
    spaces: int,
    memory_mb: float,
    store_memory_mb: float | None,
) -> dict[str, float]:
    command = [sys.executable, __file__, "--measure", str(data_dir), "--needles", str(needles)]
    command += ["--spaces", str(spaces), "--memory-mb", str(memory_mb)]
    if store_memory_mb is not None:
        command += ["--store-memory-mb", str(store_memory_mb)]
    if port:
        command += ["--port", str(port)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:  # what went wrong, not just that it did
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(path: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    chroma = Path(sys.executable).parent / "chroma"
    server = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(120):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, port
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise RuntimeError("the Chroma server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--server", action="store_true")
    parser.add_argument("--json", action="store_true", help="print only the JSON object")
    parser.add_argument("--pool", type=int, default=2000)
    parser.add_argument("--needles", type=int, default=100)
    parser.add_argument("--spaces", type=int, default=1, help="spread the chunks over spaces")
    parser.add_argument("--memory-mb", type=float, default=2048, help="NEWSBOT_INDEX_MEMORY_MB")
    parser.add_argument(
        "--store-memory-mb", type=float, help="NEWSBOT_STORE_MEMORY_MB (the data dir's server)"
    )
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument(
        "--data-dir", type=Path,
        help="fill this data dir and keep it; if it was filled before, measure it again "
        "(its snapshots deleted first) without filling",
    )  # fmt: skip
    args = parser.parse_args()
    if args.measure:
        settings = settings_for(args.measure, args.port, args.memory_mb, args.store_memory_mb)
        print(json.dumps(measure(settings, args.needles, args.spaces)))
        return
    work = args.data_dir or Path(tempfile.mkdtemp(prefix="newsbot-scale-big-"))
    filled = work / "filled.json"  # what an earlier run with --data-dir filled here
    server = None
    try:
        port = None
        if args.server:  # the server keeps its data where the local store would
            server, port = start_server(work / "chroma")
        settings = settings_for(work, port, store_memory_mb=args.store_memory_mb)
        result: dict[str, object] = {"chunks": args.chunks, "server": args.server}
        result |= {"spaces": args.spaces, "memory_mb": args.memory_mb}
        result |= {"store_memory_mb": settings.store_memory_mb}
        if filled.exists():
            before = json.loads(filled.read_text())
            if before["chunks"] != args.chunks or before["spaces"] != args.spaces:
                raise SystemExit(f"{work} holds {before}, not what was asked")
            shutil.rmtree(settings.index_dir, ignore_errors=True)  # build the snapshots again
            result |= before | {"reused": True}
        else:
            result |= fill(settings, args.chunks, args.pool, args.needles, args.spaces)
            if args.data_dir:
                kept = {k: result[k] for k in ("chunks", "spaces", "embed_s", "fill_s")}
                filled.write_text(json.dumps(kept))
        again = (work, port, args.needles, args.spaces, args.memory_mb, args.store_memory_mb)
        built = in_fresh_process(*again)  # builds the indexes and their snapshots
        result["build_first_answer_s"] = built["first_answer_s"]
        result["build_rss_mb"] = built["rss_mb"]
        restarted = in_fresh_process(*again)
        result["restart_first_answer_s"] = restarted.pop("first_answer_s")
        result |= restarted
        if not args.json:
            print(json.dumps(result, indent=2), file=sys.stderr)
        print(json.dumps(result))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if not args.data_dir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
