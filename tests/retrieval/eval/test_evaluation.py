"""The evaluation metrics on hand-made rankings, the data loaders' errors, the report."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from retrieval.errors import EvalDataError
from retrieval.eval.data import load_corpus, load_qrels
from retrieval.eval.metrics import (
    answer_quoted,
    dedupe,
    gold_rank,
    hits_at_k,
    mrr_at_k,
    p50,
    p95,
    percentile,
)
from retrieval.eval.report import EvalReport, IngestStats, QuestionResult

# Three questions: gold at rank 1, gold at rank 3 (after a repeated article), gold absent.
RANKINGS = [["a", "b", "c"], ["x", "x", "y", "g", "z"], ["p", "q"]]
GOLD = ["a", "g", "missing"]


def test_dedupe_keeps_each_id_at_its_best_rank() -> None:
    assert dedupe(["x", "x", "y", "x", "z", "y"]) == ["x", "y", "z"]


@pytest.mark.parametrize(
    ("ranking", "gold", "rank"),
    [(["a", "b"], "a", 1), (["x", "x", "y", "g"], "g", 3), (["p"], "g", None), ([], "g", None)],
)
def test_gold_rank_counts_distinct_ids(ranking: list[str], gold: str, rank: int | None) -> None:
    assert gold_rank(ranking, gold) == rank


@pytest.mark.parametrize(("k", "expected"), [(1, 1 / 3), (2, 1 / 3), (3, 2 / 3), (10, 2 / 3)])
def test_hits_at_k(k: int, expected: float) -> None:
    assert hits_at_k(RANKINGS, GOLD, k) == pytest.approx(expected)


@pytest.mark.parametrize(("k", "expected"), [(1, 1 / 3), (2, 1 / 3), (3, (1 + 1 / 3) / 3)])
def test_mrr_at_k_counts_zero_beyond_k(k: int, expected: float) -> None:
    assert mrr_at_k(RANKINGS, GOLD, k) == pytest.approx(expected)


def test_metrics_refuse_mismatched_or_empty_input() -> None:
    with pytest.raises(ValueError, match="2 rankings but 1 gold"):
        hits_at_k([["a"], ["b"]], ["a"], 1)
    with pytest.raises(ValueError, match="no questions"):
        mrr_at_k([], [], 10)


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([5.0], 95, 5.0),
        ([1.0, 2.0, 3.0, 4.0], 50, 2.5),
        ([4.0, 1.0, 3.0, 2.0], 50, 2.5),  # order does not matter
        ([1.0, 2.0, 3.0, 4.0, 5.0], 0, 1.0),
        ([1.0, 2.0, 3.0, 4.0, 5.0], 100, 5.0),
        ([float(v) for v in range(1, 21)], 95, 19.05),  # between the 19th and 20th values
    ],
)
def test_percentile_interpolates_like_numpy(values: list[float], q: float, expected: float) -> None:
    assert percentile(values, q) == pytest.approx(expected)


def test_p50_and_p95() -> None:
    latencies = [10.0] * 90 + [100.0] * 10
    assert p50(latencies) == 10.0
    assert p95(latencies) == 100.0
    with pytest.raises(ValueError):
        p50([])


# -- data files ----------------------------------------------------------------------------


def _write_lines(path: Path, records: list[object]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


PASSAGE = {"id": "p1", "title": "", "body": "The ferry resumed.", "source": "Gazette",
           "url": "", "published_at": "2026-03-12"}  # fmt: skip
QUESTION = {"uid": "q1", "question": "Did the ferry resume?", "question_date": "2026-03-14",
            "answer": "yes", "passage_id": "p1"}  # fmt: skip


def test_loaders_read_the_documented_format(tmp_path: Path) -> None:
    corpus = load_corpus(_write_lines(tmp_path / "c.jsonl", [PASSAGE]))
    assert corpus[0].id == "p1" and corpus[0].published_at == date(2026, 3, 12)
    qrels = _write_lines(tmp_path / "q.jsonl", [QUESTION])
    (question,) = load_qrels(qrels, as_of_field="question_date", corpus_ids={"p1"})
    assert (question.uid, question.gold, question.as_of) == ("q1", "p1", date(2026, 3, 14))
    assert load_qrels(qrels)[0].as_of is None


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ([{**PASSAGE, "body": ""}], r"c.jsonl line 1: the field 'body' is missing or empty"),
        ([PASSAGE, PASSAGE], r"line 2: the id 'p1' is already used on line 1"),
        ([{**PASSAGE, "published_at": "March"}], r"published_at is 'March', not a date"),
        (["just text"], r"line 1 should be a JSON object"),
        ([], r"holds no passages"),
    ],
)
def test_a_bad_corpus_names_the_line_and_the_problem(
    tmp_path: Path, records: list[object], message: str
) -> None:
    with pytest.raises(EvalDataError, match=message):
        load_corpus(_write_lines(tmp_path / "c.jsonl", records))


def test_a_bad_qrels_file_names_the_problem(tmp_path: Path) -> None:
    qrels = tmp_path / "q.jsonl"
    qrels.write_text(json.dumps(QUESTION) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(EvalDataError, match="q.jsonl line 2 is not valid JSON"):
        load_qrels(qrels)
    _write_lines(qrels, [{k: v for k, v in QUESTION.items() if k != "question_date"}])
    with pytest.raises(EvalDataError, match="'question_date' is missing"):
        load_qrels(qrels, as_of_field="question_date")
    _write_lines(qrels, [{**QUESTION, "passage_id": "p404"}])
    with pytest.raises(EvalDataError, match="1 passage_id.*not in the corpus: p404"):
        load_qrels(qrels, corpus_ids={"p1"})
    with pytest.raises(EvalDataError, match="does not exist"):
        load_qrels(tmp_path / "nope.jsonl")


# -- the report ----------------------------------------------------------------------------


def _report() -> EvalReport:
    results = [
        QuestionResult("q1", "a", ["a", "b"], refused=False, latency_ms=10.0, quoted_answer=True),
        QuestionResult("q2", "g", ["x", "g"], refused=False, latency_ms=20.0, quoted_answer=False),
        QuestionResult("q3", "m", [], refused=True, latency_ms=30.0, quoted_answer=False),
        QuestionResult("q4", "m", [], refused=False, latency_ms=40.0, error="too long"),
    ]
    ingest = IngestStats(
        passages=100, chunks=120, seconds=10.0,
        stage_seconds={"parse": 1.0, "chunk": 0.5, "embed": 7.5, "store": 1.0},
    )  # fmt: skip
    return EvalReport(
        system="newsbot", backend="onnx-int8", model="all-MiniLM-L6-v2", corpus="c.jsonl",
        qrels="q.jsonl", ingest=ingest, results=results, peak_memory_mb=812.4,
    )  # fmt: skip


def test_report_json_has_the_numbers() -> None:
    data = _report().to_json()
    assert (data["hits_at_1"], data["hits_at_5"], data["mrr_at_10"]) == (0.25, 0.5, 0.375)
    assert data["refusal_rate"] == 0.25
    assert data["answer_quoted"] == 0.3333  # of the 3 questions with a gold answer
    assert data["answer_quoted_when_answered"] == 0.5  # q1 and q2 were answered
    assert data["latency_ms"] == {"p50": 25.0, "p95": 38.5}
    assert data["ingest"]["passages_per_s"] == 10.0
    assert data["ingest"]["chunks_per_s"] == 12.0
    assert data["question_errors"] == 1
    assert "results" not in data
    assert _report().to_json(per_question=True)["results"][1]["rank"] == 2


def test_report_table_shows_what_a_user_compares() -> None:
    table = _report().to_table()
    assert "onnx-int8 backend" in table
    assert "Hits@5" in table and "0.500" in table
    assert "Refusal rate          25.0%" in table
    assert "of all questions      33.3%" in table
    assert "of those answered     50.0%" in table
    assert "p95                   38.5 ms" in table
    assert "embed                    7.5 s  75.0%" in table
    assert "812 MB" in table
    assert "questions rejected    1" in table


def test_a_system_that_never_refuses_has_no_refusal_rate() -> None:
    report = _report()
    for result in report.results:
        result.refused = None
    assert report.refusal_rate is None
    assert "Refusal rate          n/a" in report.to_table()


@pytest.mark.parametrize(
    ("answer", "quotes", "found"),
    [
        ("nine days", ["The strike ended after nine days, the union said."], True),
        ("Nine Days", ["It lasted nine days."], True),  # case and punctuation don't matter
        ("Uber and Postmates", ["Uber, and Postmates sued."], True),
        ("nine days", ["It lasted ninety days."], False),  # whole words only
        ("Tame Impala and Tool", ["Tool and Tame Impala headline."], False),  # in order
        ("nine days", [], False),
        ("", ["anything"], False),
    ],
)
def test_answer_quoted_looks_for_the_answers_words_in_order(
    answer: str, quotes: list[str], found: bool
) -> None:
    assert answer_quoted(answer, quotes) is found
