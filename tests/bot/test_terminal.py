"""The terminal chat: answers with sources, follow-ups, commands."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from bot.terminal import BOLD, NORMAL, format_answer, run_chat
from retrieval.engine import Engine
from retrieval.records import Answer, Citation
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


def _vote_answer(quote: str, span: tuple[int, int] | None) -> Answer:
    cited = Citation(
        n=1, article_id="a1", chunk_id="a1:0", title="Marrow wins", source="Harbor Gazette",
        url="", published_at=date(2026, 3, 12), quote=quote, span=span,
    )  # fmt: skip
    text = f"On 2026-03-12, Harbor Gazette reported: “{quote}” [1]"
    return Answer(question="Who won?", text=text, refused=False, citations=[cited])


def test_the_words_that_answer_are_bold_only_for_a_terminal() -> None:
    quote = "Ilse Marrow won the vote\x1b]0;pwned\x07 by a wide margin\x1b[2J."
    answer = _vote_answer(quote, (0, 11))
    bold = format_answer(answer, bold=True)
    assert bold.count(f"{BOLD}Ilse Marrow{NORMAL}") == 2  # in the answer and under its source
    plain = format_answer(answer)
    assert "\x1b" not in plain and "\ue000" not in plain  # a pipe gets no escape at all
    assert "“Ilse Marrow won the vote by a wide margin.”" in plain
    # the article's own sequences never survive, bold or not
    assert "pwned" not in bold and "\x1b[2J" not in bold
    assert bold.replace(BOLD, "").replace(NORMAL, "") == plain


def test_an_article_cannot_place_bold_of_its_own() -> None:
    answer = _vote_answer("Ilse Marrow won \ue000the vote\ue001 \x1b[1mtoday\x1b[22m.", None)
    out = format_answer(answer, bold=True)
    assert "\x1b" not in out and "\ue000" not in out and "\ue001" not in out


def test_chat_prints_bold_answers_when_asked(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    engine.ingest_articles(stories.ALL)
    inputs = script("How much will the Brenholt tram cost?")

    def read(prompt: str) -> str:
        try:
            return next(inputs)
        except StopIteration:
            raise EOFError from None

    run_chat(engine, read=read, bold=True)
    out = capsys.readouterr().out
    assert f"{BOLD}410 million{NORMAL}" in out
