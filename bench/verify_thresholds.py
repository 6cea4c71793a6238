"""Measure the citation checker's thresholds on the hand-written claims of its tests.

    .venv/bin/python bench/verify_thresholds.py

Prints each claim's cosine and word overlap with the passage it cites, the names and
numbers the passage lacks, and how many claims each pair of thresholds gets wrong.
`MIN_COSINE` and `MIN_OVERLAP` in retrieval/answer/verify.py were chosen from this table.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from retrieval.answer import verify  # noqa: E402
from retrieval.config import Settings  # noqa: E402
from retrieval.embed.embedder import get_embedder  # noqa: E402
from tests.retrieval.answer.test_verify import CHUNKS, DONT_KNOW, SUPPORTED, UNSUPPORTED  # noqa: E402

# Claims beyond what similarity can judge: shown, not counted.
LIMITS = [
    (True, 1, "The council's decision passed 7-2"),  # too few shared words: rejected
    (False, 3, "Northwind Airlines is cancelling its flights to Lake Merrow"),  # contradiction
    (False, 2, "The union represents bus and ferry workers and plans a strike"),  # added detail
    (False, 3, "Northwind Airlines announced a new route to the capital"),  # wrong destination
    (False, 2, "The union hired welders"),  # negation dropped
    (False, 1, "Engineers voted to close the bridge"),  # words of two sentences recombined
]


def main() -> None:
    checker = verify.CitationChecker(get_embedder(Settings()), dont_know=DONT_KNOW)
    rows = [(True, n, c) for n, c in SUPPORTED] + [(False, n, c) for n, c in UNSUPPORTED]
    table = checker.score([c for _, _, c in rows], sorted(CHUNKS.items()), as_of=None)
    scored = []
    for (truth, n, claim), supports in zip(rows, table, strict=True):
        s = supports[n - 1]
        scored.append((truth, s))
        verdict = "ok " if s.supports == truth else "BAD"
        lacks = f" lacks {sorted(s.missing)}" if s.missing else ""
        label = "supported  " if truth else "unsupported"
        print(f"{verdict} {label} cos {s.cosine:.3f} overlap {s.overlap:.3f}{lacks}  {claim[:70]}")

    print("\nknown limits (not counted):")
    limits = checker.score([c for _, _, c in LIMITS], sorted(CHUNKS.items()), as_of=None)
    for (truth, n, claim), supports in zip(LIMITS, limits, strict=True):
        s = supports[n - 1]
        verdict = "ok " if s.supports == truth else "BAD"
        print(f"{verdict} cos {s.cosine:.3f} overlap {s.overlap:.3f}  {claim[:70]}")

    print("\nerrors by threshold (false rejections + false acceptances):")
    results = []
    for cos, over in itertools.product(range(40, 71), range(30, 81, 5)):
        wrong_no = sum(t and not _passes(s, cos / 100, over / 100) for t, s in scored)
        wrong_yes = sum(not t and _passes(s, cos / 100, over / 100) for t, s in scored)
        results.append((wrong_no + wrong_yes, wrong_no, wrong_yes, cos / 100, over / 100))
    for total, no, yes, cos_t, over_t in sorted(results)[:10]:
        print(f"  cosine >= {cos_t:.2f}, overlap >= {over_t:.2f}: {total} ({no} + {yes})")
    print(f"\nin use: cosine >= {verify.MIN_COSINE}, overlap >= {verify.MIN_OVERLAP}")


def _passes(s: verify.Support, cosine: float, overlap: float) -> bool:
    return s.cosine >= cosine and s.overlap >= overlap and not s.missing


if __name__ == "__main__":
    main()
