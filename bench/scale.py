"""How newsbot's costs grow with the corpus: 10k, 30k and 100k chunks of generated news.

    python bench/scale.py [--steps 10000,30000,100000] [--backend onnx-int8]

Generated articles (bench/synthetic.py, about `--words` words: one chunk each) are
ingested in steps into one store; after each step: cumulative ingest time, store size on
disk, the first question of a new engine on that store (which loads the space's search
index from chromadb, as a restarted bot does), query latency p50/p95 over `--queries`
questions (end to end, `Engine.ask`), Hits@5 on those questions as a sanity check, and
the process's peak memory so far.
Not part of `make test`: it takes a while (about 15 minutes with onnx-int8 on 2 cores).
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import shutil
import tempfile
import time
from datetime import timedelta
from itertools import islice
from pathlib import Path

from common import DOCS, load_average, machine, markdown_table, text_table
from plots import plot_scale
from synthetic import SyntheticArticle, articles

from retrieval.config import EMBEDDING_BACKENDS, Settings
from retrieval.embed.embedder import get_embedder, resolve_backend
from retrieval.engine import Engine
from retrieval.eval.metrics import hits_at_k, p50, p95, peak_memory_mb
from retrieval.records import Article


def to_article(item: SyntheticArticle) -> Article:
    return Article(
        id=item.id, title=item.title, body=item.body, source=item.source,
        published_at=item.published_at, origin="synthetic",
    )  # fmt: skip


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def measure_queries(engine: Engine, sample: list[SyntheticArticle]) -> dict[str, float]:
    """Each question asked as of today, then as of a month after its article's date."""
    today, dated, rankings = [], [], []
    for item in sample:
        started = time.perf_counter()
        answer = engine.ask(item.question)
        today.append((time.perf_counter() - started) * 1000)
        rankings.append([p.chunk.article_id for p in answer.passages])
        started = time.perf_counter()
        engine.ask(item.question, as_of=item.published_at + timedelta(days=30))
        dated.append((time.perf_counter() - started) * 1000)
    return {
        "query_p50_ms": p50(today),
        "query_p95_ms": p95(today),
        "as_of_p50_ms": p50(dated),
        "as_of_p95_ms": p95(dated),
        "hits_at_5": hits_at_k(rankings, [item.id for item in sample], 5),
    }


def run(args: argparse.Namespace) -> list[dict[str, float]]:
    """Ingest step by step into one temporary store, measuring after each step."""
    steps = sorted(int(s) for s in args.steps.split(","))
    embedder = get_embedder(
        Settings(data_dir=args.data_dir, embedding_backend=args.backend)  # type: ignore[arg-type]
    )
    embedder.encode(["warm up"])
    work = Path(tempfile.mkdtemp(prefix="newsbot-scale-"))
    rows: list[dict[str, float]] = []
    try:
        settings = Settings(data_dir=work, embedding_backend=args.backend)  # type: ignore[arg-type]
        engine = Engine(settings, embedder=embedder)
        stream = articles(steps[-1], words=args.words)
        ingested: list[SyntheticArticle] = []
        ingest_seconds, chunks = 0.0, 0
        rng = random.Random(11)
        for step in steps:
            batch = list(islice(stream, step - len(ingested)))
            report = engine.ingest_articles(map(to_article, batch))
            ingest_seconds += report.seconds
            chunks += report.chunks
            ingested += batch
            sample = rng.sample(ingested, min(args.queries, len(ingested)))
            del engine  # as if the bot restarted: a new engine loads the index from the store
            gc.collect()
            engine = Engine(settings, embedder=embedder)
            started = time.perf_counter()
            engine.ask(sample[0].question)
            open_ms = (time.perf_counter() - started) * 1000
            row = {
                "articles": len(ingested),
                "chunks": chunks,
                "ingest_seconds": ingest_seconds,
                "step_chunks_per_s": report.chunks / report.seconds,
                "store_mb": folder_mb(work / "chroma"),
                "open_ms": open_ms,
                **measure_queries(engine, sample),
                "peak_memory_mb": peak_memory_mb() or 0.0,
                "load_average": float(load_average()) if load_average() != "?" else 0.0,
            }
            rows.append(row)
            print(json.dumps({k: round(v, 3) for k, v in row.items()}), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return rows


def write_report(data: dict, out: Path) -> None:
    """scale.md and scale.png from the measurements (as saved in scale.json)."""
    rows, backend = data["rows"], data["backend"]
    header = ["chunks", "ingest (cumulative)", "chunks/s (step)", "store on disk", "first question",
              "query p50 / p95", "as-of query p50 / p95", "Hits@5", "peak memory"]  # fmt: skip
    table = [
        [f"{r['chunks']:,.0f}", f"{r['ingest_seconds']:,.0f} s", f"{r['step_chunks_per_s']:.0f}",
         f"{r['store_mb']:,.0f} MB", f"{r['open_ms'] / 1000:,.1f} s",
         f"{r['query_p50_ms']:.0f} / {r['query_p95_ms']:.0f} ms",
         f"{r['as_of_p50_ms']:.0f} / {r['as_of_p95_ms']:.0f} ms", f"{r['hits_at_5']:.3f}",
         f"{r['peak_memory_mb']:,.0f} MB"]
        for r in rows
    ]  # fmt: skip
    print(text_table(header, table))
    plot_scale(rows, out / "scale.png", f"newsbot cost against corpus size ({backend})")
    (out / "scale.md").write_text(
        f"""# Cost against corpus size

Generated news articles of about {data["words"]} words (one chunk each), ingested in steps
into one store with the `{backend}` backend. Queries: {data["queries"]} generated
questions per step, asked end to end (`Engine.ask`) as of today (every article is older, so
nothing is excluded) and again as of a month after the article's date (later articles are
excluded); "first question" is the first one asked of a new engine on the store, which
loads the space's in-memory index (vectors, days, BM25) from chromadb. Hits@5 (as of
today) is a sanity check on generated questions (more articles share a place and a project
as the corpus grows), not a quality benchmark. Peak memory is the process's peak resident
set size so far (getrusage), model included.

{markdown_table(header, table)}

![scale](scale.png)

Machine: {data["machine"]}. Reproduce: `python bench/scale.py`; `--replot` redraws this
page and the plot from scale.json.
""",
        encoding="utf-8",
    )
    print(f"wrote {out}/scale.md, scale.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", default="10000,30000,100000", help="chunk counts")
    parser.add_argument("--backend", default="auto", choices=EMBEDDING_BACKENDS)
    parser.add_argument("--words", type=int, default=80, help="words per generated article")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Settings().data_dir,
        help="where newsbot caches its ONNX exports (the store is temporary)",
    )
    parser.add_argument("--out", type=Path, default=DOCS)
    parser.add_argument(
        "--replot",
        action="store_true",
        help="only redraw scale.md and scale.png from OUT/scale.json",
    )
    args = parser.parse_args()  # fmt: skip
    args.out.mkdir(parents=True, exist_ok=True)
    saved = args.out / "scale.json"
    if args.replot:
        write_report(json.loads(saved.read_text(encoding="utf-8")), args.out)
        return
    where = machine()  # the code and machine the run starts on
    rows = run(args)
    backend = resolve_backend(Settings(embedding_backend=args.backend))  # type: ignore[arg-type]
    data = {"machine": where, "backend": backend, "words": args.words,
            "queries": args.queries, "rows": rows}  # fmt: skip
    saved.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    write_report(data, args.out)


if __name__ == "__main__":
    main()
