"""Six slow `/ingest`s at once: how long the event loop stalls, and how long `/forget`
and a question in other servers wait meanwhile.

A loopback server on 127.0.0.2 sends each article page in small pieces, 0.2 s apart
(about 5 s a page). The bot (real engine, real model, slash commands called as the
command tree would) runs six `/ingest`s from six servers; meanwhile a ticker measures the
event loop's longest stall, and another server runs `/forget` and asks a question.

    PYTHONPATH=$PWD .venv/bin/python bench/ingest_stall.py
"""

from __future__ import annotations

import asyncio
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bot.discord_app import create_bot
from retrieval import Engine, Settings
from tests import stories
from tests.bot.conftest import invoke, make_interaction

PIECES = 25
PAUSE = 0.2
PAGE = (
    "<html><head><title>Ferry timetable changes {n}</title></head><body><article>"
    "<h1>Ferry timetable changes {n}</h1>"
    + "<p>The Marrow Bay ferry {n} will leave every forty minutes from Monday, the harbour "
    "office said, after a winter of delays that angered commuters on both shores.</p>"
    * 8
    + "</article></body></html>"
)


class _Slow(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        body = PAGE.format(n=self.path.rsplit("/", 1)[-1]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        step = -(-len(body) // PIECES)
        for start in range(0, len(body), step):
            self.wfile.write(body[start : start + step])
            self.wfile.flush()
            time.sleep(PAUSE)

    def log_message(self, *args: object) -> None:
        pass


async def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.2", 0), _Slow)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    origin = f"http://127.0.0.2:{server.server_address[1]}"
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, data_dir=Path(tmp) / "data", allowed_private_hosts="127.0.0.2"
        )
        engine = Engine(settings)
        engine.ingest_articles([stories.STORM], space="guild-99")
        engine.ingest_articles(stories.ALL)
        engine.warm_up(["shared", "guild-99"])
        bot = create_bot(settings, engine)
        await bot._async_setup_hook()
        await bot.setup_hook()

        stalls: list[tuple[float, float]] = []  # (when, how long)
        running = True

        async def ticker() -> None:
            while running:
                before = time.perf_counter()
                await asyncio.sleep(0.01)
                stalls.append((before - started, time.perf_counter() - before - 0.01))

        async def timed(coro: object) -> float:
            started = time.perf_counter()
            await coro  # type: ignore[misc]
            return time.perf_counter() - started

        started = time.perf_counter()
        tick = asyncio.create_task(ticker())
        asked = [
            make_interaction(bot, guild_id=100 + n, manage_guild=True, command="ingest")
            for n in range(6)
        ]
        ingests = [
            asyncio.create_task(
                timed(invoke(bot, "ingest", interaction, url=f"{origin}/story/{n}"))
            )
            for n, interaction in enumerate(asked)
        ]
        await asyncio.sleep(0.5)  # the downloads are under way
        forget = await timed(
            invoke(
                bot,
                "forget",
                make_interaction(bot, guild_id=99, manage_guild=True, command="forget"),
                article_id=stories.STORM.id,
            )
        )
        ask = await timed(
            invoke(bot, "ask", make_interaction(bot, guild_id=99), question="Who won the vote?")
        )
        durations = await asyncio.gather(*ingests)
        replies = {str(c) for i in asked for c in i.followup.send.call_args_list}
        total = time.perf_counter() - started
        running = False
        await tick
        stored = [len(engine.sources(spaces=(f"guild-{100 + n}",)).articles) for n in range(6)]
        await bot.close()
    server.shutdown()
    print(
        f"six /ingests of ~{PIECES * PAUSE:.0f} s pages: all done in {total:.1f} s, "
        f"each {min(durations):.1f}-{max(durations):.1f} s, articles stored {stored}"
    )
    print("replies:", *sorted(replies)[:2], sep="\n  ")
    worst = sorted(stalls, key=lambda s: -s[1])[:3]
    shown = ", ".join(f"{ms * 1000:.0f} ms at {at:.1f} s" for at, ms in worst)
    print(f"longest event-loop stalls: {shown}")
    print(
        f"/forget in another server meanwhile: {forget * 1000:.0f} ms; "
        f"a question: {ask * 1000:.0f} ms"
    )


if __name__ == "__main__":
    asyncio.run(main())
