"""Three newsbot processes on one Chroma server, as three Discord shards would run.

    python bench/shards.py [--spaces-per-shard 3] [--articles 20] [--json]

Each process (a real `Engine` from the public API, in a child Python) owns its own guild
spaces plus the shared one, all in the data dir's one chromadb server. The driver: every
process ingests its spaces' (fictional, generated) articles and answers a question in
each; then process 1 ingests one new article into the shared space and processes 0 and 2
are asked about it until they cite it. Printed: each process's resident memory, the spaces
its searcher holds open (never another shard's), and how long the new article took to
be answered by the others.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import IO, Any

SHARDS = 3
TOWNS = ["Quarrington", "Ostrava Bay", "Hollin", "Fenwick", "Pellmouth", "Wrayford",
         "Caskel", "Dunmere", "Lowick", "Tamsin Cross", "Brayle", "Ormsby"]  # fmt: skip
THINGS = ["footbridge", "library wing", "tram depot", "fish market", "clock tower",
          "ferry pier", "water tower", "skating rink", "bus station", "harbour wall"]  # fmt: skip


def article(space: str, n: int) -> dict[str, Any]:
    """A fictional article with one fact a question can ask for (unique per space and n)."""
    town, thing = TOWNS[n % len(TOWNS)], THINGS[(n // len(TOWNS)) % len(THINGS)]
    cost = 100 + 37 * n + 11 * (hash(space) % 50)
    title = f"{town} opens its new {thing} in {space}"
    body = (
        f"The {town} council in {space} opened its new {thing} on Monday after two years of "
        f"work. The {thing} cost {cost} thousand crowns, the mayor said.\n\n"
        f"Residents of {town} queued from dawn to see the {thing}, and the council said "
        "the opening ceremony drew a larger crowd than expected."
    )
    return {"id": f"{space}-{n}", "title": title, "body": body, "source": "Fenwick Herald",
            "published": date(2026, 11, 1 + n % 28).isoformat()}  # fmt: skip


def question(space: str, n: int) -> str:
    town, thing = TOWNS[n % len(TOWNS)], THINGS[(n // len(TOWNS)) % len(THINGS)]
    return f"How much did the new {thing} in {town} cost in {space}?"


# -- the worker: one engine process ---------------------------------------------------------


def worker() -> int:
    from retrieval import Article, Engine, Settings

    engine = Engine(Settings())
    for line in sys.stdin:
        request = json.loads(line)
        op = request["op"]
        reply: dict[str, Any] = {}
        if op == "ingest":
            items = [
                Article(
                    id=a["id"],
                    title=a["title"],
                    body=a["body"],
                    source=a["source"],
                    published_at=date.fromisoformat(a["published"]),
                )  # fmt: skip
                for a in request["articles"]
            ]
            report = engine.ingest_articles(items, space=request["space"])
            reply = {"added": report.added, "chunks": report.chunks}
        elif op == "ask":
            answer = engine.ask(request["question"], spaces=request["spaces"])
            reply = {"cited": sorted({c.article_id for c in answer.citations})}
        elif op == "stat":
            with open("/proc/self/status") as status:
                rss = next(int(x.split()[1]) for x in status if x.startswith("VmRSS:"))
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            reply = {"rss_mb": rss / 1024, "peak_mb": peak / 1024,
                     "open_spaces": sorted(engine.searcher._indexes)}  # fmt: skip
        print(json.dumps(reply), flush=True)
    engine.close()
    return 0


# -- the driver -------------------------------------------------------------------------------


class Shard:
    def __init__(self, n: int, env: dict[str, str]) -> None:
        self.n = n
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--worker"], env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )  # fmt: skip

    def call(self, **request: Any) -> dict[str, Any]:
        stdin, stdout = self.proc.stdin, self.proc.stdout
        assert stdin is not None and stdout is not None
        stdin.write(json.dumps(request) + "\n")
        stdin.flush()
        line = _line(stdout)
        return json.loads(line)  # type: ignore[no-any-return]

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def _line(stream: IO[str]) -> str:
    line = stream.readline()
    if not line:
        raise RuntimeError("a shard process ended early (see its stderr above)")
    return line


def server_rss_mb(data_dir: Path) -> float | None:
    """The chromadb server's resident memory (the supervisor's child)."""
    try:
        pid = json.loads((data_dir / "chroma-server.json").read_text())["pid"]
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        total = 0
        for child in [pid, *map(int, children)]:
            for line in Path(f"/proc/{child}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        return total / 1024
    except (OSError, KeyError, ValueError):
        return None


def run(spaces_per_shard: int, articles: int) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="newsbot-shards-")) / "data"
    env = {**os.environ, "NEWSBOT_DATA_DIR": str(data_dir), "NEWSBOT_STORE_MODE": "server"}
    # The model's ONNX export is made once, by a process of its own: a shard that made it
    # would keep torch in memory, which a bot restarted on an exported model never loads.
    env.setdefault("NEWSBOT_MODEL_CACHE_DIR", str(Path.home() / ".cache" / "newsbot-bench"))
    exporter = Shard(-1, env)
    exporter.call(op="ask", question="warm up", spaces=["shared"])
    exporter.close()
    own = {n: [f"guild-{n}{k:02d}" for k in range(spaces_per_shard)] for n in range(SHARDS)}
    started = time.perf_counter()
    shards = [Shard(n, env) for n in range(SHARDS)]
    try:
        shards[0].call(op="ingest", space="shared",
                       articles=[article("shared", i) for i in range(articles)])  # fmt: skip
        for shard in shards:
            for space in own[shard.n]:
                shard.call(op="ingest", space=space,
                           articles=[article(space, i) for i in range(articles)])  # fmt: skip
        filled_s = time.perf_counter() - started
        found = 0
        for shard in shards:
            for space in [*own[shard.n], "shared"]:
                reply = shard.call(op="ask", question=question(space, 5),
                                   spaces=["shared", space])  # fmt: skip
                found += f"{space}-5" in reply["cited"]
        stats = [shard.call(op="stat") for shard in shards]

        new = article("shared", 10_000)
        new["body"] += "\n\nThe harbour master, Ysolde Quince, cut the ribbon."
        written = time.perf_counter()
        shards[1].call(op="ingest", space="shared", articles=[new])
        visible: dict[int, float] = {}
        while len(visible) < 2 and time.perf_counter() - written < 60:
            for shard in (shards[0], shards[2]):
                if shard.n in visible:
                    continue
                reply = shard.call(op="ask", question="Who cut the ribbon, the harbour master?",
                                   spaces=["shared", own[shard.n][0]])  # fmt: skip
                if new["id"] in reply["cited"]:
                    visible[shard.n] = time.perf_counter() - written
            time.sleep(0.05)
        after = [shard.call(op="stat") for shard in shards]
        server = server_rss_mb(data_dir)
    finally:
        for shard in shards:
            shard.close()
    foreign = {
        shard.n: sorted(set(after[shard.n]["open_spaces"]) - {*own[shard.n], "shared"})
        for shard in shards
    }
    return {
        "shards": SHARDS, "spaces_per_shard": spaces_per_shard, "articles_per_space": articles,
        "fill_s": round(filled_s, 1),
        "own_questions_answered": f"{found}/{SHARDS * (spaces_per_shard + 1)}",
        "rss_mb": [round(s["rss_mb"]) for s in after],
        "peak_mb": [round(s["peak_mb"]) for s in after],
        "rss_mb_before_outside_write": [round(s["rss_mb"]) for s in stats],
        "chroma_server_rss_mb": round(server) if server is not None else None,
        "open_spaces": [s["open_spaces"] for s in after],
        "other_shards_spaces_open": foreign,
        "new_shared_article_answered_after_s": {
            f"shard{n}": round(s, 2) for n, s in sorted(visible.items())
        },
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--spaces-per-shard", type=int, default=3)
    parser.add_argument("--articles", type=int, default=20, help="articles per space")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.worker:
        return worker()
    result = run(args.spaces_per_shard, args.articles)
    print(json.dumps(result, indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
