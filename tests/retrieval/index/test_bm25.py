from __future__ import annotations

import numpy as np
import pytest

from retrieval.index.bm25 import BM25Index, top_rows
from retrieval.text.words import tokenize


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("The troops were deployed", ["troop", "deploy"]),
        ("Korea’s ministries", ["korea", "ministri"]),
        ("Who denied it?", ["deni"]),
        ("Moscow rejected the claims", ["moscow", "deni", "claim"]),
        ("1,500 special forces", ["1", "500", "special", "forc"]),
    ],
)
def test_tokenize_folds_case_plurals_and_stopwords(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens


def ranked(index: BM25Index, query: str) -> list[int]:
    return top_rows(index.scores(query), len(index)).tolist()


def test_rare_matching_term_ranks_first() -> None:
    index = BM25Index(
        [
            "The council met on Tuesday to discuss the budget.",
            "Ambassador Nebenzia rejected the council's claims.",
            "The budget council approved the budget.",
        ]
    )
    assert ranked(index, "What did Nebenzia say?") == [1]
    assert ranked(index, "budget council")[0] == 2
    assert set(ranked(index, "budget council")) == {0, 1, 2}


def test_no_match_gives_nothing() -> None:
    index = BM25Index(["harbour strike"])
    assert ranked(index, "tram vote") == []


def test_adding_in_batches_scores_like_building_at_once() -> None:
    texts = [
        "Harbour cranes stood idle during the strike.",
        "The strike at the harbour entered a second week.",
        "Tram drivers voted to accept the pay offer.",
        "A second tram line opens in spring.",
    ]
    grown = BM25Index(texts[:1])
    grown.add(texts[1:3])
    grown.add(texts[3:])
    for query in ("harbour strike", "second tram", "pay offer"):
        assert grown.scores(query) == pytest.approx(BM25Index(texts).scores(query))


def test_removed_documents_neither_score_nor_count() -> None:
    texts = ["flood warning for the valley", "flood barriers raised", "a quiet market day"]
    index = BM25Index(texts)
    index.remove([0])
    scores = index.scores("flood valley")
    assert scores[0] == 0
    # Document frequencies and lengths are those of the two documents left.
    assert scores[1:] == pytest.approx(BM25Index(texts[1:]).scores("flood valley"))
    assert index.alive == 2


def test_top_rows_keeps_positive_scores_best_first() -> None:
    scores = np.array([0.0, 2.5, -1.0, 4.0, 1.0], dtype=np.float32)
    assert top_rows(scores, 3).tolist() == [3, 1, 4]
    assert top_rows(scores, 10).tolist() == [3, 1, 4]
    assert top_rows(scores, 0).tolist() == []
