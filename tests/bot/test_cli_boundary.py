"""The command line's edges: bad settings, terminal-safe output, logging, a closed pipe,
SIGTERM, and a store that went away."""

from __future__ import annotations

import io
import logging
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any
from unittest.mock import create_autospec

import pytest

from bot import cli
from bot.cli import configure_logging, main
from bot.terminal import format_answer, format_sources, run_chat, terminal_safe
from retrieval.config import Settings, describe_error
from retrieval.engine import Engine
from retrieval.errors import StoreUnavailable
from retrieval.records import Answer, ArticleSummary, SourcesPage
from tests.bot.conftest import citation, strike_answer

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = "Harbour \x1b[2Jreopens\x1b]0;pwned\x07 \x9b31m today\r\x08\x00 [1]"


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        (
            "NEWSBOT_LLM",
            "frobnicate",
            "NEWSBOT_LLM must be one of none, openai, ollama, not 'frobnicate'",
        ),
        (
            "NEWSBOT_EMBEDDING_BACKEND",
            "gpu",
            "NEWSBOT_EMBEDDING_BACKEND must be one of auto, torch, onnx, onnx-int8, not 'gpu'",
        ),
        ("NEWSBOT_TOP_K", "ten", "NEWSBOT_TOP_K must be a whole number, not 'ten'"),
        ("NEWSBOT_TOP_K", "0", "NEWSBOT_TOP_K must be at least 1, not '0'"),
        ("NEWSBOT_TOP_K", "500", "NEWSBOT_TOP_K must be at most 100, not '500'"),
        ("NEWSBOT_CHROMA_PORT", "80a", "NEWSBOT_CHROMA_PORT must be a whole number, not '80a'"),
        ("NEWSBOT_LLM_TIMEOUT", "soon", "NEWSBOT_LLM_TIMEOUT must be a number, not 'soon'"),
        (
            "NEWSBOT_LOG_LEVEL",
            "loud",
            "NEWSBOT_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, not 'loud'",
        ),
    ],
)
def test_a_bad_setting_is_one_line_naming_the_variable(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    expected: str,
) -> None:
    monkeypatch.setenv(variable, value)
    code = main(["sources"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err == f"error: {expected}\n"


def test_a_data_dir_that_is_a_file_is_named(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "notes").write_text("x")
    monkeypatch.setenv("NEWSBOT_DATA_DIR", str(tmp_path / "notes"))
    assert main(["sources"]) == 2
    assert capsys.readouterr().err == (
        f"error: NEWSBOT_DATA_DIR must be a directory, not '{tmp_path / 'notes'}'\n"
    )


def test_other_kinds_of_errors_read_as_sentences() -> None:
    assert describe_error({"type": "bool_parsing", "loc": ("demo",), "input": "maybe"}) == (
        "NEWSBOT_DEMO must be true or false, not 'maybe'"
    )
    error = {"type": "url_parsing", "loc": ("OPENAI_BASE_URL",), "msg": "bad url", "input": "x"}
    assert describe_error(error) == "OPENAI_BASE_URL must be valid (bad url), not 'x'"
    token = {"type": "string_type", "loc": ("DISCORD_TOKEN",), "msg": "bad", "input": "s3cret"}
    assert "s3cret" not in describe_error(token)  # secrets are never echoed


def test_lower_case_log_levels_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_LOG_LEVEL", "debug")
    assert cli.load_settings().log_level == "DEBUG"


def test_the_bot_logs_at_info_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    try:
        configure_logging(0, settings, "run")
        assert logging.getLogger().level == logging.INFO
        configure_logging(0, settings, "ask")
        assert logging.getLogger().level == logging.WARNING
        quiet = Settings(_env_file=None, log_level="ERROR")  # type: ignore[call-arg]
        configure_logging(0, quiet, "run")
        assert logging.getLogger().level == logging.ERROR
        configure_logging(2, quiet, "run")
        assert logging.getLogger().level == logging.DEBUG
    finally:
        logging.getLogger().setLevel(logging.WARNING)


def test_an_unreadable_source_is_reported_once(
    capsys: pytest.CaptureFixture[str], embedder: object, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.txt"
    assert main(["ingest", str(missing)]) == 1
    err = capsys.readouterr().err
    assert [line for line in err.splitlines() if "missing.txt" in line] == [
        line for line in err.splitlines() if line.startswith("error: ")
    ]
    assert len(err.splitlines()) == 1 and "WARNING" not in err


# --- terminal output -----------------------------------------------------------------


def test_control_sequences_never_reach_the_terminal() -> None:
    assert terminal_safe(HOSTILE) == "Harbour reopens  today [1]"
    assert terminal_safe("tabs\tand\nlines stay") == "tabs\tand\nlines stay"

    cited = citation(1, title="Port \x1b[2J news", quote="It \x1b[31mreopened\x1b[0m.")
    shown = format_answer(Answer(question="q", text=HOSTILE, refused=False, citations=[cited]))
    article = ArticleSummary(
        id="a1",
        title="\x1b[2JTitle",
        source="Gazette\x07",
        url="",
        published_at=date(2026, 3, 12),
        chunks=1,
        space="shared",
    )
    for text in (shown, format_sources(SourcesPage([article], 1, 20, 1))):
        assert not any(ord(c) < 32 and c not in "\n\t" or 0x7F <= ord(c) <= 0x9F for c in text)
    assert "It reopened." in shown and "Port  news" in shown


def fake_engine(*answers: Answer | Exception) -> Any:
    engine = create_autospec(Engine, instance=True)
    engine.ask.side_effect = list(answers)
    engine.sources.return_value = SourcesPage([], 1, 20, 0)
    engine.history_turns = Engine.history_turns
    return engine


def test_chat_keeps_running_when_the_store_goes_away() -> None:
    down = StoreUnavailable("The article store can't be reached (127.0.0.1:8000).")
    engine = fake_engine(down, strike_answer("q"))
    engine.sources.side_effect = [down]
    lines = iter(["what happened? \x1b[2J", "/sources", "and now?", "/quit"])
    written: list[str] = []
    run_chat(engine, read=lambda prompt: next(lines), write=written.append)

    assert written.count("newsbot> The article store can't be reached (127.0.0.1:8000).") == 2
    assert any("Port of Velmora ended" in w for w in written)  # the next question works
    assert engine.ask.call_args_list[0].args[0] == "what happened? \x1b[2J"


def test_ask_with_the_store_down_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    down = StoreUnavailable("The article store can't be reached (127.0.0.1:8000).")
    monkeypatch.setattr(cli, "_engine", lambda settings: fake_engine(down))
    assert main(["ask", "what happened?"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err == "error: The article store can't be reached (127.0.0.1:8000).\n"


# --- real processes ------------------------------------------------------------------


def newsbot(*args: str, **kwargs: Any) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,
    )


class ClosedPipe(io.TextIOWrapper):
    """stdout whose reader went away (`newsbot sources | head -1` after one line)."""

    def __init__(self) -> None:
        read, write = os.pipe()
        os.close(read)
        super().__init__(io.BufferedWriter(io.FileIO(write, "w")), encoding="utf-8")
        self.written = 0

    def write(self, text: str) -> int:
        self.written += len(text)
        if self.written > 100:
            raise BrokenPipeError(32, "Broken pipe")
        return len(text)

    def flush(self) -> None:
        if self.written:
            self.written = 0  # once: garbage collection flushes it again
            raise BrokenPipeError(32, "Broken pipe")


def test_a_closed_pipe_ends_quietly(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    many = [
        ArticleSummary(
            id=f"a{i}",
            title=f"Story {i}",
            source="Gazette",
            url="",
            published_at=None,
            chunks=1,
            space="shared",
        )
        for i in range(50)
    ]
    engine = fake_engine()
    engine.sources.return_value = SourcesPage(many, 1, 50, 50)
    monkeypatch.setattr(cli, "_engine", lambda settings: engine)
    for argv in (["sources"], ["--help"]):
        monkeypatch.setattr("sys.stdout", ClosedPipe())
        assert main(argv) == 0
        assert capsys.readouterr().err == ""


def test_sigterm_stops_the_chat_cleanly(embedder: object) -> None:
    process = newsbot("chat", stdin=subprocess.PIPE)
    assert process.stdout is not None
    deadline = time.monotonic() + 120
    seen = ""
    while "Ask a question" not in seen and time.monotonic() < deadline:
        seen += process.stdout.readline()
    assert "Ask a question" in seen
    time.sleep(0.3)  # waiting at the prompt
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Traceback" not in err


def test_json_output_escapes_every_control_and_keeps_the_text(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    engine = fake_engine(Answer(question="q", text=HOSTILE, refused=True, citations=[]))
    monkeypatch.setattr(cli, "_engine", lambda settings: engine)
    assert main(["ask", "--json", "q"]) == 0
    out = capsys.readouterr().out
    assert not any(ord(c) < 32 and c != "\n" or 0x7F <= ord(c) <= 0x9F for c in out)
    assert json.loads(out)["answer"] == HOSTILE
