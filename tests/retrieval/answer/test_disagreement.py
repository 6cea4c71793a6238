"""Two outlets giving different values for what was asked are shown side by side."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from retrieval.answer.disagreement import (
    HEADLINE,
    differ,
    disagrees,
    named,
    pick_sides,
    restated,
    same_story,
    versions,
)
from retrieval.answer.extractive import ExtractiveAnswerer, ExtractiveConfig
from retrieval.config import Settings
from retrieval.embed.embedder import Embedder
from retrieval.engine import Engine
from retrieval.index.search import differs_in_values
from tests.conftest import make_article

Q_COUNT = "How many vessels are waiting outside the Port of Brisk?"


def test_sentences_giving_different_numbers_differ() -> None:
    assert differ(Q_COUNT, "About 140 vessels are waiting.", "About 90 vessels are waiting.")
    assert not differ(Q_COUNT, "About 140 vessels wait.", "Some 140 vessels are waiting.")
    assert not differ(Q_COUNT, "About 140 vessels wait.", "The queue is long.")  # no value


def test_quotes_disagree_only_across_articles_and_on_the_values_asked() -> None:
    quotes = [("a", "The strike cost 4 million crowns."), ("b", "The strike cost 9 million.")]
    assert disagrees("How much did the strike cost?", quotes)
    assert not disagrees("How much did the strike cost?", [("a", q) for _, q in quotes])
    same = [("a", "Ilse Marrow said it cost 4 million."), ("b", "Ilse Marrow said 9 million.")]
    assert not disagrees("Who spoke about the cost?", same)
    assert disagrees("Why did it cost so much?", quotes)  # asks for no kind: any value


def test_the_other_side_replaces_the_last_quote_that_adds_no_version() -> None:
    question = "Who leads the union?"
    chosen = ["Ilse Marrow leads the union.", "The union met on Monday.", "Marrow spoke."]
    article = {chosen[0]: "a", chosen[1]: "a", chosen[2]: "a", "Tomas Brenn leads it.": "b"}
    picked = pick_sides(
        question, chosen, [*chosen, "Tomas Brenn leads it."],
        text=str, article=article.__getitem__, max_quotes=3,
    )  # fmt: skip
    assert len(picked) == 3
    assert picked[0] == chosen[0] and "Tomas Brenn leads it." in picked


def test_search_keeps_a_near_copy_that_gives_another_value() -> None:
    text = "Dock workers at the Port of Brisk accepted a pay rise of 6 percent on Friday."
    assert differs_in_values(text, text.replace("6 percent", "4 percent"))
    assert differs_in_values(text, text.replace("Friday", "Monday"))
    assert not differs_in_values(text, text.replace("accepted", "took"))


@pytest.fixture(scope="module")
def rivals(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    body = (
        "Ferry crews at the Port of Brisk stopped work on Tuesday over night-shift pay.\n\n"
        "The crews' union is led by {leader}, who said talks would resume next week.\n\n"
        "About {ships} ferries were left idle at the Brisk quays by the stoppage."
    )
    articles = [
        make_article(
            "Brisk ferry crews stop work",
            body.format(leader="Odile Farran", ships="40"),
            source="Brisk Herald",
            published_at=date(2026, 4, 7),
            url="https://briskherald.example/ferries",
        ),
        make_article(
            "Ferry stoppage at Brisk",
            body.format(leader="Odile Farran", ships="25"),
            source="Lowland Wire",
            published_at=date(2026, 4, 8),
            url="https://lowlandwire.example/brisk",
        ),
    ]
    settings = Settings(_env_file=None, data_dir=tmp_path_factory.mktemp("rivals"))  # type: ignore[call-arg]
    engine = Engine(settings, embedder=embedder)
    engine.ingest_articles(articles)
    return engine


def test_two_outlets_with_different_numbers_are_shown_side_by_side(rivals: Engine) -> None:
    answer = rivals.ask("How many ferries were left idle at Brisk?")
    assert answer.disagreement and answer.to_json()["disagreement"] is True
    assert answer.text.startswith(HEADLINE)
    quotes = [c.quote for c in answer.citations]
    assert any("About 40 ferries" in q for q in quotes)
    assert any("About 25 ferries" in q for q in quotes)
    assert len(quotes) <= 3
    newest_first = [c.published_at for c in answer.citations]
    assert newest_first == sorted(newest_first, reverse=True)  # type: ignore[type-var]
    assert {c.source for c in answer.citations} == {"Brisk Herald", "Lowland Wire"}


@pytest.mark.parametrize(
    ("question", "answered"),
    [("How many ferries were left idle at Brisk?", True), ("Who leads the crews' union?", False)],
)
def test_a_disagreement_is_shown_at_a_lower_confidence(
    embedder: Embedder, rivals: Engine, question: str, answered: bool
) -> None:
    """The gate asks only `disputed_confidence` of an answer whose quotes disagree: the
    reader must see both versions. Outlets that agree are held to `min_confidence`."""
    config = ExtractiveConfig(min_confidence=0.999, disputed_confidence=0.001)
    answer = ExtractiveAnswerer(embedder, config).answer(
        question, rivals.search(question), as_of=None
    )
    assert answer.refused is not answered
    assert answer.disagreement is answered


def test_a_long_disputed_question_is_held_only_to_disputed_confidence(
    embedder: Embedder, rivals: Engine
) -> None:
    """A long question's rise (`long_confidence_rise`) is not added to what a
    disagreement needs: the versions are shown whatever the question's length."""
    question = "How many ferries were left idle at the Brisk quays during the stoppage this winter?"
    config = ExtractiveConfig(
        min_confidence=0.999, disputed_confidence=0.001, long_confidence_rise=5.0
    )
    answerer = ExtractiveAnswerer(embedder, config)
    assert answerer.confidence_offset(question) > 0.1
    answer = answerer.answer(question, rivals.search(question), as_of=None)
    assert not answer.refused
    assert answer.disagreement


