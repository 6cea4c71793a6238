"""Plain-text and Markdown articles.

Layout (every part but the text is optional):

    Source: Harbor Gazette          <- header lines, before or right after the title
    Date: 2026-03-02
    # Dockworkers walk out          <- the title: the first other non-empty line
    URL: https://harborgazette.example/2026/03/02/strike
    Author: Jane Roe

    The body, paragraphs separated by blank lines …

Header keys (case-insensitive): Title/Headline, Source/Outlet/Publisher, Date/Published,
URL/Link, Author/By, Id. Only these keys count, and only at the top, so a body line like
"Note: …" is never taken for a header. A Markdown front-matter block between `---` lines
with the same keys works too. A first line longer than a headline (over 150 characters)
is body text, and the article has no title. In Markdown, `#` heading marks, emphasis,
links (their text stays) and images go.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from retrieval.ingest.loaders.fields import build_article, parse_date
from retrieval.records import Article

_KEYS = {
    "title": "title", "headline": "title",
    "source": "source", "outlet": "source", "publisher": "source",
    "date": "date", "published": "date", "published_at": "date", "published on": "date",
    "url": "url", "link": "url", "canonical": "url",
    "author": "author", "by": "author", "byline": "author",
    "id": "id",
}  # fmt: skip
_HEADER = re.compile(r"\s*([A-Za-z_ ]{2,14}?)\s*:\s*(\S.{0,300}?)\s*")
_MAX_TITLE_CHARS = 150

_MD_HEADING = re.compile(r"^#{1,6}\s+(.*?)(\s+#+)?\s*$", re.MULTILINE)
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\((?:[^()\s]|\([^)]*\))+(?:\s+\"[^\"]*\")?\)")
_MD_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_MD_EMPHASIS = re.compile(r"(?<![\w*])([*_])(?=[^\s*_])(.+?)(?<=[^\s*_])\1(?![\w*])")
_MD_QUOTE = re.compile(r"^\s{0,3}>\s?", re.MULTILINE)
_MD_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_MD_FENCE = re.compile(r"^\s*```.*$", re.MULTILINE)
_HEADING_MARK = re.compile(r"^#{1,6}\s+")
_MD_BLOCK_START = re.compile(r"\s{0,3}([-*+]\s|\d{1,3}[.)]\s|#|>|\||```)")


def parse_text(
    text: str, origin: str, *, markdown: bool = False, path: Path | None = None
) -> Article:
    """The article in a text file; read from `path`, it names the file when it names no
    outlet or link (its file name as the outlet, its full path as the link)."""
    lines = text.splitlines()
    fields, position = _front_matter(lines)
    while position < len(lines) and not lines[position].strip():
        position += 1
    title = fields.get("title", "")
    if not title and position < len(lines):
        first = _HEADING_MARK.sub("", lines[position].strip())
        if len(first) <= _MAX_TITLE_CHARS:
            title = _plain_markdown(first) if markdown else first
            position += 1
            more, position = _header_lines(lines, position)
            fields.update(more)
    body = "\n".join(lines[position:])
    if markdown:
        body = _plain_markdown(body)
    article = build_article(
        title=title,
        body=body,
        origin=origin,
        source=fields.get("source", ""),
        url=fields.get("url", ""),
        published_at=parse_date(fields.get("date"), origin),
        author=fields.get("author", ""),
        article_id=fields.get("id", ""),
    )
    if path is None:
        return article
    return dataclasses.replace(
        article, fallback_source=path.name, fallback_url=str(path.expanduser().resolve())
    )


def _front_matter(lines: list[str]) -> tuple[dict[str, str], int]:
    """Header fields at the top of the file, and the index of the first line after them."""
    start = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    if start < len(lines) and lines[start].strip() == "---":
        end = next((i for i in range(start + 1, len(lines)) if lines[i].strip() == "---"), None)
        if end is not None:
            fields, _ = _header_lines(lines[start + 1 : end], 0, skip_unknown=True)
            return fields, end + 1
    return _header_lines(lines, start)


def _header_lines(
    lines: list[str], position: int, *, skip_unknown: bool = False
) -> tuple[dict[str, str], int]:
    fields: dict[str, str] = {}
    while position < len(lines):
        match = _HEADER.fullmatch(lines[position])
        key = _KEYS.get(match.group(1).strip().casefold()) if match else None
        if match and key:
            fields[key] = match.group(2).strip().strip("\"'")
        elif not skip_unknown:
            break
        position += 1
    return fields, position


def _plain_markdown(text: str) -> str:
    text = _join_soft_wraps(_MD_COMMENT.sub("", text))
    text = _MD_FENCE.sub("", text)
    text = _MD_HEADING.sub(r"\1\n", text)  # a heading is a paragraph of its own
    text = _MD_IMAGE.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_STRONG.sub(r"\2", text)
    text = _MD_EMPHASIS.sub(r"\2", text)
    return _MD_QUOTE.sub("", text)


def _join_soft_wraps(text: str) -> str:
    """Markdown's rule: a line break inside a paragraph is a space, unless the line ends
    with two spaces or the next line starts a list item, heading, quote or table."""
    out: list[str] = []
    for line in text.split("\n"):
        previous = out[-1] if out else ""
        if (
            line.strip()
            and previous.strip()
            and not previous.endswith(("  ", "\\"))
            and not _MD_BLOCK_START.match(previous)
            and not _MD_BLOCK_START.match(line)
        ):
            out[-1] = f"{previous.rstrip()} {line.strip()}"
        else:
            out.append(line)
    return "\n".join(out)
