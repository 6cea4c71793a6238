"""RSS and Atom feeds: entries, summaries, fetching their pages once."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import httpx
import pytest

from retrieval.config import Settings
from retrieval.records import Article
from tests.retrieval.conftest import ARTICLES, PAGES, FakeWeb, html_response
from tests.retrieval.ingest.loading import FEED, FOG_URL, load


def test_rss_feed_entries_with_summary_only_are_fetched(
    settings: Settings, fake_web: FakeWeb
) -> None:
    client = fake_web({FOG_URL: html_response(PAGES / "fog_airport.html")})
    tram, fog, bakery = load(FEED, settings=settings, client=client)
    assert isinstance(tram, Article) and isinstance(fog, Article) and isinstance(bakery, Article)
    # Full content in the feed: read as it is, no fetch.
    assert tram.body.split("\n\n")[2] == "Residents can comment on the plans until March 20."
    assert (tram.source, tram.author, tram.published_at) == (
        "Quillhaven Ledger",
        "Tomasz Reinholt",
        date(2026, 2, 26),
    )
    # A one-line summary: the page behind the link gives the article.
    assert fog.title == "Fog closes Quillhaven airport"
    assert fog.body.startswith("Thick fog grounded all flights at Quillhaven airport on Friday")
    assert "Eleven departures were cancelled" in fog.body
    assert (fog.url, fog.source, fog.published_at) == (
        FOG_URL,
        "Quillhaven Ledger",
        date(2026, 2, 27),
    )
    assert not fog.summary_only and not tram.summary_only
    assert client.requested == [FOG_URL, "https://ledger.example/2026/02/28/bread-award"]  # type: ignore[attr-defined]


def test_feed_entry_falls_back_to_its_summary_when_the_page_fails(
    settings: Settings, fake_web: FakeWeb, caplog: pytest.LogCaptureFixture
) -> None:
    client = fake_web({FOG_URL: httpx.ConnectError("Name or service not known")})
    with caplog.at_level(logging.WARNING):
        _, fog, bakery = load(FEED, settings=settings, client=client)
    assert isinstance(fog, Article) and isinstance(bakery, Article)
    assert fog.body == "Thick fog grounded flights on Friday morning."
    assert (
        bakery.body
        == "Harlow's Bakery on Mill Lane won the Northshore rye bread award on Saturday."
    )
    assert f"{FOG_URL}: could not fetch the full article (could not connect" in caplog.text
    assert "HTTP 404 Not Found); using the feed's summary" in caplog.text


def test_feed_entries_already_stored_are_not_fetched_again(
    settings: Settings, fake_web: FakeWeb
) -> None:
    client = fake_web({FOG_URL: html_response(PAGES / "fog_airport.html")})
    tram, fog, bakery = load(
        FEED, settings=settings, client=client, is_stored={FOG_URL}.__contains__
    )
    assert client.requested == ["https://ledger.example/2026/02/28/bread-award"]  # type: ignore[attr-defined]
    assert isinstance(fog, Article) and fog.summary_only
    assert fog.id == Article.id_for_url(FOG_URL)
    assert isinstance(tram, Article) and not tram.summary_only  # full text in the feed
    assert isinstance(bakery, Article) and bakery.summary_only  # its page was a 404


def test_feed_links_are_not_fetched_when_told_not_to(settings: Settings, fake_web: FakeWeb) -> None:
    client = fake_web({})
    items = load(FEED, settings=settings, client=client, fetch_links=False)
    assert len(items) == 3 and client.requested == []  # type: ignore[attr-defined]


def test_a_broken_feed_gives_what_it_can(
    tmp_path: Path, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "cut.rss"
    path.write_text(
        "<rss><channel><title>Quillhaven Wire</title>"
        "<item><title>Gulls nest on the town hall</title>"
        "<description>Herring gulls have nested on the town hall clock.</description></item>"
        "<item><title>Cut off"
    )
    with caplog.at_level(logging.WARNING):
        gulls, cut = load(path, settings=settings, fetch_links=False)
    assert (
        isinstance(gulls, Article)
        and gulls.body == "Herring gulls have nested on the town hall clock."
    )
    assert str(cut) == (
        f"{path}:entry 2: the feed entry has no text "
        "(the feed is malformed: no element found at line 2)"
    )
    assert (
        "the feed has errors (no element found at line 2); reading the 2 entries found"
        in caplog.text
    )


def test_atom_feed(settings: Settings) -> None:
    ploughs, pool = load(ARTICLES / "feeds" / "courier.atom", settings=settings, fetch_links=False)
    assert isinstance(ploughs, Article) and isinstance(pool, Article)
    assert (ploughs.source, ploughs.author, ploughs.published_at) == (
        "Northshore Courier",
        "Hanne Solberg",
        date(2026, 3, 1),
    )
    assert (
        ploughs.body.split("\n\n")[1] == "The roads office said it has 900 tonnes of grit in store."
    )
    assert pool.url == "https://courier.example/2026/03/02/pool-roof"


def test_a_guid_that_is_not_a_url_is_not_fetched(
    tmp_path: Path, settings: Settings, fake_web: FakeWeb, caplog: pytest.LogCaptureFixture
) -> None:
    items = "".join(
        f"<item><title>Tide table {n}</title><guid>{guid}</guid>"
        f"<description>High water at {n} o'clock.</description></item>"
        for n, guid in enumerate(["40512", "urn:uuid:5f0c-11", "tag:wire.example,2026:3"], 1)
    )
    path = tmp_path / "tides.rss"
    path.write_text(f"<rss version='2.0'><channel><title>Wire</title>{items}</channel></rss>")
    client = fake_web({})
    with caplog.at_level(logging.WARNING):
        articles = load(path, settings=settings, client=client)
    assert [a.body for a in articles if isinstance(a, Article)] == [
        "High water at 1 o'clock.",
        "High water at 2 o'clock.",
        "High water at 3 o'clock.",
    ]
    assert [a.url for a in articles if isinstance(a, Article)] == ["", "", ""]
    assert client.requested == [] and caplog.text == ""  # type: ignore[attr-defined]
