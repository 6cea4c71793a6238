"""Reading an answer's text: sentences with their markers, claims, facts, attribution."""

from __future__ import annotations

from datetime import date

import pytest

from retrieval.answer.claims import (
    Claim,
    content_words,
    hard_facts,
    known_facts,
    marker_numbers,
    numbers_in,
    parse_claims,
    sentence_spans,
    split_sentences,
    strip_attribution,
    strip_reasoning,
    without_markers,
)
from retrieval.text import split_sentences as text_sentences


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Dr. Lee said the U.S. Navy left. It rained [1].", ["Dr. Lee said the U.S. Navy left.",
                                                            "It rained [1]."]),
        ("A fact. [1] Another fact [2][3].", ["A fact. [1]", "Another fact [2][3]."]),
        ("- first point [1]\n- second point [2]", ["- first point [1]", "- second point [2]"]),
        ("1. First item. Second one.", ["1. First item.", "Second one."]),
        ("Prices rose 3.5% on Jan. 4. Really?", ["Prices rose 3.5% on Jan. 4.", "Really?"]),
        ('"Yes," J. Smith said. No.', ['"Yes," J. Smith said.', "No."]),
    ],
)  # fmt: skip
def test_answer_sentences(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


@pytest.mark.parametrize(
    ("claim", "bare"),
    [
        ("As of 4 March 2031, the Alder Valley Courier reported that the bridge will close",
         "the bridge will close"),
        ("The Harbor Gazette reported on 2031-03-05 that the union doubts it",
         "the union doubts it"),
        ("According to the Harbor Gazette, tickets go on sale on March 15",
         "tickets go on sale on March 15"),
        ("On March 4, 2031, the council voted 7 to 2.", "the council voted 7 to 2."),
    ],
)  # fmt: skip
def test_attribution_is_left_out_of_the_comparison(claim: str, bare: str) -> None:
    outlets = ["Alder Valley Courier", "Harbor Gazette"]
    assert strip_attribution(claim, outlets, [date(2031, 3, 4), date(2031, 3, 5)]) == bare


@pytest.mark.parametrize(
    ("claim", "missing"),
    [
        ("The council met on Friday, 12 May, and Ilse Varga spoke to 1,200 people.", set()),
        ("The council met on Friday, 12 May, and Ilse Varga spoke to 1,400 people.", {"1400"}),
        ("The council met on Monday, 12 May.", {"monday"}),
        ("The council met on Friday, 12 June.", {"june"}),
        ("The council met, and Ilse Marrow spoke.", {"marrow"}),
        ("The council may meet again, and twelve people spoke.", set()),
    ],
)
def test_names_numbers_and_dates_must_be_in_the_passage(claim: str, missing: set[str]) -> None:
    passage = "On Friday, 12 May, the council met and Ilse Varga spoke to 1,200 people."
    assert hard_facts(claim) - known_facts(passage) == missing


def test_plurals_and_tenses_match() -> None:
    assert content_words("The ferries were closed") == content_words("a ferry closes")


def test_answers_split_like_articles_except_for_markers() -> None:
    text = "The council voted 7 to 2 on Tuesday. Mayor Varga said it would reopen."
    assert sentence_spans(text) == text_sentences(text)  # one splitter for both
    answer = "It closed. [1][2] It reopens in May. [Passage 3]"
    assert [answer[a:b] for a, b in sentence_spans(answer)] == [
        "It closed. [1][2]",
        "It reopens in May. [Passage 3]",
    ]


def test_each_marker_group_vouches_for_the_text_before_it() -> None:
    claims, unknown = parse_claims(
        "The bridge closed for repairs [1], while ferries run every 20 minutes [2][9].", 3
    )
    assert claims == [
        Claim("The bridge closed for repairs", (1,)),
        Claim("while ferries run every 20 minutes.", (2,)),
    ]
    assert unknown == [9]


def test_a_short_claim_stands_for_its_whole_sentence() -> None:
    claims, _ = parse_claims("According to [1], the bridge will reopen in September.", 1)
    assert claims == [Claim("According to, the bridge will reopen in September.", (1,))]


def test_bullets_emphasis_and_labels_are_not_part_of_a_claim() -> None:
    claims, _ = parse_claims("- **In short:** the repairs cost 4.2 million dollars [1]", 1)
    assert claims == [Claim("the repairs cost 4.2 million dollars", (1,))]


def test_markers_numbers_and_reasoning() -> None:
    assert marker_numbers("[1][2] [3, 4] [Passage 5]") == [1, 2, 3, 4, 5]
    assert without_markers("It closed [1, 2].") == "It closed."
    assert numbers_in("About 1,800 workers, twelve buses and 4.2 million") == {
        "1800",
        "12",
        "4.2",
    }
    assert strip_reasoning("<think>Passage 1 says so.</think>\nIt closed [1].") == "It closed [1]."


def test_attribution_words_are_not_content() -> None:
    assert content_words("The passage reported that the bridge closed") == content_words(
        "bridge closes"
    )
