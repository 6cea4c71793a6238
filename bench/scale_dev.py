"""RealTimeQA dev through the scale paths: the index built from the store, the same index
reopened from its snapshot, and dense candidates from chromadb's HNSW (approximate).

    python bench/scale_dev.py [--limit N]

Prints Hits@5 of `Engine.search` (as of each question's date) for each path, and the
recall of the approximate dense candidates against the exact ones (the share of the
exact top `dense_candidates` that the HNSW query also returned).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from common import REALTIMEQA

from retrieval.config import Settings
from retrieval.engine import Engine
from retrieval.eval.data import load_corpus, load_qrels
from retrieval.eval.metrics import dedupe, hits_at_k
from retrieval.index.store import date_ord


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int)
    args = parser.parse_args()
    corpus_path = REALTIMEQA / "passages.jsonl"
    corpus = load_corpus(corpus_path)
    questions = load_qrels(
        REALTIMEQA / "qrels_dev.jsonl",
        as_of_field="question_date",
        corpus_ids={p.id for p in corpus},
    )[: args.limit]
    gold = [q.gold for q in questions]
    with tempfile.TemporaryDirectory(prefix="newsbot-scale-dev-") as tmp:
        settings = Settings(_env_file=None, data_dir=Path(tmp), max_source_bytes=10**8)  # type: ignore[call-arg]
        built = Engine(settings)
        built.ingest([str(corpus_path)])

        def hits(engine: Engine) -> float:
            rankings = [
                dedupe(p.chunk.article_id for p in engine.search(q.question, as_of=q.as_of, k=10))
                for q in questions
            ]
            return hits_at_k(rankings, gold, 5)

        result = {"questions": len(questions), "built_hits_at_5": hits(built)}
        built.searcher.close()
        reopened = Engine(settings, embedder=built.embedder)
        result["snapshot_hits_at_5"] = hits(reopened)
        approximate = Engine(
            settings.model_copy(update={"exact_search_max_chunks": 0}), embedder=built.embedder
        )
        result["approximate_hits_at_5"] = hits(approximate)
        dense = approximate.searcher.weights.dense_candidates
        index, recall = reopened.searcher.index("shared"), []
        for q in questions:
            vector = built.embedder.encode_cached([q.question])[0]
            day = date_ord(q.as_of) if q.as_of else None
            exact, _ = index.search(vector, "", dense=dense, lexical=0, max_day=day)
            near = set(approximate.store.nearest("shared", vector, dense, day))
            recall.append(len({h.chunk.id for h in exact} & near) / max(len(exact), 1))
        result["approximate_dense_recall"] = sum(recall) / len(recall)
        print(json.dumps(result))


if __name__ == "__main__":
    main()