def test_outlets_that_agree_are_not_a_disagreement(rivals: Engine) -> None:
    answer = rivals.ask("Who leads the crews' union?")
    assert not answer.refused
    assert not answer.disagreement
    assert HEADLINE not in answer.text
    assert "Odile Farran" in answer.text


def test_last_years_count_is_not_a_disagreement_with_this_years(
    embedder: Embedder, tmp_path: Path
) -> None:
    """The same report a year apart is two events: the newer one is the answer."""
    sentence = "About {ships} ferries were left idle at the Brisk quays by the winter stoppage."
    articles = [
        make_article("Brisk ferries idle", sentence.format(ships="40"), source="Brisk Herald",
                     published_at=date(2026, 1, 14)),
        make_article("Brisk ferries idle", sentence.format(ships="25"), source="Lowland Wire",
                     published_at=date(2025, 1, 15)),
    ]  # fmt: skip
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    engine = Engine(settings, embedder=embedder)
    engine.ingest_articles(articles)
    answer = engine.ask("How many ferries were left idle at Brisk?", as_of=date(2026, 1, 20))
    assert not answer.refused and not answer.disagreement
    assert HEADLINE not in answer.text
    assert "About 40 ferries" in answer.citations[0].quote


# --- the LLM path ----------------------------------------------------------------------------

RIVAL_ARTICLES = [
    make_article(
        "Brisk ferry crews stop work",
        "About 40 ferries were left idle at the Brisk quays by the stoppage on Tuesday.",
        source="Brisk Herald",
        published_at=date(2026, 4, 7),
    ),
    make_article(
        "Ferry stoppage at Brisk",
        "About 25 ferries were left idle at the Brisk quays by the stoppage on Tuesday.",
        source="Lowland Wire",
        published_at=date(2026, 4, 8),
    ),
]


