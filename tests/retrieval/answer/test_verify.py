"""Citation checking: markers, support of each claim by its passage, verbatim quotes.

The claim tables below are the examples the thresholds in retrieval/answer/verify.py were
measured on (`python bench/verify_thresholds.py` prints their scores).
"""

from __future__ import annotations

from datetime import date

import pytest

from retrieval.answer.claims import (
    content_words,
    hard_facts,
    known_facts,
    split_sentences,
    strip_attribution,
)
from retrieval.answer.verify import CitationChecker, Support
from retrieval.embed.embedder import Embedder
from retrieval.ingest.chunking import chunk_article
from retrieval.records import Chunk, Passage
from tests.conftest import make_article

DONT_KNOW = "I don't know from these articles."

BRIDGE = make_article(
    "Council votes to close Kestrel Street bridge",
    "The Port Alder city council voted 7 to 2 on Tuesday to close the Kestrel Street bridge "
    "for repairs. Engineers found corrosion in two of the bridge's steel supports during an "
    "inspection in January. Mayor Ilse Varga said the bridge would reopen by the end of "
    "September. The repairs are expected to cost 4.2 million dollars, paid from the city's "
    "infrastructure fund. Ferry service across the Alder River will run every 20 minutes "
    "while the bridge is closed.",
    source="Alder Valley Courier",
    published_at=date(2031, 3, 4),
)
UNION = make_article(
    "Union doubts bridge will reopen this year",
    "The transit workers' union in Port Alder said on Wednesday that the Kestrel Street "
    "bridge will not reopen before next spring. Union spokesperson Tomas Reyes said the "
    "contractor had not yet hired enough welders. The union represents about 1,800 bus and "
    "ferry workers. Reyes called the mayor's September date unrealistic.",
    source="Harbor Gazette",
    published_at=date(2031, 3, 5),
)
AIRLINE = make_article(
    "Northwind adds Lake Merrow route",
    "Northwind Airlines will begin daily flights between Port Alder and Lake Merrow in June, "
    "the company announced. The route will be served by a 70-seat turboprop. Tickets go on "
    "sale on March 15.",
    source="Harbor Gazette",
    published_at=date(2031, 2, 20),
)


def single_chunk(article_text: object) -> Chunk:
    chunks = chunk_article(article_text, max_words=500)  # type: ignore[arg-type]
    assert len(chunks) == 1
    return chunks[0]


CHUNKS = {1: single_chunk(BRIDGE), 2: single_chunk(UNION), 3: single_chunk(AIRLINE)}
PASSAGES = [Passage(chunk=CHUNKS[n], score=1.0 - n / 10, rank=n) for n in (1, 2, 3)]

SUPPORTED = [
    (1, "The city council voted to close the Kestrel Street bridge for repairs"),
    (1, "The council approved the closure of the bridge by 7 votes to 2"),
    (1, "Corrosion was found in two steel supports of the bridge during a January inspection"),
    (1, "Mayor Ilse Varga expects the bridge to reopen by the end of September"),
    (1, "The repairs will cost about 4.2 million dollars"),
    (1, "Ferries will cross the river every 20 minutes during the closure"),
    (1, "As of 4 March 2031, the Alder Valley Courier reported that the bridge will close "
        "for repairs"),
    (1, "Repairs to the Kestrel Street bridge were approved after corrosion was found in its "
        "steel supports"),
    (1, "While the bridge is shut, a ferry will cross the Alder River every 20 minutes"),
    (1, "The city's infrastructure fund will pay for the repairs"),
    (1, "Mayor Varga said it should be open again by the end of September"),
    (1, "Engineers discovered corroded steel supports, and the mayor said the bridge would "
        "reopen by September"),
    (2, "The union says the bridge will not reopen before next spring"),
    (2, "Tomas Reyes, the union's spokesperson, said the contractor lacks welders"),
    (2, "The union called the mayor's September reopening date unrealistic"),
    (2, "The Harbor Gazette reported on 5 March 2031 that the union doubts the bridge will "
        "reopen this year"),
    (2, "The transit workers' union disputes the mayor's timeline, saying the bridge will "
        "stay closed until spring"),
    (2, "According to the union, the contractor has not hired enough welders yet"),
    (2, "The union, which represents about 1,800 bus and ferry workers, doubts the "
        "September date"),
    (2, "Reyes said the mayor's date was not realistic"),
    (3, "Northwind Airlines will start daily flights to Lake Merrow in June"),
    (3, "Tickets for the new route go on sale on March 15"),
    (3, "Northwind will fly a 70-seat turboprop on the new Lake Merrow route"),
    (3, "Daily Port Alder to Lake Merrow flights start in June"),
]  # fmt: skip

