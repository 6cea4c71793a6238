"""What the default answerer quotes, and when it refuses, over fictional stories."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.config import Settings
from retrieval.embeddings import Embedder
from retrieval.engine import Engine
from retrieval.extractive import proper_names
from tests import stories

SAMPLES = Path(__file__).resolve().parents[2] / "bot" / "samples"


# Refusal is calibrated on these (bench/refusal_threshold.py): what the articles answer,
# with the words the quote must hold, and what they don't.
ANSWERABLE = [
    ("Who denied the plan to sell the container terminal?", "Velmora Port Authority denied"),
    ("How much will the Brenholt tram line cost?", "410 million crowns"),
    ("When will the first trams run?", "would run in 2029"),
    ("Who leads the dockers' union?", "led by Ilse Marrow"),
    ("How many homes lost power in the storm?", "22,000 homes lost power"),
    ("Which highways were closed?", "A4 and A9 highways"),
    ("Who argued buses would be cheaper?", "Mira Okonjo"),
    ("Who brokered the deal?", "Helena Vos"),
    ("who agreed to end the strike?", "dockworkers voted to accept"),
    ("How much is the relief fund?", "2 million crown relief fund"),
]
UNANSWERABLE = [
    "What is the capital of Peru?",
    "Who won the basketball final?",
    "How do I bake bread?",
    "How many people died in the storm?",
    "What is the price of bitcoin?",
    "Who is the president of France?",
    "When will the tram line open a second route?",
    "Did Japan send troops to the port?",
    "What is the weather tomorrow?",
]


@pytest.fixture(scope="module")
def newsroom(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    settings = Settings(_env_file=None, data_dir=tmp_path_factory.mktemp("newsroom"))  # type: ignore[call-arg]
    engine = Engine(settings, embedder=embedder)
    engine.ingest_articles(stories.ALL)
    engine.ingest([str(SAMPLES)])
    return engine


@pytest.mark.parametrize(("question", "quoted"), ANSWERABLE)
def test_answers_quote_the_sentence_that_answers(
    newsroom: Engine, question: str, quoted: str
) -> None:
    answer = newsroom.ask(question)
    assert not answer.refused, question
    assert quoted in answer.citations[0].quote
    assert f"“{answer.citations[0].quote}” [1]" in answer.text


@pytest.mark.parametrize("question", UNANSWERABLE)
def test_questions_the_articles_do_not_answer_are_refused(newsroom: Engine, question: str) -> None:
    answer = newsroom.ask(question)
    assert answer.refused, (question, answer.text)
    assert answer.citations == []


def test_a_fact_repeated_by_two_outlets_is_cited_once(newsroom: Engine) -> None:
    answer = newsroom.ask("Who denied the plan to sell the container terminal?")
    quotes = [c.quote for c in answer.citations]
    assert sum("denied reports" in q for q in quotes) == 1


def test_newest_reports_come_first(newsroom: Engine) -> None:
    answer = newsroom.ask("How big is the pay rise?")
    days = [c.published_at for c in answer.citations]
    assert len(days) >= 2
    assert days == sorted(days, reverse=True)
    assert answer.text.startswith(f"On {days[0].isoformat()}")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("Did Japan send troops to Ukraine?", {"japan", "ukraine"}),
        ("What did Kim Yo Jong say? Did Seoul reply?", {"kim", "yo", "jong", "seoul"}),
        ("who denied the troop deployment?", set()),
        ("What did the dockers' union ask for?", set()),
    ],
)
def test_proper_names(question: str, names: set[str]) -> None:
    assert proper_names(question) == names


@pytest.mark.parametrize(
    ("first", "follow_up", "quoted"),
    [
        ("How big is the pay rise?", "and who brokered it?", "Helena Vos"),
        ("What did Brenholt council vote on?", "And how much will it cost?", "410 million"),
        ("Which highways did Storm Ardent close?", "and how many homes lost power?", "22,000"),
    ],
)
def test_follow_ups_are_understood_from_the_previous_question(
    newsroom: Engine, first: str, follow_up: str, quoted: str
) -> None:
    from retrieval.records import Turn

    previous = newsroom.ask(first)
    answer = newsroom.ask(follow_up, history=[Turn(previous.question, previous.text)])
    assert not answer.refused
    assert quoted in answer.citations[0].quote
    assert newsroom.ask(follow_up).search_query == follow_up  # alone, it stays as asked
