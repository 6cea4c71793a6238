"""The wheel, installed on its own, ingests, answers with a citation and refuses.

The wheel is built from a copy of the sources (nothing is written into the checkout) and
installed into a folder of its own; a fresh interpreter then runs with only that folder
on its path, from a directory where the checkout is not importable, and checks that every
newsbot module it loaded came from the wheel.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from retrieval.embed.embedder import Embedder
from tests.conftest import ROOT

ARTICLE = """Lantern festival returns to Quillmere harbour
Source: Quillmere Herald
Date: 2026-02-14

The Quillmere harbour lantern festival will return on 6 March after a two-year pause,
the town council announced on Friday.

Organiser Petra Solvang said about 4,000 paper lanterns would be floated from the east pier.
"""

SCRIPT = """
import json, sys
from pathlib import Path
from retrieval import Engine, Settings

engine = Engine(Settings(data_dir=Path("data")))
report = engine.ingest(["lanterns.txt"])
answer = engine.ask("How many lanterns will be floated at the Quillmere festival?")
off_topic = engine.ask("Who won the chess olympiad in Brazil?")
loaded = {
    name: module.__file__
    for name, module in sys.modules.items()
    if name.split(".")[0] in ("retrieval", "bot", "prompts") and getattr(module, "__file__", None)
}
print(json.dumps({
    "added": report.added,
    "answer": answer.text,
    "refused": answer.refused,
    "quotes": [c.quote for c in answer.citations],
    "off_topic": off_topic.text,
    "off_topic_refused": off_topic.refused,
    "loaded": loaded,
}))
"""


def _copy_sources(destination: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in ("bot", "retrieval", "prompts"):
        shutil.copytree(ROOT / package, destination / package, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, destination / name)


def _run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, f"{args[:4]} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_an_installed_wheel_answers_and_refuses(tmp_path: Path, embedder: Embedder) -> None:
    if importlib.util.find_spec("setuptools") is None:
        pytest.skip("setuptools is not installed: the wheel can't be built offline")
    embedder.encode(["warm up"])  # the ONNX export is cached (NEWSBOT_MODEL_CACHE_DIR)
    source, wheels, target, work = (tmp_path / d for d in ("src", "wheels", "site", "work"))
    _copy_sources(source)
    pip = (sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", "-q")
    _run(*pip, "wheel", "--no-deps", "--no-build-isolation", ".", "-w", str(wheels), cwd=source)
    [wheel] = wheels.glob("newsbot-*.whl")
    _run(
        *pip,
        "install",
        "--no-deps",
        "--no-index",
        "--target",
        str(target),
        str(wheel),
        cwd=tmp_path,
    )

    work.mkdir()
    (work / "lanterns.txt").write_text(ARTICLE, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(target)}
    result = json.loads(_run(sys.executable, "-c", SCRIPT, cwd=work, env=env))

    assert result["added"] == 1
    assert not result["refused"] and "[1]" in result["answer"]
    assert any("4,000 paper lanterns" in quote for quote in result["quotes"])
    assert result["off_topic_refused"]
    assert result["off_topic"].startswith("I couldn't find an answer to that")
    outside = {
        name: path for name, path in result["loaded"].items() if target.as_posix() not in path
    }
    assert result["loaded"] and not outside
