"""How often the bold words of a quote are the answer, on RealTimeQA dev.

    .venv/bin/python bench/emphasis_dev.py [--data ../shared/eval/realtimeqa/realtimeqa_dev.jsonl]

For each dev question that asks for a name, number, date or place (see
retrieval/answer/kinds.py), takes the first sentence of its evidence that holds the right
choice (the sentence the answerer should quote) and checks what `answer_span` bolds in it:
the answer (the span holds it, or lies within it), other words, or nothing. No model, no
store: it measures the choice of words alone, not the choice of sentence.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REALTIMEQA  # noqa: E402
from retrieval.answer.emphasis import answer_span  # noqa: E402
from retrieval.answer.kinds import asked_kinds  # noqa: E402

DEV = REALTIMEQA / "realtimeqa_dev.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEV)
    args = parser.parse_args()
    counts = {"answer": 0, "other words": 0, "nothing": 0}
    no_kind = no_kind_bold = 0
    for line in args.data.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        gold = row["choices"][int(row["answer"][0])]
        sentences = re.split(r"(?<=[.!?])\s+", row.get("evidence") or "")
        holding = [s for s in sentences if gold.casefold() in s.casefold()]
        if not holding:
            continue
        question, sentence = row["question_sentence"], holding[0]
        span = answer_span(question, sentence)
        if not asked_kinds(question):
            no_kind += 1
            no_kind_bold += span is not None
            continue
        if span is None:
            counts["nothing"] += 1
            continue
        bold, answer = sentence[span[0] : span[1]].casefold(), gold.casefold()
        right = answer in bold or (len(bold) >= 3 and bold in answer)
        counts["answer" if right else "other words"] += 1
    total = sum(counts.values())
    print(f"{total} dev questions asking a kind, with the answer in a sentence of the evidence:")
    for what, n in counts.items():
        print(f"  bold {what}: {n} ({n / total:.1%})")
    print(f"{no_kind} asking none of the kinds: {no_kind_bold} with bold words")


if __name__ == "__main__":
    main()
