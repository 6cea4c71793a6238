"""Many spaces in one process under NEWSBOT_INDEX_MEMORY_MB, without chromadb.

    python bench/scale_spaces.py [--spaces 200] [--chunks 5000] [--memory-mb 1024]

One space of `--chunks` generated chunks (random unit vectors: only memory is measured
here) is snapshotted once and hard-linked as `--spaces` spaces; a Searcher over a stub
store (every space at the snapshot's version) then opens them in turn, twice round,
asking one search in each. Prints the resident memory (VmRSS) after each round, how
many spaces stayed open, and the p50 time to open a closed space. What this leaves out:
chromadb's own memory, and the embedding model (a fixed ~250 MB).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from scale_big import rss_mb
from synthetic import articles

from retrieval.eval.metrics import p50
from retrieval.index import snapshot
from retrieval.index.memory import SpaceIndex
from retrieval.index.search import Searcher
from retrieval.records import Chunk


class StubStore:
    def version(self, space: str) -> str:
        return "v1"


class StubEmbedder:
    dimension = 384

    def encode_cached(self, texts: list[str]) -> np.ndarray:
        vector = np.random.default_rng(len(texts[0])).normal(size=(1, 384)).astype(np.float32)
        return vector / np.linalg.norm(vector)


def build(folder: Path, chunks: int) -> None:
    index = SpaceIndex(384)
    rng = np.random.default_rng(3)
    items = [
        Chunk(
            id=a.id,
            article_id=a.id,
            position=0,
            text=a.body,
            start=0,
            sentences=((0, len(a.body)),),
            title=a.title,
            source=a.source,
            published_at=a.published_at,
        )  # fmt: skip
        for a in articles(chunks)
    ]
    vectors = rng.normal(size=(chunks, 384)).astype(np.float32)
    index.add(items, vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
    snapshot.save(index, folder, "v1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spaces", type=int, default=200)
    parser.add_argument("--chunks", type=int, default=5000)
    parser.add_argument("--memory-mb", type=float, default=1024)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="newsbot-scale-spaces-"))
    try:
        names = [f"guild-{n}" for n in range(args.spaces)]
        first = snapshot.folder_of(work, names[0])
        build(first, args.chunks)
        for name in names[1:]:
            folder = snapshot.folder_of(work, name)
            folder.mkdir(parents=True)
            for path in first.iterdir():
                os.link(path, folder / path.name)
        store: Any = StubStore()
        searcher = Searcher(store, StubEmbedder(), snapshots=work, memory_mb=args.memory_mb)  # type: ignore[arg-type]
        result: dict[str, object] = {"spaces": args.spaces, "chunks_per_space": args.chunks}
        result |= {"memory_mb": args.memory_mb, "rss_start_mb": round(rss_mb())}
        for round_ in (1, 2):
            opened = []
            for name in names:
                started = time.perf_counter()
                searcher.search("harbor budget", spaces=[name], as_of=None, k=5)
                opened.append(time.perf_counter() - started)
            result[f"round{round_}_rss_mb"] = round(rss_mb())
            result[f"round{round_}_open_search_p50_ms"] = round(p50(opened) * 1000, 1)
        result["spaces_open"] = len(searcher._indexes)
        result["index_mb_each"] = round(next(iter(searcher._indexes.values())).nbytes / 1e6, 1)
        print(json.dumps(result))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
