"""Polling followed feeds: what is due, a conditional GET, only new entries read and stored.

    poller = FeedPoller(engine)
    poller.follow("https://example.com/feed.xml", space="shared", every_seconds=900)
    for result in poller.poll_due():       # the feeds that are due, a few at a time
        print(result.line())

An unchanged feed costs one request (`If-None-Match` / `If-Modified-Since`, answered
304) and nothing else; an entry seen before (by its id, its link without tracking, or
its words) is skipped, unless its words changed, when its article is replaced; only a
new or changed entry's page is fetched. A feed that fails backs off (doubling, capped)
and is `failing` after 3 failures in a row, `paused` after 10. The first answer of a
newly followed feed is stored but not announced; after that, every new entry of a feed
with a channel waits in the registry (`stories_to_announce`) until a front posts it.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from retrieval.config import Settings
from retrieval.errors import ArticleNotFound, FeedError, SourceError, StoreUnavailable
from retrieval.feeds import http
from retrieval.feeds.identity import clean_link, format_every, link_key, text_key
from retrieval.feeds.registry import Feed, FeedRegistry
from retrieval.ingest.fetch import FetchPolicy, check_url
from retrieval.ingest.loaders.feeds import parse_feed
from retrieval.ingest.loaders.fields import build_article
from retrieval.ingest.loaders.html_page import parse_html
from retrieval.records import Article

if TYPE_CHECKING:
    from retrieval.engine import Engine

log = logging.getLogger(__name__)

Getter = Callable[..., http.Response]  # the signature of `http.get`

MAX_BACKOFF_SECONDS = 6 * 3600
JITTER = 0.1  # each interval is stretched or shrunk by up to 10%, so feeds drift apart
LEASE_SECONDS = 600
SUMMARY_CHARS = 200
_HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(slots=True)
class PollResult:
    """What one poll of one feed did."""

    feed: Feed
    answered: bool  # the feed answered (200 or 304)
    unchanged: bool = False  # it answered 304 Not Modified
    added: list[str] = field(default_factory=list)  # titles of the new stories stored
    updated: int = 0
    error: str | None = None

    def line(self) -> str:
        where = f"{self.feed.url}" + (f" [{self.feed.space}]" if self.feed.space else "")
        if not self.answered:
            return f"{where}: failed ({self.error})"
        if self.unchanged:
            return f"{where}: unchanged (304 Not Modified)"
        parts = [f"{len(self.added)} new"] + ([f"{self.updated} updated"] if self.updated else [])
        titles = "".join(f"\n  + {title}" for title in self.added)
        return f"{where}: {', '.join(parts)}{titles}"


def summary_line(text: str, limit: int = SUMMARY_CHARS) -> str:
    """The first line of an entry's text, cut at a word within `limit` characters."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    return line[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def check_feed_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FeedError(f"{url!r} is not a feed address: give an http:// or https:// URL.")
    return url


