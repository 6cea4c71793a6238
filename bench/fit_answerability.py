"""Fit the extractive answerer's answerability scorer on the RealTimeQA dev split.

    nice -n 10 .venv/bin/python bench/fit_answerability.py [--data DIR] [--folds 5] [--refresh]
        [--stage sentence|confidence|both|report] [--seed N] [--split dev|test]

(`--data` is the realtimeqa folder: ../shared/eval/realtimeqa of the main checkout by default;
from a worktree pass /work/shared/eval/realtimeqa.)

Every dev question is asked twice: as it is (answerable) and with its gold passage and
that story's copies removed from the corpus (unanswerable). A candidate sentence is a
positive example when it quotes the gold answer (`answer_quoted`). The script fits a
logistic regression (numpy, L2) over `answerability.FEATURES`, chooses the threshold by
k-fold cross-validation by question, prints the cross-validated dev figures (right,
wrong, refused answerable, refused unanswerable, quotes per answer) and the coefficients
to paste into retrieval/answer/answerability.py.

The confidence stage then asks the default answerer (the hand-set rule, with the sentence
weights in the code) every question and variant, and fits whether its answer is right
from its first quote's `answerability.CONFIDENCE_FEATURES`, with the same cross-validated
table and the fixtures' (and the seed article's) confidences at the end.

Slow steps are cached under ../cache/scorer/ (delete it, or pass --refresh, after a
change to chunking, search or the shortlist): the ingested dev corpus, the passages of
each question with and without its gold story, and the shortlisted sentences with their
cosines (not their features: a new feature needs no new embedding). Refitting from the
cache takes about a minute. It ends with the fictional fixtures' questions
(tests/retrieval/answer/test_extractive.py), scored with the fitted weights: the second
check, not fitted on.

`--stage report` fits nothing: it asks the shipped answerer every question of `--split`
with and without its gold story and prints right, wrong and both kinds of refusal. That
is how the test split is reported, once.
"""

from __future__ import annotations

import argparse
import json
import pickle
import re
import sys
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REALTIMEQA, REPO  # noqa: E402
from retrieval.answer import answerability  # noqa: E402
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
from tests.retrieval.answer.test_extractive import (  # noqa: E402
    ANSWERABLE,
    NEAR_TOPIC,
    SAMPLES,
    UNANSWERABLE,
)

CACHE = REPO.parent / "cache" / "scorer"
# A copy of the gold story: a passage sharing half its words with the gold passage, or one
# that states the gold answer and shares a tenth of them (the same story retold by another
# quiz: "Title 42 … set to expire in May" / "On May 23 … lift … Title 42").
COPY_JACCARD = 0.5
RETOLD_JACCARD = 0.1
SEARCH_K = 20  # searched, before the gold story is removed; the answerer reads the first 5


@dataclass(frozen=True, slots=True)
class Question:
    uid: str
    text: str
    answer: str
    gold: str
    as_of: date


def load_questions(split: str = "dev") -> list[Question]:
    rows = [json.loads(line) for line in (REALTIMEQA / f"qrels_{split}.jsonl").open()]
    return [
        Question(r["uid"], r["question"], r["answer"], r["passage_id"],
                 date.fromisoformat(r["question_date"]))
        for r in rows
    ]  # fmt: skip


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.casefold()))


def story_copies(q: Question, bodies: dict[str, str], words: dict[str, set[str]]) -> set[str]:
    """The gold passage and the passages that are copies of its story (word Jaccard)."""
    mine = words[q.gold]
    copies = {q.gold}
    for pid, theirs in words.items():
        union = len(mine | theirs)
        shared = len(mine & theirs) / union if union else 0.0
        retold = shared >= RETOLD_JACCARD and answer_quoted(q.answer, [bodies[pid]])
        if shared >= COPY_JACCARD or retold:
            copies.add(pid)
    return copies


def engine() -> Engine:
    settings = Settings(
        data_dir=CACHE / "store", store_mode="embedded", chroma_host=None, top_k=SEARCH_K
    )
    return Engine(settings)


