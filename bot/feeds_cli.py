"""`newsbot follow | unfollow | feeds | refresh | watch`: followed feeds from the command line.

newsbot follow URL [--every 15m] [--space NAME]
newsbot unfollow URL
newsbot feeds [--json]
newsbot refresh [--all]       # exit 0 when every polled feed answered (304 too), else 1
newsbot watch                 # poll until SIGTERM or Ctrl-C (exit 0)
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from datetime import UTC, datetime
from typing import Any

from retrieval import SHARED_SPACE, Settings

log = logging.getLogger(__name__)

DEFAULT_EVERY = "15m"


def _every(text: str) -> int:
    from retrieval import parse_every

    try:
        return parse_every(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _poller(settings: Settings, *, engine: bool = True) -> Any:  # -> FeedPoller
    """A poller; without `engine`, one that only follows and unfollows (no model loaded)."""
    from retrieval import Engine, FeedPoller

    return FeedPoller(Engine(settings) if engine else None, settings=settings)


def cmd_follow(args: argparse.Namespace, settings: Settings) -> int:
    from retrieval import format_every

    poller = _poller(settings, engine=False)
    feed = poller.follow(args.url, space=args.space, every_seconds=args.every)
    print(
        f"Following {feed.url} in {feed.space!r}, every {format_every(feed.every_seconds)}; "
        "`newsbot refresh` polls it now, `newsbot watch` keeps polling."
    )
    return 0


def cmd_unfollow(args: argparse.Namespace, settings: Settings) -> int:
    feed = _poller(settings, engine=False).unfollow(args.url, space=args.space)
    print(f"No longer following {feed.url} in {feed.space!r}; its {feed.articles} articles stay.")
    return 0


def _when(moment: float | None) -> str:
    if moment is None:
        return "never"
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d %H:%M UTC")


def cmd_feeds(args: argparse.Namespace, settings: Settings) -> int:
    from retrieval import FeedRegistry, format_every

    feeds = FeedRegistry(settings.data_dir).feeds()
    if args.json:
        print(json.dumps([feed.to_json() for feed in feeds], ensure_ascii=False, indent=2))
        return 0
    if not feeds:
        print("No followed feeds. Follow one with `newsbot follow URL`.")
        return 0
    for feed in feeds:
        health = feed.status + (
            f" ({feed.consecutive_failures} failures: {feed.last_error})"
            if feed.consecutive_failures
            else ""
        )
        print(
            f"{feed.url}\n  space {feed.space}, every {format_every(feed.every_seconds)}, "
            f"{feed.articles} articles, {health}\n  last checked {_when(feed.last_checked)}, "
            f"next {_when(feed.next_due)}"
        )
    return 0


def cmd_refresh(args: argparse.Namespace, settings: Settings) -> int:
    poller = _poller(settings)
    try:
        results = poller.poll_due(every=args.all, paused=args.all)
    finally:
        poller.engine.close()  # the index snapshots, so the next start opens in seconds
    if not results:
        print("No feed is due." if poller.registry.feeds() else "No followed feeds.")
        return 0
    for result in results:
        print(result.line(), flush=True)
    return 0 if all(result.answered for result in results) else 1


def cmd_watch(args: argparse.Namespace, settings: Settings) -> int:
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        log.info("signal %d: stopping after the current poll", signum)
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        poller = _poller(settings)
        try:
            print(f"Watching {len(poller.registry.feeds())} feeds; Ctrl-C stops.", flush=True)
            watch(poller, stop)
        finally:
            poller.engine.close()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("Stopped.", file=sys.stderr)
    return 0


def watch(poller: Any, stop: threading.Event, *, longest_wait: float = 30.0) -> None:
    """Poll what is due, then sleep until the next feed is due (or `stop` is set)."""
    while not stop.is_set():
        for result in poller.poll_due():
            if not result.unchanged:
                print(result.line(), flush=True)
        stop.wait(max(0.5, poller.seconds_until_due(longest_wait)))


def register(commands: Any) -> None:
    """Add the feed commands to `newsbot`'s sub-command parsers."""
    follow = commands.add_parser("follow", help="follow an RSS/Atom feed (polled on a schedule)")
    follow.add_argument("url")
    follow.add_argument(
        "--every", type=_every, default=DEFAULT_EVERY, metavar="DURATION",
        help=f"how often to poll it: 30s, 15m, 2h (default: {DEFAULT_EVERY})",
    )  # fmt: skip
    follow.add_argument("--space", default=SHARED_SPACE, help="knowledge space (default: shared)")
    follow.set_defaults(handler=cmd_follow)

    unfollow = commands.add_parser("unfollow", help="stop following a feed (its articles stay)")
    unfollow.add_argument("url")
    unfollow.add_argument("--space", help="when several spaces follow it")
    unfollow.set_defaults(handler=cmd_unfollow)

    feeds = commands.add_parser("feeds", help="the followed feeds and their health")
    feeds.add_argument("--json", action="store_true", help="print a JSON array")
    feeds.set_defaults(handler=cmd_feeds)

    refresh = commands.add_parser("refresh", help="poll the feeds that are due, then exit")
    refresh.add_argument("--all", action="store_true", help="every feed, paused ones too")
    refresh.set_defaults(handler=cmd_refresh)

    watch_cmd = commands.add_parser("watch", help="poll followed feeds until stopped")
    watch_cmd.set_defaults(handler=cmd_watch)
