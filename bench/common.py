"""What the benchmark scripts share: paths, the machine's description, markdown tables."""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import time
from collections.abc import Iterator, Sequence
from datetime import date
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs" / "benchmarks"
REALTIMEQA = REPO.parent / "shared" / "eval" / "realtimeqa"
PACKAGES = ("torch", "onnxruntime", "sentence-transformers", "chromadb", "langchain-chroma")


def cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> str:
    """One line saying where the numbers come from."""
    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return (
        f"{cores()} cores ({cpu_name()}), Python {platform.python_version()}, "
        f"{', '.join(versions)}; code {revision()}; {date.today().isoformat()}"
    )


def wait_for_quiet(threshold: float | None, *, timeout: float = 900) -> None:
    """Wait (up to `timeout` s) until the 1-minute load average is below `threshold`."""
    if threshold is None or not hasattr(os, "getloadavg"):
        return
    deadline = time.monotonic() + timeout
    while os.getloadavg()[0] >= threshold and time.monotonic() < deadline:
        print(f"  waiting for the load average ({os.getloadavg()[0]:.1f}) to fall below "
              f"{threshold} …", flush=True)  # fmt: skip
        time.sleep(20)


def load_average() -> str:
    """The 1-minute load average: above the core count, timings are not to be trusted."""
    return f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "?"


def revision() -> str:
    """The code the numbers come from: the git commit, "-dirty" with uncommitted changes."""
    try:
        done = subprocess.run(
            ["git", "describe", "--always", "--dirty"], cwd=REPO, capture_output=True,
            text=True, timeout=10, check=True,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip()


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def text_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain aligned table for the terminal."""
    cells = [list(map(str, header)), *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return "\n".join(
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in cells
    )


def passage_bodies(corpus: Path) -> Iterator[str]:
    with corpus.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield str(json.loads(line)["body"])


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]
