"""The `newsbot` command as a user runs it: exit codes, output, the JSON contract."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import FIXTURES

ARTICLES = FIXTURES / "articles"
GOOD = [ARTICLES / "library_reopens.txt", ARTICLES / "bridge_vote.md", ARTICLES / "briefs.jsonl"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def ingested(capsys: pytest.CaptureFixture[str], embedder: object) -> None:
    code, out, err = run(capsys, "ingest", *map(str, GOOD))
    assert code == 0, err


def test_ingest_summary_and_idempotency(capsys: pytest.CaptureFixture[str], ingested: None) -> None:
    code, out, _ = run(capsys, "ingest", *map(str, GOOD))
    assert code == 0
    assert "0 added, 0 updated" in out
    code, out, _ = run(capsys, "sources")
    assert "Quillhaven library reopens after two-year rebuild" in out
    assert out.count("\n") >= 4


def test_bad_sources_are_named_and_the_rest_goes_on(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, embedder: object
) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    broken = tmp_path / "broken.json"
    broken.write_text('{"title": "x", "body": ')
    code, out, err = run(capsys, "ingest", str(empty), str(broken), str(GOOD[0]))
    assert code == 1
    assert f"error: {empty}" in err and f"error: {broken}" in err
    assert "1 added" in out and "2 errors" in out


def test_ask_json_contract(capsys: pytest.CaptureFixture[str], ingested: None) -> None:
    code, out, _ = run(capsys, "ask", "--json", "How much did the library rebuild cost?")
    assert code == 0
    result = json.loads(out)
    assert set(result) >= {"question", "answer", "refused", "citations", "passages", "timings_ms"}
    assert result["refused"] is False
    assert "14.5 million crowns" in result["answer"]
    assert set(result["timings_ms"]) == {"retrieve", "answer", "total"}
    passages = {p["chunk_id"]: p for p in result["passages"]}
    assert [p["rank"] for p in result["passages"]] == list(range(1, len(passages) + 1))
    for citation in result["citations"]:
        assert set(citation) == {
            "n",
            "article_id",
            "title",
            "source",
            "url",
            "published_at",
            "quote",
            "span",
        }
        assert any(
            citation["quote"] in p["text"] and p["article_id"] == citation["article_id"]
            for p in passages.values()
        )
        assert f"[{citation['n']}]" in result["answer"]
    spans = [c["quote"][slice(*c["span"])] for c in result["citations"] if c["span"]]
    assert "14.5 million" in spans  # the words that answer "how much?"


def test_ask_refusal_is_a_success(capsys: pytest.CaptureFixture[str], ingested: None) -> None:
    code, out, _ = run(capsys, "ask", "--json", "Who won the chess olympiad in Madrid?")
    assert code == 0
    result = json.loads(out)
    assert result["refused"] is True and result["citations"] == []


def test_ask_reads_questions_from_stdin_in_order(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, ingested: None
) -> None:
    lines = [
        "How much did the library rebuild cost?",
        json.dumps({"question": "When does the night market reopen?", "as_of": "2026-03-01"}),
        "{not json",
        json.dumps({"question": "When does the night market reopen?", "as_of": "2020-01-01"}),
    ]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    code, out, err = run(capsys, "ask", "--json", "-")
    results = [json.loads(line) for line in out.splitlines()]
    assert code == 1 and "line 3" in err
    assert len(results) == 4
    assert "14.5 million crowns" in results[0]["answer"]
    assert results[1]["as_of"] == "2026-03-01" and not results[1]["refused"]
    assert "error" in results[2]
    assert results[3]["refused"] is True  # the market story had not been published by then


def test_forget_and_unknown_id(capsys: pytest.CaptureFixture[str], ingested: None) -> None:
    _, out, _ = run(capsys, "sources", "--json")
    listed = json.loads(out)["articles"]
    library = next(a for a in listed if a["title"].startswith("Quillhaven library"))
    code, out, _ = run(capsys, "forget", library["id"])
    assert code == 0 and "Forgot" in out
    code, _, err = run(capsys, "forget", library["id"])
    assert code == 1 and library["id"] in err


def test_bad_as_of_is_rejected(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["ask", "--as-of", "March 3", "question"])
    assert "YYYY-MM-DD" in capsys.readouterr().err


@pytest.mark.shared
def test_seed_article_example(
    capsys: pytest.CaptureFixture[str], shared_dir: Path, embedder: object
) -> None:
    seed = shared_dir / "seed" / "000_ec5b004586267d03.txt"
    assert run(capsys, "ingest", str(seed))[0] == 0
    code, out, _ = run(capsys, "ask", "--json", "who denied the troop deployment?")
    result = json.loads(out)
    assert code == 0 and not result["refused"]
    # Both denials are quoted: the North Korean diplomat's, and the one naming Russia too.
    quotes = [c["quote"] for c in result["citations"]]
    assert any("North Korean diplomat" in q for q in quotes)
    assert any("Russia" in q and "refuted" in q for q in quotes)
    body = seed.read_text(encoding="utf-8")
    assert all(c["quote"] in body for c in result["citations"])


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_run_without_token_chats_over_the_samples_without_keeping_them(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, embedder: object
) -> None:
    monkeypatch.setattr("sys.stdin", Terminal("Who brokered the deal?\n/quit\n"))
    code, out, err = run(capsys, "run")
    assert code == 0
    assert "No DISCORD_TOKEN is set" in err and "Reset Token" in err
    assert "Sample articles: 4 added" in out
    assert "Helena Vos" in out and "Sources:" in out and "Harbor Gazette" in out

    # the data dir's knowledge is untouched: a later real bot shows no samples
    code, out, _ = run(capsys, "sources", "--json")
    assert code == 0 and json.loads(out)["articles"] == []


def test_run_without_token_or_terminal_fails(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, out, err = run(capsys, "run")
    assert code == 1 and out == ""
    assert "No DISCORD_TOKEN is set" in err and "Reset Token" in err
    assert err.endswith(
        "\nerror: DISCORD_TOKEN is not set, and without a terminal there is no demo chat.\n"
    )


def test_chat_stops_at_start_up_when_the_llm_is_unreachable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSBOT_LLM", "openai")
    monkeypatch.setenv("NEWSBOT_LLM_MODEL", "test-model")
    monkeypatch.setenv("NEWSBOT_LLM_TIMEOUT", "5")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # nothing listens there
    code, _, err = run(capsys, "chat")
    assert code == 1
    assert "error:" in err and "not answering" in err


def test_sources_pages_and_a_page_past_the_end(
    capsys: pytest.CaptureFixture[str], ingested: None
) -> None:
    _, out, _ = run(capsys, "sources", "--json")
    everything = json.loads(out)
    code, out, _ = run(capsys, "sources", "--per-page", "2", "--page", "2", "--json")
    second = json.loads(out)
    assert code == 0 and (second["page"], second["total"]) == (2, everything["total"])
    assert [a["id"] for a in second["articles"]] == [a["id"] for a in everything["articles"][2:4]]
    _, out, _ = run(capsys, "sources", "--per-page", "2")
    assert f"articles 1-2 of {everything['total']}" in out and "--page 2" in out
    code, _, err = run(capsys, "sources", "--page", "99")
    assert code == 1 and "There is no page 99" in err
