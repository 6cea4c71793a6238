"""Tune the hybrid search weights on the RealTimeQA dev split (never on test).

    python bench/tune_search.py [--data-dir /tmp/newsbot-tune] [--split dev]

Ingests passages.jsonl once (kept in --data-dir), collects each question's candidates
(dense similarity, BM25, date) once, then scores every weight combination on them.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from datetime import date
from pathlib import Path

import numpy as np

from retrieval.config import Settings
from retrieval.engine import Engine
from retrieval.index.search import SearchWeights
from retrieval.index.store import date_ord

EVAL = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "realtimeqa"


def collect(engine: Engine, questions: list[dict], with_as_of: bool) -> list[dict]:
    weights = engine.searcher.weights
    index = engine.searcher.index("shared")
    vectors = engine.embedder.encode([q["question"] for q in questions])  # one batch: fast
    rows = []
    for q, vector in zip(questions, vectors, strict=True):
        as_of = date.fromisoformat(q["question_date"]) if with_as_of else None
        hits, bm25 = index.search(
            vector,
            q["question"],
            dense=weights.dense_candidates,
            lexical=weights.lexical_candidates,
            max_day=date_ord(as_of) if as_of else None,
        )
        rows.append(
            {
                "gold": q["passage_id"],
                "articles": [h.chunk.article_id for h in hits],
                "dense": np.array([h.similarity for h in hits]),
                "bm25": np.array([bm25[h.chunk.id] for h in hits]),
                "age": np.array(
                    [
                        (as_of - h.chunk.published_at).days
                        if as_of and h.chunk.published_at
                        else 1e9
                        for h in hits
                    ]
                ),
            }
        )
    return rows


def evaluate(rows: list[dict], lexical: float, recency: float, half_life: float):
    hits1 = hits5 = mrr = 0.0
    for row in rows:
        best = max(row["bm25"].max(), 1e-9)
        score = row["dense"] + lexical * row["bm25"] / best
        score = score + recency * np.power(2.0, -np.maximum(row["age"], 0) / half_life)
        order = np.argsort(-score)
        ranked = list(dict.fromkeys(row["articles"][i] for i in order))[:10]
        if row["gold"] in ranked:
            r = ranked.index(row["gold"]) + 1
            hits1 += r == 1
            hits5 += r <= 5
            mrr += 1 / r
    n = len(rows)
    return hits1 / n, hits5 / n, mrr / n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default="/tmp/newsbot-tune")
    parser.add_argument("--split", default="dev", choices=["dev"])
    args = parser.parse_args()
    engine = Engine(Settings(data_dir=Path(args.data_dir)))
    started = time.perf_counter()
    report = engine.ingest([str(EVAL / "passages.jsonl")])
    print(f"ingest: {report.summary()} ({time.perf_counter() - started:.1f} s)")
    with open(EVAL / f"qrels_{args.split}.jsonl") as lines:
        questions = [json.loads(line) for line in lines]
    plain = collect(engine, questions, with_as_of=False)
    dated = collect(engine, questions, with_as_of=True)
    print(f"{len(questions)} questions; columns: H1 H5 MRR without as_of | with as_of")
    baseline = (*evaluate(plain, 0, 0, 1), *evaluate(dated, 0, 0, 1))
    print("dense only:            " + " ".join(f"{v:.3f}" for v in baseline))
    results = []
    for lex, rec, hl in itertools.product(
        [0, 0.1, 0.15, 0.2, 0.25, 0.3], [0, 0.1, 0.2, 0.3, 0.4, 0.5], [2, 3, 5, 7, 14, 30]
    ):
        scores = (*evaluate(plain, lex, rec, hl), *evaluate(dated, lex, rec, hl))
        results.append(((lex, rec, hl), scores))
    results.sort(key=lambda r: r[1][2] + r[1][5], reverse=True)  # both MRRs
    for (lex, rec, hl), scores in results[:12]:
        print(f"lex={lex} rec={rec} hl={hl}: " + " ".join(f"{v:.3f}" for v in scores))
    w = SearchWeights()
    scores = (
        *evaluate(plain, w.lexical, w.recency, w.half_life_days),
        *evaluate(dated, w.lexical, w.recency, w.half_life_days),
    )
    print(
        f"defaults {w.lexical}/{w.recency}/{w.half_life_days}: "
        + " ".join(f"{v:.3f}" for v in scores)
    )
    for lex, rec, hl in [
        (0.2, 0.2, 7),
        (0.2, 0.3, 7),
        (0.2, 0.3, 14),
        (0.2, 0.4, 7),
        (0.2, 0.3, 5),
    ]:
        scores = (*evaluate(plain, lex, rec, hl), *evaluate(dated, lex, rec, hl))
        print(f"lex={lex} rec={rec} hl={hl}: " + " ".join(f"{v:.3f}" for v in scores))


if __name__ == "__main__":
    main()
