"""`newsbot eval`: retrieval quality, latency, ingest speed and memory on a labelled corpus.

    newsbot eval --corpus passages.jsonl --qrels qrels_dev.jsonl --as-of-field question_date

The corpus is ingested into a temporary store (the stored articles are not touched);
the formats are described in retrieval/eval_data.py and in the README.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bot.progress import ProgressBars
from retrieval import EMBEDDING_BACKENDS, Settings


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def register(commands: Any) -> argparse.ArgumentParser:
    """Add `eval` to the `newsbot` subcommands (an argparse subparsers object)."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "eval",
        help="measure retrieval quality and speed on a corpus and its questions",
        description="Ingest PASSAGES.jsonl into a temporary store, ask every question of "
        "QRELS.jsonl, and report Hits@1, Hits@5, MRR@10, refusal rate, latency per "
        "question, ingest throughput (and where its time goes) and peak memory.",
    )
    parser.add_argument(
        "--corpus",
        required=True,
        type=Path,
        metavar="PASSAGES.jsonl",
        help="one passage per line: id, title, body, source, url, published_at",
    )
    parser.add_argument(
        "--qrels",
        required=True,
        type=Path,
        metavar="QRELS.jsonl",
        help="one question per line: uid, question, passage_id (and dates)",
    )
    parser.add_argument(
        "--as-of-field",
        metavar="FIELD",
        help="qrels field holding each question's date, e.g. question_date: "
        "ask as of that day (later passages are ignored)",
    )
    parser.add_argument(
        "--limit",
        type=_positive,
        metavar="N",
        help="ask only the first N questions (the whole corpus is ingested)",
    )
    parser.add_argument(
        "--backend",
        choices=EMBEDDING_BACKENDS,
        help="embedding backend (overrides NEWSBOT_EMBEDDING_BACKEND)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace, settings: Settings) -> int:
    from retrieval import run_eval  # loads the engine: only when evaluating

    if args.backend:
        settings = settings.model_copy(update={"embedding_backend": args.backend})
    with ProgressBars() as bars:
        report = run_eval(
            settings,
            args.corpus,
            args.qrels,
            as_of_field=args.as_of_field,
            limit=args.limit,
            progress=bars.report,
        )
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(report.to_table())
    return 0
