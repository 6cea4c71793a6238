from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from retrieval.config import Settings
from retrieval.errors import SourceError
from retrieval.ingest.loaders.fields import parse_date
from retrieval.ingest.loaders.web import USER_AGENT, make_client
from retrieval.ingest.loading import iter_articles
from retrieval.records import Article
from tests.retrieval.conftest import ARTICLES, PAGES, FakeWeb, html_response

FEED = ARTICLES / "feeds" / "ledger.rss"
FOG_URL = "https://ledger.example/2026/02/27/fog-airport"


def load(
    *sources: str | Path, settings: Settings, **options: object
) -> list[Article | SourceError]:
    return list(iter_articles([str(s) for s in sources], settings, **options))  # type: ignore[arg-type]


def only_article(items: list[Article | SourceError]) -> Article:
    assert len(items) == 1 and isinstance(items[0], Article), items
    return items[0]


def only_error(items: list[Article | SourceError]) -> str:
    assert len(items) == 1 and isinstance(items[0], SourceError), items
    return str(items[0])


# -- formats ------------------------------------------------------------------------------


def test_markdown_with_header_lines(settings: Settings) -> None:
    article = only_article(load(ARTICLES / "bridge_vote.md", settings=settings))
    assert article.title == "Council approves Mill Bridge repairs in 5-2 vote"
    assert article.source == "Quillhaven Ledger"
    assert article.published_at == date(2026, 2, 11)
    assert article.url == "https://ledger.example/2026/02/11/bridge-vote"
    assert article.author == "Tomasz Reinholt"
    assert article.origin == str(ARTICLES / "bridge_vote.md")
    paragraphs = article.body.split("\n\n")
    assert paragraphs[0] == (
        "Quillhaven's town council voted 5-2 on Tuesday night to fund repairs to the Mill "
        "Bridge, which has been closed to lorries since October."
    )
    assert paragraphs[1] == "What happens next"  # a heading, without its '##'
    assert "according to the council's engineering report. Councillor Ines Marlow" in paragraphs[2]
    assert "far too low." in paragraphs[2]
    assert "Read more" not in article.body and "**" not in article.body


