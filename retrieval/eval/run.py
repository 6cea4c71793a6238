"""One evaluation run: ingest a corpus into a throwaway store, ask its questions, report.

    report = run_eval(settings, Path("passages.jsonl"), Path("qrels_dev.jsonl"),
                      as_of_field="question_date")
    print(report.to_table())

A question is a hit at k when the id of the passage that answers it is among the first k
*distinct* article ids the engine returns (several chunks of one article count once).
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from retrieval.config import Settings
from retrieval.embed.embedder import Embedder, get_embedder
from retrieval.engine import Engine
from retrieval.errors import EvalDataError, NewsbotError
from retrieval.eval.data import EvalQuestion, load_corpus, load_qrels
from retrieval.eval.metrics import STAGES, answer_quoted, dedupe, peak_memory_mb
from retrieval.eval.report import EvalReport, IngestStats, QuestionResult
from retrieval.records import Progress

log = logging.getLogger(__name__)

# -- one run -------------------------------------------------------------------------------


def _eval_settings(settings: Settings, data_dir: Path, corpus_path: Path) -> Settings:
    """The user's settings on a throwaway local store that the corpus file fits in."""
    return settings.model_copy(
        update={
            "data_dir": data_dir,
            "chroma_host": None,
            "store_mode": "embedded",  # a throwaway store only this process uses
            "max_source_bytes": max(settings.max_source_bytes, corpus_path.stat().st_size + 1),
        }
    )


def ask_all(
    engine: Engine, questions: Sequence[EvalQuestion], *, progress: Progress | None = None
) -> list[QuestionResult]:
    """Ask each question once; a question the engine rejects counts as a miss.

    `progress("ask", questions_asked, len(questions))` is called after each question."""
    results: list[QuestionResult] = []
    for question in questions:
        results.append(_ask_one(engine, question))
        if progress is not None:
            progress("ask", len(results), len(questions))
    return results


def _ask_one(engine: Engine, question: EvalQuestion) -> QuestionResult:
    started = time.perf_counter()
    try:
        answer = engine.ask(question.question, as_of=question.as_of)
    except NewsbotError as exc:
        elapsed = (time.perf_counter() - started) * 1000
        return QuestionResult(question.uid, question.gold, [], False, elapsed, str(exc))
    elapsed = (time.perf_counter() - started) * 1000
    ranking = dedupe(p.chunk.article_id for p in answer.passages)
    quoted = (
        answer_quoted(question.answer, [c.quote for c in answer.citations])
        if question.answer
        else None
    )
    return QuestionResult(question.uid, question.gold, ranking, answer.refused, elapsed, "", quoted)


def run_eval(
    settings: Settings,
    corpus_path: Path,
    qrels_path: Path,
    *,
    as_of_field: str | None = None,
    limit: int | None = None,
    progress: Progress | None = None,
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
