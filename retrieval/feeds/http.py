"""The one place the feed poller goes online: `get(url, headers, deadline)`.

Every feed and every new entry's page is fetched through here, so one fetch policy
(which addresses may be reached, how many redirects, how long) applies to all of it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from retrieval.errors import SourceError

USER_AGENT = "newsbot/0.1 (follows news feeds it was asked to follow)"
MAX_REDIRECTS = 5

_client_lock = threading.Lock()
_client = None


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # names in lower case
    body: bytes = b""
    url: str = ""  # after redirects


def _shared_client():  # -> httpx.Client; one connection pool for every poll
    global _client
    with _client_lock:
        if _client is None:
            import httpx

            _client = httpx.Client(
                headers={"User-Agent": USER_AGENT},
                follow_redirects=True,
                max_redirects=MAX_REDIRECTS,
                limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
            )
        return _client


def get(url: str, headers: dict[str, str], *, deadline: float, max_bytes: int) -> Response:
    """GET `url`, all of it within `deadline` seconds and `max_bytes`; raises SourceError
    when there is no answer (an HTTP error status is an answer: see `Response.status`)."""
    import httpx

    started = time.monotonic()

    def left() -> float:
        remaining = deadline - (time.monotonic() - started)
        if remaining <= 0:
            raise SourceError(url, f"no complete answer within {deadline:g} s")
        return remaining

    try:
        with _shared_client().stream("GET", url, headers=headers, timeout=left()) as response:
            body = bytearray()
            for part in response.iter_bytes():
                body += part
                if len(body) > max_bytes:
                    raise SourceError(url, f"the answer is over {max_bytes:,} bytes")
                left()
            return Response(
                status=response.status_code,
                headers={k.lower(): v for k, v in response.headers.items()},
                body=bytes(body),
                url=str(response.url),
            )
    except httpx.TimeoutException:
        raise SourceError(url, f"no complete answer within {deadline:g} s") from None
    except httpx.ConnectError as exc:
        raise SourceError(url, f"could not connect ({str(exc) or 'connection refused'})") from None
    except httpx.TooManyRedirects:
        raise SourceError(url, "too many redirects") from None
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        raise SourceError(url, f"is not a valid http(s) URL ({exc})") from None
    except httpx.HTTPError as exc:
        raise SourceError(url, f"could not be fetched ({type(exc).__name__}: {exc})") from None
