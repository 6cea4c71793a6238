"""Do answers show both sides when a second outlet contradicts the true passage?

    nice -n 10 python bench/disagreement_dev.py [--data-dir DIR] [--limit N]
        [--values random|plausible] [--split dev|test]

For each RealTimeQA dev question whose gold passage spells out its answer, a copy of
that passage is made, attributed to another outlet and dated a day earlier, with the
answer replaced by another dev question's answer of the same kind (a name, number,
date or place; see retrieval/answer/kinds.py), or with --values plausible by a value a
second outlet might give (an answer to a question asking the same sort of thing, a
scaled number; one copy per gold passage). The copies are ingested beside all the
passages (the store is kept in --data-dir and reused), then each question is asked as
of its date. Reported: answers quoting both the true and the false value, only the
false one, only the true one, neither, refusals, answers flagged as a disagreement,
and quotes per answer. `--split test` builds the same set from the test questions, to
report once what was tuned on dev.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from common import REALTIMEQA, REPO

from retrieval.answer.kinds import Kind, asked_kinds, find_values
from retrieval.config import Settings
from retrieval.engine import Engine

EVAL = REALTIMEQA


def kind_of(question: str, answer: str) -> Kind | None:
    """The kind of `answer`: the first kind the question asks that it reads as, else the
    first kind it reads as whole."""
    kinds = [*asked_kinds(question), Kind.NUMBER, Kind.DATE, Kind.NAME]
    for kind in dict.fromkeys(kinds):
        found = find_values(answer, kind)
        if found and found[0].text == answer.strip():
            return kind
    return None


def read_lines(name: str) -> list[str]:
    return (EVAL / name).read_text().splitlines()


_ASKED_TYPE = re.compile(r"\b(?:which|what)\s+([a-z]+)|\b(who|when|where)\b", re.IGNORECASE)


def asked_type(question: str) -> str:
    """What sort of thing a question asks for, as the noun after "which"/"what" or the
    wh-word: "country" for "Which country…?", "who" for "Who won…?"."""
    match = _ASKED_TYPE.search(question)
    return (match[1] or match[2]).casefold() if match else ""


def plausible(case: dict, cases: list[dict], rng: random.Random) -> str | None:
    """Another value a second outlet might give: for a number, the true one scaled (its
    unit kept); else another dev answer of the same kind to a question asking for the
    same sort of thing (a country for a country), or of the same kind when none is."""
    answer, kind = case["answer"], case["kind"]
    if kind is Kind.NUMBER:
        match = re.search(r"\d[\d,]*(?:\.\d+)?", answer)
        if match:
            value = float(match[0].replace(",", ""))
            scaled = value * rng.choice([0.5, 0.75, 1.25, 1.5, 2.0])
            digits = len(match[0].split(".")[1]) if "." in match[0] else 0
            text = f"{scaled:,.{digits}f}" if "," in match[0] else f"{scaled:.{digits}f}"
            if text != match[0]:
                return answer[: match.start()] + text + answer[match.end() :]
    same = [c for c in cases if c["kind"] is kind and c is not case]
    typed = [c for c in same if asked_type(c["question"]) == asked_type(case["question"])]
    key = {v.key for v in find_values(answer, kind)}
    for pool in (typed, same):
        values = sorted(
            {
                c["answer"]
                for c in pool
                if c["answer"].casefold() != answer.casefold()
                and not key & {v.key for v in find_values(c["answer"], kind)}
                and c["answer"] not in case["gold"]["body"]
            }
        )
        if values:
            return rng.choice(values)
    return None


def counterfactuals(seed: int = 12, values: str = "random", split: str = "dev") -> list[dict]:
    passages = {p["id"]: p for p in map(json.loads, read_lines("passages.jsonl"))}
    qrels = [json.loads(line) for line in read_lines(f"qrels_{split}.jsonl")]
    outlets = sorted({p["source"] for p in passages.values() if p["source"]})
    cases = []
    for q in qrels:
        gold = passages.get(q["passage_id"])
        answer = q["answer"].strip()
        if not gold or not answer or answer not in gold["body"]:
            continue
        kind = kind_of(q["question"], answer)
        if kind is not None:
            cases.append({**q, "answer": answer, "kind": kind, "gold": gold})
    rng = random.Random(seed)
    by_kind: dict[Kind, list[str]] = {}
    for case in cases:
        by_kind.setdefault(case["kind"], []).append(case["answer"])
    out = []
    copied: set[str] = set()
    for case in cases:
        if values == "plausible":
            if case["gold"]["id"] in copied:
                continue  # one false copy per passage: another case's is no side of this
            copied.add(case["gold"]["id"])
            if (false := plausible(case, cases, rng)) is None:
                continue
            out.append({**case, "false": false, "copy": _copy(case, false, outlets, rng)})
            continue
        key = {v.key for v in find_values(case["answer"], case["kind"])}
        pool = [
            a
            for a in sorted(set(by_kind[case["kind"]]))
            if a.casefold() != case["answer"].casefold()
            and not key & {v.key for v in find_values(a, case["kind"])}
            and a not in case["gold"]["body"]
        ]
        if not pool:
            continue
        false = rng.choice(pool)
        out.append({**case, "false": false, "copy": _copy(case, false, outlets, rng)})
    return out


def _copy(case: dict, false: str, outlets: list[str], rng: random.Random) -> dict:
    """The gold passage as another outlet's, a day earlier, giving `false` instead."""
    gold = case["gold"]
    outlet = next(o for o in rng.sample(outlets, len(outlets)) if o != gold["source"])
    published = date.fromisoformat(gold["published_at"]) - timedelta(days=1)
    return {
        **gold,
        "id": f"cf-{gold['id']}-{case['uid']}",
        "body": gold["body"].replace(case["answer"], false),
        "source": outlet,
        "published_at": published.isoformat(),
        "url": "",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=str(REPO / "data" / "bench-disagreement"))
    parser.add_argument("--limit", type=int, default=0, help="ask only this many (0: all)")
    parser.add_argument(
        "--values",
        choices=("random", "plausible"),
        default="random",
        help="false values: another answer of the kind, or one of the sort asked (a "
        "country for a country, a scaled number), one copy per passage",
    )
    parser.add_argument(
        "--split",
        choices=("dev", "test"),
        default="dev",
        help="the questions (and false values) of this split; test is reported once",
    )
    args = parser.parse_args()
    name = args.values if args.split == "dev" else f"{args.values}-{args.split}"
    data_dir = Path(args.data_dir) / name
    data_dir.mkdir(parents=True, exist_ok=True)
    cases = counterfactuals(values=args.values, split=args.split)
    copies = data_dir / "counterfactuals.jsonl"
    copies.write_text("".join(json.dumps(c["copy"]) + "\n" for c in cases))
    engine = Engine(Settings(data_dir=data_dir / "store"))  # type: ignore[call-arg]
    started = time.perf_counter()
    report = engine.ingest([str(EVAL / "passages.jsonl"), str(copies)])
    print(f"ingest: {report.summary()} ({time.perf_counter() - started:.1f} s)")
    asked = cases[: args.limit] if args.limit else cases
    tally: Counter[str] = Counter()
    quotes = flagged = answered = 0
    for case in asked:
        answer = engine.ask(case["question"], as_of=date.fromisoformat(case["question_date"]))
        if answer.refused:
            tally["refused"] += 1
            continue
        answered += 1
        quotes += len(answer.citations)
        flagged += answer.disagreement
        text = " ".join(c.quote for c in answer.citations).casefold()
        true, false = case["answer"].casefold() in text, case["false"].casefold() in text
        tally["both" if true and false else "only false" if false else
              "only true" if true else "neither"] += 1  # fmt: skip
    n = len(asked)
    kinds = Counter(c["kind"].value for c in asked)
    print(f"{n} counterfactual cases ({dict(kinds)}), {len(cases)} built")
    for label in ("both", "only false", "only true", "neither", "refused"):
        print(f"  {label:<11} {tally[label]:>5}  {tally[label] / n:6.1%}")
    print(f"  flagged as disagreement: {flagged} of {answered} answers")
    print(f"  quotes per answer: {quotes / max(answered, 1):.2f}")


if __name__ == "__main__":
    main()