def test_the_llm_check_keeps_both_sides_and_flags_them(embedder: Embedder) -> None:
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    from retrieval.answer.extractive import ExtractiveAnswerer
    from retrieval.answer.llm import LLMAnswerer
    from retrieval.ingest.chunking import chunk_article
    from retrieval.records import Passage

    passages = [
        Passage(chunk=chunk_article(a)[0], score=0.8, rank=rank)
        for rank, a in enumerate(RIVAL_ARTICLES, 1)
    ]
    reply = (
        "The Lowland Wire reported that about 25 ferries were left idle at the Brisk quays [2]. "
        "The Brisk Herald reported that about 40 ferries were left idle [1]."
    )
    model = FakeListChatModel(responses=[reply])
    llm = LLMAnswerer(model, embedder, fallback=ExtractiveAnswerer(embedder), timeout=5.0)
    answer = llm.answer("How many ferries were left idle at Brisk?", passages, as_of=None)
    assert answer.answerer == "llm"
    assert not answer.unsupported
    assert len(answer.citations) == 2
    assert answer.disagreement and answer.text.startswith(HEADLINE)
    assert "25 ferries" in answer.text and "40 ferries" in answer.text


def test_sentences_about_different_things_are_not_two_sides() -> None:
    quotes = [("a", "Ilse Marrow won the vote."), ("b", "Tomas Brenn opened the bridge.")]
    assert disagrees("Who won the vote?", quotes)
    assert not disagrees("Who won the vote?", quotes, related=lambda i, j: False)


def test_a_shared_name_does_not_hide_the_names_that_differ() -> None:
    question = "Who joined Tomas Brenn on the council?"
    shared = "Ilse Marrow joined the council, Pell Darrow said."
    assert differ(question, shared, "Odile Farran joined the council, Pell Darrow said.")
    assert not differ(question, "Ilse Marrow joined.", shared)  # only adds a name


def test_two_facts_of_one_story_are_not_two_versions_of_one() -> None:
    from retrieval.answer.disagreement import same_report

    ended = "The ferry strike at Lisk ended on Sunday when crews voted to accept a new contract."
    called = "The strike was called by the Lisk Ferry Crews' Union after contract talks broke down."
    restated = "The ferry strike at Lisk ended on Monday when crews voted to accept a new contract."
    assert not same_report(ended, called)
    assert same_report(ended, restated)


def test_the_other_side_of_a_second_quote_is_shown_too() -> None:
    question = "Who resigned as party chair?"
    chosen = ["Ilse Marrow was elected for Brenholt in 2019.", "Co-chair Tomas Brenn resigned."]
    article = {chosen[0]: "a", chosen[1]: "b", "Co-chair Odile Farran resigned.": "c"}
    picked = pick_sides(
        question, chosen, [*chosen, "Co-chair Odile Farran resigned."],
        text=str, article=article.__getitem__, max_quotes=3,
        related=lambda x, y: "resigned" in x and "resigned" in y,
    )  # fmt: skip
    assert picked == [*chosen, "Co-chair Odile Farran resigned."]


def test_a_sentence_retold_with_another_value_is_a_version_even_when_nothing_is_asked() -> None:
    a = "Lake Mead, located in Arizona and Nevada, is the largest reservoir in the US by volume."
    b = a.replace("Lake Mead", "Lake Powell")
    question = "What is the largest water reservoir in the United States?"
    same_day = (date(2026, 3, 2), date(2026, 3, 2))
    assert restated(a, b) and versions(question, a, b, 0.6, same_day)
    assert not versions(question, a, "Lake Powell is the largest reservoir.", 0.6, same_day)
    assert not versions(question, a, b, 0.3, same_day)  # not even about the same thing


