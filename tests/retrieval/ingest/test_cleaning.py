from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.ingest.cleaning import clean_text, is_boilerplate

BEFORE = "The harbour master closed the north quay on Monday."
AFTER = "Repairs are expected to take three weeks."


@pytest.mark.parametrize(
    "line",
    [
        "Share on Social",
        "Share this article",
        "SHARE:",
        "Facebook Twitter LinkedIn Email",
        "Share on Facebook | Share on X | Email",
        "Leave a Reply",
        "Leave a comment",
        "12 Comments",
        "Your email address will not be published. Required fields are marked *",
        "Required fields are marked *",
        "Click here to subscribe",
        "Click here to subscribe to our morning briefing",
        "Sign up for our daily newsletter",
        "Advertisement",
        "ADVERTISEMENT",
        "Story continues below advertisement",
        "We use cookies to improve your experience. By using this site you accept our policy.",
        "Accept all cookies",
        "Cookie settings",
        "Read more",
        "Read more: Ferry fares to rise in April",
        "Continue reading",
        "Related articles",
        "Related Stories:",
        "You may also like",
        "Most read",
        "Follow us on Twitter",
        "Tags: harbour, shipping, Quillhaven",
        "© 2026 Northshore Weekly. All rights reserved.",
        "Skip to main content",
        "* * *",
    ],
)
def test_boilerplate_lines_are_dropped(line: str) -> None:
    assert is_boilerplate(line)
    assert clean_text(f"{BEFORE}\n\n{line}\n\n{AFTER}") == f"{BEFORE}\n\n{AFTER}"


@pytest.mark.parametrize(
    "sentence",
    [
        "Share prices at the harbour company rose 4% on Monday.",
        "Read more than 300 letters from residents, the council urged its members.",
        "Advertisement revenue at the Quillhaven Ledger fell by a fifth last year.",
        "We use cookies from the Dock Street bakery at every meeting, the mayor joked.",
        "Related stories circulated online within minutes of the vote.",
        "Comments from residents will be accepted until Friday.",
        "Follow us on this journey, the mayor told the crowd at the quay.",
        "Leave a reply on the form at the town hall by March 3, officials said.",
        "Twitter",
        "Subscribers to the ferry pass will get a refund for the cancelled sailings.",
        "Search and rescue teams found the kayaker near Cape Morrow.",
        "Most residents said they were happy with the new timetable.",
    ],
)
def test_real_sentences_that_look_like_boilerplate_stay(sentence: str) -> None:
    assert not is_boilerplate(sentence)
    assert clean_text(f"{BEFORE}\n\n{sentence}") == f"{BEFORE}\n\n{sentence}"


def test_whitespace_collapses_and_paragraphs_are_one_blank_line_apart() -> None:
    raw = (
        "  The   ferry\tleft at\u00a0noon.  \r\n\r\n\r\n\n"
        "It\u200b carried 80 passengers.\r\n   \n \t\nNobody was hurt.\n\n"
    )
    assert (
        clean_text(raw)
        == "The ferry left at noon.\n\nIt carried 80 passengers.\n\nNobody was hurt."
    )


def test_exact_duplicate_paragraphs_go_paraphrases_stay() -> None:
    raw = (
        "The council voted 5-2 to repair the bridge.\n\n"
        "Work starts in April.\n\n"
        "the council   VOTED 5-2 to repair the bridge.\n\n"
        "By five votes to two, the council backed the bridge repairs."
    )
    assert clean_text(raw).split("\n\n") == [
        "The council voted 5-2 to repair the bridge.",
        "Work starts in April.",
        "By five votes to two, the council backed the bridge repairs.",
    ]


def test_title_repeated_at_the_top_of_the_body_goes() -> None:
    title = "Fog closes Quillhaven airport"
    body = f"{title}\nShare on Social\n\nThick fog grounded all flights.\n\n{title}"
    # Only the copy at the top is a repeat; later the words are the article's own.
    assert clean_text(body, title=title) == f"Thick fog grounded all flights.\n\n{title}"
    assert clean_text("  fog closes  QUILLHAVEN airport \n\nText.", title=title) == "Text."


def test_hard_wrapped_lines_are_joined_into_their_paragraph() -> None:
    raw = (
        "The Mill Bridge has been closed to lorries since October, and traders\n"
        "on both banks say they have lost about a third of their custom since\n"
        "the barriers went up.\n\n"
        "Councillors will vote on Tuesday."
    )
    assert clean_text(raw) == (
        "The Mill Bridge has been closed to lorries since October, and traders on both banks "
        "say they have lost about a third of their custom since the barriers went up."
        "\n\nCouncillors will vote on Tuesday."
    )


def test_one_paragraph_per_line_stays_apart_even_without_blank_lines() -> None:
    raw = (
        "What the council decided\n"
        "The council voted on Tuesday to repair the Mill Bridge and to open a temporary "
        "footbridge for pedestrians while the work goes on, which could take eleven weeks.\n"
        "Work starts in April.\n"
        "- the footbridge opens first\n"
        "- lorries stay diverted"
    )
    assert clean_text(raw).split("\n\n") == raw.split("\n")


def test_a_line_continuing_in_lower_case_is_joined() -> None:
    assert clean_text("The vote was delayed because the\nmayor was ill.") == (
        "The vote was delayed because the mayor was ill."
    )


def test_empty_and_boilerplate_only_text_gives_empty_string() -> None:
    assert clean_text("") == ""
    assert clean_text("\n\nAdvertisement\n\nLeave a Reply\n") == ""


@pytest.mark.shared
def test_the_scraped_seed_article(shared_dir: Path) -> None:
    title, _, body = (shared_dir / "seed" / "000_ec5b004586267d03.txt").read_text().partition("\n")
    cleaned = clean_text(body, title=title.strip())
    paragraphs = cleaned.split("\n\n")
    assert title.strip() not in paragraphs
    assert not any(is_boilerplate(p) for p in paragraphs)
    assert "Share on Social" not in cleaned and "Leave a Reply" not in cleaned
    assert "Required fields" not in cleaned
    raw_paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
    # Of 21 blocks, the title/share block and the two comment-form lines go; the
    # paraphrased paragraphs are different text and all stay.
    assert len(raw_paragraphs) == 21
    assert len(paragraphs) == 18
    assert len({p.casefold() for p in paragraphs}) == 18
