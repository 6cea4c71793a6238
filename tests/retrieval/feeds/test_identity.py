from __future__ import annotations

import pytest

from retrieval.feeds import clean_link, format_every, link_key, parse_every


@pytest.mark.parametrize(
    "variant",
    [
        "https://harbor.example/2026/ferry",
        "http://harbor.example/2026/ferry/",
        "https://www.harbor.example/2026/ferry?utm_source=rss&utm_medium=feed",
        "https://harbor.example/2026/ferry#comments",
        "https://HARBOR.example/2026/ferry?fbclid=abc&gclid=xyz",
    ],
)
def test_a_link_with_tracking_is_the_same_link(variant: str) -> None:
    assert link_key(variant) == link_key("https://harbor.example/2026/ferry")


def test_real_parameters_keep_links_apart() -> None:
    assert link_key("https://harbor.example/story?id=1") != link_key(
        "https://harbor.example/story?id=2"
    )
    assert clean_link("https://harbor.example/s?id=1&utm_source=x#top") == (
        "https://harbor.example/s?id=1"
    )


@pytest.mark.parametrize(
    ("text", "seconds"), [("30s", 30), ("15m", 900), ("2h", 7200), ("1d", 86400), ("45", 45)]
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_every(text) == seconds
    assert parse_every(format_every(seconds)) == seconds


@pytest.mark.parametrize("text", ["", "soon", "0m", "-5m", "15 minutes"])
def test_bad_durations_say_what_is_expected(text: str) -> None:
    with pytest.raises(ValueError, match="30s, 15m or 2h"):
        parse_every(text)