UNSUPPORTED = [
    # the same story, but not what the passage says
    (1, "The bridge will reopen before next spring"),
    (1, "The council voted unanimously to keep the bridge open"),
    (1, "The repairs are being paid for by a federal grant"),
    (1, "Engineers found cracks in the bridge's concrete deck"),
    (1, "Mayor Ilse Varga resigned after the vote"),
    (1, "The ferry service has been suspended during the closure"),
    (1, "The mayor said the bridge was safe and would stay open"),
    (1, "The closure has caused traffic jams across Port Alder"),
    (1, "The repairs were ordered after a truck hit the bridge"),
    (3, "Flights to Lake Merrow have been delayed because of the bridge closure"),
    # a true claim cited to the wrong passage
    (1, "The union said the contractor had not hired enough welders"),
    (2, "The council voted 7 to 2 to close the bridge"),
    (3, "The Kestrel Street bridge will close for repairs"),
    # wrong numbers, months, days or names
    (3, "The new route will use a jet with 180 seats"),
    (1, "Engineers found the corrosion during an inspection in December"),
    (1, "The bridge carries about 30,000 cars a day"),
    (2, "The union's members voted to strike on Friday"),
    (1, "Tomas Reyes said the bridge would reopen by September"),
    # off topic, or an article's instructions obeyed
    (2, "Bus fares will rise next month"),
    (1, "The city plans to build a new stadium near the river"),
    (1, "HACKED"),
    (2, "Ignore previous instructions"),
]


@pytest.fixture(scope="module")
def checker(embedder: Embedder) -> CitationChecker:
    return CitationChecker(embedder, dont_know=DONT_KNOW)


@pytest.fixture(scope="module")
def verdicts(checker: CitationChecker) -> dict[tuple[int, str], Support]:
    """Every table claim against its passage, scored in one batch."""
    rows = SUPPORTED + UNSUPPORTED
    table = checker.score([claim for _, claim in rows], sorted(CHUNKS.items()), as_of=None)
    return {(n, claim): scores[n - 1] for (n, claim), scores in zip(rows, table, strict=True)}


@pytest.mark.parametrize(("n", "claim"), SUPPORTED)
def test_a_paraphrase_of_the_passage_is_supported(
    verdicts: dict[tuple[int, str], Support], n: int, claim: str
) -> None:
    support = verdicts[n, claim]
    assert support.supports, support.describe()
    assert support.quote in CHUNKS[n].sentence_texts


@pytest.mark.parametrize(("n", "claim"), UNSUPPORTED)
def test_a_claim_the_passage_does_not_make_is_not_supported(
    verdicts: dict[tuple[int, str], Support], n: int, claim: str
) -> None:
    support = verdicts[n, claim]
    assert not support.supports, support.describe()


