"""Article text shown on Discord as text: no Markdown, no mention markup, only ours.

Articles, questions and LLM output are not ours to format: a `.txt` article with
`[the official page](https://phish.example/login)` must not become a disguised link,
`||spoilers||` and `**bold**` must not render, `<@123>` must not show as a mention.

    escape_text("**big** news")                    # '\\*\\*big\\*\\* news'
    escape_text("a b c", emphasis=[(2, 3)])       # 'a **b** c'  (our bold, after escaping)
    escape_answer_text("It ended. [1]")            # the [n] markers stay ours

Bare URLs are left as they are (escaping would break them; they show as plain,
visible links). Mentions never ping anyway (allowed_mentions is always none); the
zero-width space only stops their markup from rendering.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

ZWSP = "\u200b"

CITATION_MARKER = re.compile(r"\[\d+(?:\s*[,;–-]\s*\d+)*\]")
_URL = re.compile(r"https?://[^\s<>]+")
_INLINE = frozenset("\\*_~|`[]")
# What Discord reads at the start of a line: block quotes, headings (#, ##, ###, -#),
# list items (-, *, 1.).
_LINE_START = re.compile(r"^[ \t]*(>|#|-|\*|\d+(?=[.)]))", re.MULTILINE)
# Mention markup: users <@1> <@!1>, roles <@&1>, channels <#1>, slash commands </x:1>,
# custom emoji <:x:1> <a:x:1>, timestamps <t:1>; and @everyone / @here.
_MENTION_OPEN = re.compile(r"<(?=[@#:/]|a:|t:)")
_MASS_MENTION = re.compile(r"@(?=(?:everyone|here)\b)")


def _rendered(text: str, keep: re.Pattern[str] | None, urls: bool = True) -> list[str]:
    """How each character of `text` is written so that it shows as itself."""
    out = list(text)
    raw = [False] * len(text)
    for pattern in (_URL if urls else None, keep):
        for match in pattern.finditer(text) if pattern is not None else ():
            raw[match.start() : match.end()] = [True] * (match.end() - match.start())
    for i, char in enumerate(text):
        if not raw[i] and char in _INLINE:
            out[i] = "\\" + char
    for match in _LINE_START.finditer(text):
        at = match.start(1)
        if not raw[at] and not out[at].startswith("\\"):
            if match.group(1)[0].isdigit():  # "1." -> "1\." : escape the dot
                end = match.end(1)
                if end < len(text) and not raw[end]:
                    out[end] = "\\" + text[end]
            else:
                out[at] = "\\" + out[at]
    for pattern in (_MENTION_OPEN, _MASS_MENTION):
        for match in pattern.finditer(text):
            at = match.start()
            if not raw[at] or pattern is _MASS_MENTION:
                out[at] = out[at] + ZWSP
    return out


def _trim(text: str, spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans within `text`, without edge whitespace, sorted, overlaps merged."""
    trimmed = []
    for start, end in spans:
        start, end = max(0, start), min(len(text), end)
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            trimmed.append((start, end))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(trimmed):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def escape_text(
    text: str,
    *,
    emphasis: Sequence[tuple[int, int]] = (),
    keep: re.Pattern[str] | None = None,
    urls: bool = True,
) -> str:
    """`text` escaped so Discord shows it as written; then `emphasis` spans (offsets in
    `text`) in bold, and matches of `keep` left as they are (our own markup). Bare URLs
    stay intact unless `urls` is false (inside a masked link's label)."""
    chars = _rendered(text, keep, urls)
    for start, end in reversed(_trim(text, emphasis)):
        chars[end - 1] += "**"
        chars[start] = "**" + chars[start]
    return "".join(chars)


def escape_answer_text(text: str, *, emphasis: Sequence[tuple[int, int]] = ()) -> str:
    """An answer's text: escaped, except its `[n]` citation markers."""
    return escape_text(text, emphasis=emphasis, keep=CITATION_MARKER)


def neutralize_mentions(text: str) -> str:
    """`@everyone` and `@here` broken with a zero-width space so they render as text.

    For every message, ours included (a mention of the bot we write stays a mention);
    article text also loses `<@1>`, `<@&1>`, `<#1>` markup through `escape_text`."""
    return _MASS_MENTION.sub("@" + ZWSP, text)