def passages_per_question(
    questions: list[Question], refresh: bool, split: str = "dev"
) -> dict[str, tuple]:
    """{uid: (passages as searched, passages without the gold story)}, cached."""
    path = CACHE / ("passages.pkl" if split == "dev" else f"passages_{split}.pkl")
    if path.exists() and not refresh:
        return pickle.loads(path.read_bytes())
    corpus = [json.loads(line) for line in (REALTIMEQA / "passages.jsonl").open()]
    bodies = {p["id"]: p["body"] for p in corpus}
    words = {pid: _words(body) for pid, body in bodies.items()}
    eng = engine()
    report = eng.ingest([str(REALTIMEQA / "passages.jsonl")])
    print(f"ingest: {report.added} added, {report.skipped} skipped", file=sys.stderr)
    out: dict[str, tuple] = {}
    for n, q in enumerate(questions, 1):
        found = eng.search(q.text, as_of=q.as_of, k=SEARCH_K)
        removed = story_copies(q, bodies, words)
        kept = [p for p in found if p.chunk.article_id not in removed]
        without = [Passage(p.chunk, p.score, i) for i, p in enumerate(kept, 1)]
        out[q.uid] = (found, without)
        if n % 100 == 0:
            print(f"searched {n}/{len(questions)}", file=sys.stderr)
    eng.close()
    path.write_bytes(pickle.dumps(out))
    return out


def scored_candidates(questions: list[Question], passages: dict[str, tuple], refresh: bool):
    """{(question index, unanswerable?): (candidates, cosines)}, cached: the features are
    computed from them at fitting time, so a new feature needs no new embedding."""
    path = CACHE / "scored.pkl"
    if path.exists() and not refresh:
        return pickle.loads(path.read_bytes())
    eng = engine()
    answerer = eng.answerer
    assert isinstance(answerer, ExtractiveAnswerer), "set NEWSBOT_LLM=none"
    out = {}
    for n, q in enumerate(questions):
        for unanswerable, found in enumerate(passages[q.uid]):
            scored = answerer.score(q.text, found)
            if scored.candidates:
                out[(n, unanswerable)] = (scored.candidates, scored.cosines)
        if (n + 1) % 100 == 0:
            print(f"scored {n + 1}/{len(questions)}", file=sys.stderr)
    eng.close()
    path.write_bytes(pickle.dumps(out))
    return out


def fixture_candidates():
    """The fictional stories' questions (tests/retrieval/answer/test_extractive.py), scored
    over those stories: [(question, unanswerable?, the words the quote must hold,
    candidates, cosines)]. Short questions on titled articles, unlike the quiz's."""
    with tempfile.TemporaryDirectory() as work:
        eng = Engine(Settings(data_dir=Path(work), store_mode="embedded", chroma_host=None))
        eng.ingest_articles(stories.ALL)
        eng.ingest([str(SAMPLES)])
        answerer = eng.answerer
        assert isinstance(answerer, ExtractiveAnswerer), "set NEWSBOT_LLM=none"
        asked = [(q, 0, quoted) for q, quoted in ANSWERABLE]
        asked += [(q, 1, "") for q in UNANSWERABLE + NEAR_TOPIC]
        out = []
        for question, unanswerable, quoted in asked:
            scored = answerer.score(question, eng.search(question))
            out.append((question, unanswerable, quoted, scored.candidates, scored.cosines))
        eng.close()
    return out


def candidate_rows(questions: list[Question], scored: dict):
    """Rows of (question index, unanswerable?, quotes the answer?, text, article, features)."""
    rows = []
    for (n, unanswerable), (candidates, cosines) in sorted(scored.items()):
        q = questions[n]
        x = answerability.features(q.text, candidates, cosines, names=proper_names(q.text))
        for c, xi in zip(candidates, x, strict=True):
            rows.append((n, unanswerable, answer_quoted(q.answer, [c.text]),
                         c.text, c.chunk.article_id, xi))  # fmt: skip
    return rows


def confidence_rows(
    questions: list[Question], passages: dict[str, tuple], eng: Engine, config: dict
):
    """The second stage's examples: every question and variant the hand-set rule answers,
    as (question index, unanswerable?, right?, its first quote's
    `answerability.CONFIDENCE_FEATURES`, quotes shown, whether they disagree); and the
    number the rule refuses of each variant. Right means the answer quotes the gold
    answer and the gold story was searched. (Fitting each quote on whether it holds the
    answer, an answer's confidence its best quote's, did worse: 39.8 % right at 78.2 %
    refused.)"""
    answerer = ExtractiveAnswerer(eng.embedder, ExtractiveConfig(**{**config, "min_confidence": 0}))
    rows, refused = [], [0, 0]
    for n, q in enumerate(questions):
        for unanswerable, found in enumerate(passages[q.uid]):
            answer = answerer.answer(q.text, found, as_of=q.as_of)
            scored = answerer.score(q.text, found)
            chosen, _ = answerer.pick(q.text, scored)
            if answer.refused or not chosen:
                refused[unanswerable] += 1
                continue
            right = not unanswerable and answer_quoted(
                q.answer, [c.quote for c in answer.citations]
            )
            x = answerer.confidence_features(q.text, found, scored, chosen[0])
            rows.append((n, unanswerable, right, x, len(answer.citations), answer.disagreement))
    return rows, refused


