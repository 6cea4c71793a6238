"""Checks on what people type into the Discord bot, with messages that name the problem."""

from __future__ import annotations

import ipaddress
from collections.abc import Collection
from datetime import date
from urllib.parse import urlsplit

from retrieval import MAX_QUESTION_CHARS, InvalidQuestion, SourceError

MAX_URL_CHARS = 2048


def clean_question(text: str) -> str:
    """The question with surrounding whitespace removed; raises InvalidQuestion."""
    question = text.strip()
    if not question:
        raise InvalidQuestion(
            "Please include a question, for example: `what did the council decide about the ferry?`"
        )
    if len(question) > MAX_QUESTION_CHARS:
        raise InvalidQuestion(
            f"Your question is {len(question):,} characters long; please keep it under "
            f"{MAX_QUESTION_CHARS:,}."
        )
    return question


def parse_as_of(text: str | None) -> date | None:
    """A `YYYY-MM-DD` date (for "answer as of"), or None when not given."""
    if text is None or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidQuestion(
            f"{text.strip()!r} is not a date I understand; write it as YYYY-MM-DD, e.g. 2024-05-01."
        ) from None


def clean_ingest_url(text: str, allowed_hosts: Collection[str] = ()) -> str:
    """An http(s) URL someone asked to ingest; raises SourceError naming what is wrong.

    Only web addresses are accepted: a Discord member must never make the bot read a
    file from its own disk or a service on its own network (except `allowed_hosts`).
    This is the quick check with a friendly message; the engine checks every connection.
    """
    url = text.strip().removeprefix("<").removesuffix(">").strip()
    if not url:
        raise SourceError("(empty)", "give the address of an article or an RSS/Atom feed.")
    if len(url) > MAX_URL_CHARS:
        reason = f"addresses longer than {MAX_URL_CHARS} characters are refused."
        raise SourceError(url[:60] + "…", reason)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourceError(url, "only web addresses starting with http:// or https:// can be added.")
    if parts.username or parts.password:
        raise SourceError(url, "addresses with a user name or password are refused.")
    host = parts.hostname
    if host in allowed_hosts:
        return url
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        raise SourceError(url, "that address is on a local network.")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return url
    if not address.is_global:
        raise SourceError(url, "that address is on a private or local network.")
    return url
