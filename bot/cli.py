"""The `newsbot` command: ingest, ask, chat, sources, forget, run, doctor, eval.

Errors meant for the user (NewsbotError) become one line on stderr and exit code 1;
anything unexpected is logged with its traceback (exit code 2).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import TextIO

from retrieval import NewsbotError, Settings

log = logging.getLogger(__name__)

SAMPLES_DIR = Path(__file__).resolve().parent / "samples"


def _as_of(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {text!r}") from None


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _engine(settings: Settings):  # -> Engine, imported lazily so --help stays fast
    from retrieval import Engine

    return Engine(settings)


def _check_llm_reachable(settings: Settings) -> None:
    """Long-running fronts find out at start-up, not at the first question, that the LLM
    is unreachable (a one-off `ask` just falls back to the extractive answer)."""
    if settings.llm != "none":
        from retrieval import check_llm

        log.info("%s", check_llm(settings))


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    engine = _engine(settings)
    report = engine.ingest(args.sources, space=args.space, progress=sys.stderr.isatty())
    for error in report.errors:
        print(f"error: {error}", file=sys.stderr)
    print(f"Ingested: {report.summary()}.")
    return 1 if report.errors else 0


def _question_lines(stream: TextIO) -> Iterator[tuple[str, date | None] | str]:
    """Each input line is a question, or a JSON object {"question", "as_of"}; errors as str.

    Yielded as each line is read, so a program can keep `ask -` open as a co-process."""
    for number, raw in enumerate(iter(stream.readline, ""), 1):
        line = raw.strip()
        if not line:
            continue
        if not line.startswith("{"):
            yield line, None
            continue
        try:
            record = json.loads(line)
            as_of = record.get("as_of")
            yield str(record["question"]), date.fromisoformat(as_of) if as_of else None
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            yield f"line {number}: not a question or a JSON object with 'question': {exc}"


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from bot.terminal import format_answer

    engine = _engine(settings)
    spaces = tuple(dict.fromkeys(["shared", *args.space]))
    if args.question != "-":
        answer = engine.ask(args.question, spaces=spaces, as_of=args.as_of)
        print(_json(answer.to_json()) if args.json else format_answer(answer))
        return 0
    failures = 0
    for item in _question_lines(sys.stdin):
        try:
            if isinstance(item, str):
                raise NewsbotError(item)
            question, as_of = item
            answer = engine.ask(question, spaces=spaces, as_of=as_of or args.as_of)
        except NewsbotError as exc:
            failures += 1
            print(f"error: {exc}", file=sys.stderr)
            result = {"question": item[0] if isinstance(item, tuple) else None, "error": str(exc)}
            print(_json(result), flush=True)
            continue
        if args.json:
            print(_json(answer.to_json()), flush=True)
        else:
            print(f"Q: {answer.question}\n{format_answer(answer)}\n", flush=True)
    return 1 if failures else 0


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.terminal import run_chat

    _check_llm_reachable(settings)
    engine = _engine(settings)
    engine.warm_up()
    run_chat(engine, as_of=args.as_of)
    return 0


def cmd_sources(args: argparse.Namespace, settings: Settings) -> int:
    from bot.terminal import format_sources

    summaries = _engine(settings).sources(spaces=tuple(dict.fromkeys(["shared", *args.space])))
    if args.json:
        print(json.dumps([s.to_json() for s in summaries], ensure_ascii=False, indent=2))
    else:
        print(format_sources(summaries))
    return 0


def cmd_forget(args: argparse.Namespace, settings: Settings) -> int:
    summary = _engine(settings).forget(args.id, space=args.space)
    print(f"Forgot {summary.id}: {summary.title or '(untitled)'} ({summary.chunks} chunks).")
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.discord_app import TOKEN_HELP, run_bot

    _check_llm_reachable(settings)
    if settings.discord_token is not None:
        run_bot(settings)
        return 0
    print(f"{TOKEN_HELP}\n\nMeanwhile, a terminal chat over sample articles:\n", file=sys.stderr)
    engine = _engine(settings)
    report = engine.ingest([str(SAMPLES_DIR)])
    print(f"Sample articles: {report.summary()}.\n")
    engine.warm_up()
    from bot.terminal import run_chat

    run_chat(engine)
    return 0


def cmd_doctor(args: argparse.Namespace, settings: Settings) -> int:
    from retrieval import run_checks

    checks = run_checks(settings)
    for check in checks:
        print(f"{'ok  ' if check.ok else 'FAIL'} {check.name}: {check.detail}")
    return 0 if all(check.ok for check in checks) else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsbot", description="Ask questions about the news; every answer cites its article."
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ingest = commands.add_parser("ingest", help="read articles: files, folders, URLs, feeds")
    ingest.add_argument("sources", nargs="+", metavar="SOURCE")
    ingest.add_argument("--space", default="shared", help="knowledge space (default: shared)")
    ingest.set_defaults(handler=cmd_ingest)

    ask = commands.add_parser("ask", help="answer one question ('-' reads them from stdin)")
    ask.add_argument("question", help="the question, or - for one question per stdin line")
    ask.add_argument("--json", action="store_true", help="print one JSON object per answer")
    ask.add_argument("--as-of", type=_as_of, help="YYYY-MM-DD: ignore later articles")
    ask.add_argument("--space", action="append", default=[], help="also search this space")
    ask.set_defaults(handler=cmd_ask)

    chat = commands.add_parser("chat", help="an interactive conversation in the terminal")
    chat.add_argument("--as-of", type=_as_of, help="YYYY-MM-DD: ignore later articles")
    chat.set_defaults(handler=cmd_chat)

    sources = commands.add_parser("sources", help="list the stored articles")
    sources.add_argument("--json", action="store_true")
    sources.add_argument("--space", action="append", default=[], help="also list this space")
    sources.set_defaults(handler=cmd_sources)

    forget = commands.add_parser("forget", help="remove one stored article")
    forget.add_argument("id")
    forget.add_argument("--space", default="shared")
    forget.set_defaults(handler=cmd_forget)

    run = commands.add_parser("run", help="the Discord bot, or a chat on sample articles")
    run.set_defaults(handler=cmd_run)

    doctor = commands.add_parser("doctor", help="check the model, the store and the LLM")
    doctor.set_defaults(handler=cmd_doctor)

    try:
        from bot import eval_cmd
    except ImportError:  # the eval command ships with the benchmark tooling
        pass
    else:
        eval_cmd.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=[logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)],
        format="%(levelname)s %(name)s: %(message)s",
    )
    # A first start's one-time model export takes seconds: say so, even when not verbose.
    logging.getLogger("retrieval.embed.onnx").setLevel(min(logging.INFO, logging.root.level))
    try:
        settings = Settings()
        return int(args.handler(args, settings))
    except NewsbotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception:
        log.exception("unexpected error")
        return 2


if __name__ == "__main__":
    sys.exit(main())