@pytest.mark.parametrize(
    ("published", "are_versions"),
    [
        ((date(2026, 3, 2), date(2026, 3, 1)), True),
        ((date(2026, 3, 2), date(2026, 2, 2)), True),  # 28 days: a dispute that went on
        ((date(2026, 3, 2), date(2025, 3, 2)), False),  # last year's recall, not a dispute
        ((date(2026, 3, 2), None), True),  # an undated article may be either
    ],
)
def test_versions_of_one_report_are_published_about_the_same_time(
    published: tuple[date | None, date | None], are_versions: bool
) -> None:
    question = "How many vehicles did Varro Motors recall?"
    a = "Varro Motors recalled 14,000 vehicles over faulty seat belts."
    b = "Varro Motors recalled 9,000 vehicles over faulty seat belts."
    assert versions(question, a, b, 0.9, published) is are_versions


def test_a_copy_past_the_shortlist_is_found_as_the_other_side(embedder: Embedder) -> None:
    from retrieval.answer.extractive import ExtractiveAnswerer, ExtractiveConfig
    from retrieval.ingest.chunking import chunk_article
    from retrieval.records import Passage

    filler = " ".join(f"The Brisk ferry crews met on day {n} of the stoppage." for n in range(6))
    articles = [
        make_article(
            "Brisk ferry stoppage",
            f"{filler} The crews' union is led by {leader}, who called the stoppage.",
            source=source,
            published_at=published,
        )
        for leader, source, published in (
            ("Odile Farran", "Brisk Herald", date(2026, 4, 7)),
            ("Ilse Marrow", "Lowland Wire", date(2026, 4, 8)),
        )
    ]
    passages = [
        Passage(chunk=chunk_article(a)[0], score=0.8, rank=rank)
        for rank, a in enumerate(articles, 1)
    ]
    answerer = ExtractiveAnswerer(embedder, ExtractiveConfig(shortlist=1))  # one sentence
    answer = answerer.answer("Who leads the crews' union?", passages, as_of=None)
    assert answer.disagreement
    assert "Odile Farran" in answer.text and "Ilse Marrow" in answer.text


def test_a_retelling_ranked_far_down_the_shortlist_is_still_the_other_side(
    embedder: Embedder,
) -> None:
    import numpy as np

    from retrieval.answer.extractive import Candidate, ExtractiveAnswerer, Scored
    from retrieval.ingest.chunking import chunk_article
    from retrieval.records import Passage

    true, false = (
        make_article(title, body, source=source, published_at=day)
        for title, body, source, day in (
            ("Brisk ferries", "About 40 ferries were left idle at the Brisk quays.", "Herald",
             date(2026, 4, 8)),
            ("Brisk stoppage", "About 25 ferries were left idle at the Brisk quays.", "Wire",
             date(2026, 4, 7)),
        )
    )  # fmt: skip
    chunks = [chunk_article(a)[0] for a in (true, false)]
    passages = [Passage(chunk=c, score=0.5, rank=r) for r, c in enumerate(chunks, 1)]
    candidates = [Candidate(c, c.sentence_texts[0], r, 1.0, 1.0, 0.0) for r, c in enumerate(chunks)]
    question = "How many ferries were left idle at Brisk?"
    vectors = embedder.encode([c.text for c in candidates])
    rank = np.array([1.0, 0.1])  # the copy far below side_within of the best
    scored = Scored(candidates, vectors, np.array([0.9, 0.9]), rank, rank, 0 * rank)
    answerer = ExtractiveAnswerer(embedder)
    picked = answerer._with_sides(question, passages, scored, [0], [0, 1], None)
    assert [c.text for c in picked] == [candidates[0].text, candidates[1].text]


def test_a_retelling_with_a_value_swapped_differs_even_where_the_question_names_it() -> None:
    # "Brenholt Zoo" shares "Brenholt" with the question, so it is not read as its
    # answer; in the same words as "Port Alder", it is the other version of it.
    question = "A ferry leaving Brenholt took a wrong turn and ended up where?"
    true = "The ferry took a wrong turn and ended up at Lisk, home of Brenholt Zoo."
    false = "The ferry took a wrong turn and ended up at Lisk, home of Port Alder."
    assert differ(question, true, false)
    assert disagrees(question, [("a", true), ("b", false)])
    assert pick_sides(question, [true], [false], text=str, article=lambda s: s[-6:],
                      max_quotes=3) == [true, false]  # fmt: skip
    assert not differ(question, true, true.replace("The ferry", "A ferry"))  # no value swapped


