from __future__ import annotations

import pytest

from retrieval.lexical import BM25Index, tokenize


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


def test_rare_matching_term_ranks_first() -> None:
    index = BM25Index(
        ["a", "b", "c"],
        [
            "The council met on Tuesday to discuss the budget.",
            "Ambassador Nebenzia rejected the council's claims.",
            "The budget council approved the budget.",
        ],
    )
    assert [doc for doc, _ in index.best(index.scores("What did Nebenzia say?"), 3)] == ["b"]
    ranked = [doc for doc, _ in index.best(index.scores("budget council"), 3)]
    assert ranked[0] == "c"
    assert set(ranked) == {"a", "b", "c"}


def test_documents_after_the_day_are_excluded() -> None:
    index = BM25Index(["old", "new", "undated"], ["flood warning"] * 3, [100, 200, -1])
    scores = index.scores("flood", max_day_ord=150)
    assert {doc for doc, _ in index.best(scores, 3)} == {"old", "undated"}


def test_no_match_gives_nothing() -> None:
    index = BM25Index(["a"], ["harbour strike"])
    assert index.best(index.scores("tram vote"), 5) == []
