"""Retrieval and answer metrics: Hits@k, MRR@k, percentiles, the quoted-answer check.

A question is a hit at k when the id of the passage that answers it is among the first k
*distinct* article ids the engine returns (several chunks of one article count once).
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Iterable, Sequence

STAGES = ("parse", "chunk", "embed", "store")
MEMORY_METHOD = "getrusage ru_maxrss: peak RSS of the whole process, model included"

# -- metrics -------------------------------------------------------------------------------


def dedupe(ids: Iterable[str]) -> list[str]:
    """The ids in rank order, each kept at its first (best) rank."""
    return list(dict.fromkeys(ids))


def gold_rank(ranking: Sequence[str], gold: str) -> int | None:
    """The 1-based rank of `gold` among the distinct ids of `ranking`, or None."""
    distinct = dedupe(ranking)
    return distinct.index(gold) + 1 if gold in distinct else None


def _ranks(rankings: Sequence[Sequence[str]], gold: Sequence[str]) -> list[int | None]:
    if len(rankings) != len(gold):
        raise ValueError(f"{len(rankings)} rankings but {len(gold)} gold ids")
    if not gold:
        raise ValueError("no questions to score")
    return [gold_rank(ranking, g) for ranking, g in zip(rankings, gold, strict=True)]


def hits_at_k(rankings: Sequence[Sequence[str]], gold: Sequence[str], k: int) -> float:
    """The share of questions whose gold id is among the first k distinct ids."""
    ranks = _ranks(rankings, gold)
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks)


def mrr_at_k(rankings: Sequence[Sequence[str]], gold: Sequence[str], k: int) -> float:
    """Mean reciprocal rank of the gold id, counting 0 when it is not in the first k."""
    ranks = _ranks(rankings, gold)
    return sum(1 / r for r in ranks if r is not None and r <= k) / len(ranks)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), interpolating linearly between ranks like numpy."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is not between 0 and 100")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def p50(values: Sequence[float]) -> float:
    return percentile(values, 50)


def p95(values: Sequence[float]) -> float:
    return percentile(values, 95)


def _normalized(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def answer_quoted(answer: str, quotes: Sequence[str]) -> bool:
    """Whether the gold answer's words stand, in order, in one of the quotes (a strict
    check: "Lizzo, Tame Impala and Tool" is not found in "Tool, Lizzo and Tame Impala")."""
    wanted = _normalized(answer)
    return bool(wanted) and any(f" {wanted} " in f" {_normalized(q)} " for q in quotes)


def peak_memory_mb() -> float | None:
    """Peak resident set size of this process so far, in MB (None where unsupported)."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak / 1e3  # bytes on macOS, else KiB
