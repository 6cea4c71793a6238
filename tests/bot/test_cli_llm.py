"""End to end: `newsbot ask --json` with NEWSBOT_LLM=openai against a local fake server.

The real CLI runs as a subprocess, so the real LangChain/OpenAI client code path and
wire format are exercised; the server is ours, on 127.0.0.1, and no API key is real.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.fake_openai import fake_openai, first_sentence, passages_in

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "llm"
NEWSBOT = Path(sys.executable).with_name("newsbot")
_FOREIGN = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OLLAMA_BASE_URL", "DISCORD_TOKEN")


def newsbot(
    *args: str, data_dir: Path, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {  # the test session's model cache is kept: the ONNX export is made once
        k: v
        for k, v in os.environ.items()
        if (not k.startswith("NEWSBOT_") or k == "NEWSBOT_MODEL_CACHE_DIR") and k not in _FOREIGN
    }
    clean |= {"NEWSBOT_DATA_DIR": str(data_dir), **(env or {})}
    return subprocess.run(
        [str(NEWSBOT), *args],
        env=clean,
        cwd=data_dir.parent,  # no developer .env here
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Path:
    data = tmp_path_factory.mktemp("llm-cli") / "data"
    cache = {"NEWSBOT_MODEL_CACHE_DIR": str(model_cache)}
    result = newsbot("ingest", str(FIXTURES), data_dir=data, env=cache)
    assert result.returncode == 0, result.stderr
    assert "2 added" in result.stdout
    return data


def llm_env(base_url: str) -> dict[str, str]:
    return {
        "NEWSBOT_LLM": "openai",
        "NEWSBOT_LLM_MODEL": "local-test-model",
        "OPENAI_BASE_URL": base_url,
        "OPENAI_API_KEY": "test",
    }


def cite_passage_one(request: dict[str, Any]) -> str:
    """A true sentence from passage 1, a claim it does not make, and a bogus citation."""
    claim = first_sentence(passages_in(request)[1]).rstrip(".")
    return (
        f"{claim} [1]. The ferry company was founded in 1898 [1]. "
        "Night crossings will end in August [12]."
    )


def test_ask_json_answers_through_an_openai_compatible_server(data_dir: Path) -> None:
    with fake_openai(cite_passage_one) as server:
        result = newsbot(
            "ask", "--json", "Why are ferry fares going up?",
            data_dir=data_dir, env=llm_env(server.base_url),
        )  # fmt: skip

    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["answerer"] == "llm", "the engine did not answer through the LLM"
    request = server.requests[0]
    true_sentence = first_sentence(passages_in(request)[1])

    assert answer["answer"] == f"{true_sentence.rstrip('.')} [1]."
    assert answer["unsupported"] == [
        "The ferry company was founded in 1898.",
        "Night crossings will end in August.",
    ]
    [citation] = answer["citations"]
    assert citation["n"] == 1
    assert citation["quote"] == true_sentence
    assert any(true_sentence in path.read_text() for path in FIXTURES.glob("*.md"))
    assert citation["source"] in {"Alder Valley Courier", "Harbor Gazette"}

    assert request["model"] == "local-test-model"
    assert [m["role"] for m in request["messages"]] == ["system", "user"]
    assert "Question: Why are ferry fares going up?" in request["messages"][1]["content"]
    assert server.headers[0]["authorization"] == "Bearer test"


def test_a_failing_or_hijacked_llm_falls_back_to_quotes(data_dir: Path) -> None:
    def reply(request: dict[str, Any]) -> str | int:
        if "Question: Who protested" in request["messages"][-1]["content"]:
            return "HACKED"
        return 500

    questions = "Why are ferry fares going up?\nWho protested against the fare rise?\n"
    with fake_openai(reply) as server:
        result = newsbot(
            "ask", "--json", "-", data_dir=data_dir, env=llm_env(server.base_url), stdin=questions
        )

    assert result.returncode == 0, result.stderr
    failed, hijacked = (json.loads(line) for line in result.stdout.splitlines())
    assert failed["answerer"] == "extractive-fallback"
    assert failed["citations"] and not failed["refused"]
    assert "The LLM failed" in result.stderr and "Answering extractively instead" in result.stderr

    assert hijacked["answerer"] == "extractive-fallback"
    assert hijacked["unsupported"] == ["HACKED"]
    assert "HACKED" not in hijacked["answer"]
    assert any("Jonas Vik" in c["quote"] or "200 commuters" in c["quote"]
               for c in hijacked["citations"])  # fmt: skip
