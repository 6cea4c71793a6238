"""Files and folders: recursion, one id per article, bad input, a batch that goes on."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from retrieval.config import Settings
from retrieval.errors import SourceError
from retrieval.records import Article
from tests.retrieval.conftest import ARTICLES, PAGES, FakeWeb, html_response
from tests.retrieval.ingest.loading import FOG_URL, load, only_error


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
