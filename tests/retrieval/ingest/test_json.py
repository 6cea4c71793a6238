"""JSON and JSON Lines articles: ids, field aliases, bad lines and items."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from retrieval.config import Settings
from retrieval.errors import SourceError
from retrieval.records import Article
from tests.retrieval.conftest import ARTICLES
from tests.retrieval.ingest.loading import load, only_article


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


def test_a_json_list_item_that_is_not_an_object(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "list.json"
    path.write_text(json.dumps([{"title": "Ok", "body": "Fine."}, "stray string"]))
    article, error = load(path, settings=settings)
    assert isinstance(article, Article)
    assert str(error) == f"{path}:item 2: is a string, not an article object"
