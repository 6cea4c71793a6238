"""`newsbot eval` on a tiny fictional corpus, with the real engine and embedding model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from retrieval.config import Settings
from retrieval.embed.embedder import Embedder

EVAL = Path(__file__).resolve().parent.parent / "fixtures" / "eval"
CORPUS = EVAL / "passages.jsonl"
QRELS = EVAL / "qrels.jsonl"


@pytest.fixture
def used_settings(monkeypatch: pytest.MonkeyPatch, embedder: Embedder) -> list[Settings]:
    """Share the session's model instead of loading it again; record the settings used."""
    seen: list[Settings] = []

    def shared(settings: Settings) -> Embedder:
        seen.append(settings)
        return embedder

    monkeypatch.setattr("retrieval.eval.run.get_embedder", shared)
    return seen


def _eval(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    code = main(["eval", "--corpus", str(CORPUS), "--qrels", str(QRELS), *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_eval_json_reports_quality_speed_and_memory(
    capsys: pytest.CaptureFixture[str], used_settings: list[Settings]
) -> None:
    code, out, _ = _eval(capsys, "--as-of-field", "question_date", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["questions"] == 8
    assert report["hits_at_5"] == 1.0
    assert report["hits_at_1"] >= 0.75
    assert report["hits_at_1"] <= report["hits_at_5"]
    assert 0 < report["mrr_at_10"] <= 1
    assert report["refusal_rate"] is not None
    # The fixture questions are answered in so many words: most answers quote them.
    assert report["answer_quoted"] >= 0.5
    assert report["answer_quoted_when_answered"] >= report["answer_quoted"]
    assert 0 < report["latency_ms"]["p50"] <= report["latency_ms"]["p95"]
    ingest = report["ingest"]
    assert ingest["passages"] == 15 and ingest["chunks"] >= 15
    assert ingest["passages_per_s"] > 0 and ingest["chunks_per_s"] > 0
    assert set(ingest["stage_seconds"]) == {"parse", "chunk", "embed", "store"}
    assert report["peak_memory_mb"] > 0
    assert "ru_maxrss" in report["memory_method"]


def test_eval_prints_a_table_and_leaves_the_stored_articles_alone(
    capsys: pytest.CaptureFixture[str], used_settings: list[Settings], tmp_path: Path
) -> None:
    code, out, _ = _eval(capsys, "--limit", "3")
    assert code == 0
    assert "(3 questions, top 10)" in out
    for label in ("Hits@1", "Hits@5", "MRR@10", "Refusal rate", "p95", "passages/s", "embed"):
        assert label in out
    assert not (tmp_path / "data" / "chroma").exists()  # the store was a temporary one


def test_as_of_field_hides_passages_from_the_future(
    capsys: pytest.CaptureFixture[str], used_settings: list[Settings], tmp_path: Path
) -> None:
    early = tmp_path / "early.jsonl"
    early.write_text(
        json.dumps(
            {"uid": "e1", "question": "Who won the regional chess final in Eastmere?",
             "question_date": "2026-01-01", "answer": "Mira Osk", "passage_id": "pa-08"}
        ) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    args = ["eval", "--corpus", str(CORPUS), "--qrels", str(early), "--json"]
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["hits_at_5"] == 1.0  # asked as of today
    assert main([*args, "--as-of-field", "question_date"]) == 0
    assert json.loads(capsys.readouterr().out)["hits_at_5"] == 0.0  # published after the date


def test_backend_flag_overrides_the_setting(
    capsys: pytest.CaptureFixture[str], used_settings: list[Settings]
) -> None:
    code, _, _ = _eval(capsys, "--limit", "1", "--backend", "onnx-int8", "--json")
    assert code == 0
    assert used_settings[-1].embedding_backend == "onnx-int8"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--corpus", "missing.jsonl", "--qrels", str(QRELS)], "missing.jsonl does not exist"),
        (["--corpus", str(CORPUS), "--qrels", str(CORPUS)], "'question' is missing"),
    ],
)
def test_bad_files_give_one_clear_error_line(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["eval", *args]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err


def test_limit_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["eval", "--corpus", str(CORPUS), "--qrels", str(QRELS), "--limit", "0"])
    assert "must be at least 1" in capsys.readouterr().err
