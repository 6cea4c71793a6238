"""Multi-part questions: each part answered from its own sentence, the rest named."""

from __future__ import annotations

from datetime import date

import pytest

from retrieval.answer import parts as parts_module
from retrieval.answer.extractive import ExtractiveAnswerer, ExtractiveConfig
from retrieval.answer.kinds import Kind
from retrieval.answer.parts import Part, asked_parts, missing_text, plan_parts
from retrieval.config import Settings
from retrieval.embed.embedder import Embedder
from retrieval.engine import Engine
from tests import stories
from tests.conftest import make_article

N, NUM, D = Kind.NAME, Kind.NUMBER, Kind.DATE

FERRY_SALE = make_article(
    "Ostra Lines buys the Lisk ferry route",
    """Ostra Lines bought the Lisk ferry route from the harbour board on May 4.

The harbour board said the route had lost money for six years in a row.

Ferries will keep their timetable through the summer, Ostra Lines said.""",
    source="Lisk Harbour News",
    published_at=date(2026, 5, 5),
    url="https://liskharbour.example/ostra-buys-ferry",
)
MAYOR_RACE = make_article(
    "Dunmore elects its first woman mayor",
    """Annika Solberg won the Dunmore mayoral race on Sunday, the first woman to hold the post.

She beat the sitting mayor, Piet Havel, by 1,204 votes after a second count.

Turnout was the highest the town has seen since the tram strike.""",
    source="Dunmore Evening Star",
    published_at=date(2026, 4, 13),
    url="https://dunmorestar.example/solberg-wins",
)


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        ("Who won the Dunmore race and by how many votes?",
         [Part(N, "who", "Who won the Dunmore race"),
          Part(NUM, "how many votes", "how many votes")]),
        ("Who bought the ferry route, when, and how much did it cost?",
         [Part(N, "who", "Who bought the ferry route"), Part(D, "when", "when"),
          Part(NUM, "how much", "how much did it cost")]),
        ("How many homes lost power and who restored it?",
         [Part(NUM, "how many homes", "How many homes lost power"),
          Part(N, "who", "who restored it")]),
        ("Who won the race?", [Part(N, "who", "Who won the race")]),
        ("Why did the ferries stop?", []),
    ],
)  # fmt: skip
def test_a_question_splits_into_its_parts(question: str, parts: list[Part]) -> None:
    assert asked_parts(question) == parts


def test_each_part_gets_the_sentence_whose_value_sits_by_its_words() -> None:
    question = "How much will the tram cost and when will it open?"
    vote = "The council voted 31 to 12 on Tuesday to build the tram."
    cost = "The tram will cost 410 million crowns."
    opening = "It will open in 2029."
    plan = plan_parts(asked_parts(question), [[vote, cost], [opening, vote]], question=question)
    assert plan.picks == [(cost, [NUM]), (opening, [D])]
    assert plan.missing == []


def test_one_sentence_answers_two_parts_once_and_the_third_is_missing() -> None:
    question = "Who bought the route, when, and how much did it cost?"
    sale = "Ostra Lines bought the route on May 4."
    plan = plan_parts(asked_parts(question), [[sale], [sale], [sale]], question=question)
    assert plan.picks == [(sale, [N, D])]
    assert missing_text(plan.missing) == "The articles don't say how much."


def test_no_more_than_the_quote_limit() -> None:
    question = "Who won, where, when and by how many votes?"
    sentences = [["Ilse Marrow won."], ["It was in Brenholt."], ["On May 4."], ["By 1,204 votes."]]
    plan = plan_parts(asked_parts(question), sentences, question=question, max_quotes=3)
    assert len(plan.picks) == 3
    assert missing_text(plan.missing) == "The articles don't say how many votes."


@pytest.mark.parametrize(
    ("missing", "text"),
    [
        ([Part(N, "who", "who restored it")], "The articles don't say who restored it."),
        ([Part(NUM, "how much", "how much did it cost"), Part(D, "when", "when")],
         "The articles don't say how much or when."),
    ],
)  # fmt: skip
def test_what_the_articles_dont_say(missing: list[Part], text: str) -> None:
    assert missing_text(missing) == text


@pytest.fixture
def store(engine: Engine) -> Engine:
    engine.ingest_articles([*stories.ALL, FERRY_SALE, MAYOR_RACE])
    return engine


def test_each_part_is_answered_and_cited(store: Engine) -> None:
    answer = store.ask("Who won the Dunmore mayoral race and by how many votes?")
    assert not answer.refused and "don't say" not in answer.text
    assert [c.answering for c in answer.citations] == ["Annika Solberg", "1,204"]
    assert answer.text.count("[1]") == 2 and len(answer.citations) == 2  # one article


def test_the_part_the_articles_dont_cover_is_named(store: Engine) -> None:
    answer = store.ask("Who bought the Lisk ferry route, when, and how much did it cost?")
    assert not answer.refused
    assert len(answer.citations) == 1 and answer.citations[0].source == "Lisk Harbour News"
    assert "Ostra Lines bought the Lisk ferry route from the harbour board on May 4." in answer.text
    assert answer.text.endswith("The articles don't say how much.")


def test_a_multi_part_question_the_articles_dont_answer_is_refused(store: Engine) -> None:
    answer = store.ask("Who won the chess olympiad and when?")
    assert answer.refused


@pytest.mark.parametrize(
    "question",
    [
        "How much will the Brenholt tram line cost?",
        "Who leads the dockers' union?",
        "When will the first trams run?",
        "Who won the Dunmore mayoral race?",
        "What is the capital of Peru?",
    ],
)
def test_a_single_part_question_is_answered_as_before(
    store: Engine, question: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_hook = store.ask(question)
    monkeypatch.setattr(parts_module, "asked_parts", lambda q: [])  # the hook never fires
    monkeypatch.setattr("retrieval.answer.extractive.asked_parts", lambda q: [])
    assert store.ask(question).to_json()["answer"] == with_hook.text
    assert "don't say" not in with_hook.text


@pytest.fixture
def learned_store(settings: Settings, embedder: Embedder) -> Engine:
    """The same articles, answered with the learned answerability scorer."""
    answerer = ExtractiveAnswerer(embedder, ExtractiveConfig(refusal="learned"))
    engine = Engine(settings, embedder=embedder, answerer=answerer)
    engine.ingest_articles([*stories.ALL, FERRY_SALE, MAYOR_RACE])
    return engine


def test_the_learned_scorer_answers_each_part_by_its_own_threshold(
    learned_store: Engine,
) -> None:
    """The sale's sentence answers "when" with a probability under the hand-set rule's
    `min_score`, which is not a probability; the tram's cost is not the route's."""
    answer = learned_store.ask("Who bought the Lisk ferry route, when, and how much did it cost?")
    assert not answer.refused
    assert "Ostra Lines bought the Lisk ferry route from the harbour board on May 4." in answer.text
    assert answer.text.endswith("The articles don't say how much.")
    assert learned_store.ask("Who won the chess olympiad and when?").refused
