"""Polling feeds that change between polls, on the tests' own server and a real engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.config import Settings
from retrieval.embed.embedder import Embedder
from retrieval.engine import Engine
from retrieval.errors import FeedError
from retrieval.feeds import FeedPoller
from tests.feed_server import FeedServer, rss, story
from tests.retrieval.feeds.conftest import Clock, make_poller

PATH = "/harbor.rss"


def follow(poller: FeedPoller, server: FeedServer, *stories: int, every: int = 60) -> str:
    server.feeds[PATH] = rss("Harbor Gazette", [story(n) for n in stories])
    poller.follow(server.url(PATH), space="shared", every_seconds=every, channel_id=55)
    return server.url(PATH)


def titles(engine: Engine) -> list[str]:
    return sorted(a.title for a in engine.sources().articles)


def test_first_poll_stores_every_entry_without_announcing(
    poller: FeedPoller, server: FeedServer, feed_engine: Engine
) -> None:
    follow(poller, server, 1, 2)
    [result] = poller.poll_due()
    assert result.answered and len(result.added) == 2
    assert titles(feed_engine) == sorted(story(n)["title"] for n in (1, 2))
    assert server.page_hits() == 2  # the entries carry summaries: their pages were read
    assert poller.registry.stories_to_announce() == []
    [feed] = poller.registry.feeds()
    assert (feed.status, feed.articles, feed.consecutive_failures) == ("ok", 2, 0)


def test_an_unchanged_feed_costs_one_304_and_nothing_else(
    poller: FeedPoller, server: FeedServer, clock: Clock
) -> None:
    follow(poller, server, 1, 2)
    poller.poll_due()
    assert poller.poll_due() == []  # not due yet
    clock.advance(61)
    [result] = poller.poll_due()
    assert result.answered and result.unchanged and result.line().endswith("(304 Not Modified)")
    assert server.not_modified[PATH] == 1 and server.page_hits() == 2


def test_only_new_entries_are_fetched_stored_and_announced(
    poller: FeedPoller, server: FeedServer, clock: Clock, feed_engine: Engine
) -> None:
    follow(poller, server, 1, 2)
    poller.poll_due()
    server.feeds[PATH] = rss("Harbor Gazette", [story(n) for n in (3, 1, 2)])
    clock.advance(61)
    [result] = poller.poll_due()
    assert result.added == [story(3)["title"]]
    assert server.hits["/page/3"] == 1 and server.hits["/page/1"] == 1
    [announced] = poller.registry.stories_to_announce()
    assert (announced.title, announced.channel_id, announced.outlet) == (
        story(3)["title"], 55, "Harbor Gazette",
    )  # fmt: skip
    assert announced.link == server.url("/page/3")
    assert "of story 3: the council" in feed_engine.search("story 3 council")[0].chunk.text
    poller.registry.announced([announced.id])
    assert poller.registry.stories_to_announce() == []


def test_a_republished_entry_is_neither_stored_twice_nor_announced(
    poller: FeedPoller, server: FeedServer, clock: Clock, feed_engine: Engine
) -> None:
    follow(poller, server, 1, 2)
    poller.poll_due()
    server.feeds[PATH] = rss("Harbor Gazette", [
        story(1, date="Fri, 20 Mar 2026 08:00:00 +0000", link="/page/1?utm_source=rss#top"),
        story(2, guid="https://harbor.example/new-guid-2", link="/page/2/?fbclid=zz"),
    ])  # fmt: skip
    clock.advance(61)
    [result] = poller.poll_due()
    assert result.answered and result.added == [] and result.updated == 0
    assert len(feed_engine.sources().articles) == 2
    assert poller.registry.stories_to_announce() == []


def test_an_entry_whose_text_changed_replaces_its_article(
    poller: FeedPoller, server: FeedServer, clock: Clock, feed_engine: Engine
) -> None:
    follow(poller, server, 1)
    poller.poll_due()
    [before] = feed_engine.sources().articles
    server.pages["/page/1"] = server.pages["/page/1"].replace("debated", "rejected")
    server.feeds[PATH] = rss("Harbor Gazette", [story(1, summary="Corrected: the vote failed.")])
    clock.advance(61)
    [result] = poller.poll_due()
    assert result.updated == 1 and result.added == []
    [after] = feed_engine.sources().articles
    assert after.id == before.id
    assert "rejected" in feed_engine.search("council rejected")[0].chunk.text
    assert poller.registry.stories_to_announce() == []


def test_failures_back_off_then_fail_then_pause_and_a_success_resets(
    poller: FeedPoller, server: FeedServer, clock: Clock, feed_engine: Engine
) -> None:
    url = follow(poller, server, 1, 2)
    poller.poll_due()
    server.status[PATH] = 500
    waits = []
    for _ in range(10):
        [feed] = poller.registry.feeds()
        clock.advance(max(0.0, feed.next_due - clock.now) + 1)
        before = clock.now
        [result] = poller.poll_due()
        assert not result.answered and "HTTP 500" in (result.error or "")
        waits.append(poller.registry.feeds()[0].next_due - before)
        statuses = [f.status for f in poller.registry.feeds()]
        if result.feed.consecutive_failures == 3:
            assert statuses == ["failing"]
    assert waits == sorted(waits) and waits[0] >= 120 and waits[-1] <= 6 * 3600 * 1.1
    [paused] = poller.registry.feeds()
    assert (paused.status, paused.consecutive_failures, paused.last_error) == (
        "paused", 10, "the server answered HTTP 500 Internal Server Error",
    )  # fmt: skip
    assert paused.articles == 2 and len(feed_engine.sources().articles) == 2  # nothing was lost
    assert [f.url for f in poller.registry.pause_notices()] == [url]
    poller.registry.notified(paused)
    assert poller.registry.pause_notices() == []
    clock.advance(10 * 86400)
    assert poller.poll_due() == []  # paused feeds wait for `refresh --all`
    del server.status[PATH]
    [result] = poller.poll_due(every=True, paused=True)
    assert result.answered
    [healthy] = poller.registry.feeds()
    assert (healthy.status, healthy.consecutive_failures, healthy.last_error) == ("ok", 0, None)


def test_a_feed_that_shrinks_or_vanishes_loses_no_article(
    poller: FeedPoller, server: FeedServer, clock: Clock, feed_engine: Engine
) -> None:
    follow(poller, server, 1, 2, 3)
    poller.poll_due()
    server.feeds[PATH] = rss("Harbor Gazette", [story(3)])
    clock.advance(61)
    poller.poll_due()
    server.status[PATH] = 404
    clock.advance(200)
    [result] = poller.poll_due()
    assert not result.answered
    assert len(feed_engine.sources().articles) == 3


def test_a_slow_feed_fails_within_the_deadline_and_does_not_hold_up_the_others(
    feed_settings: Settings, embedder: Embedder, server: FeedServer, clock: Clock
) -> None:
    import time

    quick = feed_settings.model_copy(update={"fetch_timeout": 0.5, "fetch_deadline": 0.5})
    engine = Engine(quick, embedder=embedder)
    poller = make_poller(engine, clock)
    follow(poller, server, 1)
    server.feeds["/slow.rss"] = rss("Slow Times", [story(9)])
    server.delay["/slow.rss"] = 3.0
    poller.follow(server.url("/slow.rss"), space="shared", every_seconds=60)
    started = time.monotonic()
    results = {r.feed.url: r for r in poller.poll_due()}
    assert time.monotonic() - started < 2.5
    assert results[server.url(PATH)].answered
    assert "within 0.5 s" in (results[server.url("/slow.rss")].error or "")


def test_a_restart_posts_nothing_twice_and_misses_nothing(
    feed_engine: Engine, server: FeedServer, clock: Clock
) -> None:
    first = make_poller(feed_engine, clock)
    follow(first, server, 1)
    first.poll_due()
    server.feeds[PATH] = rss("Harbor Gazette", [story(n) for n in (2, 1)])
    clock.advance(61)
    first.poll_due()
    [pending] = first.registry.stories_to_announce()
    first.registry.announced([pending.id])
    # The process stops; story 3 appears while it is down; a new process starts.
    server.feeds[PATH] = rss("Harbor Gazette", [story(n) for n in (3, 2, 1)])
    clock.advance(3600)
    second = make_poller(Engine(feed_engine.settings, embedder=feed_engine.embedder), clock)
    [result] = second.poll_due()
    assert result.added == [story(3)["title"]]
    assert [s.title for s in second.registry.stories_to_announce()] == [story(3)["title"]]
    assert len(second.engine.sources().articles) == 3


def test_retention_forgets_old_feed_articles(
    feed_settings: Settings, embedder: Embedder, server: FeedServer, clock: Clock
) -> None:
    engine = Engine(feed_settings.model_copy(update={"keep_days": 10}), embedder=embedder)
    poller = make_poller(engine, clock)
    server.feeds[PATH] = rss("Harbor Gazette", [
        story(1, date="Mon, 02 Mar 2026 08:00:00 +0000"),  # ten days before the clock
        story(2, date="Wed, 11 Mar 2026 08:00:00 +0000"),
    ])  # fmt: skip
    poller.follow(server.url(PATH), space="shared", every_seconds=60)
    clock.advance(86400)  # 2026-03-13: story 1 is 11 days old
    poller.poll_due()
    assert titles(engine) == [story(2)["title"]]
    clock.advance(61)
    server.feeds[PATH] += " "  # a new ETag, the same entries: story 1 does not come back
    poller.poll_due()
    assert titles(engine) == [story(2)["title"]]


def test_follow_checks_the_address_and_the_limits(poller: FeedPoller, tmp_path: Path) -> None:
    with pytest.raises(FeedError, match="http:// or https://"):
        poller.follow("file:///etc/passwd", space="shared", every_seconds=60)
    with pytest.raises(FeedError, match="at most every 5m"):
        poller.follow("https://a.example/f", space="g", every_seconds=60, min_every=300)
    poller.follow("https://a.example/f", space="g", every_seconds=300, max_feeds=1)
    poller.follow("https://a.example/f", space="g", every_seconds=600, max_feeds=1)  # an update
    with pytest.raises(FeedError, match="follows 1 feeds already"):
        poller.follow("https://b.example/f", space="g", every_seconds=300, max_feeds=1)
    assert [(f.url, f.every_seconds) for f in poller.registry.feeds()] == [
        ("https://a.example/f", 600)
    ]
    poller.follow("https://a.example/f", space="h", every_seconds=300)
    with pytest.raises(FeedError, match="several spaces"):
        poller.unfollow("https://a.example/f")
    assert poller.unfollow("https://a.example/f", space="h").space == "h"
    assert poller.unfollow("https://a.example/f").space == "g"
    with pytest.raises(FeedError, match="No followed feed"):
        poller.unfollow("https://a.example/f")
