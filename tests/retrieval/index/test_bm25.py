from __future__ import annotations

import numpy as np
import pytest

from retrieval.index import bm25_query
from retrieval.index.bm25 import BM25Index, top_rows
from retrieval.index.bm25_query import BM25Query, Term
from retrieval.text.words import tokenize


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("The troops were deployed", ["troop", "deploy"]),
        ("Korea’s ministries", ["korea", "ministri"]),
        ("Who denied it?", ["deni"]),
        ("Moscow rejected the claims", ["moscow", "deni", "claim"]),
        ("1,500 special forces", ["1", "500", "special", "forc"]),
        ("Who leads the union?", ["lead", "union"]),
        (
            "The union, led by Ilse Marrow, sold its shares",
            ["union", "lead", "ils", "marrow", "sell", "share"],
        ),
        ("Written, wrote, writes", ["write", "write", "write"]),
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


def random_index(seed: int) -> tuple[BM25Index, list[str]]:
    """A random corpus over a small Zipf-like vocabulary (so some terms are in almost
    every document and copies tie), part of it frozen as a snapshot is, part pending,
    some documents retired; and queries over the same words."""
    rng = np.random.default_rng(seed)
    words = [f"w{n}" for n in range(60)]
    odds = 1.0 / np.arange(1, len(words) + 1) ** 1.1
    odds /= odds.sum()

    def texts(count: int) -> list[str]:
        made = [" ".join(rng.choice(words, size=rng.integers(1, 30), p=odds)) for _ in range(count)]
        return made + made[: count // 5]  # copies: equal scores, ties broken by row

    frozen = BM25Index(texts(int(rng.integers(50, 400))))
    index = BM25Index.from_arrays(*frozen.frozen())
    for _ in range(int(rng.integers(0, 4))):
        index.add(texts(int(rng.integers(1, 80))))
    index.remove(
        rng.choice(len(index), size=int(rng.integers(0, len(index) // 3)), replace=False).tolist()
    )
    queries = [" ".join(rng.choice(words, size=rng.integers(1, 9), p=odds)) for _ in range(30)]
    return index, queries + ["w0 w1 w2", "w59", "nothing matches"]


def reference_top(index: BM25Index, query: str, k: int, allowed: np.ndarray) -> list[int]:
    """Scoring every document, then the k best allowed ones (ties: lower row first)."""
    scores = np.where(allowed, index.scores(query), 0.0)
    order = np.lexsort((np.arange(len(scores)), -scores))
    return [int(row) for row in order[:k] if scores[row] > 0]


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize(
    ("probes", "lookup_cost", "dense_scan"),
    [
        (bm25_query.PROBES, bm25_query.LOOKUP_COST, bm25_query.DENSE_SCAN),
        (1, 10**9, 0),  # a weak first bar; every other term looked up; candidates gathered
        (10**9, 0, 10**9),  # every candidate probed; other terms scattered; a dense scan
    ],
)
def test_top_is_the_top_of_scoring_everything(
    seed: int, probes: int, lookup_cost: int, dense_scan: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bm25_query, "PROBES", probes)
    monkeypatch.setattr(bm25_query, "LOOKUP_COST", lookup_cost)
    monkeypatch.setattr(bm25_query, "DENSE_SCAN", dense_scan)
    index, queries = random_index(seed)
    rng = np.random.default_rng(seed + 100)
    days = rng.integers(0, 10, size=len(index))
    for query in queries:
        terms = index.query(query)
        everything = index.scores(query)
        for k, max_day in ((1, None), (5, None), (20, 4), (20, None), (500, 7)):
            allowed = index.live & (days <= max_day if max_day is not None else True)
            rows, scores = terms.top(
                k, None if max_day is None else lambda r, d=max_day: days[r] <= d
            )
            assert rows.tolist() == reference_top(index, query, k, allowed), (query, k, max_day)
            assert scores.tolist() == everything[rows].tolist()  # bit for bit: summed alike
        rows = np.sort(rng.choice(len(index), size=min(40, len(index)), replace=False))
        assert terms.scores_of(rows).tolist() == everything[rows].tolist()


def test_top_skips_the_postings_of_words_in_every_document(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # "million" is in every document and scores almost nothing: it is only looked up for
    # the few documents that can still make the top 2, never scored over all of them.
    texts = [f"harbour million story {n}" for n in range(2000)] + ["tram million vote"] * 3
    index = BM25Index(texts)
    scored: list[int] = []
    contribution = BM25Query._contribution

    def counted(self: BM25Query, term: Term, docs: np.ndarray, tfs: np.ndarray) -> np.ndarray:
        scored.append(len(docs))
        return contribution(self, term, docs, tfs)

    monkeypatch.setattr(BM25Query, "_contribution", counted)
    rows, _ = index.query("tram million").top(2)
    assert rows.tolist() == [2000, 2001]
    assert sum(scored) < 100


def test_top_looks_each_word_up_once_for_the_documents_in_the_race(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # "vote" is in few documents, "harbour" and "million" in most. "vote" is scored over
    # its postings and its documents probed for the bar (one lookup of each word); then
    # the race is down to them, and each other word is looked up for them once: what was
    # found is reused for their full scores, not looked up again.
    texts = [f"harbour million story {n}" for n in range(3000)]
    texts += [f"tram million vote {n}" for n in range(30)] + ["harbour tram vote"] * 3
    index = BM25Index(texts)
    looked_up: list[int] = []
    lookup = BM25Query._lookup

    def counted(self: BM25Query, term: Term, rows: np.ndarray) -> np.ndarray:
        looked_up.append(term.postings)
        return lookup(self, term, rows)

    monkeypatch.setattr(BM25Query, "_lookup", counted)
    terms = index.query("harbour million vote")
    rows, scores = terms.top(5)
    assert rows.tolist() == [3030, 3031, 3032, 3000, 3001]
    assert scores.tolist() == index.scores("harbour million vote")[rows].tolist()
    postings = sorted(t.postings for t in terms.terms)
    assert sorted(looked_up[:3]) == sorted(looked_up[3:]) == postings
