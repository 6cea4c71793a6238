"""The terminal front: how answers and article lists look, and the interactive chat."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Sequence
from datetime import date

from retrieval import Answer, ArticleSummary, Citation, Engine, NewsbotError, Turn

CHAT_HELP = """Ask a question about the news, e.g. "who denied the troop deployment?".
Follow-up questions use the previous ones ("and who confirmed it?").
Commands: /sources lists the articles, /new starts a new conversation, /quit leaves."""


# Escape sequences (CSI, OSC/DCS/… strings, two-character ESC x) and every other C0/C1
# control but newline and tab: none of them may reach the terminal from an article.
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -~]?"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_safe(text: str) -> str:
    """`text` without terminal control sequences: what an article or question says,
    never a cleared screen, a moved cursor or a retitled window."""
    return _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", text))


def say(text: str = "") -> None:
    """Print `text` made safe for the terminal."""
    print(terminal_safe(text))


def _day(day: date | None) -> str:
    return day.isoformat() if day else "undated"


def format_source(citation: Citation, quotes: Sequence[str], width: int = 88) -> str:
    outlet = citation.source or "Unknown outlet"
    title = citation.title or "(untitled)"
    lines = [f"[{citation.n}] {outlet} — {title} ({_day(citation.published_at)})"]
    if citation.url:
        lines.append(f"    {citation.url}")
    for quote in quotes:
        lines += textwrap.wrap(
            f"“{quote}”", width=width, initial_indent="    ", subsequent_indent="     "
        )
    return terminal_safe("\n".join(lines))


def format_answer(answer: Answer, width: int = 88) -> str:
    """The answer text, then its sources: outlet, title, date, link and the quoted sentence."""
    text = terminal_safe(answer.text)
    body = "\n".join(textwrap.fill(line, width=width) for line in text.splitlines())
    if answer.refused or not answer.citations:
        return body
    sources = "\n".join(format_source(c, quotes, width) for c, quotes in answer.sources())
    return f"{body}\n\nSources:\n{sources}"


def format_sources(summaries: Sequence[ArticleSummary]) -> str:
    if not summaries:
        return "No articles stored yet. Add some with: newsbot ingest PATH_OR_URL"
    rows = [
        f"{s.id:<18} {s.source[:20]:<20} {_day(s.published_at):<10} {s.chunks:>4}  {s.title}"
        for s in summaries
    ]
    header = f"{'ID':<18} {'OUTLET':<20} {'DATE':<10} {'CHKS':>4}  TITLE"
    return terminal_safe("\n".join([header, *rows, f"{len(summaries)} articles"]))


def run_chat(
    engine: Engine,
    *,
    as_of: date | None = None,
    read: Callable[[str], str] = input,
    write: Callable[[str], None] = say,
) -> None:
    """Ask, answer, repeat, until /quit or end of input. Follow-ups see the last turns."""
    write(CHAT_HELP)
    history: list[Turn] = []
    while True:
        try:
            line = read("\nyou> ").strip()
        except (EOFError, KeyboardInterrupt):
            write("")
            return
        if not line:
            continue
        command = line.casefold()
        if command in ("/quit", "/exit", "quit", "exit"):
            return
        try:
            _reply(engine, line, command, history, as_of, write)
        except NewsbotError as exc:  # a bad question, the store gone away: the chat goes on
            write(f"newsbot> {terminal_safe(str(exc))}")


def _reply(
    engine: Engine,
    line: str,
    command: str,
    history: list[Turn],
    as_of: date | None,
    write: Callable[[str], None],
) -> None:
    if command == "/help":
        write(CHAT_HELP)
    elif command == "/sources":
        write(format_sources(engine.sources()))
    elif command == "/new":
        history.clear()
        write("Started a new conversation.")
    else:
        answer = engine.ask(line, as_of=as_of, history=history[-engine.history_turns :])
        write(f"\nnewsbot> {format_answer(answer)}")
        if not answer.refused:
            history.append(Turn(line, answer.text))
