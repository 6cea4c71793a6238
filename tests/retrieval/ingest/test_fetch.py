"""The fetch policy against real loopback servers (127.0.0.1 and 127.0.0.2 only).

Redirects and feed links that point at 10.x or 169.254.169.254 are refused before any
connection is made; names are resolved by a stub, so nothing leaves the machine.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from retrieval.config import Settings
from retrieval.embed.embedder import Embedder
from retrieval.engine import Engine
from retrieval.errors import SourceError
from retrieval.ingest import fetch as fetch_module
from retrieval.ingest.fetch import FetchPolicy, fetch
from retrieval.ingest.loading import iter_articles
from retrieval.records import Article

PAGE = (
    b"<html><head><title>Ferry timetable changes</title></head><body><article>"
    + b"<h1>Ferry timetable changes</h1>"
    + b"<p>The Marrow Bay ferry will leave every forty minutes from Monday, the harbour "
    + b"office said, after a winter of delays that angered commuters on both shores.</p>" * 5
    + b"</article></body></html>"
)
Handler = Callable[[BaseHTTPRequestHandler], None]


class Site:
    """A loopback web server answering from a {path: handler} table; records requests."""

    def __init__(self, host: str) -> None:
        self.routes: dict[str, Handler] = {}
        self.requests: list[tuple[str, str]] = []  # (path, Host header)
        site = self

        class _Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                site.requests.append((self.path, self.headers.get("Host", "")))
                route = site.routes.get(self.path)
                if route is None:
                    self.send_error(404)
                else:
                    route(self)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer((host, 0), _Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.origin = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def page(self, path: str, body: bytes = PAGE, content_type: str = "text/html") -> None:
        def answer(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(200)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)

        self.routes[path] = answer

    def redirect(self, path: str, location: str) -> None:
        def answer(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(302)
            handler.send_header("Location", location)
            handler.send_header("Content-Length", "0")
            handler.end_headers()

        self.routes[path] = answer

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site() -> Iterator[Site]:
    """The "public" site, on 127.0.0.2 (which the strict policy is told to allow)."""
    server = Site("127.0.0.2")
    yield server
    server.close()


@pytest.fixture
def intranet() -> Iterator[Site]:
    """A private service on 127.0.0.1 that Discord must never reach."""
    server = Site("127.0.0.1")
    server.page("/secret", b"<html><body><p>internal admin token 1234</p></body></html>")
    yield server
    server.close()


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[list[str]]]:
    """A stub resolver: name -> the answers it gives, one list per lookup (the last repeats)."""
    answers: dict[str, list[list[str]]] = {}
    lookups: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        lookups.append(host)
        if host not in answers:
            return [host]  # a literal address
        queue = answers[host]
        return queue.pop(0) if len(queue) > 1 else queue[0]

    monkeypatch.setattr(fetch_module, "resolve", resolve)
    answers["_lookups"] = lookups  # type: ignore[assignment]
    return answers


STRICT = FetchPolicy(allowed_private_hosts=frozenset({"127.0.0.2"}), deadline=5)


def refusal(url: str, policy: FetchPolicy = STRICT) -> str:
    with pytest.raises(SourceError) as caught:
        fetch(url, policy=policy)
    return str(caught.value)


def test_the_strict_policy_refuses_loopback_before_connecting(intranet: Site) -> None:
    url = f"{intranet.origin}/secret"
    assert refusal(url) == (
        f"{url}: refused: 127.0.0.1 is a loopback address (see NEWSBOT_ALLOWED_PRIVATE_HOSTS)"
    )
    assert intranet.requests == []


def test_the_command_line_policy_may_reach_private_hosts(intranet: Site) -> None:
    result = fetch(f"{intranet.origin}/secret", policy=FetchPolicy(allow_private=True))
    assert (result.status, result.media_type) == (200, "text/html")
    assert b"internal admin token" in result.body


def test_an_allowed_host_is_fetched(site: Site) -> None:
    site.page("/story")
    result = fetch(f"{site.origin}/story", policy=STRICT)
    assert result.url == f"{site.origin}/story" and result.body == PAGE


@pytest.mark.parametrize(
    ("target", "shown"),
    [
        ("http://10.0.0.1/admin", "10.0.0.1 is a private address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("http://[::ffff:10.0.0.7]/", "::ffff:10.0.0.7 (10.0.0.7) is a private address"),
        ("http://0.0.0.0/", "0.0.0.0 is an unspecified address"),
        ("http://224.0.0.1/", "224.0.0.1 is a multicast address"),
        ("http://localhost/", "localhost is a loopback name"),
    ],
)
def test_a_redirect_from_an_allowed_host_to_a_private_one_is_refused(
    site: Site, target: str, shown: str
) -> None:
    site.redirect("/go", target)
    message = refusal(f"{site.origin}/go")
    assert message.startswith(f"{site.origin}/go: refused: {shown}")
    assert [path for path, _ in site.requests] == ["/go"]


def test_a_redirect_to_another_loopback_service_is_refused(site: Site, intranet: Site) -> None:
    site.redirect("/go", f"{intranet.origin}/secret")
    assert "refused: 127.0.0.1 is a loopback address" in refusal(f"{site.origin}/go")
    assert intranet.requests == []


def test_a_name_is_checked_at_connection_time_on_every_hop(
    site: Site, intranet: Site, dns: dict[str, list[list[str]]]
) -> None:
    dns["news.example"] = [["127.0.0.2"]]
    dns["cdn.example"] = [["127.0.0.1"]]  # a name that turns out to be private
    site.page("/story")
    site.redirect("/moved", f"http://cdn.example:{intranet.port}/secret")
    result = fetch(f"http://news.example:{site.port}/story", policy=STRICT)
    assert result.body == PAGE
    assert site.requests[-1] == ("/story", f"news.example:{site.port}")  # the name, not the IP

    message = refusal(f"http://news.example:{site.port}/moved")
    assert message.endswith(
        "refused: cdn.example (127.0.0.1) is a loopback address (see NEWSBOT_ALLOWED_PRIVATE_HOSTS)"
    )
    assert intranet.requests == []


def test_the_checked_address_is_the_one_connected_to(
    site: Site, intranet: Site, dns: dict[str, list[list[str]]]
) -> None:
    """DNS rebinding: the first answer is allowed, later ones point inside; the one
    lookup that was checked is the one the connection uses."""
    dns["news.example"] = [["127.0.0.2"], ["127.0.0.1"]]
    site.page("/story")
    intranet.page("/story", b"<html><body><p>internal</p></body></html>")
    result = fetch(f"http://news.example:{site.port}/story", policy=STRICT)
    assert result.body == PAGE and intranet.requests == []
    assert dns["_lookups"] == ["news.example"]  # type: ignore[comparison-overlap]
    # The next connection looks the name up again, and is refused.
    assert "is a loopback address" in refusal(f"http://news.example:{site.port}/story")


def test_a_name_with_any_private_answer_is_refused(dns: dict[str, list[list[str]]]) -> None:
    dns["mixed.example"] = [["127.0.0.2", "10.9.8.7"]]
    assert "mixed.example (10.9.8.7) is a private address" in refusal("http://mixed.example/")


def test_an_allowed_name_is_allowed_whatever_it_resolves_to(
    site: Site, dns: dict[str, list[list[str]]]
) -> None:
    dns["wiki.corp"] = [["127.0.0.2"]]
    site.page("/story")
    policy = FetchPolicy(allowed_private_hosts=frozenset({"wiki.corp"}), deadline=5)
    assert fetch(f"http://wiki.corp:{site.port}/story", policy=policy).body == PAGE


def test_redirects_are_capped(site: Site) -> None:
    site.redirect("/loop", "/loop")
    assert refusal(f"{site.origin}/loop").endswith("too many redirects (more than 10)")
    assert len(site.requests) == 11


def test_a_conditional_request_can_answer_304(site: Site) -> None:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        if handler.headers.get("If-None-Match") == '"v1"':
            handler.send_response(304)
            handler.end_headers()
            return
        handler.send_response(200)
        handler.send_header("ETag", '"v1"')
        handler.send_header("Content-Length", str(len(PAGE)))
        handler.end_headers()
        handler.wfile.write(PAGE)

    site.routes["/feed"] = answer
    first = fetch(f"{site.origin}/feed", policy=STRICT)
    assert (first.status, first.headers["etag"]) == (200, '"v1"')
    again = fetch(f"{site.origin}/feed", policy=STRICT, headers={"If-None-Match": '"v1"'})
    assert (again.status, again.body) == (304, b"")


def test_a_trickling_server_is_cut_off_at_the_deadline(site: Site) -> None:
    stop = threading.Event()

    def trickle(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.end_headers()
        while not stop.is_set():
            try:
                handler.wfile.write(b"x")
                handler.wfile.flush()
            except OSError:
                return
            stop.wait(0.2)

    site.routes["/slow"] = trickle
    policy = FetchPolicy(allow_private=True, deadline=1.0, read_timeout=5)
    started = time.monotonic()
    try:
        message = refusal(f"{site.origin}/slow", policy)
    finally:
        stop.set()
    assert message.endswith("not downloaded within 1 s (NEWSBOT_FETCH_DEADLINE)")
    assert time.monotonic() - started < 2.5  # not the 5 s read timeout, nor forever


def test_a_silent_server_is_cut_off_at_the_deadline_too(site: Site) -> None:
    stop = threading.Event()

    def silent(handler: BaseHTTPRequestHandler) -> None:
        stop.wait(5)

    site.routes["/silent"] = silent
    policy = FetchPolicy(allow_private=True, deadline=0.5, read_timeout=3)
    started = time.monotonic()
    try:
        message = refusal(f"{site.origin}/silent", policy)
    finally:
        stop.set()
    assert "not downloaded within 0.5 s" in message
    assert time.monotonic() - started < 2.0  # not the 3 s read timeout


def test_a_big_page_is_cut_at_the_size_cap(site: Site) -> None:
    site.page("/big", b"x" * 50_000)
    policy = FetchPolicy(allow_private=True, max_bytes=10_000)
    assert refusal(f"{site.origin}/big", policy).endswith(
        "the page is 0.1 MB, over the 0.0 MB limit"
    )


def feed(*links: str) -> bytes:
    items = "".join(
        f"<item><title>Entry {n}</title><link>{link}</link>"
        f"<description>Short summary {n}.</description></item>"
        for n, link in enumerate(links, start=1)
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Bay Wire</title>'
        f"{items}</channel></rss>"
    ).encode()


def test_feed_entry_pages_on_private_hosts_are_not_fetched(
    site: Site, intranet: Site, tmp_path: Path
) -> None:
    site.page("/story")
    site.page(
        "/feed.xml",
        feed(
            f"{site.origin}/story",
            f"{intranet.origin}/secret",
            "http://169.254.169.254/latest/meta-data/",
        ),
        "application/rss+xml",
    )
    settings = Settings(_env_file=None, allowed_private_hosts="127.0.0.2")  # type: ignore[call-arg]
    policy = FetchPolicy.from_settings(settings, untrusted=True)
    items = list(iter_articles([f"{site.origin}/feed.xml"], settings, policy=policy))
    bodies = [item.body for item in items if isinstance(item, Article)]
    assert "forty minutes" in bodies[0]
    assert bodies[1:] == ["Short summary 2.", "Short summary 3."]  # the summaries stand in
    assert intranet.requests == []


def test_a_discord_ingest_stores_nothing_from_a_private_redirect(
    embedder: Embedder, site: Site, intranet: Site, tmp_path: Path
) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=tmp_path / "data", allowed_private_hosts="127.0.0.2"
    )
    engine = Engine(settings, embedder=embedder)
    site.redirect("/story", f"{intranet.origin}/secret")
    report = engine.ingest([f"{site.origin}/story"], space="guild-1", untrusted=True)
    assert report.added == 0 and intranet.requests == []
    assert report.errors == [
        f"{site.origin}/story: refused: 127.0.0.1 is a loopback address "
        "(see NEWSBOT_ALLOWED_PRIVATE_HOSTS)"
    ]
    assert engine.sources(spaces=("guild-1",)).articles == []


def test_https_to_a_pinned_address_checks_the_certificate_of_the_name(
    tmp_path: Path, dns: dict[str, list[list[str]]]
) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=news.example",
            "-addext",
            "subjectAltName=DNS:news.example",
        ],
        check=True,
        capture_output=True,
    )
    site = Site("127.0.0.2")
    try:
        server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_tls.load_cert_chain(cert, key)
        site.server.socket = server_tls.wrap_socket(site.server.socket, server_side=True)
        site.page("/story")
        dns["news.example"] = [["127.0.0.2"]]
        dns["other.example"] = [["127.0.0.2"]]
        trusted = ssl.create_default_context(cafile=str(cert))
        with fetch_module.open_client(STRICT, ssl_context=trusted) as client:
            url = f"https://news.example:{site.port}/story"
            assert fetch(url, policy=STRICT, client=client).body == PAGE
            wrong = f"https://other.example:{site.port}/story"  # same address, other name
            with pytest.raises(SourceError, match="certificate|hostname"):
                fetch(wrong, policy=STRICT, client=client)
    finally:
        site.close()
