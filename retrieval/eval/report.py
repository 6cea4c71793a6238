"""An evaluation report: per-question results, ingest figures, and how it reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from retrieval.eval.metrics import (
    MEMORY_METHOD,
    STAGES,
    gold_rank,
    hits_at_k,
    mrr_at_k,
    p50,
    p95,
)

# -- the report ----------------------------------------------------------------------------


@dataclass(slots=True)
class QuestionResult:
    uid: str
    gold: str
    ranking: list[str]  # distinct article ids, best first
    refused: bool | None  # None for a system that never refuses
    latency_ms: float
    error: str = ""
    quoted_answer: bool | None = None  # the gold answer in the quotes; None: no gold answer

    @property
    def rank(self) -> int | None:
        return gold_rank(self.ranking, self.gold)


@dataclass(slots=True)
class IngestStats:
    passages: int
    chunks: int
    seconds: float
    stage_seconds: dict[str, float] = field(default_factory=dict)
    skipped: int = 0
    errors: int = 0

    @property
    def passages_per_s(self) -> float:
        return self.passages / self.seconds if self.seconds else 0.0

    @property
    def chunks_per_s(self) -> float:
        return self.chunks / self.seconds if self.seconds else 0.0


@dataclass(slots=True)
class EvalReport:
    system: str  # "newsbot", or "langchain" for the baseline
    backend: str
    model: str
    corpus: str
    qrels: str
    ingest: IngestStats
    results: list[QuestionResult]
    model_load_seconds: float = 0.0
    peak_memory_mb: float | None = None
    memory_method: str = MEMORY_METHOD
    top_k: int = 10

    def _score(self, metric: Any, k: int) -> float:
        return float(metric([r.ranking for r in self.results], [r.gold for r in self.results], k))

    @property
    def hits_at_1(self) -> float:
        return self._score(hits_at_k, 1)

    @property
    def hits_at_5(self) -> float:
        return self._score(hits_at_k, 5)

    @property
    def mrr_at_10(self) -> float:
        return self._score(mrr_at_k, 10)

    @property
    def refusal_rate(self) -> float | None:
        refusals = [r.refused for r in self.results]
        if any(r is None for r in refusals):
            return None
        return sum(1 for r in refusals if r) / len(refusals)

    @property
    def answer_quoted_rate(self) -> float | None:
        """The share of questions (with a gold answer) whose answer's quotes hold it."""
        judged = [r.quoted_answer for r in self.results if r.quoted_answer is not None]
        return sum(judged) / len(judged) if judged else None

    @property
    def answered_quoted_rate(self) -> float | None:
        """The same, among the questions that were answered (not refused)."""
        judged = [
            r.quoted_answer for r in self.results if r.quoted_answer is not None and not r.refused
        ]
        return sum(judged) / len(judged) if judged else None

    @property
    def latencies_ms(self) -> list[float]:
        return [r.latency_ms for r in self.results]

    def to_json(self, *, per_question: bool = False) -> dict[str, Any]:
        latencies = self.latencies_ms
        data: dict[str, Any] = {
            "system": self.system,
            "backend": self.backend,
            "model": self.model,
            "corpus": self.corpus,
            "qrels": self.qrels,
            "questions": len(self.results),
            "top_k": self.top_k,
            "hits_at_1": round(self.hits_at_1, 4),
            "hits_at_5": round(self.hits_at_5, 4),
            "mrr_at_10": round(self.mrr_at_10, 4),
            "refusal_rate": _rounded(self.refusal_rate),
            "answer_quoted": _rounded(self.answer_quoted_rate),
            "answer_quoted_when_answered": _rounded(self.answered_quoted_rate),
            "latency_ms": {"p50": round(p50(latencies), 2), "p95": round(p95(latencies), 2)},
            "ingest": {
                "passages": self.ingest.passages,
                "chunks": self.ingest.chunks,
                "seconds": round(self.ingest.seconds, 2),
                "passages_per_s": round(self.ingest.passages_per_s, 2),
                "chunks_per_s": round(self.ingest.chunks_per_s, 2),
                "stage_seconds": {k: round(v, 2) for k, v in self.ingest.stage_seconds.items()},
                "skipped": self.ingest.skipped,
                "errors": self.ingest.errors,
            },
            "model_load_seconds": round(self.model_load_seconds, 2),
            "peak_memory_mb": None if self.peak_memory_mb is None else round(self.peak_memory_mb),
            "memory_method": self.memory_method,
            "question_errors": sum(1 for r in self.results if r.error),
        }
        if per_question:
            data["results"] = [
                {
                    "uid": r.uid,
                    "gold": r.gold,
                    "rank": r.rank,
                    "refused": r.refused,
                    "answer_quoted": r.quoted_answer,
                    "latency_ms": round(r.latency_ms, 2),
                    "ranking": r.ranking,
                    **({"error": r.error} if r.error else {}),
                }
                for r in self.results
            ]
        return data

    def to_table(self) -> str:
        return render_report(self)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def render_report(report: EvalReport) -> str:
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
