"""The terminal chat: answers with sources, follow-ups, commands."""

from __future__ import annotations

from collections.abc import Iterator

from bot.terminal import format_answer, run_chat
from retrieval.engine import Engine
from tests import stories


def script(*lines: str) -> Iterator[str]:
    yield from lines


def chat(engine: Engine, *lines: str) -> str:
    inputs = script(*lines)
    written: list[str] = []

    def read(prompt: str) -> str:
        try:
            return next(inputs)
        except StopIteration:
            raise EOFError from None

    run_chat(engine, read=read, write=written.append)
    return "\n".join(written)


def test_chat_answers_with_sources_and_follows_up(engine: Engine) -> None:
    engine.ingest_articles(stories.ALL)
    transcript = chat(
        engine,
        "What did Brenholt council vote on?",
        "And how much will it cost?",
        "/sources",
        "/quit",
        "never read",
    )
    assert "Sources:" in transcript
    assert "[1] Brenholt Courier — Brenholt council approves northern tram line (2026-02-03)" in (
        transcript
    )
    assert "410 million crowns" in transcript
    assert "Storm Ardent closes northern highways" in transcript  # /sources
    assert "never read" not in transcript


def test_chat_handles_bad_input_and_end_of_input(engine: Engine) -> None:
    transcript = chat(engine, "", "x" * 1200)
    assert "under 1000" in transcript


def test_format_answer_refusal_has_no_sources(engine: Engine) -> None:
    answer = engine.ask("Who won the chess olympiad?")
    assert answer.refused
    assert "Sources" not in format_answer(answer)


def test_quotes_from_one_article_are_listed_under_one_source() -> None:
    from datetime import date

    from retrieval.records import Answer, Citation

    def quote(text: str) -> Citation:
        return Citation(
            n=1, article_id="a1", chunk_id="a1:0", title="Ferry strike ends",
            source="Harbor Gazette", url="https://harborgazette.example/ferry",
            published_at=date(2026, 3, 12), quote=text,
        )  # fmt: skip

    answer = Answer(
        question="q",
        text="It ended. [1]\nThey voted. [1]",
        refused=False,
        citations=[quote("The strike ended on Tuesday."), quote("Crews voted to return.")],
    )
    out = format_answer(answer)
    assert out.count("[1] Harbor Gazette — Ferry strike ends (2026-03-12)") == 1
    assert "“The strike ended on Tuesday.”" in out and "“Crews voted to return.”" in out
