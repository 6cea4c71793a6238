"""Retrieval evaluation: the metrics, one run over a corpus and its questions, the report.

    report = run_eval(settings, Path("passages.jsonl"), Path("qrels_dev.jsonl"),
                      as_of_field="question_date")
    print(report.to_table())

A question is a hit at k when the id of the passage that answers it is among the first k
*distinct* article ids the engine returns (several chunks of one article count once).
"""

from __future__ import annotations

import logging
import math
import re
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from retrieval.config import Settings
from retrieval.embeddings import Embedder, get_embedder
from retrieval.engine import Engine
from retrieval.errors import EvalDataError, NewsbotError
from retrieval.eval_data import EvalQuestion, load_corpus, load_qrels

log = logging.getLogger(__name__)

STAGES = ("parse", "chunk", "embed", "store")
MEMORY_METHOD = "getrusage ru_maxrss: peak RSS of the whole process, model included"

# -- metrics -------------------------------------------------------------------------------


def dedupe(ids: Iterable[str]) -> list[str]:
    """The ids in rank order, each kept at its first (best) rank."""
    return list(dict.fromkeys(ids))


def gold_rank(ranking: Sequence[str], gold: str) -> int | None:
    """The 1-based rank of `gold` among the distinct ids of `ranking`, or None."""
    distinct = dedupe(ranking)
    return distinct.index(gold) + 1 if gold in distinct else None


def _ranks(rankings: Sequence[Sequence[str]], gold: Sequence[str]) -> list[int | None]:
    if len(rankings) != len(gold):
        raise ValueError(f"{len(rankings)} rankings but {len(gold)} gold ids")
    if not gold:
        raise ValueError("no questions to score")
    return [gold_rank(ranking, g) for ranking, g in zip(rankings, gold, strict=True)]


def hits_at_k(rankings: Sequence[Sequence[str]], gold: Sequence[str], k: int) -> float:
    """The share of questions whose gold id is among the first k distinct ids."""
    ranks = _ranks(rankings, gold)
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks)


def mrr_at_k(rankings: Sequence[Sequence[str]], gold: Sequence[str], k: int) -> float:
    """Mean reciprocal rank of the gold id, counting 0 when it is not in the first k."""
    ranks = _ranks(rankings, gold)
    return sum(1 / r for r in ranks if r is not None and r <= k) / len(ranks)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), interpolating linearly between ranks like numpy."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is not between 0 and 100")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def p50(values: Sequence[float]) -> float:
    return percentile(values, 50)


def p95(values: Sequence[float]) -> float:
    return percentile(values, 95)


def _normalized(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def answer_quoted(answer: str, quotes: Sequence[str]) -> bool:
    """Whether the gold answer's words stand, in order, in one of the quotes (a strict
    check: "Lizzo, Tame Impala and Tool" is not found in "Tool, Lizzo and Tame Impala")."""
    wanted = _normalized(answer)
    return bool(wanted) and any(f" {wanted} " in f" {_normalized(q)} " for q in quotes)


def peak_memory_mb() -> float | None:
    """Peak resident set size of this process so far, in MB (None where unsupported)."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak / 1e3  # bytes on macOS, else KiB


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
        from retrieval.eval_table import render_report

        return render_report(self)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


# -- one run -------------------------------------------------------------------------------


def _eval_settings(settings: Settings, data_dir: Path, corpus_path: Path) -> Settings:
    """The user's settings on a throwaway local store that the corpus file fits in."""
    return settings.model_copy(
        update={
            "data_dir": data_dir,
            "chroma_host": None,
            "max_source_bytes": max(settings.max_source_bytes, corpus_path.stat().st_size + 1),
        }
    )


def ask_all(
    engine: Engine, questions: Sequence[EvalQuestion], *, progress: bool = False
) -> list[QuestionResult]:
    """Ask each question once; a question the engine rejects counts as a miss."""
    from tqdm import tqdm

    results = []
    for question in tqdm(questions, desc="Asking", unit=" questions", disable=not progress):
        started = time.perf_counter()
        try:
            answer = engine.ask(question.question, as_of=question.as_of)
        except NewsbotError as exc:
            elapsed = (time.perf_counter() - started) * 1000
            results.append(
                QuestionResult(question.uid, question.gold, [], False, elapsed, str(exc))
            )
            continue
        elapsed = (time.perf_counter() - started) * 1000
        ranking = dedupe(p.chunk.article_id for p in answer.passages)
        quoted = (
            answer_quoted(question.answer, [c.quote for c in answer.citations])
            if question.answer
            else None
        )
        results.append(
            QuestionResult(
                question.uid, question.gold, ranking, answer.refused, elapsed, "", quoted
            )
        )
    return results


def run_eval(
    settings: Settings,
    corpus_path: Path,
    qrels_path: Path,
    *,
    as_of_field: str | None = None,
    limit: int | None = None,
    progress: bool = False,
    embedder: Embedder | None = None,
) -> EvalReport:
    """Ingest the corpus into a temporary store, ask every question, measure everything.

    The embedding model (and its ONNX export) comes from the user's data dir; only the
    store is temporary. `limit` asks the first N questions (the whole corpus is ingested).
    """
    corpus_path, qrels_path = Path(corpus_path), Path(qrels_path)
    corpus = load_corpus(corpus_path)
    questions = load_qrels(qrels_path, as_of_field=as_of_field, corpus_ids={p.id for p in corpus})
    if limit is not None:
        if limit < 1:
            raise EvalDataError(f"--limit must be at least 1, not {limit}.")
        questions = questions[:limit]
    embedder = embedder or get_embedder(settings)

    with tempfile.TemporaryDirectory(prefix="newsbot-eval-") as tmp:
        engine = Engine(_eval_settings(settings, Path(tmp), corpus_path), embedder=embedder)
        started = time.perf_counter()
        engine.warm_up()
        model_load_seconds = time.perf_counter() - started
        ingested = engine.ingest([str(corpus_path)], progress=progress)
        if not ingested.added:
            problem = ingested.errors[0] if ingested.errors else "no passage was stored"
            raise EvalDataError(f"The corpus could not be ingested: {problem}")
        for error in ingested.errors:
            log.warning("ingest: %s", error)
        results = ask_all(engine, questions, progress=progress)

    return EvalReport(
        system="newsbot",
        backend=embedder.backend,
        model=embedder.model_name,
        corpus=str(corpus_path),
        qrels=str(qrels_path),
        ingest=IngestStats(
            passages=ingested.added,
            chunks=ingested.chunks,
            seconds=ingested.seconds,
            stage_seconds={s: ingested.stage_seconds.get(s, 0.0) for s in STAGES},
            skipped=ingested.skipped,
            errors=len(ingested.errors),
        ),
        results=results,
        model_load_seconds=model_load_seconds,
        peak_memory_mb=peak_memory_mb(),
        top_k=settings.top_k,
    )
