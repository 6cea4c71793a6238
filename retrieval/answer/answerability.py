"""Whether a sentence answers the question: a small logistic regression over evidence.

    p = probabilities(question, candidates, cosines)   # one per candidate sentence

The features say how well a sentence matches the question (its embedding similarity, the
share of the question's words and names it holds) and whether it gives what was asked (a
name for "who", a number for "how many", a date for "when" — `kinds.find_values`, not a
value the question itself mentions), how well its passage matches, and how far it leads
the other articles' sentences. None of them uses the passage's search score, which leans
toward articles dated near the question.

The weights are fitted by bench/fit_answerability.py on the RealTimeQA dev split, where
each question is asked with and without its gold story; a sentence is a positive example
when it quotes the gold answer. Refit after a change to chunking, search or the shortlist.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from retrieval.answer.kinds import asked_kinds, find_values
from retrieval.text.words import tokenize

if TYPE_CHECKING:
    from retrieval.answer.extractive import Candidate

FEATURES = (
    "cosine",  # question–sentence embedding similarity
    "focus",  # share of the question's focus words (not in the title) in the sentence
    "coverage",  # share of all the question's content words in the sentence
    "names_in_sentence",  # share of the question's names in the sentence (1 without names)
    "names_missing",  # share of the question's names its passage never mentions
    "passage_coverage",  # share of the question's content words in the passage and title
    "gives_kind",  # the question asks for a kind of value and the sentence gives one
    "lacks_kind",  # it asks for one and the sentence gives none
    "inverse_rank",  # 1 / the passage's rank in search
    "lead",  # cosine minus the best cosine of another article's sentence
    "behind_best",  # cosine minus the best cosine of any candidate (≤ 0)
    "cosine_squared",
    "cosine_if_kind",  # cosine when the sentence gives the kind asked for
    "passage_lead",  # its passage's best cosine minus the best of the other passages
)

# Fitted by bench/fit_answerability.py on RealTimeQA dev (1,513 questions, each with and
# without its gold story). 5-fold cross-validated by question, at THRESHOLD 0.25: right
# answers 39.8 % of questions, wrong 21.1 %, answerable refused 39.1 %, unanswerable refused
# 75.0 %, 1.31 quotes per answer; at 0.28, 36.3 % right and 80.2 % of unanswerable
# refused. ("focus" and "coverage" coincide there: its passages have no titles, so the two
# share one weight.)
INTERCEPT = -10.5547
WEIGHTS: dict[str, float] = {
    "cosine": 12.5068,
    "focus": 1.1298,
    "coverage": 1.1298,
    "names_in_sentence": 0.1982,
    "names_missing": -0.0188,
    "passage_coverage": -1.0823,
    "gives_kind": 0.2467,
    "lacks_kind": -0.3819,
    "inverse_rank": 3.8586,
    "lead": 3.7174,
    "behind_best": -5.9688,
    "cosine_squared": -7.1526,
    "cosine_if_kind": 0.5837,
    "passage_lead": -1.8433,
}
THRESHOLD = 0.25  # a question is answered when its best sentence reaches this probability
QUOTE_RATIO = 0.3  # further quotes need this share of the best one's probability


def features(
    question: str,
    candidates: Sequence[Candidate],
    cosines: np.ndarray,
    *,
    names: set[str],
) -> np.ndarray:
    """One row of `FEATURES` per candidate sentence; `names` are the question's names
    (casefolded), `cosines` each sentence's similarity to the question."""
    if len(candidates) != len(cosines):
        raise ValueError(f"{len(candidates)} candidates but {len(cosines)} cosines")
    terms = set(tokenize(question))
    kinds = asked_kinds(question)
    best = float(np.max(cosines)) if len(cosines) else 0.0
    best_of: dict[str, float] = {}
    for c, cosine in zip(candidates, cosines, strict=True):
        best_of[c.chunk.article_id] = max(best_of.get(c.chunk.article_id, -1.0), float(cosine))
    rows = []
    for i, c in enumerate(candidates):
        sentence = c.text.casefold()
        passage_words = set(tokenize(f"{c.chunk.title} {c.chunk.text}"))
        gives = any(find_values(c.text, kind, question=question) for kind in kinds)
        others = [
            float(cosines[j])
            for j, o in enumerate(candidates)
            if o.chunk.article_id != c.chunk.article_id
        ]
        rows.append(
            [
                float(cosines[i]),
                c.overlap,
                c.coverage,
                sum(n in sentence for n in names) / len(names) if names else 1.0,
                c.missing_names,
                len(terms & passage_words) / len(terms) if terms else 0.0,
                float(bool(kinds) and gives),
                float(bool(kinds) and not gives),
                1.0 / max(1, c.passage_rank),
                float(cosines[i]) - max(others) if others else 0.0,
                float(cosines[i]) - best,
                float(cosines[i]) ** 2,
                float(cosines[i]) if kinds and gives else 0.0,
                best_of[c.chunk.article_id] - max(others) if others else 0.0,
            ]
        )
    return np.array(rows, dtype=np.float64).reshape(len(candidates), len(FEATURES))


def probabilities(
    question: str,
    candidates: Sequence[Candidate],
    cosines: np.ndarray,
    *,
    names: set[str],
) -> np.ndarray:
    """The probability that each candidate sentence answers the question."""
    x = features(question, candidates, cosines, names=names)
    weights = np.array([WEIGHTS[name] for name in FEATURES])
    return 1.0 / (1.0 + np.exp(-(INTERCEPT + x @ weights)))
