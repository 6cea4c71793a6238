"""Message formatting as pure functions: splitting, Discord's limits, masked links, no pings."""

from __future__ import annotations

import dataclasses
import re
from datetime import date

import pytest

from bot.formatting import (
    CONTENT_LIMIT,
    EMBED_DESCRIPTION_LIMIT,
    EMBED_TOTAL_LIMIT,
    Reply,
    check_reply,
    format_answer,
    format_ingest_report,
    format_sources_page,
    masked_link,
    split_text,
    suppress_link_previews,
    text_replies,
)
from retrieval.records import SHARED_SPACE, Answer, IngestReport, SourcesPage
from tests.bot.conftest import citation, strike_answer, summary

MARKER = re.compile(r"\[\d+\]")


def long_answer(sentences: int) -> Answer:
    text = " ".join(
        f"Sentence number {i} says the harbour reopened after the strike. [{i % 3 + 1}]"
        for i in range(sentences)
    )
    citations = [citation(n) for n in (1, 2, 3)]
    return Answer(question="q", text=text, refused=False, citations=citations)


def test_a_short_text_is_one_piece() -> None:
    assert split_text("The port reopened. [1]") == ["The port reopened. [1]"]


def test_a_long_answer_is_split_after_whole_sentences_keeping_markers() -> None:
    answer = long_answer(60)
    pieces = split_text(answer.text)

    assert len(pieces) > 1
    assert all(len(p) <= CONTENT_LIMIT for p in pieces)
    assert " ".join(pieces) == answer.text  # nothing lost, nothing reordered
    for piece in pieces:
        assert piece.startswith("Sentence number")  # never starts with an orphaned [n]
        assert re.search(r"strike\. \[\d\]$", piece)  # ends with a whole sentence and its marker
    assert MARKER.findall(" ".join(pieces)) == MARKER.findall(answer.text)