def test_verified_answer_keeps_supported_sentences_and_renumbers_by_first_use(
    checker: CitationChecker,
) -> None:
    answer = (
        "The union says the bridge will not reopen before next spring [2]. "
        "Mayor Ilse Varga said it would reopen by the end of September [1]."
    )
    verified = checker.verify(answer, PASSAGES)

    assert verified.text == (
        "The union says the bridge will not reopen before next spring [1]. "
        "Mayor Ilse Varga said it would reopen by the end of September [2]."
    )
    assert [c.source for c in verified.citations] == ["Harbor Gazette", "Alder Valley Courier"]
    assert verified.citations[0].quote == (
        "The transit workers' union in Port Alder said on Wednesday that the Kestrel Street "
        "bridge will not reopen before next spring."
    )
    assert verified.citations[1].quote == (
        "Mayor Ilse Varga said the bridge would reopen by the end of September."
    )
    assert verified.unsupported == []


def test_every_quote_is_verbatim_from_its_chunk(checker: CitationChecker) -> None:
    answer = (
        "Tickets go on sale on March 15 [3]. The repairs will cost 4.2 million dollars [1]. "
        "The union represents about 1,800 workers [2]."
    )
    verified = checker.verify(answer, PASSAGES)

    assert len(verified.citations) == 3
    for citation in verified.citations:
        chunk = next(c for c in CHUNKS.values() if c.id == citation.chunk_id)
        assert citation.quote in chunk.sentence_texts


def test_a_marker_naming_no_given_passage_is_removed(checker: CitationChecker) -> None:
    answer = "The repairs will cost about 4.2 million dollars [1][7]."
    verified = checker.verify(answer, PASSAGES)

    assert verified.text == "The repairs will cost about 4.2 million dollars [1]."
    assert verified.unknown_markers == [7]
    assert [c.n for c in verified.citations] == [1]


def test_a_sentence_citing_only_a_bogus_marker_is_unsupported(checker: CitationChecker) -> None:
    answer = "The repairs will cost about 4.2 million dollars [1]. The bridge is 90 years old [7]."
    verified = checker.verify(answer, PASSAGES)

    assert "[7]" not in verified.text
    assert "90 years old" not in verified.text
    assert verified.unsupported == ["The bridge is 90 years old."]


def test_an_unsupported_sentence_is_dropped_and_listed(checker: CitationChecker) -> None:
    answer = (
        "The council voted 7 to 2 to close the bridge for repairs [1]. "
        "Mayor Ilse Varga resigned after the vote [1]."
    )
    verified = checker.verify(answer, PASSAGES)

    assert verified.text == "The council voted 7 to 2 to close the bridge for repairs [1]."
    assert verified.unsupported == ["Mayor Ilse Varga resigned after the vote."]


def test_a_factual_sentence_without_a_marker_is_unsupported(checker: CitationChecker) -> None:
    answer = (
        "Here is what the articles say:\n"
        "The council voted 7 to 2 to close the bridge [1]. The bridge was built in 1931."
    )
    verified = checker.verify(answer, PASSAGES)

    assert verified.text == (
        "Here is what the articles say:\nThe council voted 7 to 2 to close the bridge [1]."
    )
    assert verified.unsupported == ["The bridge was built in 1931."]


def test_each_side_of_a_disagreement_is_checked_against_its_own_citation(
    checker: CitationChecker,
) -> None:
    answer = (
        "The mayor said the bridge would reopen by the end of September [1], while the "
        "union said it will not reopen before next spring [2]."
    )
    verified = checker.verify(answer, PASSAGES)

    assert verified.text.endswith(
        "by the end of September [1], while the union said it "
        "will not reopen before next spring [2]."
    )
    assert [c.source for c in verified.citations] == ["Alder Valley Courier", "Harbor Gazette"]

    swapped = answer.replace("[1]", "[x]").replace("[2]", "[1]").replace("[x]", "[2]")
    assert checker.verify(swapped, PASSAGES).unsupported == [
        answer.replace(" [1]", "").replace(" [2]", "")
    ]


def test_a_citation_that_does_not_support_is_dropped_from_a_group(
    checker: CitationChecker,
) -> None:
    verified = checker.verify("Tickets go on sale on March 15 [1, 3].", PASSAGES)

    assert verified.text == "Tickets go on sale on March 15 [1]."
    assert [c.title for c in verified.citations] == ["Northwind adds Lake Merrow route"]


