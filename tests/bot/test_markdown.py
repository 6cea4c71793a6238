"""Article text can't format Discord messages: no disguised links, spoilers, bold,
headings, code or mentions from articles; our own markers, links and bold still work."""

from __future__ import annotations

import re

import pytest

from bot.formatting import format_answer, format_forgotten, format_sources_page
from bot.markdown import ZWSP, escape_answer_text, escape_text
from retrieval.records import SHARED_SPACE, Answer, SourcesPage
from tests.bot.conftest import citation, summary

PHISH = "the official city page](https://phish.example/login)"
HOSTILE = (
    "See [the official city page](https://phish.example/login) now. ||the ending|| is "
    "**big**, __under__ ~~gone~~ `code` <@123> <@!123> <@&456> <#789> @everyone @here"
)


def unescaped(text: str, chars: str) -> list[str]:
    """Markdown characters in `text` that no backslash escapes."""
    return re.findall(rf"(?<!\\)(?:\\\\)*([{re.escape(chars)}])", text)


def shows_as_mention(text: str) -> bool:
    return bool(re.search(r"<(?:@[!&]?|#)\d+>|@(?:everyone|here)\b", text))


@pytest.mark.parametrize(
    "line",
    [
        "# Breaking",
        "## Breaking",
        "-# small print",
        "> a quote",
        ">>> the rest",
        "- an item",
        "* an item",
        "1. an item",
        "```py",
    ],
)
def test_lines_that_would_format_are_escaped(line: str) -> None:
    escaped = escape_text(f"text\n{line}")
    assert escaped.split("\n")[1].startswith("\\") or "\\." in escaped or "\\`" in escaped
    assert escaped.replace("\\", "") == f"text\n{line}"


def test_inline_markdown_and_mentions_do_not_render() -> None:
    escaped = escape_text(HOSTILE)

    assert unescaped(escaped, "*_~|`[]") == []
    assert not shows_as_mention(escaped)
    assert escaped.replace("\\", "").replace(ZWSP, "") == HOSTILE  # shows as written


def test_urls_stay_intact_and_backslashes_show() -> None:
    assert escape_text("at https://a.example/x_y_z*") == "at https://a.example/x_y_z*"
    assert escape_text("C:\\*dir*") == "C:\\\\\\*dir\\*"


def test_our_emphasis_is_applied_after_escaping() -> None:
    text = "The **union** accepted <@1>. [1]"
    start = text.index("accepted")
    escaped = escape_answer_text(text, emphasis=[(start - 1, start + len("accepted") + 1)])

    assert escaped == "The \\*\\*union\\*\\* **accepted** <\u200b@1>. [1]"


def test_an_answer_quoting_a_hostile_article_shows_it_as_text() -> None:
    hostile = citation(1, quote=HOSTILE, title="**Win** ||now|| <@&456>", source="<#789> Daily")
    answer = Answer(question="q", text=f"{HOSTILE} [1]", refused=False, citations=[hostile])
    [reply] = format_answer(answer)
    description = reply.embeds[0].description or ""

    assert reply.content.endswith(" [1]")  # our marker
    assert PHISH not in reply.content and PHISH not in description
    for shown in (reply.content, description):
        assert not shows_as_mention(shown)
        assert "||" not in shown and "**big**" not in shown
    # our own formatting: the bold [1] and the masked link to the article
    assert description.startswith("**\\[1\\]** [<\u200b#789> Daily — \\*\\*Win\\*\\*")
    assert "(2026-03-12)](https://harborgazette.example/" in description


def test_a_refusal_echoing_markdown_is_escaped() -> None:
    answer = Answer(question="q", text="Nothing on **<@&1>**.", refused=True, citations=[])
    [reply] = format_answer(answer)
    assert reply.content == "Nothing on \\*\\*<\u200b@&1>\\*\\*."


def test_titles_in_source_lists_and_notices_are_escaped() -> None:
    article = summary("abc", "||Spoiler|| [x](https://phish.example) <@1>")
    page = format_sources_page(SourcesPage([article], 1, 10, 1), shared_space=SHARED_SPACE)
    description = page.description or ""
    assert "](https://example.org/abc)" in description  # our masked link
    assert "[x](https://phish" not in description and "||" not in description
    assert not shows_as_mention(format_forgotten(article))
    assert "||" not in format_forgotten(article)
