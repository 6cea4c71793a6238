"""newsbot against the plain LangChain tutorial pipeline, on the same data, in one run.

    python bench/compare.py                      # RealTimeQA dev split (the default)
    python bench/compare.py --split test         # once, at the end of a piece of work
    python bench/compare.py --systems langchain,torch,onnx,onnx-int8 --limit 200

Systems: `langchain` (bench/baseline.py) and newsbot with each embedding backend named
(`torch`, `onnx`, `onnx-int8`). Each runs in its own child process, one after the other,
so peak memory is its own and no system warms the caches of the next. newsbot asks as of
each question's date (`--as-of-field`); the tutorial pipeline has no notion of dates.
Writes docs/benchmarks/compare_<split>.{md,json} and quality/latency/ingest PNGs.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from common import (
    DOCS,
    REALTIMEQA,
    cores,
    load_average,
    machine,
    markdown_table,
    text_table,
    wait_for_quiet,
)
from plots import label, plot_ingest, plot_latency, plot_quality

from retrieval.config import Settings
from retrieval.eval.metrics import p50, p95
from retrieval.eval.report import EvalReport
from retrieval.eval.run import run_eval

SYSTEMS = ("langchain", "torch", "onnx", "onnx-int8")
HEADER = ["system", "Hits@1", "Hits@5", "MRR@10", "refusals", "p50 ms", "p95 ms",
          "passages/s", "chunks/s", "chunks", "peak MB"]  # fmt: skip


def dataset(args: argparse.Namespace) -> str:
    if args.corpus == REALTIMEQA / "passages.jsonl":
        return f"RealTimeQA {args.split}"
    return f"{Path(args.corpus).name} / {Path(args.qrels).name}"


def run_system(system: str, args: argparse.Namespace) -> EvalReport:
    """One system, start to finish (runs in a child process)."""
    corpus, qrels = args.corpus, args.qrels
    if system == "langchain":
        from baseline import run_langchain

        return run_langchain(corpus, qrels, limit=args.limit)
    settings = Settings(data_dir=args.data_dir, embedding_backend=system)  # type: ignore[arg-type]
    return run_eval(settings, corpus, qrels, as_of_field=args.as_of_field or None, limit=args.limit)


def row(report: EvalReport) -> list[str]:
    refusals = report.refusal_rate
    return [
        label(report),
        f"{report.hits_at_1:.3f}",
        f"{report.hits_at_5:.3f}",
        f"{report.mrr_at_10:.3f}",
        "—" if refusals is None else f"{refusals:.1%}",
        f"{p50(report.latencies_ms):.1f}",
        f"{p95(report.latencies_ms):.1f}",
        f"{report.ingest.passages_per_s:.1f}",
        f"{report.ingest.chunks_per_s:.1f}",
        f"{report.ingest.chunks:,}",
        "—" if report.peak_memory_mb is None else f"{report.peak_memory_mb:,.0f}",
    ]


def ratios(report: EvalReport, base: EvalReport) -> list[str]:
    """How a system compares with the baseline: quality in points, speed as factors."""
    return [
        f"{label(report)} vs {label(base)}",
        f"{(report.hits_at_1 - base.hits_at_1) * 100:+.1f} pts",
        f"{(report.hits_at_5 - base.hits_at_5) * 100:+.1f} pts",
        f"{(report.mrr_at_10 - base.mrr_at_10) * 100:+.1f} pts",
        "",
        f"×{p50(report.latencies_ms) / p50(base.latencies_ms):.2f}",
        f"×{p95(report.latencies_ms) / p95(base.latencies_ms):.2f}",
        f"×{report.ingest.passages_per_s / base.ingest.passages_per_s:.2f}",
        f"×{report.ingest.chunks_per_s / base.ingest.chunks_per_s:.2f}",
        "",
        ""
        if report.peak_memory_mb is None or base.peak_memory_mb is None
        else f"×{report.peak_memory_mb / base.peak_memory_mb:.2f}",
    ]


def stage_rows(reports: list[EvalReport]) -> list[list[str]]:
    rows = []
    for report in reports:
        total = report.ingest.seconds
        cells = [f"{s:.1f} s ({s / total:.0%})" for s in report.ingest.stage_seconds.values()]
        rows.append([label(report), f"{total:.1f} s", *cells, f"{report.model_load_seconds:.1f} s"])
    return rows


def write_markdown(reports: list[EvalReport], args: argparse.Namespace, path: Path) -> None:
    base = next((r for r in reports if r.system == "langchain"), None)
    rows = [row(r) for r in reports]
    if base:
        rows += [ratios(r, base) for r in reports if r is not base]
    stages = list(reports[0].ingest.stage_seconds)
    split = args.split
    note = (
        "This is the **test** split, reported once at the end of a piece of work; nothing "
        "was tuned on it."
        if split == "test"
        else "This is the **dev** split: the search weights were tuned on it. The test split "
        "is reported once, in [compare_test.md](compare_test.md)."
    )
    as_of = f"`{args.as_of_field}`" if args.as_of_field else "today (no as-of field)"
    loads = "; ".join(
        f"{label(r)} {before} → {after}"
        for r, (before, after) in zip(reports, args.loads, strict=True)
    )
    text = f"""# newsbot vs the LangChain tutorial pipeline — {dataset(args)}

