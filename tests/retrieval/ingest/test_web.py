"""Article and feed URLs: redirects, failures, size limits, who the client says it is."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from retrieval.config import Settings
from retrieval.ingest.loaders.web import USER_AGENT, make_client
from retrieval.records import Article
from tests.retrieval.conftest import PAGES, FakeWeb, html_response
from tests.retrieval.ingest.loading import FEED, FOG_URL, load, only_article, only_error


def test_article_url(settings: Settings, fake_web: FakeWeb) -> None:
    url = "https://ledger.example/fog?utm_source=feed"
    client = fake_web({url: html_response(PAGES / "fog_airport.html")})
    article = only_article(load(url, settings=settings, client=client))
    assert article.title == "Fog closes Quillhaven airport"
    assert article.url == FOG_URL  # the page's canonical URL
    assert article.origin == url


def test_redirects_are_followed(settings: Settings, fake_web: FakeWeb) -> None:
    short = "https://lnk.example/fog"
    client = fake_web(
        {
            short: httpx.Response(301, headers={"location": FOG_URL}),
            FOG_URL: html_response(PAGES / "fog_airport.html"),
        }
    )
    article = only_article(load(short, settings=settings, client=client))
    assert article.url == FOG_URL and article.origin == short
    assert client.requested == [short, FOG_URL]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "content_type", ["application/rss+xml", "text/html; charset=utf-8", "text/xml", ""]
)
def test_feed_url_is_recognised_by_type_or_content(
    settings: Settings, fake_web: FakeWeb, content_type: str
) -> None:
    url = "https://ledger.example/feed"
    headers = {"content-type": content_type} if content_type else {}
    client = fake_web({url: httpx.Response(200, content=FEED.read_bytes(), headers=headers)})
    items = load(url, settings=settings, client=client, fetch_links=False)
    assert [a.title for a in items if isinstance(a, Article)] == [
        "Tram depot plan goes on display",
        "Fog closes Quillhaven airport",
        "Bakery wins bread award",
    ]


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (
            httpx.ConnectError("[Errno -2] Name or service not known"),
            "could not connect ([Errno -2] Name or service not known)",
        ),
        (httpx.ReadTimeout("timed out"), "no answer within 20 s (NEWSBOT_FETCH_TIMEOUT)"),
        (httpx.Response(404), "the server answered HTTP 404 Not Found"),
        (httpx.Response(503), "the server answered HTTP 503 Service Unavailable"),
        (
            httpx.Response(200, content=b"%PDF-1.7", headers={"content-type": "application/pdf"}),
            "unsupported content type (application/pdf)",
        ),
        (
            httpx.Response(200, content=b"x" * 10, headers={"content-length": "30000000"}),
            "the page is 30.0 MB, over the 20.0 MB limit",
        ),
    ],
)
def test_url_failures(
    settings: Settings, fake_web: FakeWeb, answer: httpx.Response | Exception, reason: str
) -> None:
    url = "https://unreachable.example/story"
    client = fake_web({url: answer})
    assert only_error(load(url, settings=settings, client=client)) == f"{url}: {reason}"


def test_a_download_is_cut_off_at_the_size_limit(fake_web: FakeWeb) -> None:
    url = "https://big.example/page"

    def endless() -> Iterator[bytes]:
        while True:
            yield b"<p>" + b"news " * 1000 + b"</p>"

    client = fake_web(
        {url: httpx.Response(200, content=endless(), headers={"content-type": "text/html"})}
    )
    settings = Settings(_env_file=None, max_source_bytes=100_000)  # type: ignore[call-arg]
    assert (
        only_error(load(url, settings=settings, client=client))
        == f"{url}: the page is over the 0.1 MB limit"
    )


def test_the_default_client_says_who_it_is(settings: Settings) -> None:
    with make_client(settings) as client:
        assert client.headers["user-agent"] == USER_AGENT and USER_AGENT.startswith("newsbot/0.1")
        assert client.timeout.read == settings.fetch_timeout
        assert not client.follow_redirects  # fetch() follows them itself, checking each hop
