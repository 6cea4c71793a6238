"""How often the extractive answerer's shortlist holds the sentence that answers.

    nice -n 10 .venv/bin/python bench/shortlist_recall.py [--data DIR]

(`--data` is the realtimeqa folder, as for bench/fit_answerability.py, whose cache of each
question's passages this script reads, or fills on its first run.)

For each RealTimeQA dev question (gold story kept), every sentence of its top passages is
ranked by `ExtractiveAnswerer._shortlist`, with the shipped `search_bonus` and `lede_bonus`
and a few others (0 and 0: focus words alone); printed: the share of questions whose first
k sentences hold one quoting the gold answer (`answer_quoted`), the ceiling (any sentence
does), and the Python time of the shipped shortlist. Then the fictional stories' answerable
questions (tests/retrieval/answer/test_extractive.py): where their quoted sentence ranks.
RealTimeQA's passages are one or two sentences long, so on dev the bonuses mostly rank
passages; the stories' articles are long enough to check the ranking within one.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import fit_answerability as fa  # noqa: E402
from retrieval.answer.extractive import (  # noqa: E402
    ExtractiveAnswerer,
    ExtractiveConfig,
    proper_names,
)
from retrieval.config import Settings  # noqa: E402
from retrieval.engine import Engine  # noqa: E402
from retrieval.eval.metrics import answer_quoted  # noqa: E402
from retrieval.records import Passage  # noqa: E402
from tests import stories  # noqa: E402
from tests.retrieval.answer.test_extractive import ANSWERABLE, SAMPLES  # noqa: E402

KS = (1, 2, 3, 5, 8, 10)
BONUSES = ((0.0, 0.0), (0.1, 0.1), (0.2, 0.2), (0.5, 0.5), (1.0, 1.0))


def first_answering(
    answerer: ExtractiveAnswerer, question: str, passages: list[Passage], quotes
) -> int | None:
    """The 1-based place of the first ranked sentence for which `quotes` holds, or None."""
    ranked = answerer._shortlist(question, passages, names=proper_names(question))
    return next((i for i, c in enumerate(ranked, 1) if quotes(c.text)), None)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=fa.REALTIMEQA, help="the realtimeqa folder")
    parser.add_argument("--cache", type=Path, default=fa.CACHE)
    args = parser.parse_args()
    fa.REALTIMEQA, fa.CACHE = args.data, args.cache
    questions = fa.load_questions()
    passages = fa.passages_per_question(questions, refresh=False)
    shipped = ExtractiveConfig()
    configs = [
        replace(shipped, shortlist=10**6, search_bonus=search, lede_bonus=lede)
        for search, lede in ((shipped.search_bonus, shipped.lede_bonus), *BONUSES)
    ]
    with tempfile.TemporaryDirectory() as work:
        eng = Engine(Settings(data_dir=Path(work), store_mode="embedded", chroma_host=None))
        eng.ingest_articles(stories.ALL)
        eng.ingest([str(SAMPLES)])
        found = {q: eng.search(q) for q, _ in ANSWERABLE}
        embedder = eng.embedder  # never asked to embed by `_shortlist`
        eng.close()
    spent = 0.0
    timed = ExtractiveAnswerer(embedder, shipped)
    for q in questions:
        start = time.perf_counter()
        timed._shortlist(q.text, passages[q.uid][0], names=proper_names(q.text))
        spent += time.perf_counter() - start
    n = len(questions)
    print(f"{n} dev questions; the shipped shortlist takes {1000 * spent / n:.2f} ms a question")
    print("search lede  " + "  ".join(f"   @{k}" for k in KS) + "  ceiling   stories' places")
    for config in configs:
        answerer = ExtractiveAnswerer(embedder, config)
        places = [
            first_answering(answerer, q.text, passages[q.uid][0],
                            lambda text, q=q: answer_quoted(q.answer, [text]))
            for q in questions
        ]  # fmt: skip
        recall = [sum(p is not None and p <= k for p in places) / n for k in KS]
        ceiling = sum(p is not None for p in places) / n
        fixtures = [
            first_answering(answerer, q, found[q], lambda text, quoted=quoted: quoted in text)
            for q, quoted in ANSWERABLE
        ]
        bonuses = f"{config.search_bonus:6.1f} {config.lede_bonus:4.1f}"
        at_k = "  ".join(f"{r:.3f}" for r in recall)
        print(f"{bonuses}  {at_k}   {ceiling:.3f}   {fixtures}")


if __name__ == "__main__":
    main()
