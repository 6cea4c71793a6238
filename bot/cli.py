"""The `newsbot` command: ingest, ask, chat, sources, forget, run, doctor, eval, and the
feed commands (follow, unfollow, feeds, refresh, watch: `bot/feeds_cli.py`).

Errors meant for the user (NewsbotError) become one line on stderr and exit code 1;
a bad setting exits with code 2, as does anything unexpected (logged with its
traceback). Ctrl-C and SIGTERM stop cleanly (exit code 0); a closed pipe
(`newsbot sources | head -1`) ends quietly.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import signal
import sys
import tempfile
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from retrieval import ConfigError, NewsbotError, Settings, load_settings

log = logging.getLogger(__name__)

SAMPLES_DIR = Path(__file__).resolve().parent / "samples"


def _as_of(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {text!r}") from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"not a whole number of at least 1: {text!r}")
    return value


def _error(message: object) -> None:
    """A user-facing error on stderr: `error: …`, one line per line of the message."""
    from bot.terminal import terminal_safe

    lines = [line for line in terminal_safe(str(message)).splitlines() if line.strip()]
    for line in lines or ["(no details)"]:
        print(f"error: {line}", file=sys.stderr)


def _json(value: object, indent: int | None = None) -> str:
    """JSON with C1 controls escaped too (json escapes C0), so no terminal obeys them."""
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    return re.sub(r"[\x7f-\x9f]", lambda m: f"\\u{ord(m.group()):04x}", text)


_opened: list[Any] = []  # the engines this command built, closed when it ends


def _engine(settings: Settings):  # -> Engine, imported lazily so --help stays fast
    from retrieval import Engine

    engine = Engine(settings)
    _opened.append(engine)
    return engine


def _close_engines() -> None:
    """Write the index snapshots the command's writes left stale (see `Engine.close`)."""
    while _opened:
        try:
            _opened.pop().close()
        except Exception:  # closing must not hide the command's own outcome
            log.exception("could not close the engine")


def _check_llm_reachable(settings: Settings) -> None:
    """Long-running fronts find out at start-up, not at the first question, that the LLM
    is unreachable (a one-off `ask` just falls back to the extractive answer)."""
    if settings.llm != "none":
        from retrieval import check_llm

        log.info("%s", check_llm(settings))


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from bot.progress import ProgressBars

    engine = _engine(settings)
    with ProgressBars() as bars:
        report = engine.ingest(args.sources, space=args.space, progress=bars.report)
    for error in report.errors:
        _error(error)
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
    from bot.terminal import format_answer, terminal_safe

    engine = _engine(settings)
    spaces = tuple(dict.fromkeys(["shared", *args.space]))
    if args.question != "-":
        answer = engine.ask(args.question, spaces=spaces, as_of=args.as_of)
        bold = sys.stdout.isatty()  # escape sequences only for a terminal, never a pipe
        print(_json(answer.to_json()) if args.json else format_answer(answer, bold=bold))
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
            _error(exc)
            result = {"question": item[0] if isinstance(item, tuple) else None, "error": str(exc)}
            print(_json(result), flush=True)
            continue
        if args.json:
            print(_json(answer.to_json()), flush=True)
        else:
            shown = format_answer(answer, bold=sys.stdout.isatty())
            print(f"Q: {terminal_safe(answer.question)}\n{shown}\n", flush=True)
    return 1 if failures else 0


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.terminal import run_chat

    _check_llm_reachable(settings)
    engine = _engine(settings)
    engine.warm_up()
    run_chat(engine, as_of=args.as_of, bold=sys.stdout.isatty())
    return 0


def cmd_sources(args: argparse.Namespace, settings: Settings) -> int:
    from bot.terminal import format_sources

    spaces = tuple(dict.fromkeys(["shared", *args.space]))
    listed = _engine(settings).sources(spaces=spaces, page=args.page, per_page=args.per_page)
    if args.json:
        print(_json(listed.to_json(), indent=2))
    else:
        print(format_sources(listed))
    return 0


def cmd_forget(args: argparse.Namespace, settings: Settings) -> int:
    summary = _engine(settings).forget(args.id, space=args.space)
    from bot.terminal import say

    say(f"Forgot {summary.id}: {summary.title or '(untitled)'} ({summary.chunks} chunks).")
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.discord_app import TOKEN_HELP, run_bot

    _check_llm_reachable(settings)
    if settings.discord_token is not None:
        run_bot(settings)
        return 0
    if not sys.stdin.isatty():  # a container without its token must not "succeed"
        print(f"{TOKEN_HELP}\n", file=sys.stderr)
        raise ConfigError("DISCORD_TOKEN is not set, and without a terminal there is no demo chat.")
    print(f"{TOKEN_HELP}\n\nMeanwhile, a terminal chat over sample articles:\n", file=sys.stderr)
    run_demo_chat(settings)
    return 0