{len(reports[0].results):,} questions over {reports[0].ingest.passages:,} passages
(`{Path(args.corpus).name}`, `{Path(args.qrels).name}`). A question is a hit when the passage
that answers it is among the first k distinct passages returned. newsbot asks as of
{as_of}; the tutorial pipeline (RecursiveCharacterTextSplitter 1000/200,
HuggingFaceEmbeddings with the same all-MiniLM-L6-v2, langchain-chroma, `similarity_search`,
k=10) has no notion of dates. {note}

{markdown_table(HEADER, rows)}

Latency is per question, end to end: newsbot's includes composing the cited answer; the
tutorial's is the search alone. Peak memory is the child process's peak resident set size
(getrusage), model included. Refusals: questions newsbot declined to answer (the tutorial
pipeline never declines).

![quality](quality_{split}.png)
![latency](latency_{split}.png)

## Where ingest time goes

{markdown_table(["system", "ingest", *stages, "model load"], stage_rows(reports))}

![ingest](ingest_{split}.png)

Machine: {machine()}. 1-minute load average before → after each system (the machine
has {cores()} cores and is shared; a load above that slows every timing, torch's most):
{loads}. Reproduce: `python bench/compare.py --split {split}`.
"""
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("dev", "test"), default="dev")
    parser.add_argument("--corpus", type=Path, default=REALTIMEQA / "passages.jsonl")
    parser.add_argument("--qrels", type=Path, help="default: RealTimeQA qrels_<split>.jsonl")
    parser.add_argument(
        "--systems",
        default="langchain,torch,onnx-int8",
        help=f"comma-separated, from: {', '.join(SYSTEMS)}",
    )
    parser.add_argument(
        "--as-of-field",
        default="question_date",
        help="qrels date field newsbot asks as of ('' for today)",
    )
    parser.add_argument("--limit", type=int, help="ask only the first N questions")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Settings().data_dir,
        help="where newsbot caches its ONNX exports (stores are temporary)",
    )
    parser.add_argument("--out", type=Path, default=DOCS)
    parser.add_argument(
        "--wait-for-load",
        type=float,
        metavar="LOAD",
        help="before each system, wait (up to 15 min) for the 1-minute load "
        "average to fall below LOAD: on a shared machine, timings need quiet",
    )
    args = parser.parse_args()  # fmt: skip
    args.qrels = args.qrels or REALTIMEQA / f"qrels_{args.split}.jsonl"
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = sorted(set(systems) - set(SYSTEMS))
    if unknown:
        parser.error(f"unknown system(s): {', '.join(unknown)}; choose from {', '.join(SYSTEMS)}")

    reports, loads = [], []
    spawn = multiprocessing.get_context("spawn")
    for system in systems:
        wait_for_quiet(args.wait_for_load)
        print(f"running {system} …", flush=True)
        before = load_average()
        with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as child:
            reports.append(child.submit(run_system, system, args).result())
        loads.append((before, load_average()))
    args.loads = loads

    base = next((r for r in reports if r.system == "langchain"), None)
    rows = [row(r) for r in reports]
    if base:
        rows += [ratios(r, base) for r in reports if r is not base]
    print(text_table(HEADER, rows))

    out, split = args.out, args.split
    out.mkdir(parents=True, exist_ok=True)
    title = f"{dataset(args)}, {len(reports[0].results):,} questions"
    plot_quality(reports, out / f"quality_{split}.png", f"Retrieval quality — {title}")
    plot_latency(reports, out / f"latency_{split}.png", f"Latency per question — {title}")
    plot_ingest(
        reports, out / f"ingest_{split}.png", f"Ingest of {reports[0].ingest.passages:,} passages"
    )
    write_markdown(reports, args, out / f"compare_{split}.md")
    summary = {
        "machine": machine(),
        "reports": [
            {**r.to_json(), "load_average": {"before": before, "after": after}}
            for r, (before, after) in zip(reports, loads, strict=True)
        ],
    }
    (out / f"compare_{split}.json").write_text(json.dumps(summary, indent=2) + "\n", "utf-8")
    print(f"wrote {out}/compare_{split}.md, .json and quality/latency/ingest_{split}.png")


if __name__ == "__main__":
    main()
