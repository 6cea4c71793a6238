"""Where the CPU of one `Engine.ask` goes, per stage, in a filled data dir.

    python bench/ask_profile.py --data-dir DIR [--questions 100] [--answers FILE] [--cprofile N]

Opens the engine on a data dir bench/scale_big.py filled with `--data-dir` (from its
snapshot, if there is one; no other process may be using the dir), asks its needle
questions once each (new questions: none is in the embedding cache) and reports per
stage the CPU milliseconds (`time.process_time`: every thread of this process, the
embedding model's included) and the wall milliseconds, p50 and mean over the
questions: the embedding (question and answer sentences), the store's HNSW query, the
BM25 terms, top k and candidate scores, the rest of the search, and the rest of the
answer. A stage called inside another is charged to the inner one only. Prints one
JSON object with a digest of the answers (texts, quotes, passages and scores), so two
versions of the code can be checked to answer alike; `--answers` writes them out,
`--cprofile N` prints the N costliest functions (cumulative) on stderr.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import pstats
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from scale_big import rss_mb, settings_for
from synthetic import articles

from retrieval.embed.embedder import Embedder
from retrieval.engine import Engine
from retrieval.eval.metrics import p50
from retrieval.index.bm25 import BM25Index
from retrieval.index.bm25_query import BM25Query
from retrieval.index.memory import SpaceIndex
from retrieval.index.search import Searcher


class Stages:
    """Inclusive CPU and wall time per stage; a stage entered inside another is charged
    to the inner one only (the outer one's figure excludes it)."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = defaultdict(float)
        self.wall: dict[str, float] = defaultdict(float)
        self._open: list[str] = []

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        cpu, wall = time.process_time(), time.perf_counter()
        self._open.append(name)
        try:
            yield
        finally:
            self._open.pop()
            spent_cpu, spent_wall = time.process_time() - cpu, time.perf_counter() - wall
            self.cpu[name] += spent_cpu
            self.wall[name] += spent_wall
            if self._open:  # the enclosing stage doesn't count this one
                self.cpu[self._open[-1]] -= spent_cpu
                self.wall[self._open[-1]] -= spent_wall

    def wrap(self, owner: Any, method: str, name: str) -> None:
        original: Callable[..., Any] = getattr(owner, method)

        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.stage(name):
                return original(*args, **kwargs)

        setattr(owner, method, timed)

    def take(self) -> tuple[dict[str, float], dict[str, float]]:
        taken = dict(self.cpu), dict(self.wall)
        self.cpu.clear()
        self.wall.clear()
        return taken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--needles", type=int, default=100)
    parser.add_argument("--answers", type=Path, help="write the answers here (JSON)")
    parser.add_argument("--cprofile", type=int, default=0, help="print the N costliest")
    args = parser.parse_args()
    stages = Stages()
    stages.wrap(Embedder, "encode", "embed")
    stages.wrap(Searcher, "index", "version check")
    stages.wrap(Searcher, "_nearest", "dense (HNSW)")
    stages.wrap(Searcher, "_rank", "rank")
    stages.wrap(Searcher, "search", "search, other")
    stages.wrap(SpaceIndex, "search", "index search, other")
    stages.wrap(BM25Index, "query", "bm25 terms")
    stages.wrap(BM25Query, "top", "bm25 top k")
    stages.wrap(BM25Query, "scores_of", "bm25 scores of candidates")
    stages.wrap(Engine, "ask", "answer, other")

    settings = settings_for(args.data_dir, None)
    engine = Engine(settings)
    items = list(articles(args.needles, seed=991))
    started = time.perf_counter()
    engine.ask("warm up: what did the mayor open?")
    first = time.perf_counter() - started
    stages.take()
    profile = cProfile.Profile() if args.cprofile else None
    per_question: dict[str, list[float]] = defaultdict(list)
    wall: dict[str, list[float]] = defaultdict(list)
    answers: list[dict[str, Any]] = []
    for item in items[: args.questions]:
        if profile:
            profile.enable()
        answer = engine.ask(item.question)
        if profile:
            profile.disable()
        cpu, spent = stages.take()
        for name in cpu:
            per_question[name].append(cpu[name] * 1000)
            wall[name].append(spent[name] * 1000)
        per_question["total"].append(sum(cpu.values()) * 1000)
        wall["total"].append(sum(spent.values()) * 1000)
        answers.append(
            {
                "text": answer.text,
                "quotes": [c.quote for c in answer.citations],
                "passages": [[p.chunk.id, p.score] for p in answer.passages],
            }
        )
    result = {
        "data_dir": str(args.data_dir),
        "questions": len(answers),
        "first_answer_s": round(first, 2),
        "rss_mb": round(rss_mb()),
        "cpu_ms_p50": {k: round(p50(v), 2) for k, v in per_question.items()},
        "cpu_ms_mean": {k: round(sum(v) / len(v), 2) for k, v in per_question.items()},
        "wall_ms_p50": {k: round(p50(v), 2) for k, v in wall.items()},
        "answers_sha1": hashlib.sha1(json.dumps(answers).encode()).hexdigest()[:12],
    }
    if args.answers:
        args.answers.write_text(json.dumps(answers, indent=1))
    print(json.dumps(result, indent=1))
    if profile:
        pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative").print_stats(args.cprofile)
    engine.close()


if __name__ == "__main__":
    main()