def run_demo_chat(settings: Settings) -> None:
    """The terminal chat over the bundled samples, kept in a throwaway store: the data
    dir's knowledge is left as it was (the model cache is shared, so no second export)."""
    from bot.terminal import run_chat

    with tempfile.TemporaryDirectory(prefix="newsbot-demo-") as scratch:
        demo = settings.model_copy(
            update={"data_dir": Path(scratch), "model_cache_dir": settings.cache_dir}
        )
        demo = demo.model_copy(update={"chroma_host": None})  # never a shared server
        engine = _engine(demo)
        try:
            report = engine.ingest([str(SAMPLES_DIR)])
            print(f"Sample articles: {report.summary()}.\n")
            engine.warm_up()
            run_chat(engine, bold=sys.stdout.isatty())
        finally:
            engine.close()  # before the scratch data dir goes


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
    sources.add_argument("--page", type=_positive, default=1, help="page N, newest first")
    sources.add_argument(
        "--per-page", type=_positive, default=50, metavar="N", help="articles a page (50)"
    )
    sources.set_defaults(handler=cmd_sources)

    forget = commands.add_parser("forget", help="remove one stored article")
    forget.add_argument("id")
    forget.add_argument("--space", default="shared")
    forget.set_defaults(handler=cmd_forget)

    run = commands.add_parser("run", help="the Discord bot, or a chat on sample articles")
    run.set_defaults(handler=cmd_run)

    doctor = commands.add_parser("doctor", help="check the model, the store and the LLM")
    doctor.set_defaults(handler=cmd_doctor)

    from bot import feeds_cli

    feeds_cli.register(commands)

    try:
        from bot import eval_cmd
    except ImportError:  # the eval command ships with the benchmark tooling
        pass
    else:
        eval_cmd.register(commands)
    return parser


def configure_logging(verbose: int, settings: Settings, command: str) -> None:
    """`-v`/`-vv` win; else NEWSBOT_LOG_LEVEL; else INFO for the bot, WARNING for the rest."""
    if verbose:
        level = logging.DEBUG if verbose > 1 else logging.INFO
    elif settings.log_level:
        level = logging.getLevelName(settings.log_level)
    else:
        level = logging.INFO if command == "run" else logging.WARNING
    fmt = "%(levelname)s %(name)s: %(message)s"
    if command == "run":
        fmt = "%(asctime)s " + fmt
    logging.basicConfig(level=level, format=fmt, force=True)
    for chatty in ("httpx", "httpcore", "chromadb"):  # a line per store request: -vv only
        logging.getLogger(chatty).setLevel(max(level, logging.WARNING) if verbose < 2 else level)
    # A first start's one-time model export takes seconds: say so, even when not verbose.
    logging.getLogger("retrieval.embed.onnx").setLevel(min(logging.INFO, level))


def _stop_on_sigterm(signum: int, frame: object) -> None:
    """SIGTERM stops like Ctrl-C: unwinding, so what is open gets closed."""
    raise KeyboardInterrupt


def _quiet_broken_pipe() -> int:
    """The reader went away (`| head`): send what is left nowhere and exit quietly."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    try:
        try:
            return _main(argv)
        finally:
            sys.stdout.flush()  # a closed pipe shows here, not at exit
    except BrokenPipeError:
        return _quiet_broken_pipe()


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        _error(exc)
        return 2
    configure_logging(args.verbose, settings, args.command)
    previous = _install(signal.SIGTERM, _stop_on_sigterm)
    try:
        return int(args.handler(args, settings))
    except NewsbotError as exc:  # StoreUnavailable included: one line, not a traceback
        _error(exc)
        return 1
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
        return 0
    except BrokenPipeError:
        raise
    except Exception:
        log.exception("unexpected error")
        return 2
    finally:
        _close_engines()
        if previous is not None:
            _install(signal.SIGTERM, previous)


def _install(signum: int, handler: Any) -> Any:
    """Set a signal handler, returning the previous one (None off the main thread)."""
    try:
        return signal.signal(signum, handler)
    except ValueError:  # not the main thread (an embedding program's worker)
        return None


if __name__ == "__main__":
    sys.exit(main())