def shipped_figures(questions: list[Question], passages: dict[str, tuple], config: dict) -> None:
    """What the shipped answerer (its thresholds, the weights in the code) does with
    every question and variant: nothing is fitted, so this is how the test split is
    reported, once."""
    eng = engine()
    answerer = ExtractiveAnswerer(eng.embedder, ExtractiveConfig(**config))
    right = wrong = refused_unans = disputed = 0
    quotes: list[int] = []
    for q in questions:
        found, without = passages[q.uid]
        answer = answerer.answer(q.text, found, as_of=q.as_of)
        if not answer.refused:
            quoted = answer_quoted(q.answer, [c.quote for c in answer.citations])
            right += quoted
            wrong += not quoted
            quotes.append(len(answer.citations))
            disputed += answer.disagreement
        refused_unans += answerer.answer(q.text, without, as_of=q.as_of).refused
    eng.close()
    n = len(questions)
    print(f"{n} questions, each asked with and without its gold story:")
    print(f"  right                  {right / n:6.1%}  ({right})")
    print(f"  wrong                  {wrong / n:6.1%}  ({wrong})")
    print(f"  answerable refused     {1 - len(quotes) / n:6.1%}  ({n - len(quotes)})")
    print(f"  unanswerable refused   {refused_unans / n:6.1%}  ({refused_unans})")
    print(f"  quotes per answer      {np.mean(quotes or [0]):.2f}")
    print(f"  flagged as disagreement {disputed} of {len(quotes)} answers")


def fit_confidence(
    questions, passages, folds: int, min_right: float, seed: int, config: dict
) -> None:
    """Fit, cross-validate and print the second stage (answerability.confidence), then
    score the fixtures' answers with it."""
    eng = engine()
    rows, refused = confidence_rows(questions, passages, eng, config)
    n = len(questions)
    x = np.array([r[3] for r in rows])
    y = np.array([float(r[2]) for r in rows])
    qs = np.array([r[0] for r in rows])
    fold_of = np.random.default_rng(seed).permutation(n) % folds
    p = np.zeros(len(rows))
    for f in range(folds):
        test = fold_of[qs] == f
        p[test] = prob(fit(x[~test], y[~test]), x[test])
    # (question, variant): [confidence, right, quotes, disputed]
    answers = {(r[0], r[1]): [float(pi), r[2], r[4], r[5]] for r, pi in zip(rows, p, strict=True)}
    # the gate asks more of a long question and less of a very short one
    # (ExtractiveAnswerer.confidence_offset), and at most `disputed_confidence` of an
    # answer whose quotes disagree
    answerer = ExtractiveAnswerer(eng.embedder, ExtractiveConfig(**config))
    print(
        f"\nconfidence stage: {len(answers)} answers of {2 * n} (refused by the rule: "
        f"{refused[0]} answerable, {refused[1]} unanswerable), {int(y.sum())} right"
    )
    print(f"{folds}-fold CV by question, seed {seed}:")
    print("threshold  right  wrong  refused-ans  refused-unans  quotes")
    keeping = []
    for t in [round(t, 2) for t in np.arange(0.0, 0.61, 0.01)]:
        shown = {
            k: a
            for k, a in answers.items()
            if a[0] >= answerer.confidence_needed(questions[k[0]].text, a[3], t)
        }
        ans = [a for k, a in shown.items() if k[1] == 0]
        right = sum(a[1] for a in ans) / n
        wrong = sum(not a[1] for a in ans) / n
        refused_unans = 1 - sum(k[1] == 1 for k in shown) / n
        quotes = np.mean([a[2] for a in ans] or [0])
        if right >= min_right:
            keeping.append((t, right, refused_unans))
        print(f"  {t:5.2f}   {right:.3f}  {wrong:.3f}    {1 - len(ans) / n:.3f}        "
              f"{refused_unans:.3f}       {quotes:.2f}")  # fmt: skip
    if keeping:
        print(f"highest threshold keeping right >= {min_right}: {keeping[-1]}")
    w = fit(x, y)
    print_weights("CONFIDENCE_", answerability.CONFIDENCE_FEATURES, w)
    eng.close()
    print("\nthe fictional fixtures' answers (not fitted on), with these weights:")
    for question, unanswerable, found, answerer in fixture_answers(config):
        scored = answerer.score(question, found)
        chosen, _ = answerer.pick(question, scored)
        kind = "unanswerable" if unanswerable else "answerable"
        if not chosen:
            print(f"  {kind:12} refused by the rule  {question}")
            continue
        c = prob(w, answerer.confidence_features(question, found, scored, chosen[0])[None])[0]
        print(f"  {kind:12} confidence {c:.2f}  {question}")


