"""`newsbot follow | unfollow | feeds | refresh | watch` as a user runs them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from bot.cli import main
from tests.feed_server import FeedServer, rss, story


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        running.feeds["/harbor.rss"] = rss("Harbor Gazette", [story(1), story(2)])
        yield running


def test_follow_refresh_and_the_feeds_json_contract(
    capsys: pytest.CaptureFixture[str], server: FeedServer, embedder: object
) -> None:
    url = server.url("/harbor.rss")
    code, out, _ = run(capsys, "follow", url, "--every", "30s")
    assert code == 0 and "every 30s" in out
    code, out, _ = run(capsys, "refresh")
    assert code == 0
    assert f"{url} [shared]: 2 new" in out and story(1)["title"] in out
    code, out, _ = run(capsys, "refresh")
    assert (code, out.strip()) == (0, "No feed is due.")
    code, out, _ = run(capsys, "refresh", "--all")
    assert code == 0 and "unchanged (304 Not Modified)" in out
    code, out, _ = run(capsys, "feeds", "--json")
    [feed] = json.loads(out)
    assert set(feed) >= {"url", "space", "every_seconds", "status", "consecutive_failures",
                         "last_checked", "last_error", "articles"}  # fmt: skip
    assert (feed["url"], feed["space"], feed["every_seconds"], feed["status"]) == (
        url, "shared", 30, "ok",
    )  # fmt: skip
    assert feed["articles"] == 2 and feed["last_error"] is None and feed["last_checked"]
    code, out, _ = run(capsys, "sources")
    assert story(2)["title"] in out


def test_refresh_fails_when_a_feed_fails_and_feeds_shows_why(
    capsys: pytest.CaptureFixture[str], server: FeedServer, embedder: object
) -> None:
    run(capsys, "follow", server.url("/harbor.rss"))
    run(capsys, "follow", server.url("/gone.rss"), "--space", "elsewhere")
    code, out, _ = run(capsys, "refresh")
    assert code == 1
    assert "2 new" in out and f"{server.url('/gone.rss')} [elsewhere]: failed" in out
    code, out, _ = run(capsys, "feeds")
    assert "1 failures: the server answered HTTP 404" in out
    code, out, _ = run(capsys, "unfollow", server.url("/gone.rss"))
    assert code == 0 and "No longer following" in out
    code, _, err = run(capsys, "unfollow", server.url("/gone.rss"))
    assert code == 1 and "No followed feed" in err


def test_bad_durations_and_addresses_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["follow", "https://a.example/feed", "--every", "soon"])
    assert "30s, 15m or 2h" in capsys.readouterr().err
    code, _, err = run(capsys, "follow", "file:///etc/passwd")
    assert code == 1 and "http:// or https://" in err


def test_watch_polls_until_sigterm_and_exits_0(
    capsys: pytest.CaptureFixture[str], server: FeedServer, embedder: object
) -> None:
    run(capsys, "follow", server.url("/harbor.rss"), "--every", "1s")
    watcher = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "watch"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy(),
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while server.not_modified["/harbor.rss"] < 1 and time.monotonic() < deadline:
            assert watcher.poll() is None, watcher.communicate()
            time.sleep(0.2)
        assert server.not_modified["/harbor.rss"] >= 1  # polled, then polled again: a 304
        code, out, _ = run(capsys, "feeds", "--json")  # another process, the same data dir
        assert json.loads(out)[0]["articles"] == 2
        watcher.send_signal(signal.SIGTERM)
        out, err = watcher.communicate(timeout=30)
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.communicate()
    assert watcher.returncode == 0, err
    assert "2 new" in out
