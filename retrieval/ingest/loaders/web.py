"""Downloading a URL with httpx: a timeout, a size cap, redirects, and clear errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from retrieval.config import Settings
from retrieval.errors import SourceError
from retrieval.ingest.loaders import files

if TYPE_CHECKING:
    import httpx

USER_AGENT = "newsbot/0.1 (reads news articles it is given to answer questions about them)"

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


def make_client(settings: Settings) -> httpx.Client:
    import httpx

    return httpx.Client(
        timeout=settings.fetch_timeout,
        follow_redirects=True,
        headers={"User-Agent": USER_AGENT},
    )


def download(client: httpx.Client, url: str, settings: Settings) -> Download:
    """The body of `url`; raises SourceError for network errors, HTTP errors and big files."""
    import httpx

    limit = settings.max_source_bytes
    try:
        with client.stream(
            "GET", url, timeout=settings.fetch_timeout, follow_redirects=True
        ) as response:
            if response.status_code >= 400:
                raise SourceError(
                    url,
                    f"the server answered HTTP {response.status_code} "
                    f"{response.reason_phrase}".rstrip(),
                )
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise SourceError(
                    url,
                    f"the page is {files.megabytes(int(declared))}, over "
                    f"the {files.megabytes(limit)} limit",
                )
            data = bytearray()
            for part in response.iter_bytes():
                data += part
                if len(data) > limit:
                    raise SourceError(url, f"the page is over the {files.megabytes(limit)} limit")
            content_type = response.headers.get("content-type", "")
            return Download(
                url=str(response.url),
                media_type=content_type.partition(";")[0].strip().lower(),
                charset=response.charset_encoding,
                data=bytes(data),
            )
    except httpx.TimeoutException:
        raise SourceError(
            url, f"no answer within {settings.fetch_timeout:g} s (NEWSBOT_FETCH_TIMEOUT)"
        ) from None
    except httpx.ConnectError as exc:
        raise SourceError(url, f"could not connect ({str(exc) or 'connection refused'})") from None
    except httpx.TooManyRedirects:
        raise SourceError(url, "too many redirects") from None
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        raise SourceError(url, f"is not a valid http(s) URL ({exc})") from None
    except httpx.HTTPError as exc:
        raise SourceError(url, f"could not be downloaded ({exc})") from None