def fixture_answers(config: dict):
    """(question, unanswerable?, passages searched, answerer) for the fixtures' questions
    and the seed article's (when ../shared is here)."""
    from tests.retrieval.answer.test_extractive import SEED_ANSWERABLE, SEED_NEAR_TOPIC

    asked = [(q, 0) for q, _ in ANSWERABLE] + [(q, 1) for q in UNANSWERABLE + NEAR_TOPIC]
    seed = REALTIMEQA.parent.parent / "seed" / "000_ec5b004586267d03.txt"
    with tempfile.TemporaryDirectory() as work:
        for name, ingest, questions in [
            ("stories", lambda e: (e.ingest_articles(stories.ALL), e.ingest([str(SAMPLES)])),
             asked),
            ("seed", lambda e: e.ingest([str(seed)]),
             [(q, 0) for q, _ in SEED_ANSWERABLE] + [(q, 1) for q in SEED_NEAR_TOPIC]),
        ]:  # fmt: skip
            if name == "seed" and not seed.is_file():
                continue
            eng = Engine(
                Settings(data_dir=Path(work) / name, store_mode="embedded", chroma_host=None)
            )
            ingest(eng)
            settings = ExtractiveConfig(**{**config, "min_confidence": 0})
            answerer = ExtractiveAnswerer(eng.embedder, settings)
            for question, unanswerable in questions:
                yield question, unanswerable, eng.search(question), answerer
            eng.close()


# -- fitting -------------------------------------------------------------------------------


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1e-2, steps: int = 300) -> np.ndarray:
    """Logistic regression weights [bias, *w] by Newton's method (standardised inside)."""
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / std])
    w = np.zeros(z.shape[1])
    reg = l2 * np.eye(len(w))
    reg[0, 0] = 0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ w)))
        grad = z.T @ (p - y) + reg @ w * len(x) / 1000
        hess = (z * (p * (1 - p))[:, None]).T @ z + reg * len(x) / 1000
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    coef = w[1:] / std  # back to raw features
    return np.concatenate([[w[0] - coef @ mean], coef])


def print_weights(prefix: str, features: tuple[str, ...], w: np.ndarray) -> None:
    """The fitted intercept and weights, as answerability.py spells them."""
    print("\nfitted on all of dev (paste into retrieval/answer/answerability.py):")
    print(f"{prefix}INTERCEPT = {w[0]:.4f}")
    print(f"{prefix}WEIGHTS = {{")
    for name, value in zip(features, w[1:], strict=True):
        print(f'    "{name}": {value:.4f},')
    print("}")


def prob(weights: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(weights[0] + x @ weights[1:])))


def outcomes(rows, p: np.ndarray, threshold: float, n_questions: int, ratio: float):
    """Per question and variant: ('right'|'wrong'|'refused', quotes)."""
    groups: dict[tuple[int, int], list[int]] = {}
    for i, row in enumerate(rows):
        groups.setdefault((row[0], row[1]), []).append(i)
    result = {}
    for key in [(q, u) for q in range(n_questions) for u in (0, 1)]:
        members = groups.get(key, [])
        if not members or max(p[i] for i in members) < threshold:
            result[key] = ("refused", 0)
            continue
        ordered = sorted(members, key=lambda i: -p[i])
        best = p[ordered[0]]
        chosen = [i for i in ordered if p[i] >= ratio * best][:3]
        right = any(rows[i][2] for i in chosen)
        result[key] = ("right" if right else "wrong", len(chosen))
    return result


def summary(result, n_questions: int) -> dict[str, float]:
    ans = [result[(q, 0)] for q in range(n_questions)]
    una = [result[(q, 1)] for q in range(n_questions)]
    answered = [r for r in ans if r[0] != "refused"]
    return {
        "right": sum(r[0] == "right" for r in ans) / n_questions,
        "wrong": sum(r[0] == "wrong" for r in ans) / n_questions,
        "refused_answerable": sum(r[0] == "refused" for r in ans) / n_questions,
        "refused_unanswerable": sum(r[0] == "refused" for r in una) / n_questions,
        "quotes": sum(r[1] for r in answered) / max(1, len(answered)),
    }