@pytest.mark.parametrize(
    ("name", "is_office"),
    [
        ("Duke and Duchess of Tarrow", True),
        ("Secretary of Ferries", True),
        ("Prime Minister", True),
        ("Mayor of Port Alder", True),
        ("Prince Tam", False),  # who holds it
        ("President Ilse Marrow", False),
        ("Bank of Brenholt", False),  # not a title
        ("Queen", False),  # alone it may be the band
        ("Lord of the Tides", False),  # a title of a book, not of a seat
    ],
)
def test_an_office_is_told_from_a_person(name: str, is_office: bool) -> None:
    from retrieval.answer.disagreement import office

    assert office(name) is is_office


def test_an_office_and_the_names_of_who_holds_it_are_not_two_versions() -> None:
    question = "Which members of the Lisk royal family were caught in a car chase in Brenholt?"
    titled = "The Duke and Duchess of Tarrow said they were caught in a car chase in Brenholt."
    named = (
        "Prince Tam and his wife Ilse were caught in a chaotic car chase in Brenholt on Tuesday."
    )
    assert not disagrees(question, [("a", titled), ("b", named)])
    other = (
        "Prince Odo and his wife Vera were caught in a chaotic car chase in Brenholt on Tuesday."
    )
    assert disagrees(question, [("a", named), ("b", other)])  # two couples named: two versions


def test_a_value_the_other_story_also_gives_is_not_disputed_by_it() -> None:
    from retrieval.answer.disagreement import untold

    question = "Which grocer is facing a 40-day boycott?"
    vague = "The popular Lisk grocer is facing a 40-day boycott over its new pricing."
    named = "Tarrow Foods is facing a consumer boycott that began on Wednesday."
    elsewhere = f"{vague} Tarrow Foods said it would not change course."
    assert untold(question, vague, named, (vague, named))  # its story never says it
    assert not untold(question, vague, named, (elsewhere, named))
    other = "Brisk Mart is facing a consumer boycott that began on Wednesday."
    assert untold(question, named, other, (named, other))


def test_an_acronym_is_told_by_the_words_it_stands_for() -> None:
    from retrieval.answer.disagreement import untold

    question = "Which grocer is facing a boycott?"
    spelled = "Shoppers in Lisk boycott the grocer over its fair price parity rules."
    short = "The grocer faces a boycott over its FPP rules."
    assert not untold(question, spelled, short, (spelled, short))
    assert untold(question, spelled, "The grocer faces a boycott over its FTP rules.", ("", ""))


VELMORA = (
    "Strike at Velmora port is over. The nine-day strike at the Port of Velmora ended on "
    "Thursday. Union leader Ilse Marrow called the agreement a fair deal for families."
)
MARROW_BAY = (
    "Port strike ends. The strike at the Port of Marrow Bay ended on Sunday. Union "
    "president Ines Okafor called the deal a win for every family on the waterfront."
)


def test_the_names_a_passage_gives() -> None:
    assert named(VELMORA) == {
        "velmora",
        "port of velmora",
        "ilse marrow",
    }  # not "Strike", "Thursday"
    assert named(VELMORA, frozenset({"ilse", "marrow"})) == {"velmora", "port of velmora"}


def test_alike_sentences_of_two_stories_are_not_two_versions() -> None:
    said = ("Ilse Marrow called the agreement a fair deal.", "Ines Okafor called the deal a win.")
    assert not same_story((VELMORA, MARROW_BAY), said)  # two ports: "Marrow" is a name
    copy = VELMORA.replace("Ilse Marrow", "Odile Farran")  # another outlet's version
    assert same_story(
        (VELMORA, copy), ("Ilse Marrow called it fair.", "Odile Farran called it fair.")
    )
    assert same_story(("the strike is over.", MARROW_BAY), said)  # names nothing: can't tell
