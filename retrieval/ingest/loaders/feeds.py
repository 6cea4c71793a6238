"""RSS and Atom feeds: each entry becomes an article.

An entry with its full text (`content:encoded`, Atom `content`, or a long description)
is read as it is. An entry with only a short summary has its link fetched and the page's
main text extracted; when that fails, the summary is used (and a warning is logged). A
link already stored is not fetched again: a feed read every hour fetches only what is new.
An article made from a summary is marked `summary_only`, so it never replaces a stored one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from retrieval.errors import SourceError
from retrieval.ingest.loaders.fields import build_article, parse_date
from retrieval.ingest.loaders.html_page import html_to_text
from retrieval.records import Article

log = logging.getLogger(__name__)

SUMMARY_WORDS = 150
"""An entry whose text is shorter than this is a summary: its page is fetched."""

PageFetcher = Callable[[str], Article]  # raises SourceError
IsStored = Callable[[str], bool]  # is the article at this URL stored already?


def parse_feed(
    data: bytes,
    origin: str,
    fetch_page: PageFetcher | None = None,
    is_stored: IsStored | None = None,
) -> Iterator[Article | SourceError]:
    """The feed's entries as articles, or one error per entry that cannot be read."""
    import feedparser

    parsed = feedparser.parse(data)  # bytes, never a string: a string may be fetched as a URL
    if not parsed.entries:
        if parsed.bozo:
            problem = _describe(parsed.get("bozo_exception"))
            raise SourceError(origin, f"is not a valid RSS or Atom feed ({problem})")
        raise SourceError(origin, "is not an RSS or Atom feed, or it has no entries")
    problem = ""
    if parsed.bozo:  # feedparser read what it could of a broken feed
        problem = _describe(parsed.get("bozo_exception"))
        log.warning(
            "%s: the feed has errors (%s); reading the %d entries found",
            origin,
            problem,
            len(parsed.entries),
        )
    outlet = " ".join(str(parsed.feed.get("title", "")).split())
    for number, entry in enumerate(parsed.entries, start=1):
        link = entry_link(entry)
        entry_origin = link or f"{origin}:entry {number}"
        try:
            yield _entry_article(entry, entry_origin, outlet, fetch_page, is_stored)
        except SourceError as error:
            yield SourceError(
                error.origin,
                f"{error.reason} (the feed is malformed: {problem})" if problem else error.reason,
            )


def _entry_article(
    entry: Any,
    origin: str,
    outlet: str,
    fetch_page: PageFetcher | None,
    is_stored: IsStored | None,
) -> Article:
    title = str(entry.get("title", ""))
    link = entry_link(entry)
    text = _entry_text(entry)
    published = _entry_date(entry, origin)
    author = str(entry.get("author", ""))
    summary_only = not entry.get("content") and len(text.split()) < SUMMARY_WORDS
    # A stored entry's page is not fetched again: its summary stands in (and the engine,
    # seeing `summary_only`, keeps the stored text). Without a summary, it is fetched.
    stored = bool(text.strip() and link and is_stored is not None and is_stored(link))
    if summary_only and link and fetch_page is not None and not stored:
        try:
            page = fetch_page(link)
        except SourceError as error:
            if not text.strip():
                raise SourceError(
                    origin, f"the entry has no text and its page failed: {error.reason}"
                ) from None
            log.warning(
                "%s: could not fetch the full article (%s); using the feed's summary",
                origin,
                error.reason,
            )
        else:
            if len(page.body.split()) > len(text.split()):
                return build_article(
                    title=title or page.title,
                    body=page.body,
                    origin=origin,
                    source=outlet or page.source,
                    url=link,
                    published_at=published or page.published_at,
                    author=author or page.author,
                )
    if not text.strip():
        raise SourceError(origin, "the feed entry has no text")
    return build_article(
        title=title,
        body=text,
        origin=origin,
        source=outlet,
        url=link,
        published_at=published,
        author=author,
        summary_only=summary_only,
    )


def entry_link(entry: Any) -> str:
    """The entry's web address, or "" when it has none: feedparser gives an RSS `<guid>`
    as the link when there is no `<link>`, and a guid is often a number or a `urn:`."""
    link = str(entry.get("link", "")).strip()
    parts = urlsplit(link)
    return link if parts.scheme in ("http", "https") and parts.hostname else ""


def _entry_text(entry: Any) -> str:
    """The longest of the entry's content and summary, as plain text."""
    candidates = [str(part.get("value", "")) for part in entry.get("content") or []]
    candidates.append(str(entry.get("summary", "")))
    texts = [html_to_text(candidate) for candidate in candidates if candidate.strip()]
    return max(texts, key=len, default="")


def _entry_date(entry: Any, origin: str) -> date | None:
    for key in ("published_parsed", "updated_parsed"):
        parsed = entry.get(key)
        if parsed:
            return date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
    return parse_date(entry.get("published") or entry.get("updated"), origin)


def _describe(exc: object) -> str:
    if exc is None:
        return "unreadable"
    get_line = getattr(exc, "getLineNumber", None)
    get_message = getattr(exc, "getMessage", None)
    if callable(get_line) and callable(get_message):
        return f"{get_message()} at line {get_line()}"
    return str(exc)
