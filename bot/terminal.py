"""The terminal front: how answers and article lists look, and the interactive chat."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Mapping, Sequence
from datetime import date

from retrieval import Answer, Citation, Engine, NewsbotError, SourcesPage, Turn

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


# Our bold, and nothing else, reaches a terminal: `format_answer(..., bold=True)` writes
# it around the words that answer, after the article's text was made safe.
BOLD, NORMAL = "\x1b[1m", "\x1b[22m"
# Where bold starts and ends while the text is wrapped: private-use characters, taken out
# of the article's text first so that it can't place any.
_OPEN, _CLOSE = "\ue000", "\ue001"


def say_styled(text: str = "") -> None:
    """Print `text` made safe for the terminal except for our own bold (see BOLD)."""
    parts = re.split(f"({re.escape(BOLD)}|{re.escape(NORMAL)})", text)
    print("".join(p if p in (BOLD, NORMAL) else terminal_safe(p) for p in parts))


def _marked(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """`text` made safe, with _OPEN/_CLOSE around each span (offsets into `text`)."""
    pieces, done = [], 0
    for start, end in sorted(spans):
        if start < done:
            continue  # overlapping spans: the first one wins
        pieces += [text[done:start], _OPEN, text[start:end], _CLOSE]
        done = end
    pieces.append(text[done:])
    return "".join(p if p in (_OPEN, _CLOSE) else _safe_piece(p) for p in pieces)


def _safe_piece(text: str) -> str:
    return terminal_safe(text).replace(_OPEN, "").replace(_CLOSE, "")


def _styled(text: str, bold: bool) -> str:
    """Marked text as printed: bold where marked, or unmarked."""
    on, off = (BOLD, NORMAL) if bold else ("", "")
    return text.replace(_OPEN, on).replace(_CLOSE, off)


def _day(day: date | None) -> str:
    return day.isoformat() if day else "undated"


def format_source(
    citation: Citation,
    quotes: Sequence[str],
    width: int = 88,
    *,
    spans: Mapping[str, tuple[int, int]] | None = None,
    bold: bool = False,
) -> str:
    """`[n] Outlet — Title (date)`, its link and its quotes, the words of `spans` (by
    quote) in bold when `bold`."""
    outlet = citation.source or "Unknown outlet"
    title = citation.title or "(untitled)"
    lines = [terminal_safe(f"[{citation.n}] {outlet} — {title} ({_day(citation.published_at)})")]
    if citation.url:
        lines.append(f"    {terminal_safe(citation.url)}")
    for quote in quotes:
        span = (spans or {}).get(quote)
        marked = _marked(f"“{quote}”", [(span[0] + 1, span[1] + 1)] if span else [])
        lines += textwrap.wrap(
            marked, width=width, initial_indent="    ", subsequent_indent="     "
        )
    return _styled("\n".join(lines), bold)


def format_answer(answer: Answer, width: int = 88, *, bold: bool = False) -> str:
    """The answer text, then its sources: outlet, title, date, link and the quoted sentence.

    With `bold` (for a terminal; never for a pipe or file) the words that answer are bold.
    """
    text = _marked(answer.text, answer.emphasis())
    body = "\n".join(textwrap.fill(line, width=width) for line in text.splitlines())
    if answer.refused or not answer.citations:
        return _styled(body, bold)
    spans = {c.quote: c.span for c in answer.citations if c.span is not None}
    sources = "\n".join(
        format_source(c, quotes, width, spans=spans, bold=bold) for c, quotes in answer.sources()
    )
    return f"{_styled(body, bold)}\n\nSources:\n{sources}"


def format_sources(listed: SourcesPage) -> str:
    """A page of the stored articles as a table, and where the next page is."""
    if not listed.total:
        return "No articles stored yet. Add some with: newsbot ingest PATH_OR_URL"
    rows = [
        f"{s.id:<18} {s.source[:20]:<20} {_day(s.published_at):<10} {s.chunks:>4}  {s.title}"
        for s in listed.articles
    ]
    header = f"{'ID':<18} {'OUTLET':<20} {'DATE':<10} {'CHKS':>4}  TITLE"
    last = listed.first + len(listed.articles) - 1
    footer = f"{listed.total:,} articles"
    if listed.pages > 1:
        footer = (
            f"articles {listed.first:,}-{last:,} of {listed.total:,} "
            f"(page {listed.page:,} of {listed.pages:,}, newest first)"
        )
        if listed.page < listed.pages:
            footer += f"; next: newsbot sources --page {listed.page + 1}"
    return terminal_safe("\n".join([header, *rows, footer]))


def run_chat(
    engine: Engine,
    *,
    as_of: date | None = None,
    read: Callable[[str], str] = input,
    write: Callable[[str], None] = say_styled,
    bold: bool = False,
) -> None:
    """Ask, answer, repeat, until /quit or end of input. Follow-ups see the last turns.

    Everything written is made safe first; with `bold` (a terminal) the words of an
    answer's quotes that answer are bold."""
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
            _reply(engine, line, command, history, as_of, write, bold)
        except NewsbotError as exc:  # a bad question, the store gone away: the chat goes on
            write(f"newsbot> {terminal_safe(str(exc))}")


def _reply(
    engine: Engine,
    line: str,
    command: str,
    history: list[Turn],
    as_of: date | None,
    write: Callable[[str], None],
    bold: bool,
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
        write(f"\nnewsbot> {format_answer(answer, bold=bold)}")
        if not answer.refused:
            history.append(Turn(line, answer.text))
