"""One space with many articles in a real chromadb store: do listing, summaries, ingesting
one more and forgetting one still work, and how long do they take?

    python bench/many_articles.py --articles 100000 [--data-dir DIR] [--json]

Articles are one chunk each with random unit vectors (no embedding); the last article is
ingested through the real `Engine` (so it is embedded), then a page of the list (the first
and the last, also with the shared space as `/sources` lists it), a search of the list
that matches nothing (`/forget`'s autocomplete), and it is forgotten. `--data-dir` keeps
the fill: run again on the same dir, it times the same steps without filling (the fill
takes ~8 min at 100,000), after one warm-up ingest and forget (`warm_up_s`: chromadb
opening the space, which the filling process had done already).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np

from retrieval import Article, Engine, Settings

BATCH = 5000
SPACE = "guild-1"


class RandomEncoder:
    """Random unit vectors, one per text (filling only: no question is asked of them)."""

    dimension = 384
    max_tokens = 256  # the bundled model's window; the fillers are one short chunk each

    def __init__(self) -> None:
        self.rng = np.random.default_rng(3)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [2 * len(text.split()) for text in texts]  # a word is a token or two

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
    parser.add_argument("--data-dir", type=Path, help="fill here once, reuse after (a temp dir)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    data = args.data_dir or Path(tempfile.mkdtemp(prefix="newsbot-many-")) / "data"
    filled = data.exists()
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
    for begin in range(0, 0 if filled else args.articles, BATCH):
        engine.ingest_articles(
            (filler(i) for i in range(begin, min(begin + BATCH, args.articles))), space=SPACE
        )
    result["fill_s"] = 0.0 if filled else round(time.perf_counter() - started, 1)
    engine.embedder._encoder = None  # the last article is embedded by the real model
    engine.embedder.encode(["load the model"])  # not part of the ingest's time

    def timed(name: str, call: object) -> object:
        began = time.perf_counter()
        value = call()  # type: ignore[operator]
        result[f"{name}_s"] = round(time.perf_counter() - began, 2)
        return value

    if filled:  # chromadb opens a space's segments on its first write and delete
        warm = dataclasses.replace(filler(args.articles), id="uwarm", body="Warm-up notice.")
        stored = lambda: engine.ingest_articles([warm], space=SPACE)  # noqa: E731
        timed("warm_up", lambda: (stored(), engine.forget("uwarm", space=SPACE)))
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    new = Article(id="unew", title="Pellmouth tram depot opens", body="The Pellmouth tram "
                  "depot opened on Tuesday; it cost 412 thousand crowns.",
                  source="Fenwick Herald", published_at=date(2026, 11, 3))  # fmt: skip
    report: object = timed("ingest_one", lambda: engine.ingest_articles([new], space=SPACE))
    result["ingest_added"] = report.added  # type: ignore[attr-defined]
    first: object = timed("first_page", lambda: engine.sources(spaces=[SPACE]))
    result["total_listed"] = first.total  # type: ignore[attr-defined]
    result["newest_listed"] = first.articles[0].id  # type: ignore[attr-defined]
    pages = first.pages  # type: ignore[attr-defined]
    last: object = timed("last_page", lambda: engine.sources(spaces=[SPACE], page=pages))
    result["last_page_articles"] = len(last.articles)  # type: ignore[attr-defined]
    both = ("shared", SPACE)  # as `/sources` in a server lists them
    timed("last_page_with_shared", lambda: engine.sources(spaces=both, page=pages))
    timed("find_none", lambda: engine.find_sources("no such title", spaces=[SPACE]))
    timed("forget", lambda: engine.forget("unew", space=SPACE))
    result["after_forget"] = engine.store.count(SPACE)
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before
    result["peak_rss_growth_mb"] = round(max(grown, 0) / 1024)  # the steps, past the fill's
    engine.close()
    print(json.dumps(result, indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
