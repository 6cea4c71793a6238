"""Poll many followed feeds on a loopback server, as the Discord bot does.

    PYTHONPATH=. python bench/poll_feeds.py [--feeds 200] [--cycles 4] [--new 5]

Every feed has 3 entries at first (their pages are fetched and ingested in cycle 0);
in each later cycle `--new` feeds get one new entry and the rest answer 304. Per cycle:
wall time, CPU time (this process), the longest event-loop stall while the poll runs in
a worker thread (a ticker coroutine measures its own lateness), and peak memory (RSS).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from retrieval import Engine, FeedPoller, Settings  # noqa: E402
from tests.feed_server import FeedServer, rss, story  # noqa: E402


async def _cycle(poller: FeedPoller) -> tuple[float, float, float, int, int]:
    stall = 0.0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal stall
        while not done.is_set():
            before = time.perf_counter()
            await asyncio.sleep(0.01)
            stall = max(stall, time.perf_counter() - before - 0.01)

    tick = asyncio.create_task(ticker())
    wall, cpu = time.perf_counter(), time.process_time()
    results = await asyncio.to_thread(poller.poll_due, every=True)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    done.set()
    await tick
    added = sum(len(r.added) for r in results)
    failed = sum(not r.answered for r in results)
    return wall, cpu, stall, added, failed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--cycles", type=int, default=4)
    parser.add_argument("--new", type=int, default=5, help="feeds with a new entry per cycle")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data, FeedServer() as server:
        engine = Engine(Settings(_env_file=None, data_dir=Path(data)))  # type: ignore[call-arg]
        engine.warm_up()
        poller = FeedPoller(engine)
        entries = {f: [story(3 * f + k) for k in range(3)] for f in range(args.feeds)}
        for f in range(args.feeds):
            server.feeds[f"/f{f}.rss"] = rss(f"Outlet {f}", entries[f])
            poller.follow(server.url(f"/f{f}.rss"), space="shared", every_seconds=60)
        print("| cycle | feeds with news | wall s | CPU s | longest loop stall ms | added |"
              " failed | peak RSS MB |\n|---|---|---|---|---|---|---|---|")  # fmt: skip
        serial = 10_000
        for cycle in range(args.cycles):
            changed = 0 if cycle == 0 else args.new
            for f in range(changed):
                feed = (cycle * args.new + f) % args.feeds
                serial += 1
                entries[feed].insert(0, story(serial, link=f"/page/{serial % 400}?n={serial}"))
                server.feeds[f"/f{feed}.rss"] = rss(f"Outlet {feed}", entries[feed])
            wall, cpu, stall, added, failed = asyncio.run(_cycle(poller))
            rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            label = "all (first poll)" if cycle == 0 else str(changed)
            print(f"| {cycle} | {label} | {wall:.2f} | {cpu:.2f} | {stall * 1000:.1f} | {added}"
                  f" | {failed} | {rss_mb:.0f} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
