"""Every HTTP download of the engine goes through `fetch`, under a `FetchPolicy`.

    policy = FetchPolicy.from_settings(settings, untrusted=True)   # a Discord /ingest
    result = fetch("https://news.example/feed.xml", policy=policy,
                   headers={"If-None-Match": etag})                 # 200 or 304
    result.url, result.status, result.headers, result.body

The policy is enforced where the connection is made: the client's network backend
resolves the host itself, refuses loopback, private, link-local, multicast, reserved and
unspecified addresses (IPv4-mapped IPv6 included) unless the policy allows them, and
connects to the very address it checked (the name still goes in the Host header and in
TLS SNI/certificate checks), so a name that resolves differently a moment later changes
nothing. Redirects are followed here, one hop at a time, each hop checked the same way.
A download has a total deadline (every read and connect is bounded by the time left)
and a size cap.
"""

from __future__ import annotations

import contextvars
import ipaddress
import logging
import socket
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from retrieval.errors import SourceError

if TYPE_CHECKING:
    import ssl

    from retrieval.config import Settings

log = logging.getLogger(__name__)

__all__ = ["FetchPolicy", "FetchResult", "fetch", "open_client", "resolve"]

USER_AGENT = "newsbot/0.1 (reads news articles it is given to answer questions about them)"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 10

Resolver = Callable[[str, int], list[str]]  # (host, port) -> addresses