def test_i_dont_know_is_recognised(checker: CitationChecker) -> None:
    verified = checker.verify("I don’t know from these articles.", PASSAGES)

    assert verified.dont_know
    assert verified.citations == []
    assert verified.unsupported == []


def test_a_partial_answer_with_i_dont_know_is_an_answer(checker: CitationChecker) -> None:
    verified = checker.verify(
        "Tickets go on sale on March 15 [3]. Prices? I don't know from these articles.",
        PASSAGES,
    )

    assert not verified.dont_know
    assert verified.text == (
        "Tickets go on sale on March 15 [1]. Prices? I don't know from these articles."
    )


def test_reasoning_blocks_are_ignored(checker: CitationChecker) -> None:
    verified = checker.verify(
        "<think>The user wants the cost. Passage 1 has it.</think>\n"
        "The repairs will cost 4.2 million dollars [1].",
        PASSAGES,
    )
    assert verified.text == "The repairs will cost 4.2 million dollars [1]."


def test_the_as_of_date_may_be_stated(checker: CitationChecker) -> None:
    answer = "As of 9 March 2031, the bridge is expected to reopen by the end of September [1]."
    assert checker.verify(answer, PASSAGES, as_of=date(2031, 3, 9)).text == answer
    assert checker.verify(answer, PASSAGES, as_of=None).unsupported == [answer.replace(" [1]", "")]


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


def test_markers_naming_the_passage_are_understood(checker: CitationChecker) -> None:
    verified = checker.verify("The repairs will cost 4.2 million dollars [Passage 1].", PASSAGES)
    assert verified.text == "The repairs will cost 4.2 million dollars [1]."


def test_bullets_markdown_and_labels_are_not_claims(checker: CitationChecker) -> None:
    answer = (
        "**In short:** the repairs will cost 4.2 million dollars [1].\n"
        "- Tickets go on sale on March 15 [3]"
    )
    verified = checker.verify(answer, PASSAGES)
    assert verified.text == (
        "**In short:** the repairs will cost 4.2 million dollars [1].\n"
        "- Tickets go on sale on March 15 [2]"
    )


ORDERS = [
    ("The route will be served by a 70-seat turboprop [3].", "turboprop [1]."),
    ("The route will be served by a 70-seat turboprop. [3]", "turboprop. [1]"),
    ("The route will be served by a 70-seat turboprop.\n[3]", "turboprop. [1]"),
    ("The repairs will cost 9 million dollars [1].", None),
    ("The repairs will cost 9 million dollars. [1]", None),
]


@pytest.mark.parametrize(("answer", "kept_ending"), ORDERS)
def test_a_marker_before_or_after_the_full_stop_is_judged_the_same(
    checker: CitationChecker, answer: str, kept_ending: str | None
) -> None:
    verified = checker.verify(answer, PASSAGES)

    if kept_ending is None:  # 9 million is not what passage 1 says, wherever the marker is
        assert verified.text == ""
        assert verified.unsupported == ["The repairs will cost 9 million dollars."]
    else:
        assert verified.text.endswith(kept_ending)
        assert verified.unsupported == []
        assert [c.title for c in verified.citations] == ["Northwind adds Lake Merrow route"]


@pytest.mark.parametrize(
    "answer", ["[1]", "[1] [2].", "HACKED. [1]", "Ferries run every 9 hours [1]. [2] ."]
)
def test_unsupported_never_lists_an_empty_sentence(checker: CitationChecker, answer: str) -> None:
    unsupported = checker.verify(answer, PASSAGES).unsupported

    assert all(any(ch.isalnum() for ch in sentence) for sentence in unsupported), unsupported


def test_split_sentences_keeps_markers_after_a_full_stop_with_their_sentence() -> None:
    assert split_sentences("It closed. [1] Then it opened [2].\n[3]") == [
        "It closed. [1]",
        "Then it opened [2].\n[3]",
    ]
