"""Both fronts show a disagreement readably: the "Sources disagree:" line, each side cited."""

from __future__ import annotations

from datetime import date

from bot import formatting, terminal
from retrieval.records import Answer
from tests.bot.conftest import citation

QUOTES = (
    "About 25 ferries were left idle at the Brisk quays.",
    "About 40 ferries were left idle at the Brisk quays.",
)


def rival_answer() -> Answer:
    return Answer(
        question="How many ferries were left idle?",
        text="Sources disagree:\n"
        f"On 2026-04-08, Lowland Wire reported: “{QUOTES[0]}” [1]\n"
        f"On 2026-04-07, Brisk Herald reported: “{QUOTES[1]}” [2]",
        refused=False,
        citations=[
            citation(1, source="Lowland Wire", quote=QUOTES[0], published_at=date(2026, 4, 8)),
            citation(2, source="Brisk Herald", quote=QUOTES[1], published_at=date(2026, 4, 7)),
        ],
        disagreement=True,
    )


def test_discord_shows_the_disagreement_and_both_sides() -> None:
    replies = formatting.format_answer(rival_answer())
    content = "\n".join(r.content or "" for r in replies)
    assert content.startswith("Sources disagree:")
    assert "Lowland Wire" in content and "Brisk Herald" in content
    assert "[1]" in content and "[2]" in content


def test_the_terminal_shows_the_disagreement_and_both_sides() -> None:
    shown = terminal.format_answer(rival_answer())
    assert shown.startswith("Sources disagree:")
    assert "25 ferries" in shown and "40 ferries" in shown
    assert rival_answer().to_json()["disagreement"] is True
