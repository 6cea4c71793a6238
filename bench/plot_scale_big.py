"""Draw docs/benchmarks/scale_big.png from bench/scale_big.py's results.

    python bench/plot_scale_big.py [docs/benchmarks/scale_big.jsonl]

The file holds one `scale_big.py --json` object a line (local and `--server` runs at
several sizes; a re-measurement is appended after the run it repeats). The plot shows
restart to first answer, resident memory and `ask` latency against the number of chunks.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from plots import plot_scale_big

DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks"


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DOCS / "scale_big.jsonl"
    rows = [json.loads(line) for line in source.read_text().splitlines() if line.strip()]
    out = DOCS / "scale_big.png"
    plot_scale_big(rows, out, "one large space: restart, memory and latency (onnx-int8)")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
