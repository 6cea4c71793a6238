"""Text and Markdown files: header lines, front matter, boilerplate, encodings."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from retrieval.config import Settings
from tests.retrieval.conftest import ARTICLES
from tests.retrieval.ingest.loading import load, only_article


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


def test_utf16_text_with_a_byte_order_mark(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "utf16.txt"
    path.write_bytes("Café reopens\n\nThe quayside café reopened on Friday.".encode("utf-16"))
    article = only_article(load(path, settings=settings))
    assert (article.title, article.body) == (
        "Café reopens",
        "The quayside café reopened on Friday.",
    )


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
