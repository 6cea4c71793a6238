"""From source strings to clean `Article`s: the ingestion layer's entry point.

A source is a file, a folder (read recursively in sorted order; hidden files and folders
and files of other types are skipped), an http(s) URL of an article page, or an RSS/Atom
feed (a URL or a `.xml`/`.rss`/`.atom` file; recognised by its content too).

    for item in iter_articles(["articles/", "https://example.com/feed.xml"], settings):
        if isinstance(item, SourceError): ...   # one line saying what could not be read
        else: ...                               # an Article, body cleaned

File formats (see the reader modules in `retrieval/loaders/` for details):
    .txt .md          first non-empty line is the title; optional "Source:", "Date:",
                      "URL:", "Author:", "Id:" header lines (`loaders/text.py`)
    .html .htm        main text and metadata extracted by trafilatura
    .json .jsonl      article records: title, body/text/content, source, url,
                      published_at/date/published, author, id (`loaders/json_records.py`)
    .xml .rss .atom   feeds; entries with only a summary have their page fetched

Nothing a source contains stops the batch: every problem is yielded as a
`SourceError(origin, reason)` and reading goes on with the next source or entry.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from retrieval.config import Settings
from retrieval.errors import SourceError
from retrieval.ingest.fetch import FetchPolicy
from retrieval.ingest.loaders import files, web
from retrieval.ingest.loaders.feeds import IsStored, parse_feed
from retrieval.ingest.loaders.html_page import parse_html
from retrieval.ingest.loaders.json_records import parse_json, parse_jsonl
from retrieval.ingest.loaders.text import parse_text
from retrieval.records import Article

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

__all__ = ["iter_articles"]


def iter_articles(
    sources: Iterable[str],
    settings: Settings,
    *,
    client: httpx.Client | None = None,
    fetch_links: bool = True,
    is_stored: IsStored | None = None,
    policy: FetchPolicy | None = None,
) -> Iterator[Article | SourceError]:
    """Articles from every source, and a `SourceError` for each one that cannot be read.

    `client` is the httpx client for URLs (one with a timeout, the newsbot User-Agent and
    redirects is made when needed, and closed at the end). With `fetch_links=False`, feed
    entries that carry only a summary are read from the summary, without going online;
    `is_stored(url)` says which entries' pages need no fetching, being stored already.
    `policy` says which hosts URLs, redirects and feed entry pages may reach (default:
    the command line's, any host); it is checked on every connection.
    """
    if isinstance(sources, str):
        sources = [sources]  # one source given as a bare string
    policy = policy or FetchPolicy.from_settings(settings, untrusted=False)
    reader = _Reader(settings, client, fetch_links, is_stored, policy)
    try:
        for source in sources:
            yield from reader.read(source)
    finally:
        reader.close()


class _Reader:
    def __init__(
        self,
        settings: Settings,
        client: httpx.Client | None,
        fetch_links: bool,
        is_stored: IsStored | None,
        policy: FetchPolicy,
    ):
        self.settings = settings
        self.policy = policy
        self._client = client
        self._own_client = client is None
        self._fetch_links = fetch_links
        self._is_stored = is_stored

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = web.make_client(self.settings, self.policy)
        return self._client

    def close(self) -> None:
        if self._own_client and self._client is not None:
            self._client.close()

    def read(self, source: str) -> Iterator[Article | SourceError]:
        source = source.strip()
        try:
            if source.lower().startswith(("http://", "https://")):
                yield from self._read_url(source)
            elif "://" in source:
                raise SourceError(source, "only http:// and https:// URLs can be read")
            else:
                yield from self._read_path(Path(source).expanduser(), source)
        except SourceError as error:
            yield error
        except OSError as exc:  # permissions, a file vanishing mid-read, …
            yield SourceError(source, f"cannot be read ({exc.strerror or exc})")
        except Exception as exc:  # a bug or a library surprise: log it, keep the batch going
            log.exception("unexpected error while reading %s", source)
            yield SourceError(source, f"could not be read ({type(exc).__name__}: {exc})")

    def _read_path(self, path: Path, origin: str) -> Iterator[Article | SourceError]:
        if path.is_dir():
            found = False
            for file in files.walk_folder(path):
                found = True
                yield from self.read(str(file))
            if not found:
                raise SourceError(origin, f"folder has no articles (readable: {files.SUPPORTED})")
        elif path.is_file():
            yield from self._read_file(path, origin)
        elif path.exists():
            raise SourceError(origin, "is not a regular file or folder")
        else:
            raise SourceError(origin, "no such file or folder")

    def _read_file(self, path: Path, origin: str) -> Iterator[Article | SourceError]:
        data = files.read_limited(path, origin, self.settings.max_source_bytes)
        kind = files.KINDS_BY_EXTENSION.get(path.suffix.lower()) or files.sniff(data)
        if kind is None:
            suffix = path.suffix or "(no extension)"
            raise SourceError(
                origin, f"unsupported file type {suffix} (readable: {files.SUPPORTED})"
            )
        yield from self._parse(kind, data, origin, path=path)

    def _read_url(self, url: str) -> Iterator[Article | SourceError]:
        download = web.download(self.client, url, self.settings, self.policy)
        yield from self._parse(download.kind, download.data, url, download)

    def _parse(
        self,
        kind: str,
        data: bytes,
        origin: str,
        download: web.Download | None = None,
        *,
        path: Path | None = None,
    ) -> Iterator[Article | SourceError]:
        files.check_not_binary(data, origin)
        if kind == files.FEED:
            fetch = self._fetch_page if self._fetch_links else None
            yield from parse_feed(data, origin, fetch, self._is_stored)
        elif kind == files.HTML:
            yield parse_html(data, origin, url=download.url if download else "")
        else:
            text = files.decode(data, origin, download.charset if download else None)
            if kind == files.JSON:
                yield from parse_json(text, origin)
            elif kind == files.JSONL:
                yield from parse_jsonl(text, origin)
            else:
                yield parse_text(text, origin, markdown=kind == files.MARKDOWN, path=path)

    def _fetch_page(self, url: str) -> Article:
        """The article at a feed entry's link (raises SourceError)."""
        download = web.download(self.client, url, self.settings, self.policy)
        if download.kind != files.HTML:
            raise SourceError(url, f"the link is not a web page ({download.media_type})")
        return parse_html(download.data, url, url=download.url)