def test_yaml_style_front_matter(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "tide.md"
    path.write_text(
        "---\ntitle: Spring tide floods Quay Square\nsource: Northshore Weekly\n"
        "layout: post\ndate: 2 March 2026\n---\n\nWater reached the steps of the town hall.\n"
    )
    article = only_article(load(path, settings=settings))
    assert (article.title, article.source, article.published_at) == (
        "Spring tide floods Quay Square",
        "Northshore Weekly",
        date(2026, 3, 2),
    )
    assert article.body == "Water reached the steps of the town hall."


def test_scraped_text_file_loses_boilerplate_and_repeats(settings: Settings) -> None:
    article = only_article(load(ARTICLES / "library_reopens.txt", settings=settings))
    assert article.title == "Quillhaven library reopens after two-year rebuild"
    paragraphs = article.body.split("\n\n")
    assert paragraphs[0].startswith("The Quillhaven Public Library reopened its doors")
    assert len(paragraphs) == 5  # the exact repeat went; the paraphrase stayed
    assert sum("reopened its doors" in p for p in paragraphs) == 1
    assert paragraphs[3].startswith("Rebuilt over two years")
    for furniture in ("Share on Social", "Advertisement", "subscribe", "Leave a Reply", "email"):
        assert furniture not in article.body
    assert (article.source, article.url, article.published_at) == ("", "", None)


def test_a_long_first_line_is_body_not_title(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "brief.txt"
    text = "The harbour master said the north quay will stay closed " * 4
    path.write_text(text.strip() + ".\n")
    article = only_article(load(path, settings=settings))
    assert article.title == ""
    assert article.body == text.strip() + "."


def test_html_page_main_text_and_metadata(settings: Settings) -> None:
    article = only_article(load(ARTICLES / "regatta.html", settings=settings))
    assert article.title == "Record fleet sails in Quillhaven regatta"
    assert article.source == "Northshore Weekly"
    assert article.author == "Saskia Brandvold"
    assert article.published_at == date(2026, 2, 15)
    assert article.url == "https://northshore.example/2026/02/15/regatta"
    paragraphs = article.body.split("\n\n")
    assert paragraphs[0].startswith("A record 212 boats started")  # the <h1> is not repeated
    assert (
        paragraphs[-1]
        == '"It was the slowest finish I can remember," said race director Piet Hallam.'
    )
    for furniture in ("Share on", "Related articles", "All rights reserved", "Weather"):
        assert furniture not in article.body


def test_json_list_keeps_given_ids_and_accepts_field_aliases(settings: Settings) -> None:
    first, second = load(ARTICLES / "wire_roundup.json", settings=settings)
    assert isinstance(first, Article) and isinstance(second, Article)
    assert first.id == "qw-0101"
    assert (first.author, first.published_at) == ("Edda Kovalenko", date(2026, 2, 20))
    assert (
        first.body.split("\n\n")[1]
        == "The operator, Saltmarsh Lines, said two of its four boats need new engines."
    )
    assert second.id == Article.make_id(
        title=second.title, body=second.body, source="Quillhaven Wire"
    )
    assert second.body.startswith("The St. Brendan's school choir")  # from "text"
    assert second.published_at == date(2026, 2, 21)  # from "date": "February 21, 2026"
    assert second.origin == f"{ARTICLES / 'wire_roundup.json'}:item 2"


def test_json_single_object(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "one.json"
    path.write_text(
        json.dumps(
            {"title": "Tide tables", "content": "High tide is at 6:40.", "published": "2026-03-01"}
        )
    )
    article = only_article(load(path, settings=settings))
    assert (article.title, article.body, article.published_at) == (
        "Tide tables",
        "High tide is at 6:40.",
        date(2026, 3, 1),
    )


def test_json_body_as_a_list_of_paragraphs(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "paras.json"
    path.write_text(json.dumps({"title": "Quay works", "body": ["Work began.", "It ends in May."]}))
    assert only_article(load(path, settings=settings)).body == "Work began.\n\nIt ends in May."


def test_utf16_text_with_a_byte_order_mark(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "utf16.txt"
    path.write_bytes("Café reopens\n\nThe quayside café reopened on Friday.".encode("utf-16"))
    article = only_article(load(path, settings=settings))
    assert (article.title, article.body) == (
        "Café reopens",
        "The quayside café reopened on Friday.",
    )


def test_jsonl_one_article_per_line(settings: Settings) -> None:
    items = load(ARTICLES / "briefs.jsonl", settings=settings)
    assert all(isinstance(a, Article) for a in items)
    articles = [a for a in items if isinstance(a, Article)]
    assert [a.title for a in articles] == [
        "Night market returns to Quay Square",
        "Harbour crane replaced",
        "Lighthouse open day",
    ]
    assert articles[0].published_at == date(2026, 2, 25)  # "published"
    assert articles[1].published_at == date(2026, 2, 23)  # ISO with a time and Z
    assert articles[2].id == "4471"  # a numeric id is still the id
    assert articles[2].published_at == date(2026, 3, 14)  # 03/14/2026 can only be March 14
    assert articles[2].origin.endswith("briefs.jsonl:line 4")  # line 3 is blank


def test_jsonl_bad_lines_fail_alone(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "mixed.jsonl"
    good = {"title": "Crane arrives", "body": "The crane arrived on Monday."}
    path.write_text(
        "\n".join(
            [
                json.dumps(good),
                '{"title": "Broken", "body": "no closing brace"',
                '["a", "list"]',
                json.dumps({"title": "No text here"}),
                json.dumps({"title": "Bad title type", "body": "Text.", "source": 7}),
                json.dumps({**good, "title": "Crane tested"}),
            ]
        )
    )
    items = load(path, settings=settings)
    assert [a.title for a in items if isinstance(a, Article)] == ["Crane arrives", "Crane tested"]
    assert [str(e) for e in items if isinstance(e, SourceError)] == [
        f"{path}:line 2: is not valid JSON: Expecting ',' delimiter (column 47)",
        f"{path}:line 3: is a list, not an article object",
        f'{path}:line 4: has no body (give the text in a "body", "text" or "content" field)',
        f'{path}:line 5: field "source" must be text, not a number',
    ]


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
        "High water at 1 o'clock.", "High water at 2 o'clock.", "High water at 3 o'clock."
    ]
    assert [a.url for a in articles if isinstance(a, Article)] == ["", "", ""]
    assert client.requested == [] and caplog.text == ""  # type: ignore[attr-defined]


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


def test_folder_is_read_recursively_in_order_skipping_hidden_and_other_files(
    settings: Settings, fake_web: FakeWeb, caplog: pytest.LogCaptureFixture
) -> None:
    client = fake_web({FOG_URL: html_response(PAGES / "fog_airport.html")})
    with caplog.at_level(logging.INFO):
        items = load(ARTICLES, settings=settings, client=client)
    assert all(isinstance(a, Article) for a in items), items
    files = [
        a.origin.split(":item")[0].split(":line")[0]
        for a in items
        if isinstance(a, Article) and not a.origin.startswith("http")
    ]
    names = [Path(f).name for f in dict.fromkeys(files)]
    assert names == [
        "bridge_vote.md",
        "briefs.jsonl",
        "library_reopens.txt",
        "regatta.html",
        "wire_roundup.json",
    ]
    assert len(items) == 13  # 5 files with 8 articles, then feeds/ with 2 + 3 entries
    assert not any("hidden" in a.body or "draft" in a.body for a in items if isinstance(a, Article))
    assert "skipped files of unsupported types (1 .css)" in caplog.text


def test_the_same_article_from_two_paths_has_one_id(tmp_path: Path, settings: Settings) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        shutil.copy(ARTICLES / "library_reopens.txt", tmp_path / folder / "copy.txt")
    first, second = load(tmp_path / "a", tmp_path / "b", settings=settings)
    assert isinstance(first, Article) and isinstance(second, Article)
    assert first.id == second.id and first.content_hash == second.content_hash
    assert first.origin != second.origin


# -- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "file is empty"),
        (
            "headline.txt",
            b"Gale warning for Friday\n",
            "has no article text under the title 'Gale warning for Friday'",
        ),
        ("header-only.md", b"Source: Harbor Gazette\nDate: 2026-03-01\n", "has no article text"),
        ("blank.md", b"  \n\n \t\n", "file is empty"),
        (
            "photo.txt",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "looks like a binary file (it contains NUL bytes), not text",
        ),
        (
            "latin1.txt",
            b"Caf\xe9 opens\n\nThe caf\xe9 opened.",
            "is not valid UTF-8 text (byte 0xe9 at offset 3, line 1); save it as UTF-8",
        ),
        (
            "broken.json",
            b'{"title": "x",\n "body": }',
            "is not valid JSON: Expecting value at line 2, column 10",
        ),
        (
            "nobody.json",
            b'{"title": "Just a title"}',
            'has no body (give the text in a "body", "text" or "content" field)',
        ),
        ("number.json", b"42", "must hold an article object or a list of them, not a number"),
        ("empty-list.json", b"[]", "holds an empty list: no articles"),
        (
            "whitespace-body.json",
            b'{"title": "T", "body": "Advertisement"}',
            "has no article text under the title 'T'",
        ),
        (
            "broken.xml",
            b"<?xml version='1.0'?>\n<rss><channel><title",
            "is not a valid RSS or Atom feed (unclosed token at line 2)",
        ),
        (
            "page.rss",
            b"<html><body><p>Not a feed.</p></body></html>",
            "is not an RSS or Atom feed, or it has no entries",
        ),
        (
            "report.pdf",
            b"%PDF-1.7 binary stuff",
            "unsupported file type .pdf (readable: .txt, .text, .md",
        ),
    ],
)
def test_unreadable_files_give_one_clear_error(
    tmp_path: Path, settings: Settings, name: str, content: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert only_error(load(path, settings=settings)).startswith(f"{path}: {reason}")


def test_a_json_list_item_that_is_not_an_object(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "list.json"
    path.write_text(json.dumps([{"title": "Ok", "body": "Fine."}, "stray string"]))
    article, error = load(path, settings=settings)
    assert isinstance(article, Article)
    assert str(error) == f"{path}:item 2: is a string, not an article object"


def test_missing_paths_and_empty_folders(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.docx").write_bytes(b"PK")
    items = load(
        tmp_path / "nowhere.txt", tmp_path / "empty", "ftp://example.org/a", settings=settings
    )
    assert [str(e) for e in items] == [
        f"{tmp_path / 'nowhere.txt'}: no such file or folder",
        f"{tmp_path / 'empty'}: folder has no articles (readable: .txt, .text, .md, .markdown, "
        ".html, .htm, .xhtml, .json, .jsonl, .ndjson, .xml, .rss, .atom)",
        "ftp://example.org/a: only http:// and https:// URLs can be read",
    ]


def test_a_file_over_the_size_limit_is_rejected_without_being_read(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge.jsonl"
    with path.open("wb") as handle:
        handle.truncate(50_000_000)  # sparse: takes no disk space

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was opened")

    monkeypatch.setattr(Path, "open", no_reading)
    monkeypatch.setattr(Path, "read_bytes", no_reading)
    assert only_error(load(path, settings=settings)) == (
        f"{path}: file is 50.0 MB, over the 20.0 MB limit (NEWSBOT_MAX_SOURCE_BYTES)"
    )


def test_the_batch_goes_on_after_a_bad_source(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    items = load(tmp_path / "empty.txt", ARTICLES / "regatta.html", settings=settings)
    assert isinstance(items[0], SourceError) and isinstance(items[1], Article)


def test_an_unexpected_failure_is_logged_and_the_batch_goes_on(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("parser bug")

    monkeypatch.setattr("retrieval.ingest.loading.parse_text", broken)
    source = ARTICLES / "library_reopens.txt"
    error, article = load(source, ARTICLES / "regatta.html", settings=settings)
    assert str(error) == f"{source}: could not be read (RuntimeError: parser bug)"
    assert isinstance(article, Article)
    assert "Traceback" in caplog.text and "unexpected error while reading" in caplog.text


# -- the web ------------------------------------------------------------------------------


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


# -- dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-01", date(2026, 3, 1)),
        ("2026-03-01T23:30:00+05:00", date(2026, 3, 1)),
        ("2026-03-01 08:00", date(2026, 3, 1)),
        ("Sun, 01 Mar 2026 10:00:00 GMT", date(2026, 3, 1)),
        ("March 1, 2026", date(2026, 3, 1)),
        ("Mar. 1, 2026", date(2026, 3, 1)),
        ("Sept. 9, 2026", date(2026, 9, 9)),
        ("Sunday, March 1st, 2026", date(2026, 3, 1)),
        ("1 March 2026", date(2026, 3, 1)),
        ("01.03.2026", date(2026, 3, 1)),
        ("25/12/2026", date(2026, 12, 25)),
        ("12/25/2026", date(2026, 12, 25)),
    ],
)
def test_dates(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "value", ["yesterday", "03/04/2026", "2026-02-30", "31/31/2026", 1772323200]
)
def test_unreadable_dates_are_dropped_with_a_warning(
    value: object, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        assert parse_date(value, "feed.xml") is None
    assert (
        f"feed.xml: cannot read the date {value!r}; keeping the article without a date"
        in caplog.text
    )


def test_a_bad_date_does_not_lose_the_article(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "story.json"
    path.write_text(
        json.dumps({"title": "Gale warning", "body": "A gale is coming.", "date": "soon"})
    )
    article = only_article(load(path, settings=settings))
    assert article.published_at is None and article.body == "A gale is coming."


def test_a_file_that_names_no_outlet_is_cited_by_its_file_name_and_path(
    tmp_path: Path, settings: Settings
) -> None:
    from retrieval.ingest.chunking import chunk_article

    note = tmp_path / "harbour-notes.txt"
    note.write_text(
        "Night ferry returns\n\nThe night ferry to Quillhaven runs again from Friday.\n"
    )
    named = tmp_path / "named.txt"
    named.write_text("Source: Harbor Gazette\nNight ferry\n\nThe night ferry runs again.\n")
    article = only_article(load(note, settings=settings))
    chunk = chunk_article(article)[0]
    assert (chunk.source, chunk.url) == ("harbour-notes.txt", str(note.resolve()))
    assert article.source == "" and article.url == ""  # the identity stays the text's own
    chunk = chunk_article(only_article(load(named, settings=settings)))[0]
    assert (chunk.source, chunk.url) == ("Harbor Gazette", str(named.resolve()))  # no URL: path