def cross_validate(rows, x, y, n_questions, folds, thresholds, ratio, seed=0):
    """Out-of-fold probabilities for every candidate (folds by question)."""
    fold_of = np.random.default_rng(seed).permutation(n_questions) % folds
    qs = np.array([r[0] for r in rows])
    p = np.zeros(len(rows))
    for f in range(folds):
        test = fold_of[qs] == f
        w = fit(x[~test], y[~test])
        p[test] = prob(w, x[test])
    return {t: summary(outcomes(rows, p, t, n_questions, ratio), n_questions)
            for t in thresholds}  # fmt: skip


def main() -> None:
    global REALTIMEQA, CACHE
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=REALTIMEQA, help="the realtimeqa folder")
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--min-right", type=float, default=0.392, help="right answers the threshold must keep"
    )
    parser.add_argument("--refresh", action="store_true", help="recompute passages and features")
    parser.add_argument("--refresh-features", action="store_true")
    parser.add_argument("--ratio", type=float, default=answerability.QUOTE_RATIO)
    parser.add_argument("--seed", type=int, default=0, help="of the folds")
    parser.add_argument(
        "--config", type=json.loads, default={}, help="ExtractiveConfig fields, as JSON"
    )
    parser.add_argument(
        "--stage",
        choices=("sentence", "confidence", "both", "report"),
        default="both",
        help="the sentence scorer, the confidence of the chosen answer, or both; report: "
        "no fitting, the shipped answerer's figures",
    )
    parser.add_argument(
        "--split", choices=("dev", "test"), default="dev", help="test: --stage report only"
    )
    args = parser.parse_args()
    if args.split != "dev" and args.stage != "report":
        parser.error("only dev is fitted on: --split test needs --stage report")
    REALTIMEQA, CACHE = args.data, args.cache
    CACHE.mkdir(parents=True, exist_ok=True)
    questions = load_questions(args.split)
    passages = passages_per_question(questions, args.refresh, args.split)
    if args.stage == "report":
        shipped_figures(questions, passages, args.config)
        return
    if args.stage != "sentence":
        fit_confidence(questions, passages, args.folds, args.min_right, args.seed, args.config)
        if args.stage == "confidence":
            return
    scored = scored_candidates(questions, passages, args.refresh or args.refresh_features)
    rows = candidate_rows(questions, scored)
    x = np.array([r[5] for r in rows], dtype=float)
    y = np.array([float(r[2] and not r[1]) for r in rows])
    n = len(questions)
    thresholds = [round(t, 2) for t in np.arange(0.05, 0.61, 0.01)]
    cv = cross_validate(rows, x, y, n, args.folds, thresholds, args.ratio)
    print(f"{n} dev questions, {len(rows)} candidates, {int(y.sum())} quote the answer")
    print(f"{args.folds}-fold CV by question (out-of-fold scores):")
    print("threshold  right  wrong  refused-ans  refused-unans  quotes")
    for t, s in cv.items():
        print(f"  {t:5.2f}   {s['right']:.3f}  {s['wrong']:.3f}    {s['refused_answerable']:.3f}"
              f"        {s['refused_unanswerable']:.3f}       {s['quotes']:.2f}")  # fmt: skip
    keeping = [t for t, s in cv.items() if s["right"] >= args.min_right]
    if keeping:
        chosen = max(keeping)
        print(f"highest threshold keeping right >= {args.min_right}: {chosen} {cv[chosen]}")
    w = fit(x, y)
    print_weights("", answerability.FEATURES, w)
    train = summary(outcomes(rows, prob(w, x), answerability.THRESHOLD, n, args.ratio), n)
    print(f"training fit at the shipped threshold {answerability.THRESHOLD}: {train}")
    print("\nthe fictional fixtures (not fitted on), with these weights:")
    for question, unanswerable, quoted, candidates, cosines in fixture_candidates():
        p = prob(w, answerability.features(question, candidates, cosines,
                                           names=proper_names(question)))  # fmt: skip
        best = float(p.max()) if len(p) else 0.0
        top = candidates[int(np.argmax(p))].text if len(p) else ""
        kind = "unanswerable" if unanswerable else "answerable"
        right = bool(quoted) and quoted in top
        print(f"  {kind:12} best {best:.2f} {'right' if right else '':5} {question}")


if __name__ == "__main__":
    main()
