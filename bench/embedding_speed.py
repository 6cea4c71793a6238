"""Embedding speed and agreement of the torch, onnx and onnx-int8 backends.

    python bench/embedding_speed.py [--repeats 3] [--out docs/benchmarks/embedding_speed.md]

Measures sentences/s (single news sentences) and chunks/s (200-word chunks, what
ingest embeds) per backend, and the cosine of each backend's vectors to torch's.
The text is RealTimeQA passages when ../shared is present, generated text otherwise.
Backends run in turn, `--repeats` times, and the median is reported: the machine is
shared, so single runs are noisy.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
from common import (
    DOCS,
    REALTIMEQA,
    load_average,
    machine,
    markdown_table,
    passage_bodies,
    sentences,
    text_table,
)
from synthetic import articles

from retrieval.config import Settings
from retrieval.embed.embedder import Embedder

BACKENDS = ("torch", "onnx", "onnx-int8")


def texts(n_sentences: int, n_chunks: int, chunk_words: int = 200) -> tuple[list[str], list[str]]:
    corpus = REALTIMEQA / "passages.jsonl"
    if corpus.exists():
        bodies = list(passage_bodies(corpus))
    else:
        bodies = [a.body for a in articles(4000, words=120)]
    lines = [s for body in bodies for s in sentences(body) if 6 <= len(s.split()) <= 40]
    words = " ".join(bodies).split()
    chunks = [
        " ".join(words[i : i + chunk_words]) for i in range(0, chunk_words * n_chunks, chunk_words)
    ]
    return lines[:n_sentences], chunks


def rate(embedder: Embedder, batch: list[str]) -> tuple[float, np.ndarray]:
    started = time.perf_counter()
    vectors = embedder.encode(batch)
    return len(batch) / (time.perf_counter() - started), vectors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentences", type=int, default=512)
    parser.add_argument("--chunks", type=int, default=96)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=Settings().embedding_batch_size)
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Settings().data_dir,
        help="where the ONNX exports are cached (default: newsbot's data dir)",
    )
    parser.add_argument("--out", type=Path, default=DOCS / "embedding_speed.md")
    args = parser.parse_args()  # fmt: skip

    load_before = load_average()
    lines, chunks = texts(args.sentences, args.chunks)
    embedders = {}
    for backend in BACKENDS:
        settings = Settings(
            data_dir=args.data_dir,
            embedding_backend=backend,  # type: ignore[arg-type]
            embedding_batch_size=args.batch_size,
        )
        embedders[backend] = Embedder(settings)
        embedders[backend].encode(chunks[:4])  # load (and export once) before timing

    speeds: dict[str, dict[str, list[float]]] = {
        backend: {"sentences": [], "chunks": []} for backend in BACKENDS
    }
    vectors: dict[str, dict[str, np.ndarray]] = {b: {} for b in BACKENDS}
    for _ in range(args.repeats):  # interleaved, so a busy moment hits every backend
        for backend, embedder in embedders.items():
            for kind, batch in (("sentences", lines), ("chunks", chunks)):
                per_second, vectors[backend][kind] = rate(embedder, batch)
                speeds[backend][kind].append(per_second)

    header = ["backend", "sentences/s", "chunks/s", "× torch (chunks)", "cosine to torch"]
    rows = []
    torch_chunks = statistics.median(speeds["torch"]["chunks"])
    for backend in BACKENDS:
        sims = np.concatenate([
            (vectors[backend][kind] * vectors["torch"][kind]).sum(axis=1)
            for kind in ("sentences", "chunks")
        ])  # fmt: skip
        chunk_rate = statistics.median(speeds[backend]["chunks"])
        rows.append([
            backend,
            f"{statistics.median(speeds[backend]['sentences']):.0f}",
            f"{chunk_rate:.1f}",
            f"{chunk_rate / torch_chunks:.2f}",
            f"min {sims.min():.4f}, mean {sims.mean():.4f}",
        ])  # fmt: skip
    print(text_table(header, rows))
    load = load_average()

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        "# Embedding speed per backend\n\n"
        f"all-MiniLM-L6-v2; {len(lines)} sentences ({np.mean([len(s.split()) for s in lines]):.0f} "
        f"words on average) and {len(chunks)} chunks of 200 words; batch size "
        f"{args.batch_size}; median of {args.repeats} interleaved runs. "
        "Cosine: each text's vector against the torch backend's.\n\n"
        f"{markdown_table(header, rows)}\n\n"
        f"Machine: {machine()}; 1-minute load average {load_before} before, {load} after "
        "(above the core count, the numbers are not to be trusted). "
        "Reproduce: `python bench/embedding_speed.py`.\n",
        encoding="utf-8",
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
