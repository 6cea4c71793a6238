"""A restart after the process was killed with SIGKILL right after N writes.

    python bench/restart_after_kill.py --data-dir DIR [--writes N] [--port P] [--rebuild]

DIR is a data dir `bench/scale_big.py --data-dir` filled (its shared space holds the
chunks). A writer process opens the space (from its snapshot), adds N new articles one
write at a time (embedded for real), forgets a stored one, and is killed with SIGKILL
before its background save is due, so its snapshot lags N + 1 writes. A fresh process
then asks the first new article's question: seconds to that answer (model load
included), how the index was opened, and whether the answer cites the new article and no
search finds the forgotten one. With `--rebuild`, the same restart with the snapshot
deleted first, for comparison. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from scale_big import rss_mb, settings_for, to_article
from synthetic import SyntheticArticle, articles

from retrieval.records import SHARED_SPACE


def new_articles(count: int) -> list[SyntheticArticle]:
    """Generated articles under ids of their own (the generator's would replace needles)."""
    generated = articles(count, seed=4242)
    return [dataclasses.replace(item, id=f"kill-{item.id}") for item in generated]


def write(data_dir: Path, port: int | None, writes: int, forget: str) -> None:
    """Open the space, write, say so, and wait to be killed."""
    from retrieval.engine import Engine
    from retrieval.ingest.chunking import chunk_article

    engine = Engine(settings_for(data_dir, port))
    engine.warm_up()
    for item in new_articles(writes):
        chunks = chunk_article(to_article(item))
        vectors = engine.embedder.encode([c.embed_text for c in chunks])
        engine.store.add_chunks(SHARED_SPACE, chunks, vectors)  # one write each
        engine.searcher.added(SHARED_SPACE, chunks, vectors)
    removed = engine.store.delete_article(SHARED_SPACE, forget)
    engine.searcher.removed(SHARED_SPACE, removed)
    print(json.dumps({"removed": len(removed)}), flush=True)
    time.sleep(600)


def restart(data_dir: Path, port: int | None, writes: int, forget: str) -> None:
    from retrieval.engine import Engine

    new = new_articles(writes)
    started = time.perf_counter()
    engine = Engine(settings_for(data_dir, port))
    answer = engine.ask(new[0].question)
    first = time.perf_counter() - started
    found = [p.chunk.article_id for p in engine.search(new[-1].question, k=5)]
    index = engine.searcher.index(SHARED_SPACE)
    print(json.dumps({
        "first_answer_s": round(first, 2), "rss_mb": round(rss_mb()),
        "opened": dict(engine.searcher.loads),
        "first_new_in_top5": new[0].id in [p.chunk.article_id for p in answer.passages[:5]],
        "last_new_in_top5": new[-1].id in found,
        "forgotten_in_index": f"f{forget[2:]}" in index,
    }))  # fmt: skip


def child(role: str, args: argparse.Namespace) -> list[str]:
    command = [sys.executable, __file__, "--role", role, "--data-dir", str(args.data_dir)]
    command += ["--writes", str(args.writes), "--forget", args.forget]
    return command + (["--port", str(args.port)] if args.port else [])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--writes", type=int, default=10)
    parser.add_argument("--port", type=int, help="a running Chroma server's port")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--role", help=argparse.SUPPRESS)
    parser.add_argument("--forget", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role:
        role = write if args.role == "writer" else restart
        role(args.data_dir, args.port, args.writes, args.forget)
        return
    args.forget = f"fa{time.time_ns() // 1000 % 5000}"  # a filler article not forgotten before
    writer = subprocess.Popen(child("writer", args), stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None
    written = json.loads(writer.stdout.readline())
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    result: dict[str, object] = {"writes": args.writes + 1, "forgot": args.forget, **written}
    run = subprocess.run(child("restart", args), check=True, capture_output=True, text=True)
    result["restart"] = json.loads(run.stdout.strip().splitlines()[-1])
    if args.rebuild:
        shutil.rmtree(settings_for(args.data_dir, args.port).index_dir)
        run = subprocess.run(child("restart", args), check=True, capture_output=True, text=True)
        result["rebuild"] = json.loads(run.stdout.strip().splitlines()[-1])
    print(json.dumps(result))


if __name__ == "__main__":
    main()