class FeedPoller:
    def __init__(
        self,
        engine: Engine | None,
        registry: FeedRegistry | None = None,
        *,
        settings: Settings | None = None,
        clock: Callable[[], float] = time.time,
        jitter: Callable[[], float] = random.random,
        get: Getter = http.get,
        workers: int = 4,
    ) -> None:
        """Without an engine (but with `settings`) it can follow and unfollow, not poll."""
        self._engine = engine
        if settings is None:
            if engine is None:
                raise TypeError("FeedPoller needs an engine or settings")
            settings = engine.settings
        self.settings = settings
        self.registry = registry or FeedRegistry(self.settings.data_dir)
        self.clock = clock
        self._jitter = jitter
        self._get = get
        self.workers = workers

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise TypeError("this FeedPoller was made without an engine: it cannot poll")
        return self._engine

    # -- following ------------------------------------------------------------------------

    def follow(
        self,
        url: str,
        *,
        space: str,
        every_seconds: int,
        channel_id: int | None = None,
        followed_by: int | None = None,
        min_every: int = 1,
        max_feeds: int | None = None,
    ) -> Feed:
        """Follow a feed (it is polled at the next poll); raises FeedError past the limits,
        SourceError for an address its policy refuses (Discord's: no private networks)."""
        url = check_feed_url(url)
        untrusted = FetchPolicy.from_settings(self.settings, untrusted=followed_by is not None)
        check_url(url, untrusted)
        if every_seconds < min_every:
            raise FeedError(
                f"A feed can be polled at most every {format_every(min_every)}; "
                f"{format_every(every_seconds)} is too often."
            )
        following = self.registry.feeds(space)
        known = url in {f.url for f in following}
        if max_feeds is not None and not known and len(following) >= max_feeds:
            raise FeedError(
                f"This space follows {len(following)} feeds already, the most allowed; "
                "unfollow one first."
            )
        return self.registry.follow(
            url, space, every_seconds, channel_id=channel_id, followed_by=followed_by,
            now=self.clock(),
        )  # fmt: skip

    def unfollow(self, url: str, *, space: str | None = None) -> Feed:
        """Stop following; without `space`, in the one space that follows it."""
        url = url.strip()
        spaces = [space] if space is not None else self.registry.spaces_following(url)
        if len(spaces) > 1:
            raise FeedError(
                f"{url} is followed in several spaces ({', '.join(spaces)}); say which one."
            )
        feed = self.registry.get(url, spaces[0]) if spaces else None
        if feed is None:
            raise FeedError(f"No followed feed has the address {url}.")
        self.registry.unfollow(feed.url, feed.space)
        return feed

    # -- polling --------------------------------------------------------------------------

    def poll_due(self, *, every: bool = False, paused: bool = False) -> list[PollResult]:
        """Poll the feeds that are due (all of them with `every`, paused ones with `paused`),
        a few at a time; then forget what is older than NEWSBOT_KEEP_DAYS."""
        feeds = self.registry.claim(self.clock(), LEASE_SECONDS, every=every, paused=paused)
        if not feeds:
            return []
        with ThreadPoolExecutor(min(self.workers, len(feeds)), "feed-poll") as pool:
            results = list(pool.map(self.poll, feeds))
        self.prune({feed.space for feed in feeds})
        return results

    def seconds_until_due(self, longest: float = 60.0) -> float:
        due = self.registry.next_due()
        if due is None:
            return longest
        return max(0.0, min(longest, due - self.clock()))

    def _policy(self, feed: Feed) -> FetchPolicy:
        """A feed someone followed from Discord never reaches private networks."""
        return FetchPolicy.from_settings(self.settings, untrusted=feed.followed_by is not None)

    def poll(self, feed: Feed) -> PollResult:
        """Poll one (claimed) feed and store its new entries."""
        headers = {}
        if feed.etag:
            headers["If-None-Match"] = feed.etag
        if feed.last_modified:
            headers["If-Modified-Since"] = feed.last_modified
        try:
            response = self._get(feed.url, headers, policy=self._policy(feed))
            if response.status == 304:
                result = PollResult(feed, answered=True, unchanged=True)
            elif response.status >= 400:
                raise SourceError(feed.url, f"the server answered HTTP {response.status}")
            else:
                result = self._store_entries(feed, response.body)
        except SourceError as error:
            return self._failed(feed, error.reason)
        except StoreUnavailable as error:  # not the feed's fault: try again soon
            self.registry.release(feed, next_due=self.clock() + 60)
            return PollResult(feed, answered=False, error=str(error))
        except Exception as exc:  # a bug or a library surprise must not stop the other feeds
            log.exception("polling %s failed", feed.url)
            return self._failed(feed, f"{type(exc).__name__}: {exc}")
        validators = (None, None) if result.unchanged else _validators(response)
        self.registry.answered(
            feed, now=self.clock(), next_due=self._next(feed.every_seconds),
            etag=validators[0], last_modified=validators[1],
        )  # fmt: skip
        return result

    def _failed(self, feed: Feed, reason: str) -> PollResult:
        failures = feed.consecutive_failures + 1
        delay = min(feed.every_seconds * 2**failures, max(MAX_BACKOFF_SECONDS, feed.every_seconds))
        updated = self.registry.failed(
            feed, now=self.clock(), error=reason, next_due=self._next(delay)
        )
        log.warning("feed %s failed (%d in a row): %s", feed.url, failures, reason)
        return PollResult(updated, answered=False, error=reason)

    def _next(self, seconds: float) -> float:
        return self.clock() + seconds * (1 + JITTER * (2 * self._jitter() - 1))

    # -- entries --------------------------------------------------------------------------

    def _store_entries(self, feed: Feed, body: bytes) -> PollResult:
        import feedparser

        parsed = feedparser.parse(body)
        outlet = " ".join(str(parsed.feed.get("title", "")).split())
        items = list(parse_feed(body, feed.url))  # raises SourceError: not a feed
        result = PollResult(feed, answered=True)
        fresh: list[tuple[Article, dict[str, Any]]] = []
        changed: list[tuple[Article, int, dict[str, Any]]] = []
        in_this_poll: set[str] = set()
        for entry, item in zip(parsed.entries, items, strict=True):
            if isinstance(item, SourceError):
                log.info("%s: skipped an entry: %s", feed.url, item)
                continue
            keys = {
                "guid": str(entry.get("id", "")).strip(),
                "link_key": link_key(item.url),
                "text_key": text_key(item.title, item.body),
            }
            if in_this_poll & {f"{k}={v}" for k, v in keys.items() if v}:
                continue  # the same story twice in one feed
            in_this_poll |= {f"{k}={v}" for k, v in keys.items() if v}
            seen = self.registry.find_entry(feed.space, feed.url, **keys)
            if seen is not None and seen.text_key == keys["text_key"]:
                continue  # seen before, perhaps re-published with a new date or link
            link = clean_link(item.url)
            if seen is not None:
                article_id = seen.article_id
            else:
                article_id = Article.id_for_url(link) if link else item.id
            article = self._full_text(
                dataclasses.replace(item, id=article_id, url=link), outlet, self._policy(feed)
            )
            if seen is not None:
                changed.append((article, seen.id, keys))
            else:
                fresh.append((article, keys))
        if not fresh and not changed:
            return result
        articles = [a for a, _ in fresh] + [a for a, _, _ in changed]
        report = self.engine.ingest_articles(articles, space=feed.space)
        for error in report.errors:
            log.warning("%s: %s", feed.url, error)
        stored_ids = set(report.article_ids)
        now = self.clock()
        for article, keys in fresh:
            stored = article.id in stored_ids
            self.registry.add_entry(
                feed.space, feed.url, **keys, article_id=article.id, title=article.title,
                link=article.url, outlet=article.source, published=article.published_at,
                summary=summary_line(article.body), stored=stored,
                announce=stored and feed.answered, now=now,
            )  # fmt: skip
            if stored:
                result.added.append(article.title or article.url)
        for article, entry_id, keys in changed:
            self.registry.entry_changed(
                entry_id, text_key=keys["text_key"], title=article.title,
                summary=summary_line(article.body),
            )  # fmt: skip
            result.updated += article.id in stored_ids
        return result

    def _full_text(self, item: Article, outlet: str, policy: FetchPolicy) -> Article:
        """A summary-only entry with its page's text, when the page has more to say."""
        if not item.summary_only or not item.url:
            return item
        try:
            response = self._get(item.url, {}, policy=policy)
            media_type = response.headers.get("content-type", "").partition(";")[0].strip()
            if response.status >= 400 or media_type.lower() not in _HTML_TYPES:
                raise SourceError(item.url, f"no web page (HTTP {response.status}, {media_type})")
            page = parse_html(response.body, item.url, url=response.url or item.url)
        except SourceError as error:
            log.info("%s: keeping the feed's summary (%s)", item.url, error.reason)
            return item
        if len(page.body.split()) <= len(item.body.split()):
            return item
        return build_article(
            title=item.title or page.title, body=page.body, origin=item.origin,
            source=outlet or page.source, url=item.url,
            published_at=item.published_at or page.published_at,
            author=item.author or page.author, article_id=item.id,
        )  # fmt: skip

    # -- retention ------------------------------------------------------------------------

    def prune(self, spaces: Sequence[str] | set[str]) -> int:
        """Forget the feeds' articles dated more than NEWSBOT_KEEP_DAYS ago; returns how many."""
        keep_days = self.settings.keep_days
        if not keep_days:
            return 0
        cutoff = date.fromtimestamp(self.clock()) - timedelta(days=keep_days)
        forgotten = 0
        for space in sorted(spaces):
            old = self.registry.stored_before(space, cutoff)
            for _, article_id in old:
                try:
                    self.engine.forget(article_id, space=space)
                    forgotten += 1
                except ArticleNotFound:
                    pass  # forgotten by hand already
            self.registry.forgotten([entry_id for entry_id, _ in old])
        return forgotten


def _validators(response: http.Response) -> tuple[str | None, str | None]:
    return response.headers.get("etag"), response.headers.get("last-modified")
