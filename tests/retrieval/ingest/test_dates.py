"""Publication dates: the forms understood, and what happens to the others."""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

import pytest

from retrieval.config import Settings
from retrieval.ingest.loaders.fields import parse_date
from tests.retrieval.ingest.loading import load, only_article


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
