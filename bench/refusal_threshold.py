"""Measure where the extractive answerer's refusal threshold should sit.

    .venv/bin/python bench/refusal_threshold.py [--backend auto|torch|onnx|onnx-int8]
                                                [--refusal relevance|learned]

Asks the answerable and unanswerable questions of tests/retrieval/answer/test_extractive.py over
the same fictional stories and prints the relevance of each question's best sentence.
`min_score` in retrieval/answer/extractive.py must sit in the gap between the two groups for
every backend of the bundled model. With `--refusal learned` it prints the probability that
retrieval/answer/answerability.py gives the best sentence (its threshold is fitted on
RealTimeQA dev by bench/fit_answerability.py; these questions are the second check).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from retrieval.answer.extractive import ExtractiveAnswerer, ExtractiveConfig  # noqa: E402
from retrieval.config import EMBEDDING_BACKENDS, Settings  # noqa: E402
from retrieval.embed.embedder import get_embedder  # noqa: E402
from retrieval.engine import Engine  # noqa: E402
from tests import stories  # noqa: E402
from tests.retrieval.answer.test_extractive import (  # noqa: E402
    ANSWERABLE,
    NEAR_TOPIC,
    SAMPLES,
    UNANSWERABLE,
)


def extractive(engine: Engine) -> ExtractiveAnswerer:
    assert isinstance(engine.answerer, ExtractiveAnswerer), "set NEWSBOT_LLM=none"
    return engine.answerer


def best_relevance(engine: Engine, question: str) -> float:
    return extractive(engine).score(question, engine.search(question)).best_relevance


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", default="auto", choices=EMBEDDING_BACKENDS)
    parser.add_argument("--refusal", default="relevance", choices=("relevance", "learned"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        settings = Settings(data_dir=Path(work), embedding_backend=args.backend)
        embedder = get_embedder(settings)
        config = ExtractiveConfig(refusal=args.refusal)
        engine = Engine(settings, embedder=embedder, answerer=ExtractiveAnswerer(embedder, config))
        engine.ingest_articles(stories.ALL)
        engine.ingest([str(SAMPLES)])
        groups = {
            "answerable": [q for q, _ in ANSWERABLE],
            "unanswerable": UNANSWERABLE + NEAR_TOPIC,
        }
        cfg = extractive(engine).config
        threshold = cfg.min_probability if args.refusal == "learned" else cfg.min_score
        print(f"backend {engine.embedder.backend}, {args.refusal} refusal at {threshold:.2f}")
        lowest: dict[str, float] = {}
        for name, questions in groups.items():
            scores = sorted(((best_relevance(engine, q), q) for q in questions), reverse=True)
            print(f"\n{name}:")
            for score, question in scores:
                print(f"  {score:6.3f}  {question}")
            lowest[name] = scores[-1][0] if name == "answerable" else scores[0][0]
        print(
            f"\ngap: unanswerable up to {lowest['unanswerable']:.3f}, "
            f"answerable from {lowest['answerable']:.3f}"
        )


if __name__ == "__main__":
    main()
