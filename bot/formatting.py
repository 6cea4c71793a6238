"""Turn engine records into Discord messages that fit Discord's limits.

Pure functions: records in, `Reply` payloads out; nothing here talks to Discord.
An answer becomes its text (with `[n]` markers, split at sentence boundaries when it
is longer than one message) followed by a "Sources" embed with one line per citation:
`[n] Outlet — Title (date)` as a masked link, and the quoted sentence under it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

import discord

from bot.markdown import escape_answer_text, escape_text, neutralize_mentions
from retrieval import (
    Answer,
    ArticleSummary,
    Citation,
    IngestReport,
    SourcesPage,
    group_by_source,
    refusal_text,
)

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
CONTENT_LIMIT = 2000
EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_FIELD_NAME_LIMIT = 256
EMBED_FIELD_VALUE_LIMIT = 1024
EMBED_FIELDS_LIMIT = 25
EMBED_FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000  # summed over every embed of one message
EMBEDS_PER_MESSAGE = 10

QUOTE_LIMIT = 300  # characters of a quoted sentence shown under a source
TITLE_LIMIT = 180
OUTLET_LIMIT = 60
LINK_URL_LIMIT = 512  # longer URLs are shown without a link rather than overflow a page
SOURCES_PER_PAGE = 10

ACCENT = discord.Colour(0x3B82F6)


@dataclass(frozen=True, slots=True)
class Reply:
    """One Discord message: its text and its embeds."""

    content: str = ""
    embeds: tuple[discord.Embed, ...] = ()


# --- splitting text --------------------------------------------------------------------

_MARKER = r"\[\d+(?:\s*[,;–-]\s*\d+)*\]"
# Spans a split must never cut: citation markers, masked links, URLs (bare or in <>).
_PROTECTED = re.compile(rf"{_MARKER}|\[[^\]\n]*\]\(<?[^)\s>]*>?\)|<https?://[^\s>]+>|https?://\S+")
_SENTENCE_END = re.compile(rf"[.!?…][\"'”’)\]]*(?:\s*{_MARKER})*$")
_MARKER_AHEAD = re.compile(rf"\s*{_MARKER}")


def _cut_points(text: str) -> tuple[list[int], list[int], list[int]]:
    """Where `text` may be cut, best first: after whole sentences, between words, and
    (only when nothing else fits) before a marker; never inside a link or marker."""
    protected = [m.span() for m in _PROTECTED.finditer(text)]
    sentences: list[int] = []
    words: list[int] = []
    spaces: list[int] = []
    for match in re.finditer(r"\s+", text):
        at = match.start()
        if any(a < at < b for a, b in protected):
            continue
        spaces.append(at)
        if _MARKER_AHEAD.match(text, at):
            continue  # a marker belongs to the sentence before it
        words.append(at)
        if "\n" in match.group() or _SENTENCE_END.search(text, max(0, at - 200), at):
            sentences.append(at)
    return sentences, words, spaces


def split_text(text: str, limit: int = CONTENT_LIMIT) -> list[str]:
    """Split `text` into pieces of at most `limit` characters.

    Cuts fall after whole sentences (a sentence keeps its `[n]` markers); a sentence
    longer than `limit` is cut between words; a link or marker is never cut.
    """
    text = text.strip()
    if not text:
        return []
    tiers = _cut_points(text)
    pieces: list[str] = []
    start = 0
    while len(text) - start > limit:
        end = start + limit
        cut = next((c for c in (_last_in(t, start, end) for t in tiers) if c), end)
        pieces.append(text[start:cut].rstrip())
        start = cut
        while start < len(text) and text[start].isspace():
            start += 1
    if start < len(text):
        pieces.append(text[start:])
    return [piece for piece in pieces if piece]


def _last_in(points: list[int], start: int, end: int) -> int | None:
    best = None
    for point in points:
        if point > end:
            break
        if point > start:
            best = point
    return best


def shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` characters at a word boundary, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:") + "…"


def suppress_link_previews(text: str) -> str:
    """Wrap bare URLs in `<…>` so Discord shows no preview card for them."""
    return re.sub(r"(?<![<(])\bhttps?://[^\s<>]+[^\s<>.,;:!?)\]'\"]", r"<\g<0>>", text)


def text_replies(text: str) -> list[Reply]:
    """Plain text as one or more messages."""
    clean = suppress_link_previews(neutralize_mentions(text))
    return [Reply(content=piece) for piece in split_text(clean)]


# --- answers ---------------------------------------------------------------------------


def escape_link_text(text: str) -> str:
    """Text safe inside the `[…]` of a masked link: markdown, brackets and mentions escaped."""
    return escape_text(text, urls=False)


def link_url(url: str) -> str | None:
    """`url` made safe for a masked link, or None when it is not a usable web link."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > LINK_URL_LIMIT:
        return None
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace(">", "%3E")


