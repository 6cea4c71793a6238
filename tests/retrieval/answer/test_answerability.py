"""The answerability scorer's features and probabilities, on fictional sentences."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from retrieval.answer import answerability
from retrieval.answer.answerability import FEATURES, features, probabilities
from retrieval.answer.extractive import Candidate, proper_names
from retrieval.ingest.chunking import chunk_article
from retrieval.records import Chunk
from tests.conftest import make_article


def chunk(title: str, body: str) -> Chunk:
    chunks = chunk_article(
        make_article(title, body, source="Harbor Gazette", published_at=date(2031, 5, 2)),
        max_words=500,
    )
    return chunks[0]


FERRY = chunk(
    "Ferry fares rise",
    "The Port Alder ferry company raised fares on Monday. "
    "Director Ilse Varga said 1,800 passengers a day would pay 40 cents more. "
    "The ferry crosses the Alder River every 20 minutes.",
)
TRAM = chunk(
    "Brenholt tram delayed",
    "The Brenholt tram line will open two years late. Engineers blamed soft ground.",
)


def candidate(c: Chunk, text: str, rank: int = 1, overlap: float = 0.5) -> Candidate:
    assert text in c.sentence_texts
    return Candidate(c, text, rank, overlap, coverage=overlap, missing_names=0.0)


def row(matrix: np.ndarray, i: int) -> dict[str, float]:
    return dict(zip(FEATURES, matrix[i].tolist(), strict=True))


QUESTION = "Who runs the Port Alder ferry company?"
SAYS_WHO = "Director Ilse Varga said 1,800 passengers a day would pay 40 cents more."
SAYS_NO_ONE = "The ferry crosses the Alder River every 20 minutes."
OTHER_STORY = "The Brenholt tram line will open two years late."


@pytest.fixture
def matrix() -> np.ndarray:
    candidates = [
        candidate(FERRY, SAYS_WHO),
        candidate(FERRY, SAYS_NO_ONE),
        candidate(TRAM, OTHER_STORY, rank=2, overlap=0.0),
    ]
    cosines = np.array([0.6, 0.5, 0.2])
    return features(QUESTION, candidates, cosines, names=proper_names(QUESTION))


def test_a_name_for_who_is_the_kind_asked_for(matrix: np.ndarray) -> None:
    assert row(matrix, 0)["gives_kind"] == 1.0 and row(matrix, 0)["lacks_kind"] == 0.0
    assert row(matrix, 1)["gives_kind"] == 0.0 and row(matrix, 1)["lacks_kind"] == 1.0


def test_the_questions_own_names_are_not_an_answer() -> None:
    """ "Port Alder" is in the question: a sentence naming only it gives no name."""
    text = "The Port Alder ferry company raised fares on Monday."
    m = features(
        QUESTION,
        [candidate(FERRY, text)],
        np.array([0.7]),
        names=proper_names(QUESTION),
    )
    assert row(m, 0)["gives_kind"] == 0.0


def test_names_and_words_of_the_question_in_the_sentence_and_its_passage(
    matrix: np.ndarray,
) -> None:
    # names: "port", "alder" (the first word is not a name)
    assert row(matrix, 1)["names_in_sentence"] == pytest.approx(0.5)  # "Alder River"
    assert row(matrix, 0)["names_in_sentence"] == 0.0
    # "port alder ferri compani" are in the passage, "run" is not
    assert row(matrix, 0)["passage_coverage"] == pytest.approx(0.8)
    assert row(matrix, 2)["passage_coverage"] == 0.0


def test_lead_over_the_other_articles(matrix: np.ndarray) -> None:
    assert row(matrix, 0)["lead"] == pytest.approx(0.4)  # 0.6 against the tram's 0.2
    assert row(matrix, 2)["lead"] == pytest.approx(-0.4)
    assert row(matrix, 1)["passage_lead"] == pytest.approx(0.4)  # its passage's best
    assert row(matrix, 1)["behind_best"] == pytest.approx(-0.1)
    assert row(matrix, 2)["inverse_rank"] == 0.5


def test_a_question_without_names_counts_its_names_as_found() -> None:
    q = "how many passengers pay more?"
    m = features(
        q,
        [candidate(FERRY, SAYS_WHO)],
        np.array([0.5]),
        names=proper_names(q),
    )
    assert row(m, 0)["names_in_sentence"] == 1.0
    assert row(m, 0)["gives_kind"] == 1.0  # 1,800


def test_one_cosine_per_candidate() -> None:
    with pytest.raises(ValueError, match="2 candidates but 1 cosines"):
        features(
            QUESTION,
            [candidate(FERRY, SAYS_WHO)] * 2,
            np.array([0.5]),
            names=set(),
        )


def test_the_sentence_that_answers_is_more_probable(matrix: np.ndarray) -> None:
    candidates = [candidate(FERRY, SAYS_WHO), candidate(FERRY, SAYS_NO_ONE)]
    p = probabilities(
        QUESTION,
        candidates,
        np.array([0.6, 0.6]),
        names=proper_names(QUESTION),
    )
    assert p.shape == (2,) and np.all((p > 0) & (p < 1))
    assert p[0] > p[1]


def test_probabilities_rise_with_similarity() -> None:
    c = [candidate(FERRY, SAYS_WHO)]
    low, high = (
        probabilities(QUESTION, c, np.array([cos]), names=proper_names(QUESTION))[0]
        for cos in (0.3, 0.7)
    )
    assert high > low


def test_the_shipped_weights_name_every_feature() -> None:
    assert set(answerability.WEIGHTS) == set(FEATURES)
    assert 0 < answerability.THRESHOLD < 1 and 0 < answerability.QUOTE_RATIO <= 1
