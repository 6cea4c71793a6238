"""A downloaded source and what kind of content it is (the download itself: `fetch.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from retrieval.config import Settings
from retrieval.errors import SourceError
from retrieval.ingest.fetch import USER_AGENT, FetchPolicy, fetch, open_client
from retrieval.ingest.loaders import files

if TYPE_CHECKING:
    import httpx

__all__ = ["USER_AGENT", "Download", "download", "make_client"]

_KINDS_BY_MEDIA_TYPE = {
    "text/html": files.HTML,
    "application/xhtml+xml": files.HTML,
    "application/rss+xml": files.FEED,
    "application/atom+xml": files.FEED,
    "application/rdf+xml": files.FEED,
    "text/plain": files.TEXT,
    "text/markdown": files.MARKDOWN,
    "text/x-markdown": files.MARKDOWN,
    "application/json": files.JSON,
    "application/x-ndjson": files.JSONL,
    "application/jsonl": files.JSONL,
}
_SNIFFED_MEDIA_TYPES = {"", "application/octet-stream", "application/xml", "text/xml"}


@dataclass(frozen=True, slots=True)
class Download:
    url: str  # after redirects
    media_type: str  # e.g. "text/html", lower case, without parameters
    charset: str | None
    data: bytes

    @property
    def kind(self) -> str:
        """What the content is, from its content type and, where that is vague, its start."""
        sniffed = files.sniff(self.data)
        if self.media_type in _SNIFFED_MEDIA_TYPES or sniffed == files.FEED:
            if sniffed:
                return sniffed  # feeds are often served as text/html or text/xml
        elif self.media_type in _KINDS_BY_MEDIA_TYPE:
            return _KINDS_BY_MEDIA_TYPE[self.media_type]
        shown = self.media_type or "none given"
        raise SourceError(self.url, f"unsupported content type ({shown})")


def make_client(settings: Settings, policy: FetchPolicy | None = None) -> httpx.Client:
    """A client whose connections obey `policy` (by default the command line's: any host)."""
    return open_client(policy or FetchPolicy.from_settings(settings, untrusted=False))


def download(
    client: httpx.Client, url: str, settings: Settings, policy: FetchPolicy | None = None
) -> Download:
    """The body of `url`; raises SourceError for refused hosts, network and HTTP errors,
    passed deadlines and big files."""
    policy = policy or FetchPolicy.from_settings(settings, untrusted=False)
    result = fetch(url, policy=policy, client=client)
    return Download(
        url=result.url, media_type=result.media_type, charset=result.charset, data=result.body
    )
