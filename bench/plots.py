"""The benchmark plots (matplotlib, PNG): quality, latency and ingest time per system."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from retrieval.eval.metrics import STAGES  # noqa: E402
from retrieval.eval.report import EvalReport  # noqa: E402


def label(report: EvalReport) -> str:
    return "LangChain tutorial" if report.system == "langchain" else f"newsbot ({report.backend})"


def plot_quality(reports: Sequence[EvalReport], path: Path, title: str) -> None:
    metrics = [("Hits@1", "hits_at_1"), ("Hits@5", "hits_at_5"), ("MRR@10", "mrr_at_10")]
    x = np.arange(len(metrics))
    width = 0.8 / len(reports)
    fig, ax = plt.subplots(figsize=(7, 4.3))
    for i, report in enumerate(reports):
        values = [getattr(report, attr) for _, attr in metrics]
        bars = ax.bar(x + (i - (len(reports) - 1) / 2) * width, values, width, label=label(report))
        ax.bar_label(bars, fmt="%.3f", fontsize=7, padding=2)
    ax.set_xticks(x, [name for name, _ in metrics])
    ax.set_ylim(0, 1.08)
    ax.set_ylabel("share of questions")
    ax.set_title(title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncols=len(reports), fontsize=8)
    _save(fig, path)


def plot_latency(reports: Sequence[EvalReport], path: Path, title: str) -> None:
    """The share of questions answered within x ms (x on a log scale)."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for report in reports:
        latencies = np.sort(np.asarray(report.latencies_ms))
        shares = np.arange(1, len(latencies) + 1) / len(latencies)
        ax.step(latencies, shares, where="post", label=label(report))
    ax.set_xscale("log")
    ax.set_xlabel("latency per question (ms, log scale)")
    ax.set_ylabel("share of questions answered within")
    ax.axhline(0.5, color="grey", linewidth=0.5, linestyle=":")
    ax.axhline(0.95, color="grey", linewidth=0.5, linestyle=":")
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8)
    _save(fig, path)


def plot_ingest(reports: Sequence[EvalReport], path: Path, title: str) -> None:
    """Where ingest time goes: one stacked bar per system, seconds per stage."""
    fig, ax = plt.subplots(figsize=(7, 3.5))
    names = [label(r) for r in reports]
    left = np.zeros(len(reports))
    for stage in STAGES:
        seconds = np.array([r.ingest.stage_seconds.get(stage, 0.0) for r in reports])
        ax.barh(names, seconds, left=left, label=stage)
        left += seconds
    for y, report in enumerate(reports):
        ax.text(
            report.ingest.seconds, y, f" {report.ingest.passages_per_s:.0f} passages/s",
            va="center", fontsize=8,
        )  # fmt: skip
    ax.set_xlabel("ingest time (s)")
    ax.set_xlim(0, max(r.ingest.seconds for r in reports) * 1.35)
    ax.invert_yaxis()
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8, ncols=len(STAGES))
    _save(fig, path)


LABELS = {"query_p50_ms": "p50", "query_p95_ms": "p95", "as_of_p50_ms": "p50, as of a date"}


def plot_scale(rows: Sequence[dict[str, float]], path: Path, title: str) -> None:
    """Cost against corpus size: ingest time, store size, query latency, memory."""
    chunks = [row["chunks"] / 1000 for row in rows]
    panels = [
        ("ingest time (s, cumulative)", ["ingest_seconds"]),
        ("store size on disk (MB)", ["store_mb"]),
        ("query latency (ms)", ["query_p50_ms", "query_p95_ms", "as_of_p50_ms"]),
        ("first question of a new engine (ms)", ["open_ms"]),
        ("peak memory (MB)", ["peak_memory_mb"]),
    ]
    fig, axes = plt.subplots(1, len(panels), figsize=(15, 3.4))
    for ax, (name, keys) in zip(axes, panels, strict=True):
        for key in keys:
            if all(key in row for row in rows):
                ax.plot(chunks, [row[key] for row in rows], marker="o", label=LABELS.get(key, key))
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("thousand chunks")
        ax.set_ylim(bottom=0)
        if len(keys) > 1:
            ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    _save(fig, path)


def plot_scale_big(rows: Sequence[dict[str, float]], path: Path, title: str) -> None:
    """One large space against its size, local store and Chroma server: restart to the
    first answer, resident memory, and `ask` latency (p50 solid, p95 dashed); the dotted
    lines are issue 13's targets at a million chunks. Of several runs of one size and store,
    the last one is drawn."""
    panels = [
        ("restart: first answer (s)", ["restart_first_answer_s"], [10]),
        ("resident memory after restart (MB)", ["rss_mb"], [3000]),
        ("ask latency (ms)", ["ask_p50_ms", "ask_p95_ms"], [60, 80]),
    ]
    fig, axes = plt.subplots(1, len(panels), figsize=(13, 3.6))
    for ax, (name, keys, targets) in zip(axes, panels, strict=True):
        for server, color in ((False, "tab:blue"), (True, "tab:orange")):
            latest = {r["chunks"]: r for r in rows if bool(r["server"]) == server}
            mine = [latest[n] for n in sorted(latest)]  # a later run of a size replaces it
            for key, style in zip(keys, ("-", "--"), strict=False):
                if mine:
                    ax.plot(
                        [r["chunks"] / 1000 for r in mine], [r[key] for r in mine],
                        marker="o", linestyle=style, color=color,
                        label=("Chroma server" if server else "local")
                        + (f", {key.split('_')[1]}" if len(keys) > 1 else ""),
                    )  # fmt: skip
        for target in targets:
            ax.axhline(target, color="grey", linewidth=0.7, linestyle=":")
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("thousand chunks (log scale)")
        ax.set_xscale("log")
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=7)
    fig.suptitle(title, fontsize=10)
    _save(fig, path)


def _save(fig: plt.Figure, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
