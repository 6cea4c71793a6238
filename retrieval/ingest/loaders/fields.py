"""Turn the raw fields a reader found (title, body, date, …) into a clean `Article`."""

from __future__ import annotations

import email.utils
import logging
import re
from datetime import date, datetime

from retrieval.errors import SourceError
from retrieval.ingest.cleaning import clean_text
from retrieval.records import Article

log = logging.getLogger(__name__)

_ORDINAL = re.compile(r"(?<=\d)(st|nd|rd|th)\b", re.IGNORECASE)
_WEEKDAY = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+", re.IGNORECASE)
_ABBREVIATION_DOT = re.compile(r"(?<=[A-Za-z])\.")
_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_NAMED_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%B %d %Y", "%b %d %Y", "%d %B %Y", "%d %b %Y")


def build_article(
    *,
    title: str,
    body: str,
    origin: str,
    source: str = "",
    url: str = "",
    published_at: date | None = None,
    author: str = "",
    article_id: str = "",
    summary_only: bool = False,
) -> Article:
    """Clean the body and give the article its id; raises SourceError when no text is left.

    A given `article_id` is kept as it is; otherwise the id comes from the article's
    identity (URL, else outlet and title, else body), never from where it was read.
    """
    title, source, url, author = (" ".join(v.split()) for v in (title, source, url, author))
    body = clean_text(body, title=title)
    if not body:
        raise SourceError(
            origin, "has no article text" + (f" under the title {title!r}" if title else "")
        )
    return Article(
        id=article_id.strip() or Article.make_id(title=title, body=body, source=source, url=url),
        title=title,
        body=body,
        source=source,
        url=url,
        published_at=published_at,
        author=author,
        origin=origin,
        summary_only=summary_only,
    )


def parse_date(value: object, origin: str = "") -> date | None:
    """A date from ISO text, RFC 2822 ("Mon, 02 Mar 2026 …"), "March 2, 2026", "2 Mar 2026",
    "02.03.2026" (day first) or an unambiguous d/m/yyyy or m/d/yyyy; else None, logged."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    day = _parse_date_text(" ".join(value.split())) if isinstance(value, str) else None
    if day is None:
        log.warning(
            "%s: cannot read the date %r; keeping the article without a date", origin, value
        )
    return day


def _parse_date_text(text: str) -> date | None:
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(text).date()
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return datetime.strptime(text, "%d.%m.%Y").date()
    except ValueError:
        pass
    if slashed := _SLASHED.fullmatch(text):
        first, second, year = (int(part) for part in slashed.groups())
        if first > 12 or first == second:
            first, second = second, first  # day/month/year
        elif second <= 12:
            return None  # 03/04/2026: April 3 or March 4? Don't guess.
        try:
            return date(year, first, second)
        except ValueError:
            return None
    text = _ABBREVIATION_DOT.sub("", _ORDINAL.sub("", _WEEKDAY.sub("", text)))
    text = text.replace("Sept ", "Sep ")
    for pattern in _NAMED_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None
