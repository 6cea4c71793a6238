"""How an evaluation report reads on a terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from retrieval.evaluation import EvalReport


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def render_report(report: EvalReport) -> str:
    from retrieval.evaluation import STAGES, p50, p95

    ingest = report.ingest
    latencies = report.latencies_ms
    width = 22
    lines = [
        f"{report.system} — {report.backend} backend, {report.model}",
        f"corpus {report.corpus}",
        f"qrels  {report.qrels} ({len(report.results):,} questions, top {report.top_k})",
        "",
        "Retrieval",
        f"  {'Hits@1':<{width}}{report.hits_at_1:.3f}",
        f"  {'Hits@5':<{width}}{report.hits_at_5:.3f}",
        f"  {'MRR@10':<{width}}{report.mrr_at_10:.3f}",
        f"  {'Refusal rate':<{width}}{_percent(report.refusal_rate)}",
    ]
    if report.answer_quoted_rate is not None:
        lines += [
            "Answers (the gold answer's words in the quotes)",
            f"  {'of all questions':<{width}}{_percent(report.answer_quoted_rate)}",
            f"  {'of those answered':<{width}}{_percent(report.answered_quoted_rate)}",
        ]
    lines += [
        "Latency per question",
        f"  {'p50':<{width}}{p50(latencies):.1f} ms",
        f"  {'p95':<{width}}{p95(latencies):.1f} ms",
        f"Ingest ({ingest.passages:,} passages, {ingest.chunks:,} chunks "
        f"in {ingest.seconds:.1f} s; model loaded in {report.model_load_seconds:.1f} s)",
        f"  {'passages/s':<{width}}{ingest.passages_per_s:.1f}",
        f"  {'chunks/s':<{width}}{ingest.chunks_per_s:.1f}",
    ]
    for stage in STAGES:
        seconds = ingest.stage_seconds.get(stage, 0.0)
        share = seconds / ingest.seconds if ingest.seconds else 0.0
        lines.append(f"  {stage:<{width}}{seconds:6.1f} s {share:6.1%}")
    if ingest.skipped or ingest.errors:
        lines.append(f"  {'skipped / errors':<{width}}{ingest.skipped} / {ingest.errors}")
    errors = sum(1 for r in report.results if r.error)
    if errors:
        lines.append(f"  {'questions rejected':<{width}}{errors}")
    memory = "n/a" if report.peak_memory_mb is None else f"{report.peak_memory_mb:,.0f} MB"
    lines += ["Memory", f"  {'peak':<{width}}{memory} ({report.memory_method})"]
    return "\n".join(lines)
