"""Which words of a quote answer the question: a value of the asked kind, not the question's."""

from __future__ import annotations

from datetime import date

import pytest

from retrieval.answer.emphasis import answer_span, with_spans
from retrieval.records import Answer, Citation

VOTE = (
    "Ilse Marrow won the Brenholt vote by 1,204 votes, beating Ken Lo, the Harbor Gazette reported."
)


def shown(question: str, quote: str, **kwargs: object) -> str | None:
    span = answer_span(question, quote, **kwargs)  # type: ignore[arg-type]
    return quote[span[0] : span[1]] if span else None


@pytest.mark.parametrize(
    ("question", "quote", "words"),
    [
        ("Who won the Brenholt vote?", VOTE, "Ilse Marrow"),
        ("Who did Ilse Marrow beat?", VOTE, "Ken Lo"),  # the question's own name is not it
        ("By how many votes did Marrow win?", VOTE, "1,204"),
        ("How much will the Brenholt tram cost?",
         "The Brenholt tram will cost 410 million crowns, officials said in March 2026.",
         "410 million"),
        ("When will the tram open?", "The tram will open on March 12, 2027, two years late.",
         "March 12, 2027"),
        ("Where was the ferry found?",
         "The ferry Marla was found off Cape Dunmore by the Lisk coastguard.", "Cape Dunmore"),
        ("Why did the council vote against the fund?",
         "The council voted against the fund because the harbour budget was empty, Oda said.",
         "because the harbour budget was empty"),
        # none next to the question's words: the first, most often the subject
        ("Which team won the title?", "The Brenholt Lakers beat the Heat 106-93 in Miami.",
         "Brenholt Lakers"),
        ("Who runs the ferry line?", "Analysts said Tarrow United’s board runs it.",
         "Tarrow United"),  # without its possessive
        # two asked values a few words apart are shown as one span
        ("Who won and by how many votes?", "Ilse Marrow won by 1,204 votes in Brenholt.",
         "Ilse Marrow won by 1,204"),
    ],
)  # fmt: skip
def test_the_words_that_answer(question: str, quote: str, words: str) -> None:
    assert shown(question, quote) == words


@pytest.mark.parametrize(
    ("question", "quote"),
    [
        ("What did Marrow say about the strike?", "Ilse Marrow said the strike would end soon."),
        ("Why did the ferries stop?", "The ferries stopped on Monday."),  # no reason given
        ("Who won the Brenholt vote?", "The Brenholt vote was held on a cold morning."),
        ("Who won?", "Ilse Marrow"),  # never the whole quote
    ],
)
def test_no_words_stand_out(question: str, quote: str) -> None:
    assert answer_span(question, quote) is None


def test_the_outlet_reporting_it_is_not_the_answer() -> None:
    quote = "The council backed the plan, the Harbor Gazette reported."
    assert shown("Who backed the plan?", quote) == "Harbor Gazette"
    assert answer_span("Who backed the plan?", quote, outlet="Harbor Gazette") is None


def test_a_follow_up_is_read_with_its_context() -> None:
    quote = "Brenholt will pay 410 million crowns for the tram by 2031."
    context = "What did Brenholt council vote on? And how much will it cost?"
    assert shown("And how much will it cost?", quote, context=context) == "410 million"
    assert shown("and when?", quote, context=context) == "2031"


def test_with_spans_keeps_the_quote_verbatim() -> None:
    cited = Citation(
        n=1, article_id="a", chunk_id="a:0", title="Vote", source="Harbor Gazette",
        url="", published_at=date(2026, 3, 12), quote=VOTE,
    )  # fmt: skip
    (marked,) = with_spans("Who won the Brenholt vote?", [cited])
    assert marked.quote == VOTE and marked.answering == "Ilse Marrow"
    assert marked.to_json()["span"] == [0, 11] and cited.to_json()["span"] is None


def test_a_span_outside_its_quote_is_refused() -> None:
    with pytest.raises(ValueError, match="not within the quote"):
        Citation(
            n=1, article_id="a", chunk_id="a:0", title="", source="", url="",
            published_at=None, quote="Short.", span=(2, 40),
        )  # fmt: skip


def test_an_answer_points_at_each_quote_in_its_text() -> None:
    quotes = ["Ilse Marrow won the vote.", "Ken Lo came second in Brenholt."]
    citations = [
        Citation(
            n=i, article_id=f"a{i}", chunk_id=f"a{i}:0", title="", source="", url="",
            published_at=None, quote=q, span=(0, 11) if i == 1 else (22, 30),
        )
        for i, q in enumerate(quotes, start=1)
    ]  # fmt: skip
    text = f"A reported: “{quotes[0]}” [1]\nB reported: “{quotes[1]}” [2]"
    answer = Answer(question="q", text=text, refused=False, citations=citations)
    assert [text[a:b] for a, b in answer.emphasis()] == ["Ilse Marrow", "Brenholt"]
