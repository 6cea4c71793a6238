"""One space with many articles in a real chromadb store: do listing, summaries, ingesting
one more and forgetting one still work, and how long do they take?

    python bench/many_articles.py --articles 100000 [--json]

Articles are one chunk each with random unit vectors (no embedding); the last article is
ingested through the real `Engine` (so it is embedded), then the first and the last page
of the listing are read, and the article forgotten. Reports each step's seconds and the
process's resident memory after the listing.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np
from scale_big import rss_mb

from retrieval import Article, Engine, Settings

BATCH = 5000
SPACE = "guild-1"


class RandomEncoder:
    """Random unit vectors, one per text (filling only: no question is asked of them)."""

    dimension = 384
    max_tokens = 256

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(text.split()) * 2 for text in texts]  # the fillers fit any chunk

    def __init__(self) -> None:
        self.rng = np.random.default_rng(3)

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        vectors = self.rng.normal(size=(len(texts), self.dimension)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def filler(n: int) -> Article:
    body = f"Notice {n}: the harbour wall section {n} was inspected."
    day = date(2026, 1 + n % 12, 1 + n % 28)
    return Article(id=f"a{n}", title=f"Harbour notice {n}", body=body,
                   source="Fenwick Herald", published_at=day)  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="newsbot-many-")) / "data"
    settings = Settings(
        _env_file=None,
        data_dir=data,
        store_mode="embedded",
        model_cache_dir=Path.home() / ".cache" / "newsbot-bench",
    )  # type: ignore[call-arg]
    engine = Engine(settings)
    result: dict[str, float | int | str] = {"articles": args.articles}
    engine.embedder._encoder = RandomEncoder()  # the real store, no model: fill is fast
    started = time.perf_counter()
    for begin in range(0, args.articles, BATCH):
        engine.ingest_articles(
            (filler(i) for i in range(begin, min(begin + BATCH, args.articles))), space=SPACE
        )
    result["fill_s"] = round(time.perf_counter() - started, 1)
    engine.embedder._encoder = None  # the last article is embedded by the real model
    engine.embedder.encode(["load the model"])  # not part of the ingest's time

    def timed(name: str, call: object) -> object:
        began = time.perf_counter()
        value = call()  # type: ignore[operator]
        result[f"{name}_s"] = round(time.perf_counter() - began, 2)
        return value

    new = Article(id="unew", title="Pellmouth tram depot opens", body="The Pellmouth tram "
                  "depot opened on Tuesday; it cost 412 thousand crowns.",
                  source="Fenwick Herald", published_at=date(2026, 11, 3))  # fmt: skip
    report: object = timed("ingest_one", lambda: engine.ingest_articles([new], space=SPACE))
    result["ingest_added"] = report.added  # type: ignore[attr-defined]
    listed: object = timed("sources_page", lambda: engine.sources(spaces=[SPACE]))
    result["sources_total"] = listed.total  # type: ignore[attr-defined]
    result["sources_first"] = listed.articles[0].id  # type: ignore[attr-defined]
    pages = listed.pages  # type: ignore[attr-defined]
    timed("sources_last_page", lambda: engine.sources(spaces=[SPACE], page=pages))
    result["rss_mb"] = round(rss_mb())
    timed("forget", lambda: engine.forget("unew", space=SPACE))
    result["after_forget"] = engine.store.count(SPACE)
    engine.close()
    print(json.dumps(result, indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
