"""The engine owns its limits (question length, conversation history) and reports progress
through a callback the fronts pass."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pytest

from retrieval import HISTORY_TURNS, MAX_QUESTION_CHARS, Progress
from retrieval.answer.extractive import ExtractiveAnswerer
from retrieval.config import Settings
from retrieval.embed.embedder import Embedder
from retrieval.engine import Engine
from retrieval.errors import InvalidQuestion
from retrieval.records import Answer, Passage, Turn
from tests import stories


class RecordingAnswerer(ExtractiveAnswerer):
    """The real extractive answerer, noting the history the engine hands it."""

    def __init__(self, embedder: Embedder) -> None:
        super().__init__(embedder)
        self.histories: list[tuple[Turn, ...]] = []

    def answer(
        self,
        question: str,
        passages: Sequence[Passage],
        *,
        as_of: date | None = None,
        history: Sequence[Turn] = (),
    ) -> Answer:
        self.histories.append(tuple(history))
        return super().answer(question, passages, as_of=as_of, history=history)


def test_the_public_limits_are_the_engines(engine: Engine) -> None:
    assert engine.max_question_chars == MAX_QUESTION_CHARS
    assert engine.history_turns == HISTORY_TURNS
    with pytest.raises(InvalidQuestion, match=f"under {MAX_QUESTION_CHARS}"):
        engine.ask("why " * (MAX_QUESTION_CHARS // 4 + 1))


def test_a_long_conversation_is_cut_to_the_last_turns(
    settings: Settings, embedder: Embedder
) -> None:
    answerer = RecordingAnswerer(embedder)
    engine = Engine(settings, embedder=embedder, answerer=answerer)
    engine.ingest_articles(stories.ALL)
    history = [Turn(f"question {i}?", f"answer {i}.") for i in range(HISTORY_TURNS + 3)]

    engine.ask("Who leads the dockers' union?", history=history)

    assert answerer.histories == [tuple(history[-HISTORY_TURNS:])]


def test_ingest_reports_each_article_read(engine: Engine) -> None:
    calls: list[tuple[str, int, int | None]] = []

    def progress(stage: str, done: int, total: int | None) -> None:
        calls.append((stage, done, total))

    reporter: Progress = progress
    engine.ingest_articles(stories.ALL, progress=reporter)
    again = engine.ingest_articles(stories.ALL, progress=reporter)  # skipped ones count too

    assert again.skipped == len(stories.ALL)
    numbers = list(range(1, len(stories.ALL) + 1))
    assert calls == [("ingest", n, None) for n in numbers + numbers]


def test_ingest_without_a_callback_draws_nothing(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    engine.ingest_articles(stories.ALL)
    assert capsys.readouterr() == ("", "")