def masked_link(text: str, url: str) -> str:
    """`[text](url)`, or the text alone when the URL is not a usable web link."""
    label = escape_link_text(text)
    target = link_url(url)
    return f"[{label}]({target})" if target else label


def _day(published: date | None) -> str:
    return published.isoformat() if published else ""


def source_label(outlet: str, title: str, published: date | None) -> str:
    """`Outlet — Title (date)`, leaving out what is unknown."""
    title = shorten(title, TITLE_LIMIT) or "Untitled article"
    outlet = shorten(outlet, OUTLET_LIMIT)
    label = f"{outlet} — {title}" if outlet else title
    day = _day(published)
    return f"{label} ({day})" if day else label


def citation_line(
    citation: Citation,
    quotes: Sequence[str] = (),
    spans: Mapping[str, tuple[int, int]] | None = None,
) -> str:
    """One source under an answer: `[n]` and the masked link, then the quoted sentences
    (the citation's own when none are given), the words of `spans` (by quote; the
    citation's own span by default) in bold."""
    label = source_label(citation.source, citation.title, citation.published_at)
    line = f"**\\[{citation.n}\\]** {masked_link(label, citation.url)}"
    if spans is None:
        spans = {citation.quote: citation.span} if citation.span else {}
    for quote in quotes or [citation.quote]:
        shown = shorten(quote, QUOTE_LIMIT)
        if shown:
            span = spans.get(quote)
            # Bold only where shortening left the quote as it was up to the span's end.
            kept = span is not None and shown[: span[1]] == quote[: span[1]]
            line += f"\n> {escape_text(shown, emphasis=[span] if kept and span else ())}"
    return line


def _pack(lines: Iterable[str], limit: int, max_lines: int | None = None) -> list[list[str]]:
    """Group lines, in order, so each group joined by newlines fits `limit`."""
    groups: list[list[str]] = []
    size = 0
    for line in lines:
        line = line[:limit]
        full = max_lines is not None and groups and len(groups[-1]) >= max_lines
        if not groups or full or size + 1 + len(line) > limit:
            groups.append([line])
            size = len(line)
        else:
            groups[-1].append(line)
            size += 1 + len(line)
    return groups


def sources_embeds(
    citations: Sequence[Citation], *, as_of: date | None = None
) -> list[discord.Embed]:
    """The "Sources" embeds of an answer (one unless the citations overflow a description)."""
    sources = group_by_source(citations)
    spans = {c.quote: c.span for c in citations if c.span}
    groups = _pack((citation_line(c, q, spans) for c, q in sources), EMBED_DESCRIPTION_LIMIT)
    embeds = []
    for i, group in enumerate(groups):
        embed = discord.Embed(
            title="Sources" if i == 0 else "Sources (continued)",
            description="\n".join(group),
            colour=ACCENT,
        )
        embeds.append(embed)
    if embeds and as_of:
        embeds[-1].set_footer(text=f"Answered as of {as_of.isoformat()}")
    return embeds


def _batch_embeds(embeds: Sequence[discord.Embed]) -> list[list[discord.Embed]]:
    """Group embeds into messages within the per-message count and character limits."""
    batches: list[list[discord.Embed]] = []
    total = 0
    for embed in embeds:
        size = len(embed)
        full = bool(batches) and len(batches[-1]) >= EMBEDS_PER_MESSAGE
        if not batches or full or total + size > EMBED_TOTAL_LIMIT:
            batches.append([embed])
            total = size
        else:
            batches[-1].append(embed)
            total += size
    return batches


def format_answer(answer: Answer) -> list[Reply]:
    """An answer as Discord messages: its text, then its sources embed on the last message.

    A refusal is just its short sentence, never an empty embed.
    """
    if answer.refused or not answer.citations:
        text = answer.text.strip()
        return text_replies(escape_text(text) if text else refusal_text(answer.as_of))
    replies = text_replies(escape_answer_text(answer.text, emphasis=answer.emphasis()))
    batches = _batch_embeds(sources_embeds(answer.citations, as_of=answer.as_of))
    if replies:
        replies[-1] = Reply(content=replies[-1].content, embeds=tuple(batches.pop(0)))
    replies.extend(Reply(embeds=tuple(batch)) for batch in batches)
    return replies