@pytest.mark.parametrize(
    "token",
    [
        "[Harbor Gazette — the strike ends](https://harborgazette.example/a-very/long/path)",
        "<https://harborgazette.example/velmora/strike/ends/today>",
        "https://harborgazette.example/velmora/strike/ends/today",
        "[1, 2]",
    ],
)
def test_links_and_markers_are_never_cut(token: str) -> None:
    # The limit falls inside the token, wherever it starts; the token fits a piece alone.
    for words in range(1, 30, 2):
        text = "word " * words + token + " after words follow here"
        limit = max(len("word ") * words + len(token) // 2, len(token) + 1)
        pieces = split_text(text, limit=limit)
        assert any(token in piece for piece in pieces), (words, pieces)
        assert all(len(piece) <= limit for piece in pieces)


def test_a_sentence_longer_than_a_message_is_cut_between_words() -> None:
    text = " ".join(f"w{i:04d}" for i in range(800))  # no sentence end at all
    pieces = split_text(text)

    assert all(len(p) <= CONTENT_LIMIT for p in pieces)
    assert " ".join(pieces).split() == text.split()
    assert all(re.fullmatch(r"w\d{4}", piece.split()[-1]) for piece in pieces)


def test_an_answer_shows_its_text_then_one_line_per_source() -> None:
    [reply] = format_answer(strike_answer("How did the strike end?"))

    assert reply.content.startswith("The strike at the Port of Velmora ended on Thursday. [1]")
    [embed] = reply.embeds
    assert embed.title == "Sources"
    lines = (embed.description or "").split("\n")
    assert lines[0] == (
        "**\\[1\\]** [Harbor Gazette — Velmora dock workers end nine-day strike (2026-03-12)]"
        "(https://harborgazette.example/velmora-strike-ends)"
    )
    assert lines[1] == "> Dock workers at the Port of Velmora returned to work on Thursday."
    assert lines[2].startswith("**\\[2\\]** [Coastal Ledger — Strike at Velmora port is over")
    check_reply(reply)


def test_two_quotes_from_one_article_share_one_source_entry() -> None:
    second = "The union accepted a pay rise of 6 percent."
    answer = Answer(
        question="q",
        text="They returned to work. [1]\nThe union agreed. [1]",
        refused=False,
        citations=[citation(1), citation(1, quote=second)],
    )
    [reply] = format_answer(answer)
    lines = (reply.embeds[0].description or "").split("\n")
    assert len(lines) == 3 and lines[0].startswith("**\\[1\\]** [Harbor Gazette")
    assert lines[1:] == [
        "> Dock workers at the Port of Velmora returned to work on Thursday.",
        f"> {second}",
    ]


def test_titles_are_escaped_inside_masked_links() -> None:
    cited = citation(1, title="Strike *over*? [update]", source="Gazette_Daily")
    answer = Answer(question="q", text="It ended. [1]", refused=False, citations=[cited])
    description = format_answer(answer)[0].embeds[0].description or ""

    assert "[Gazette\\_Daily — Strike \\*over\\*? \\[update\\] (2026-03-12)](" in description


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd", "", "not a url"])
def test_only_web_addresses_become_links(url: str) -> None:
    assert masked_link("Title", url) == "Title"


def test_link_targets_cannot_break_out_of_the_link() -> None:
    assert masked_link("T", "https://x.example/a (b)") == "[T](https://x.example/a%20%28b%29)"


def test_a_source_without_a_date_or_outlet_still_reads_well() -> None:
    cited = citation(1, source="", published_at=None, title="Port news")
    answer = Answer(question="q", text="It ended. [1]", refused=False, citations=[cited])
    description = format_answer(answer)[0].embeds[0].description or ""

    assert description.startswith("**\\[1\\]** [Port news](https://")


def test_a_refusal_is_a_short_sentence_without_an_embed() -> None:
    answer = Answer(question="q", text="I couldn't find that in my articles.", refused=True)
    assert format_answer(answer) == [Reply(content="I couldn't find that in my articles.")]

    empty = Answer(question="q", text="", refused=True)
    assert format_answer(empty) == [
        Reply(
            content="I couldn't find an answer to that in the articles I have. "
            "Try rephrasing, or add articles that cover it."
        )
    ]  # the text of prompts/refusal.txt


def test_many_long_sources_spill_into_more_messages_within_the_limits() -> None:
    quote = "The harbour authority confirmed the figures in a long statement. " * 10
    title = "Report number {} " + "x" * 150
    citations = [citation(n, title=title.format(n), quote=quote) for n in range(1, 41)]
    answer = Answer(question="q", text=long_answer(60).text, refused=False, citations=citations)
    replies = format_answer(answer)

    for reply in replies:
        check_reply(reply)
        assert sum(len(e) for e in reply.embeds) <= EMBED_TOTAL_LIMIT
        assert all(len(e.description or "") <= EMBED_DESCRIPTION_LIMIT for e in reply.embeds)
    text_parts = [r for r in replies if r.content]
    assert " ".join(r.content for r in text_parts) == answer.text
    assert replies[len(text_parts) - 1].embeds, "sources start on the last text message"
    descriptions = "\n".join(e.description or "" for r in replies for e in r.embeds)
    numbers = [int(n) for n in re.findall(r"^\*\*\\\[(\d+)\\\]\*\*", descriptions, re.MULTILINE)]
    assert numbers == list(range(1, 41))  # every source once, in order
    assert "…" in descriptions  # long quotes are shortened


def test_text_never_pings_and_never_previews_links() -> None:
    [reply] = text_replies("@everyone look at https://example.org/story and @here")

    assert "@everyone" not in reply.content and "@here" not in reply.content
    assert "<https://example.org/story>" in reply.content


def test_answer_text_echoing_everyone_is_neutralised() -> None:
    answer = strike_answer("q")
    answer.text = "@everyone: the strike ended. [1]"
    assert "@everyone" not in format_answer(answer)[0].content


def test_masked_links_keep_their_form_when_previews_are_suppressed() -> None:
    text = "See [the story](https://example.org/a) and <https://example.org/b>."
    assert suppress_link_previews(text) == text


def test_check_reply_names_what_is_too_big() -> None:
    with pytest.raises(ValueError, match="content has 2001 characters"):
        check_reply(Reply(content="x" * 2001))
    with pytest.raises(ValueError, match="empty"):
        check_reply(Reply())


def test_a_page_of_sources_shows_outlet_date_title_and_link() -> None:
    articles = [summary(f"id{i:02d}", f"Story {i}", day=1 + i % 28) for i in range(10)]
    articles[0] = summary("id00", "Story 0", space="guild-1", day=1)
    page = format_sources_page(SourcesPage(articles, 2, 10, 23), shared_space=SHARED_SPACE)

    assert page.title == "Articles I know (23)"
    assert page.footer.text == "Page 2/3 · newest first"
    lines = (page.description or "").split("\n")
    assert len(lines) == 10
    assert lines[0] == (
        "`id00` · [Harbor Gazette — Story 0 (2026-03-01)](https://example.org/id00) · *this server*"
    )
    assert lines[1].endswith("(https://example.org/id01)")  # shared articles aren't marked
    assert len(page) <= EMBED_TOTAL_LIMIT


def test_a_page_of_long_sources_stays_within_the_limit_and_keeps_every_article() -> None:
    articles = [
        dataclasses.replace(
            summary(f"id{i}", "A very long title " * 30), url="https://example.org/" + "p" * 480
        )
        for i in range(10)
    ]
    page = format_sources_page(SourcesPage(articles, 1, 10, 10), shared_space=SHARED_SPACE)
    description = page.description or ""
    assert len(description) <= EMBED_DESCRIPTION_LIMIT
    assert [line.split("`")[1] for line in description.split("\n")] == [a.id for a in articles]


def test_no_sources_says_how_to_add_some() -> None:
    page = format_sources_page(SourcesPage([], 1, 10, 0), shared_space=SHARED_SPACE)
    assert "/ingest" in (page.description or "")


@pytest.mark.parametrize(
    ("report", "expected"),
    [
        (
            IngestReport(added=2, chunks=9),
            "Done: added 2 articles from <https://x.example/feed> (9 passages).",
        ),
        (IngestReport(added=1, updated=1, chunks=4), "Done: added 1 article and updated 1 from"),
        (
            IngestReport(skipped=1),
            "Nothing new at <https://x.example/feed>: I already know this article.",
        ),
        (
            IngestReport(errors=["https://x.example/feed: the server answered 404"]),
            "I couldn't add anything from <https://x.example/feed>.\nWhat went wrong:\n"
            "- https://x.example/feed: the server answered 404",
        ),
    ],
)
def test_ingest_reports_read_as_sentences(report: IngestReport, expected: str) -> None:
    assert format_ingest_report(report, "https://x.example/feed").startswith(expected)


def test_dates_in_sources_are_iso() -> None:
    cited = citation(1, published_at=date(2026, 1, 5))
    answer = Answer(question="q", text="x [1]", refused=False, citations=[cited])
    assert "(2026-01-05)" in (format_answer(answer)[0].embeds[0].description or "")


def emphasised_answer(quote: str, span: tuple[int, int]) -> Answer:
    cited = dataclasses.replace(citation(1, quote=quote), span=span)
    text = f"On 2026-03-12, Harbor Gazette reported: “{quote}” [1]"
    return Answer(question="q", text=text, refused=False, citations=[cited])


def test_the_words_that_answer_are_bold_and_the_quote_stays_escaped() -> None:
    quote = "The **union** took a 6 percent rise_now, said <@123>."
    start = quote.index("6 percent")
    (reply,) = format_answer(emphasised_answer(quote, (start, start + len("6 percent"))))
    assert "took a **6 percent** rise\\_now" in reply.content  # ours renders, theirs doesn't
    assert "The \\*\\*union\\*\\*" in reply.content and "<@123>" not in reply.content
    assert reply.content.endswith("[1]")
    sources = reply.embeds[0].description or ""
    assert "> The \\*\\*union\\*\\* took a **6 percent** rise\\_now" in sources


def test_no_span_no_bold() -> None:
    (reply,) = format_answer(strike_answer("When did the strike end?"))
    assert "**" not in reply.content