def resolve(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to (tests replace this function)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """Where a download may connect, and how long and big it may be."""

    allow_private: bool = False
    allowed_private_hosts: frozenset[str] = frozenset()
    deadline: float = 20.0  # seconds for the whole download, redirects included
    max_bytes: int = 20_000_000
    read_timeout: float = 20.0  # seconds without a byte
    max_redirects: int = MAX_REDIRECTS

    @classmethod
    def from_settings(cls, settings: Settings, *, untrusted: bool) -> FetchPolicy:
        """Untrusted (Discord) fetches stay off private networks; the CLI's may not."""
        return cls(
            allow_private=not untrusted,
            allowed_private_hosts=settings.private_hosts_allowed,
            deadline=settings.fetch_deadline,
            max_bytes=settings.max_source_bytes,
            read_timeout=settings.fetch_timeout,
        )

    def refusal(self, host: str, address: str) -> str | None:
        """Why connecting to `address` (found for `host`) is refused, or None when it isn't."""
        if self.allow_private:
            return None
        ip = ipaddress.ip_address(address.split("%")[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        kind = _private_kind(ip)
        if kind is None:
            return None
        allowed = self.allowed_private_hosts
        if _normal_host(host) in allowed or str(ip) in allowed:
            return None
        shown = host if host == str(ip) else f"{host} ({ip})"
        article = "an" if kind[0] in "aeiou" else "a"
        return f"refused: {shown} is {article} {kind} address (see NEWSBOT_ALLOWED_PRIVATE_HOSTS)"


def _private_kind(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    checks = (
        ("loopback", ip.is_loopback),
        ("unspecified", ip.is_unspecified),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
        ("non-public", not ip.is_global),
    )
    return next((kind for kind, hit in checks if hit), None)


def _normal_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str  # after redirects
    status: int  # 2xx, or 304 for a conditional request whose resource is unchanged
    headers: Mapping[str, str] = field(repr=False)
    body: bytes = field(repr=False)

    @property
    def media_type(self) -> str:
        """e.g. "text/html": lower case, without parameters."""
        return self.headers.get("content-type", "").partition(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for param in self.headers.get("content-type", "").split(";")[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "charset" and value.strip():
                return value.strip().strip("\"'")
        return None


class _Refused(Exception):
    """Raised by the network backend: the policy forbids this connection."""


# When the download in this thread must end (monotonic seconds), read by the streams.
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "newsbot_fetch_deadline", default=None
)


def _bounded(timeout: float | None) -> float | None:
    ends = _deadline.get()
    if ends is None:
        return timeout
    left = ends - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("the download deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _bounded(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _bounded(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        tls = self._stream.start_tls(ssl_context, server_hostname, _bounded(timeout))
        return _DeadlineStream(tls)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _PinningBackend(httpcore.NetworkBackend):
    """Resolves each host once, checks every address, and connects to a checked one."""

    def __init__(self, policy: FetchPolicy, resolver: Resolver | None) -> None:
        self._policy = policy
        self._resolver = resolver
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = (self._resolver or resolve)(_normal_host(host), port)
        except (OSError, UnicodeError):
            raise httpcore.ConnectError(f"the host name {host!r} could not be found") from None
        if not addresses:
            raise httpcore.ConnectError(f"the host name {host!r} has no address")
        for address in addresses:
            reason = self._policy.refusal(host, address)
            if reason is not None:
                raise _Refused(reason)
        stream = self._backend.connect_tcp(
            addresses[0], port, _bounded(timeout), local_address, socket_options
        )
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise _Refused("refused: unix sockets are not fetched")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class _PinningTransport(httpx.HTTPTransport):
    def __init__(
        self, policy: FetchPolicy, resolver: Resolver | None, ssl_context: ssl.SSLContext | None
    ) -> None:
        super().__init__(trust_env=False)  # no proxy from the environment: it would not pin
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context or httpx.create_ssl_context(trust_env=False),
            max_connections=20,
            max_keepalive_connections=10,
            keepalive_expiry=5.0,
            network_backend=_PinningBackend(policy, resolver),
        )


def open_client(
    policy: FetchPolicy,
    *,
    resolver: Resolver | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> httpx.Client:
    """An httpx client whose every connection obeys `policy` (close it when done).

    TLS checks the certificate against the host name, not the pinned address
    (`ssl_context`: other trusted certificates, e.g. in tests).
    """
    return httpx.Client(
        transport=_PinningTransport(policy, resolver, ssl_context),
        timeout=httpx.Timeout(policy.read_timeout),
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
        trust_env=False,
    )


def fetch(
    url: str,
    *,
    policy: FetchPolicy,
    headers: Mapping[str, str] | None = None,
    client: httpx.Client | None = None,
) -> FetchResult:
    """GET `url` under `policy`, following redirects; raises SourceError naming the problem.

    A 304 (to a conditional request: pass `If-None-Match`/`If-Modified-Since` in
    `headers`) is returned with an empty body, as is every 2xx answer's body; an HTTP
    error, a refused address, a passed deadline or an oversized body raise.
    """
    own = client is None
    http = client if client is not None else open_client(policy)
    token = _deadline.set(time.monotonic() + policy.deadline)
    try:
        return _follow(http, url, policy, headers)
    except _Refused as refused:
        raise SourceError(url, str(refused)) from None
    except httpx.TimeoutException:
        raise SourceError(url, _timeout_reason(policy)) from None
    except httpx.ConnectError as exc:
        raise SourceError(url, f"could not connect ({str(exc) or 'connection refused'})") from None
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        raise SourceError(url, f"is not a valid http(s) URL ({exc})") from None
    except httpx.HTTPError as exc:
        raise SourceError(url, f"could not be downloaded ({exc})") from None
    finally:
        _deadline.reset(token)
        if own:
            http.close()


def _follow(
    client: httpx.Client, url: str, policy: FetchPolicy, headers: Mapping[str, str] | None
) -> FetchResult:
    current = url
    for _ in range(policy.max_redirects + 1):
        _check_url(current, policy)
        request = client.build_request("GET", current, headers=dict(headers or {}))
        response = client.send(request, stream=True, follow_redirects=False)
        try:
            location = response.headers.get("location", "")
            if response.status_code in REDIRECT_STATUSES and location:
                next_url = urljoin(current, location)
                log.debug("%s redirects to %s", current, next_url)
                current = next_url
                continue
            return _read(response, current, policy)
        finally:
            response.close()
    raise _Refused(f"too many redirects (more than {policy.max_redirects})")


def check_url(url: str, policy: FetchPolicy) -> None:
    """Raise SourceError when `url` is refused before any lookup (scheme, credentials, a
    literal private address or a loopback name); a name is checked again at every fetch."""
    try:
        _check_url(url, policy)
    except _Refused as refused:
        raise SourceError(url, str(refused)) from None


def _check_url(url: str, policy: FetchPolicy) -> None:
    """Refuse what needs no DNS to refuse: other schemes, credentials, literal addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _Refused(f"refused: {url} is not an http(s) address")
    if parts.username or parts.password:
        raise _Refused("refused: addresses with a user name or password are not fetched")
    host = _normal_host(parts.hostname)
    try:
        ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        if (
            not policy.allow_private
            and host not in policy.allowed_private_hosts
            and (host == "localhost" or host.endswith(".localhost"))
        ):
            raise _Refused(f"refused: {host} is a loopback name") from None
        return
    reason = policy.refusal(host, host)
    if reason is not None:
        raise _Refused(reason)


def _read(response: httpx.Response, url: str, policy: FetchPolicy) -> FetchResult:
    status = response.status_code
    if status >= 400:
        raise SourceError(
            url, f"the server answered HTTP {status} {response.reason_phrase}".rstrip()
        )
    if status == 304:
        return FetchResult(url=str(response.url), status=304, headers=response.headers, body=b"")
    limit = policy.max_bytes
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise SourceError(
            url, f"the page is {_megabytes(int(declared))}, over the {_megabytes(limit)} limit"
        )
    data = bytearray()
    for part in response.iter_bytes():
        data += part
        if len(data) > limit:
            raise SourceError(url, f"the page is over the {_megabytes(limit)} limit")
        ends = _deadline.get()
        if ends is not None and time.monotonic() >= ends:  # a trickle still ends on time
            raise httpx.ReadTimeout("the download deadline passed")
    return FetchResult(
        url=str(response.url), status=status, headers=response.headers, body=bytes(data)
    )


def _timeout_reason(policy: FetchPolicy) -> str:
    ends = _deadline.get()
    if ends is not None and time.monotonic() >= ends - 0.05:
        return f"not downloaded within {policy.deadline:g} s (NEWSBOT_FETCH_DEADLINE)"
    return f"no answer within {policy.read_timeout:g} s (NEWSBOT_FETCH_TIMEOUT)"


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"
