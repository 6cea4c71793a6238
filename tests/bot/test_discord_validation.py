"""What people type: questions, dates, URLs to ingest, and how often they may ask."""

from __future__ import annotations

from datetime import date

import pytest

from bot.cooldown import Cooldowns, QuestionCooldown
from bot.validation import clean_ingest_url, clean_question, parse_as_of
from retrieval.errors import InvalidQuestion, SourceError


def test_a_question_is_trimmed() -> None:
    assert clean_question("  who ended the strike?\n") == "who ended the strike?"


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_an_empty_question_asks_for_one(text: str) -> None:
    with pytest.raises(InvalidQuestion, match="Please include a question"):
        clean_question(text)


def test_a_question_of_1000_characters_is_fine_but_not_1001() -> None:
    assert len(clean_question("a" * 1000)) == 1000
    with pytest.raises(InvalidQuestion, match="1,001 characters long; please keep it under 1,000"):
        clean_question("a" * 1001)


def test_as_of_dates() -> None:
    assert parse_as_of(None) is None
    assert parse_as_of(" ") is None
    assert parse_as_of("2026-03-12") == date(2026, 3, 12)
    with pytest.raises(InvalidQuestion, match="'12/03/2026' is not a date.*YYYY-MM-DD"):
        parse_as_of("12/03/2026")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://harborgazette.example/feed.xml", "https://harborgazette.example/feed.xml"),
        ("  <https://harborgazette.example/a>  ", "https://harborgazette.example/a"),
        ("http://93.184.216.34/news", "http://93.184.216.34/news"),
    ],
)
def test_web_addresses_are_accepted(text: str, expected: str) -> None:
    assert clean_ingest_url(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "give the address"),
        ("/etc/passwd", "only web addresses"),
        ("file:///etc/passwd", "only web addresses"),
        ("ftp://example.org/feed", "only web addresses"),
        ("https://", "only web addresses"),
        ("http://localhost:8000/admin", "local network"),
        ("http://printer.local/", "local network"),
        ("http://127.0.0.1/", "private or local"),
        ("http://10.1.2.3/feed", "private or local"),
        ("http://169.254.169.254/latest/meta-data", "private or local"),
        ("http://[::1]/", "private or local"),
        ("https://user:secret@example.org/feed", "user name or password"),
        ("https://example.org/" + "a" * 2100, "longer than 2048"),
    ],
)
def test_other_addresses_are_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(SourceError, match=reason):
        clean_ingest_url(text)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_cooldown_allows_a_few_questions_then_says_when_to_retry() -> None:
    clock = Clock()
    cooldowns = Cooldowns(rate=2, per=30, clock=clock)
    cooldowns.hit(1)
    clock.now += 10
    cooldowns.hit(1)
    cooldowns.hit(2)  # another user is not affected

    clock.now += 5
    with pytest.raises(QuestionCooldown, match="try again in 15 s") as caught:
        cooldowns.hit(1)
    assert caught.value.retry_after == pytest.approx(15)

    clock.now += 15  # the first question left the window
    cooldowns.hit(1)


def test_cooldown_rounds_up_and_never_says_zero_seconds() -> None:
    clock = Clock()
    cooldowns = Cooldowns(rate=1, per=10, clock=clock)
    cooldowns.hit(1)
    clock.now += 9.95
    with pytest.raises(QuestionCooldown, match="try again in 1 s"):
        cooldowns.hit(1)
