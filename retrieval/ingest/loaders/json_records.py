"""Articles as JSON records: a `.json` file with one object or a list, or `.jsonl` lines.

Fields: `title`, `body` (or `text` / `content`; a list of paragraphs works too), `source`,
`url`, `published_at` (or `date` / `published`), `author`, and `id` — when present it IS
the article id. Other fields are ignored. A `.json` object holding an `articles` list
counts as that list.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from retrieval.errors import SourceError
from retrieval.ingest.loaders.fields import build_article, parse_date
from retrieval.records import Article

_BODY_FIELDS = ("body", "text", "content")
_DATE_FIELDS = ("published_at", "date", "published")


def parse_json(text: str, origin: str) -> Iterator[Article | SourceError]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(origin, f"is not valid JSON: {_describe(exc)}") from None
    if isinstance(data, dict) and isinstance(data.get("articles"), list):
        data = data["articles"]
    if isinstance(data, dict):
        yield record_to_article(data, origin)
    elif isinstance(data, list):
        if not data:
            raise SourceError(origin, "holds an empty list: no articles")
        for number, item in enumerate(data, start=1):
            yield _or_error(item, f"{origin}:item {number}")
    else:
        raise SourceError(
            origin, f"must hold an article object or a list of them, not {_kind(data)}"
        )


def parse_jsonl(text: str, origin: str) -> Iterator[Article | SourceError]:
    """One article per line; a bad line is an error for that line only."""
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        line_origin = f"{origin}:line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield SourceError(line_origin, f"is not valid JSON: {exc.msg} (column {exc.colno})")
            continue
        yield _or_error(record, line_origin)


def record_to_article(record: object, origin: str) -> Article:
    if not isinstance(record, dict):
        raise SourceError(origin, f"is {_kind(record)}, not an article object")
    body = next((record[name] for name in _BODY_FIELDS if record.get(name)), None)
    if body is None:
        raise SourceError(
            origin, 'has no body (give the text in a "body", "text" or "content" field)'
        )
    if isinstance(body, list) and all(isinstance(part, str) for part in body):
        body = "\n\n".join(body)
    date_field = next((name for name in _DATE_FIELDS if record.get(name)), "published_at")
    article_id = record.get("id")
    if isinstance(article_id, int) and not isinstance(article_id, bool):
        article_id = str(article_id)
    return build_article(
        title=_text(record, "title", origin),
        body=_text({"body": body}, "body", origin),
        origin=origin,
        source=_text(record, "source", origin),
        url=_text(record, "url", origin),
        published_at=parse_date(record.get(date_field), origin),
        author=_text(record, "author", origin),
        article_id=_text({"id": article_id}, "id", origin),
    )


def _or_error(record: object, origin: str) -> Article | SourceError:
    try:
        return record_to_article(record, origin)
    except SourceError as error:
        return error


def _text(record: dict[str, Any], name: str, origin: str) -> str:
    value = record.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SourceError(origin, f'field "{name}" must be text, not {_kind(value)}')
    return value


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    names = {
        dict: "an object",
        list: "a list",
        str: "a string",
        int: "a number",
        float: "a number",
        type(None): "null",
    }
    return names.get(type(value), type(value).__name__)


def _describe(exc: json.JSONDecodeError) -> str:
    return f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