def check_reply(reply: Reply) -> None:
    """Raise ValueError when `reply` would be rejected by Discord for its size."""
    problems = []
    if len(reply.content) > CONTENT_LIMIT:
        problems.append(f"content has {len(reply.content)} characters")
    if not reply.content and not reply.embeds:
        problems.append("the message is empty")
    if len(reply.embeds) > EMBEDS_PER_MESSAGE:
        problems.append(f"{len(reply.embeds)} embeds")
    if sum(len(e) for e in reply.embeds) > EMBED_TOTAL_LIMIT:
        problems.append("embeds exceed 6000 characters")
    for embed in reply.embeds:
        if len(embed.title or "") > EMBED_TITLE_LIMIT:
            problems.append("an embed title is too long")
        if len(embed.description or "") > EMBED_DESCRIPTION_LIMIT:
            problems.append("an embed description is too long")
        if len(embed.fields) > EMBED_FIELDS_LIMIT:
            problems.append("an embed has too many fields")
        for f in embed.fields:
            name, value = f.name or "", f.value or ""
            if len(name) > EMBED_FIELD_NAME_LIMIT or len(value) > EMBED_FIELD_VALUE_LIMIT:
                problems.append(f"embed field {name[:40]!r} is too long")
        if len(embed.footer.text or "") > EMBED_FOOTER_LIMIT:
            problems.append("an embed footer is too long")
    if problems:
        raise ValueError("reply exceeds Discord's limits: " + "; ".join(problems))


# --- sources, ingest, forget -----------------------------------------------------------


def article_line(article: ArticleSummary, *, shared_space: str, link: bool = True) -> str:
    """`id` · Outlet — Title (date) as a masked link, and where it lives."""
    label = source_label(article.source, article.title, article.published_at)
    shown = masked_link(label, article.url) if link else escape_link_text(label)
    where = "" if article.space == shared_space else " · *this server*"
    return f"`{article.id}` · {shown}{where}"


def _page_lines(articles: Sequence[ArticleSummary], shared_space: str) -> list[str]:
    """One line per article, every one of them within one description: the longest lines
    lose their link first, then are shortened (a page never drops an article)."""
    lines = [article_line(a, shared_space=shared_space) for a in articles]
    for i in sorted(range(len(lines)), key=lambda i: -len(lines[i])):
        if len("\n".join(lines)) <= EMBED_DESCRIPTION_LIMIT:
            return lines
        lines[i] = article_line(articles[i], shared_space=shared_space, link=False)
    share = EMBED_DESCRIPTION_LIMIT // max(len(lines), 1) - 1
    return [line if len(line) <= share else line[: share - 1] + "…" for line in lines]


def format_sources_page(listed: SourcesPage, *, shared_space: str) -> discord.Embed:
    """One page of the stored articles as an embed, within Discord's limits."""
    if not listed.total:
        return discord.Embed(
            title="Articles I know",
            description="I don't know any articles yet. A moderator can add some with `/ingest`.",
            colour=ACCENT,
        )
    embed = discord.Embed(
        title=f"Articles I know ({listed.total:,})",
        description="\n".join(_page_lines(listed.articles, shared_space)),
        colour=ACCENT,
    )
    embed.set_footer(text=f"Page {listed.page:,}/{listed.pages:,} · newest first")
    return embed


def format_ingest_report(report: IngestReport, url: str) -> str:
    """What an ingest did, in one or two sentences."""
    articles = report.added + report.updated
    parts = []
    if report.added:
        parts.append(f"added {report.added} article{'s' * (report.added != 1)}")
    if report.updated:
        parts.append(f"updated {report.updated}")
    if parts:
        text = f"Done: {' and '.join(parts)} from <{url}> ({report.chunks} passages)."
    elif report.skipped and not report.errors:
        known = "these articles" if report.skipped > 1 else "this article"
        text = f"Nothing new at <{url}>: I already know {known}."
    else:
        text = f"I couldn't add anything from <{url}>."
    if report.errors:
        shown = [f"- {escape_text(e)}" for e in report.errors[:5]]
        more = len(report.errors) - len(shown)
        if more > 0:
            shown.append(f"- …and {more} more")
        label = "Problems" if articles else "What went wrong"
        text += f"\n{label}:\n" + "\n".join(shown)
    return text


def format_forgotten(article: ArticleSummary) -> str:
    label = source_label(article.source, article.title, article.published_at)
    return f"Forgot {escape_text(label)}. It won't be cited in this server's answers any more."
