"""The one place the feed poller goes online: `get(url, headers, policy=...)`.

Every feed and every new entry's page is fetched through `retrieval.ingest.fetch`, so the
same policy as `/ingest` applies to all of it: the address is checked and pinned on every
hop, redirects are followed one at a time, and the whole download has a deadline. A feed
followed from Discord polls under the strict policy (no private networks); one followed
from the command line is the operator's own.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from retrieval.ingest.fetch import FetchPolicy, fetch, open_client

if TYPE_CHECKING:
    import httpx


@dataclass(frozen=True, slots=True)
class Response:
    status: int  # 2xx, or 304 for an unchanged feed (an HTTP error raises SourceError)
    headers: dict[str, str] = field(default_factory=dict)  # names in lower case
    body: bytes = b""
    url: str = ""  # after redirects


_clients: dict[FetchPolicy, httpx.Client] = {}
_clients_lock = threading.Lock()


def _client(policy: FetchPolicy) -> httpx.Client:
    """One connection pool per policy, shared by every poll (httpx clients are thread-safe)."""
    with _clients_lock:
        if policy not in _clients:
            _clients[policy] = open_client(policy)
        return _clients[policy]


def get(url: str, headers: dict[str, str], *, policy: FetchPolicy) -> Response:
    """GET `url` under `policy`; raises SourceError naming the problem (a refused address,
    an HTTP error, a passed deadline, an oversized answer)."""
    result = fetch(url, policy=policy, headers=headers, client=_client(policy))
    return Response(
        status=result.status,
        headers={k.lower(): v for k, v in result.headers.items()},
        body=result.body,
        url=result.url,
    )
