"""Bytes and seconds per snapshot save after a few writes, and the reopen time after them.

    python bench/snapshot_saves.py --index DIR [--saves 5] [--articles 3] [--forget 1]

DIR is one space's snapshot folder (a copy of `<data_dir>/index/newsbot-shared` of a
bench/scale_big.py fill: it is written to). The snapshot is opened; then each round adds
`--articles` generated articles (chunked for real, random unit vectors: embedding is not
what is measured), forgets `--forget` stored chunks, and saves as the background saver
does (a still copy): bytes of the files the save created (and the manifest), seconds,
files in the folder. Then the folder is opened again (timed, with a first search) and searches of
the reopened index are compared with those of the index in memory. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import numpy as np
from scale_big import to_article
from synthetic import articles

from retrieval.index import snapshot
from retrieval.index.memory import SpaceIndex
from retrieval.ingest.chunking import chunk_article


def files_of(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in folder.iterdir()}


def results(index: SpaceIndex, seed: int) -> list[tuple[str, float, float]]:
    rng = np.random.default_rng(seed)
    query = rng.standard_normal(index.dimension).astype(np.float32)
    query /= np.linalg.norm(query)
    hits, scores = index.search(
        query, "harbor master approved ferry terminal", dense=40, lexical=20, max_day=None
    )
    return [(h.chunk.id, round(h.similarity, 5), round(scores[h.chunk.id], 4)) for h in hits]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--saves", type=int, default=5)
    parser.add_argument("--articles", type=int, default=3)
    parser.add_argument("--forget", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    found = snapshot.load(args.index)
    assert found is not None, "no whole snapshot there"
    index, version = found.index, found.version
    opened_s = time.perf_counter() - started
    rng = np.random.default_rng(13)
    generated = articles(args.saves * args.articles, seed=int(time.time()))
    saves = []
    for round_ in range(args.saves):
        for _ in range(args.articles):
            item = dataclasses.replace(next(generated), id=f"save-{time.time_ns()}")
            chunks = chunk_article(to_article(item))
            vectors = rng.standard_normal((len(chunks), index.dimension)).astype(np.float32)
            index.add(chunks, vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
        live = [cid for cid in index._ids[: 10 * args.forget + 10] if cid in index]
        index.remove(live[round_::10][: args.forget])
        version += 1
        before = files_of(args.index)
        started = time.perf_counter()
        assert snapshot.save(index.still(), args.index, version)
        seconds = time.perf_counter() - started
        after = files_of(args.index)
        new = [name for name in after if name not in before or name == "manifest.json"]
        written = sum(after[name] for name in new)
        saves.append({"bytes": written, "s": round(seconds, 3), "files": len(after)})
    started = time.perf_counter()
    again = snapshot.load(args.index)
    assert again is not None and again.version == version
    first = results(again.index, 0)
    reopened_s = time.perf_counter() - started
    same = first == results(index, 0) and all(
        results(again.index, seed) == results(index, seed) for seed in range(1, 20)
    )
    total = sum(p.stat().st_size for p in args.index.iterdir())
    print(json.dumps({
        "rows": len(index._ids), "opened_s": round(opened_s, 2), "saves": saves,
        "reopened_with_first_search_s": round(reopened_s, 2), "same_results": same,
        "folder_bytes": total,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
