"""What the default answerer quotes, and when it refuses, over fictional stories."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from retrieval.answer.extractive import (
    ExtractiveAnswerer,
    ExtractiveConfig,
    proper_names,
    referent,
    resolve_pronouns,
)
from retrieval.config import Settings
from retrieval.embed.embedder import Embedder
from retrieval.engine import Engine
from retrieval.records import Article, Turn
from tests import conftest, stories

SAMPLES = Path(__file__).resolve().parents[3] / "bot" / "samples"


# Refusal is calibrated on these (bench/refusal_threshold.py): what the articles answer,
# with the words the quote must hold, and what they don't.
ANSWERABLE = [
    ("Who denied the plan to sell the container terminal?", "Velmora Port Authority denied"),
    ("How much will the Brenholt tram line cost?", "410 million crowns"),
    ("When will the first trams run?", "would run in 2029"),
    ("Who leads the dockers' union?", "led by Ilse Marrow"),
    ("How many homes lost power in the storm?", "22,000 homes lost power"),
    ("Which highways were closed?", "A4 and A9 highways"),
    ("Who argued buses would be cheaper?", "Mira Okonjo"),
    ("Who brokered the deal?", "Helena Vos"),
    ("who agreed to end the strike?", "dockworkers voted to accept"),
    ("How much is the relief fund?", "2 million crown relief fund"),
]
UNANSWERABLE = [
    "What is the capital of Peru?",
    "Who won the basketball final?",
    "How do I bake bread?",
    "How many people died in the storm?",
    "What is the price of bitcoin?",
    "Who is the president of France?",
    "When will the tram line open a second route?",
    "Did Japan send troops to the port?",
    "What is the weather tomorrow?",
]
# On the stories' topics, but what they ask is not in them (a refusal, not a quote on the
# topic): the scorer must tell "about it" from "answers it".
NEAR_TOPIC = [
    "What did the mayor of Velmora say about the strike?",
    "How many dock workers lost their jobs?",
    "Who won the election for mayor of Brenholt?",
]


@pytest.fixture(scope="module")
def newsroom(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    settings = Settings(_env_file=None, data_dir=tmp_path_factory.mktemp("newsroom"))  # type: ignore[call-arg]
    engine = Engine(settings, embedder=embedder)
    engine.ingest_articles(stories.ALL)
    engine.ingest([str(SAMPLES)])
    return engine


def engine_with(embedder: Embedder, tmp_path: Path, *articles: Article) -> Engine:
    """A fresh store holding just `articles`, answered by the default answerer."""
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    engine = Engine(settings, embedder=embedder)
    engine.ingest_articles(list(articles))
    return engine


@pytest.mark.parametrize(("question", "quoted"), ANSWERABLE)
def test_answers_quote_the_sentence_that_answers(
    newsroom: Engine, question: str, quoted: str
) -> None:
    answer = newsroom.ask(question)
    assert not answer.refused, question
    assert quoted in answer.citations[0].quote
    assert f"“{answer.citations[0].quote}” [1]" in answer.text


def test_the_best_quote_comes_first_even_when_a_newer_one_follows(newsroom: Engine) -> None:
    answer = newsroom.ask("How many dockworkers went on strike?")
    assert not answer.disagreement
    first, *rest = answer.citations
    assert "About 1,200 dockworkers" in first.quote
    assert rest and any(c.published_at > first.published_at for c in rest)  # type: ignore[operator]


@pytest.mark.parametrize("question", UNANSWERABLE)
def test_questions_the_articles_do_not_answer_are_refused(newsroom: Engine, question: str) -> None:
    answer = newsroom.ask(question)
    assert answer.refused, (question, answer.text)
    assert answer.citations == []


@pytest.fixture(scope="module")
def learned_newsroom(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """The same stories, answered with the learned answerability scorer."""
    settings = Settings(_env_file=None, data_dir=tmp_path_factory.mktemp("learned"))  # type: ignore[call-arg]
    answerer = ExtractiveAnswerer(embedder, ExtractiveConfig(refusal="learned"))
    engine = Engine(settings, embedder=embedder, answerer=answerer)
    engine.ingest_articles(stories.ALL)
    engine.ingest([str(SAMPLES)])
    return engine


# What the dev-fitted scorer still gets wrong among the answerable stories: it refuses
# them (their best sentences get 0.15 and 0.25, about the threshold). The fixtures' short
# questions and titled articles are not what RealTimeQA's quiz questions are.
LEARNED_MISSES = {
    "Who brokered the deal?",
    "How much is the relief fund?",
}


@pytest.mark.parametrize(
    ("question", "quoted"),
    [
        pytest.param(q, quoted, marks=pytest.mark.xfail(strict=True, reason="scorer misses"))
        if q in LEARNED_MISSES
        else (q, quoted)
        for q, quoted in ANSWERABLE
    ],
)
def test_the_learned_scorer_answers_what_the_articles_answer(
    learned_newsroom: Engine, question: str, quoted: str
) -> None:
    answer = learned_newsroom.ask(question)
    assert not answer.refused, question
    assert any(quoted in c.quote for c in answer.citations), answer.text
    assert len(answer.citations) <= 3


@pytest.mark.parametrize("question", UNANSWERABLE + NEAR_TOPIC)
def test_the_learned_scorer_refuses_near_topic_questions(
    learned_newsroom: Engine, question: str
) -> None:
    answer = learned_newsroom.ask(question)
    assert answer.refused, (question, answer.text)


def test_the_learned_scorer_gives_the_same_answer_in_any_order(
    learned_newsroom: Engine,
) -> None:
    questions = [q for q, _ in ANSWERABLE[:5]] + NEAR_TOPIC
    forward = {q: learned_newsroom.ask(q).text for q in questions}
    backward = {q: learned_newsroom.ask(q).text for q in reversed(questions)}
    assert forward == backward


def test_the_same_question_gets_the_same_answer_whatever_was_asked_before(
    newsroom: Engine,
) -> None:
    """Each order starts from a fresh model (nothing cached) on the same store."""
    questions = [q for q, _ in ANSWERABLE[:6]] + UNANSWERABLE[3:8]

    def answers(order: list[str]) -> dict[str, str]:
        fresh = Engine(newsroom.settings, embedder=Embedder(newsroom.settings))
        return {q: fresh.ask(q).text for q in order}

    forwards = answers(questions)
    assert answers(questions[::-1]) == forwards
    assert answers([*questions[5:], *questions[:5]]) == forwards


def test_a_fact_repeated_by_two_outlets_is_cited_once(newsroom: Engine) -> None:
    answer = newsroom.ask("Who denied the plan to sell the container terminal?")
    quotes = [c.quote for c in answer.citations]
    assert sum("denied reports" in q for q in quotes) == 1


def test_newest_reports_come_first(newsroom: Engine) -> None:
    answer = newsroom.ask("How big is the pay rise?")
    days = [c.published_at for c in answer.citations]
    assert len(days) >= 2
    assert days == sorted(days, reverse=True)
    first = answer.text.removeprefix("Sources disagree:\n")  # 6 % accepted, 7 % asked
    assert first.startswith(f"On {days[0].isoformat()}")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("Did Japan send troops to Ukraine?", {"japan", "ukraine"}),
        ("What did Kim Yo Jong say? Did Seoul reply?", {"kim", "yo", "jong", "seoul"}),
        ("who denied the troop deployment?", set()),
        ("What did the dockers' union ask for?", set()),
    ],
)
def test_proper_names(question: str, names: set[str]) -> None:
    assert proper_names(question) == names


@pytest.mark.parametrize(
    ("first", "follow_up", "quoted"),
    [
        ("How big is the pay rise?", "and who brokered it?", "Helena Vos"),
        ("What did Brenholt council vote on?", "And how much will it cost?", "410 million"),
        ("Which highways did Storm Ardent close?", "and how many homes lost power?", "22,000"),
    ],
)
def test_follow_ups_are_understood_from_the_previous_question(
    newsroom: Engine, first: str, follow_up: str, quoted: str
) -> None:
    previous = newsroom.ask(first)
    answer = newsroom.ask(follow_up, history=[Turn(previous.question, previous.text)])
    assert not answer.refused
    assert quoted in answer.citations[0].quote
    assert newsroom.ask(follow_up).search_query == follow_up  # alone, it stays as asked


UNION = Turn(
    "Who leads the dockers' union?",
    "On 2026-03-12, Harbor Gazette reported: “The dockers' union, led by Ilse Marrow, "
    "accepted a pay rise of 6 percent over two years.” [1]",
)


@pytest.mark.parametrize(
    ("follow_up", "resolved"),
    [
        ("What did she say?", "What did Ilse Marrow say?"),
        ("What is her job?", "What is Ilse Marrow's job?"),  # "her" before a noun: possessive
        ("Did anyone thank her for it?", "Did anyone thank Ilse Marrow for it?"),
        ("and their demands?", "and Ilse Marrow's demands?"),
        ("Did they thank her?", "Did Ilse Marrow thank her?"),  # one referent, one kind
        ("How big is the pay rise?", "How big is the pay rise?"),  # no pronoun
    ],
)
def test_pronouns_of_a_follow_up_name_the_previous_answers_person(
    follow_up: str, resolved: str
) -> None:
    assert resolve_pronouns(follow_up, UNION) == resolved


@pytest.mark.parametrize(
    ("turn", "expected"),
    [
        (UNION, "Ilse Marrow"),
        # After "who", the first name the question did not already hold; "The" is dropped.
        (
            Turn(
                "Who denied the plan to sell the terminal?",
                "On 2026-03-12, Coastal Ledger reported: “The Velmora Port Authority denied "
                "reports, Mayor Ada Lind said.” [1]",
            ),
            "Velmora Port Authority",
        ),
        # Not a "who" question and two names: not clear, so no referent.
        (
            Turn(
                "What was agreed?",
                "Harbor Gazette reported: “Ines Okafor and Tomas Reyes signed the deal.” [1]",
            ),
            None,
        ),
        # A refusal quotes nothing.
        (Turn("Who won?", "I couldn't find an answer to that in the articles I have."), None),
    ],
)
def test_the_referent_is_the_name_the_previous_answer_gave(
    turn: Turn, expected: str | None
) -> None:
    assert referent(turn) == expected


def test_a_pronoun_follow_up_quotes_what_that_person_said(newsroom: Engine) -> None:
    previous = newsroom.ask("Who leads the dockers' union?")
    assert "Ilse Marrow" in previous.citations[0].quote
    answer = newsroom.ask("What did she say?", history=[Turn(previous.question, previous.text)])
    assert answer.search_query == "What did Ilse Marrow say?"
    assert not answer.refused
    assert all("Ilse Marrow" in c.quote for c in answer.citations)
    assert all("led by Ilse Marrow" not in c.quote for c in answer.citations)


def test_a_short_question_that_stands_alone_is_not_read_as_a_follow_up(
    newsroom: Engine,
) -> None:
    previous = newsroom.ask("who agreed to end the strike?")
    answer = newsroom.ask(
        "Who brokered the deal?", history=[Turn(previous.question, previous.text)]
    )
    assert answer.search_query == "Who brokered the deal?"
    assert answer.citations and all("Helena Vos" in c.quote for c in answer.citations)


def test_quotes_from_one_article_share_its_number(engine: Engine) -> None:
    from tests.conftest import make_article

    engine.ingest_articles(
        [
            make_article(
                "Ferry strike ends in Port Alder",
                "Ferry crews in Port Alder ended their nine-day strike on Tuesday. "
                "The harbour master said the first ferry left at dawn.\n\n"
                "The Port Alder ferry strike ended when crews accepted a 4 percent raise.",
                source="Harbor Gazette",
            ),
            make_article(
                "Port Alder ferries run again",
                "Ferries in Port Alder ran again on Wednesday, a day after crews ended their "
                "strike.",
                source="Coastal Ledger",
                published_at=date(2026, 3, 13),
            ),
        ]
    )
    answer = engine.ask("How did the Port Alder ferry strike end?")
    numbers = {c.article_id: c.n for c in answer.citations}
    assert len(answer.citations) > len(numbers)  # two quotes from one article
    assert sorted(numbers.values()) == list(range(1, len(numbers) + 1))
    for citation in answer.citations:
        assert f"“{citation.quote}” [{citation.n}]" in answer.text
    assert [n for n, _ in ((c.n, q) for c, q in answer.sources())] == sorted(numbers.values())


# The seed article's own questions, and three on its topic that it does not answer: both
# the learned scorer and the default quote the first and refuse two of the three.
SEED_ANSWERABLE = [
    ("who denied the troop deployment?", "North Korean diplomat"),
    ("How many special forces did North Korea send to Russia?", "1,500 special forces"),
    ("What did Russia's UN ambassador say?", "Vassily Nebenzia, rejected"),
    ("When did North Korea and Russia sign a defence agreement?", "In June"),
    ("Who summoned the Russian ambassador?", "foreign ministry summoned"),
]
SEED_NEAR_TOPIC = [
    "What did the Japanese prime minister say about the North Korean troops?",
    "how many Ukrainian soldiers have died?",
    "what did China say?",
]


@pytest.fixture(scope="module")
def seed_newsroom(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    seed = conftest.SHARED / "seed" / "000_ec5b004586267d03.txt"
    if not seed.is_file():
        pytest.skip("../shared is not present")
    settings = Settings(_env_file=None, data_dir=tmp_path_factory.mktemp("seed"))  # type: ignore[call-arg]
    answerer = ExtractiveAnswerer(embedder, ExtractiveConfig(refusal="learned"))
    engine = Engine(settings, embedder=embedder, answerer=answerer)
    engine.ingest([str(seed)])
    return engine


@pytest.mark.shared
@pytest.mark.parametrize(("question", "quoted"), SEED_ANSWERABLE)
def test_the_learned_scorer_answers_the_seed_articles_questions(
    seed_newsroom: Engine, question: str, quoted: str
) -> None:
    answer = seed_newsroom.ask(question)
    assert not answer.refused, question
    assert any(quoted in c.quote for c in answer.citations), answer.text


@pytest.mark.shared
@pytest.mark.parametrize(("question", "quoted"), SEED_ANSWERABLE)
def test_the_default_answerer_answers_the_seed_articles_questions(
    embedder: Embedder, seed_newsroom: Engine, question: str, quoted: str
) -> None:
    default = Engine(seed_newsroom.settings, embedder=embedder)
    answer = default.ask(question)
    default.close()
    assert not answer.refused, question
    assert any(quoted in c.quote for c in answer.citations), answer.text


@pytest.mark.shared
def test_the_learned_scorer_refuses_most_near_topic_seed_questions(seed_newsroom: Engine) -> None:
    answered = [q for q in SEED_NEAR_TOPIC if not seed_newsroom.ask(q).refused]
    assert len(answered) <= 1, answered


@pytest.mark.shared
def test_the_default_answerer_refuses_most_near_topic_seed_questions(
    embedder: Embedder, seed_newsroom: Engine
) -> None:
    default = Engine(seed_newsroom.settings, embedder=embedder)
    answered = [q for q in SEED_NEAR_TOPIC if not default.ask(q).refused]
    default.close()
    assert len(answered) <= 1, answered


def test_of_the_sentences_good_enough_to_quote_the_latest_news_ranks_first(
    embedder: Embedder,
) -> None:
    import numpy as np

    from retrieval.answer.extractive import Candidate, Scored
    from retrieval.ingest.chunking import chunk_article

    reports = [
        ("Last year's regatta was won by the Tern, skippered by Odile Farran.", date(2025, 6, 2)),
        ("This year's regatta was won by the Gull, skippered by Ilse Marrow.", date(2026, 6, 1)),
        ("The regatta drew crowds to the Brisk quays on a windy day.", date(2026, 5, 30)),
    ]
    chunks = [
        chunk_article(conftest.make_article("Brisk regatta", body, published_at=day))[0]
        for body, day in reports
    ]
    candidates = [Candidate(c, c.sentence_texts[0], r, 1.0, 1.0, 0.0) for r, c in enumerate(chunks)]
    rank = np.array([0.70, 0.66, 0.50])  # the third is not good enough to quote
    scored = Scored(candidates, np.zeros((3, 1)), np.array([0.6, 0.6, 0.5]), rank, rank, 0 * rank)
    answerer = ExtractiveAnswerer(embedder, ExtractiveConfig(recent_lead=0.2))
    assert list(answerer._recent_first(scored)) == pytest.approx([0.70, 0.86, 0.50])


REGATTA = conftest.make_article(
    "Lisk regatta",
    "The Lisk regatta is in the books, and what a Lisk regatta it was for the crowds on the "
    "harbour wall. Odile Farran won by four lengths after leading her crew from the first "
    "buoy to the last. Rain held off until the prize giving, when the harbour master handed "
    "out the cups.",
)


@pytest.mark.parametrize(("kind_lead", "quotes"), [(0.2, 1), (0.0, 2)])
def test_the_sentence_giving_the_kind_asked_for_outranks_one_restating_the_topic(
    embedder: Embedder, tmp_path: Path, kind_lead: float, quotes: int
) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    answerer = ExtractiveAnswerer(embedder, ExtractiveConfig(kind_lead=kind_lead))
    engine = Engine(settings, embedder=embedder, answerer=answerer)
    engine.ingest_articles([REGATTA])
    answer = engine.ask("Who won the Lisk regatta?")
    assert answer.citations[0].quote.startswith("Odile Farran won"), answer.text
    assert len(answer.citations) == quotes, answer.text  # without the lead, the topic too


FERRY_CONTRACT = conftest.make_article(
    "Velmora ferry contract",
    "The Velmora harbour master rejected claims by Lisk that the ferry contract had been "
    "rigged. The contract runs for ten years and covers the night crossings to Brisk.",
)


@pytest.mark.parametrize(
    ("question", "answered"),
    [
        ("What did the Velmora harbour master say about the ferry contract?", True),
        ("What did Lisk say about the ferry contract?", False),  # only spoken about
    ],
)
def test_what_someone_said_is_not_answered_by_what_others_said_about_them(
    embedder: Embedder, tmp_path: Path, question: str, answered: bool
) -> None:
    engine = engine_with(embedder, tmp_path, FERRY_CONTRACT)
    answer = engine.ask(question)
    assert answer.refused is not answered, answer.text


REGATTAS = [
    conftest.make_article(
        f"{winner} wins {year} Brisk regatta",
        f"{winner} won the {year} Brisk regatta by {margin} lengths on Saturday. Crowds "
        "lined the harbour wall in Brisk to watch the boats come in.",
        published_at=date(year, 6, 2),
    )
    for winner, year, margin in [("Odile Farran", 2025, "four"), ("Ilse Marrow", 2024, "two")]
]


@pytest.mark.parametrize(
    ("question", "quoted"),
    [
        ("Who won the 2024 Brisk regatta?", "Ilse Marrow"),
        ("Who won the 2025 Brisk regatta?", "Odile Farran"),
        ("Who won the 2022 Brisk regatta?", None),  # only other years' regattas
    ],
)
def test_a_question_on_one_years_event_is_not_answered_by_another_years(
    embedder: Embedder, tmp_path: Path, question: str, quoted: str | None
) -> None:
    engine = engine_with(embedder, tmp_path, *REGATTAS)
    answer = engine.ask(question, as_of=date(2026, 1, 5))
    if quoted is None:
        assert answer.refused, answer.text
    else:
        assert answer.citations[0].quote.startswith(quoted), answer.text


FINALS = conftest.make_article(
    "Brisk open finals",
    "Ken Lo won the men's final at the Brisk open on Sunday, beating Teodor Vask in "
    "straight sets. The women's final was postponed to Monday because of rain.",
)


def test_a_question_on_the_womens_final_is_not_answered_by_the_mens(
    embedder: Embedder, tmp_path: Path
) -> None:
    engine = engine_with(embedder, tmp_path, FINALS)
    assert (
        engine.ask("Who won the men's final at the Brisk open?")
        .citations[0]
        .quote.startswith("Ken Lo")
    )
    answer = engine.ask("Who won the women's final at the Brisk open?")
    assert not any("Ken Lo" in c.quote for c in answer.citations), answer.text


FARE_RISE = conftest.make_article(
    "Alder ferry fares to rise",
    "The Alder River ferry company will raise single fares from 3 to 4 crowns on 1 July "
    "and cut two night crossings, its director Hanne Solberg said on Wednesday. Talks "
    "with Jonas Vik on a commuter discount broke down last month.",
)


@pytest.mark.parametrize(
    ("question", "bold"),
    [("Who is Hanne Solberg?", "its director"), ("Who is Jonas Vik?", None)],
)
def test_who_is_is_answered_by_the_sentence_that_says_who_they_are(
    embedder: Embedder, tmp_path: Path, question: str, bold: str | None
) -> None:
    engine = engine_with(embedder, tmp_path, FARE_RISE)
    answer = engine.ask(question)
    if bold is None:  # named but not introduced: what is said of him, nothing bolded
        assert answer.citations[0].quote.startswith("Talks with Jonas Vik"), answer.text
        assert answer.citations[0].span is None, answer.text
        return
    assert "its director Hanne Solberg" in answer.citations[0].quote, answer.text
    span = answer.citations[0].span
    assert span is not None and answer.citations[0].quote[span[0] : span[1]] == bold


WALKOUT = conftest.make_article(
    "Lisk ferry crews walk out",
    "Ferry crews in Lisk walked out on Monday over night-shift pay. The walkout stopped "
    "every crossing to Brisk for the day, and the ferry company called it unlawful.",
)


@pytest.mark.parametrize(("needs_number", "answered"), [(True, False), (False, True)])
def test_how_many_is_not_answered_by_a_quote_without_a_number(
    embedder: Embedder, tmp_path: Path, needs_number: bool, answered: bool
) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    config = ExtractiveConfig(count_needs_number=needs_number, min_confidence=0)
    engine = Engine(settings, embedder=embedder, answerer=ExtractiveAnswerer(embedder, config))
    engine.ingest_articles([WALKOUT])
    assert engine.ask("How many ferry crews walked out in Lisk?").refused is not answered
    assert not engine.ask("Where did the ferry crews walk out?").refused  # not a count


@pytest.mark.parametrize(("relevance", "answered"), [(0.70, False), (0.80, True)])
def test_the_kind_lead_never_decides_whether_a_question_is_answered(
    embedder: Embedder, relevance: float, answered: bool
) -> None:
    import numpy as np

    from retrieval.answer.extractive import Candidate, Scored
    from retrieval.ingest.chunking import chunk_article

    chunk = chunk_article(REGATTA)[0]
    candidates = [Candidate(chunk, chunk.sentence_texts[1], 1, 0.5, 0.5, 0.0)]
    rank = np.array([relevance])
    lift = np.array([0.2])  # min_score 0.55 lies between 0.70 - 0.2 and 0.80 - 0.2
    scored = Scored(candidates, np.zeros((1, 1)), np.array([0.5]), rank, rank, lift)
    assert ExtractiveAnswerer(embedder)._answered(scored) is answered


@pytest.mark.parametrize(("min_confidence", "answered"), [(0.0, True), (0.35, False)])
def test_the_confidence_gate_refuses_what_the_rule_answers_on_the_topic(
    embedder: Embedder, newsroom: Engine, min_confidence: float, answered: bool
) -> None:
    question = "How many dock workers lost their jobs?"  # a strike, not lost jobs
    answerer = ExtractiveAnswerer(embedder, ExtractiveConfig(min_confidence=min_confidence))
    answer = answerer.answer(question, newsroom.search(question), as_of=None)
    assert answer.refused is not answered  # without the gate, the rule quotes the topic


def test_a_follow_up_is_not_gated_on_confidence(embedder: Embedder, tmp_path: Path) -> None:
    """Folded into the question before it, a follow-up is two questions, not one like
    those the gate was fitted on."""
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    answerer = ExtractiveAnswerer(embedder, ExtractiveConfig(min_confidence=0.999))
    engine = Engine(settings, embedder=embedder, answerer=answerer)
    engine.ingest_articles(stories.ALL)
    first = engine.ask("What did Brenholt council vote on?")
    assert first.refused  # no answer is that sure
    turn = Turn(first.question, first.text)
    answer = engine.ask("And how much will it cost?", history=[turn])
    assert not answer.refused
    assert "410 million" in answer.citations[0].quote


def test_the_confidence_weights_cover_its_features() -> None:
    from retrieval.answer import answerability

    assert list(answerability.CONFIDENCE_WEIGHTS) == list(answerability.CONFIDENCE_FEATURES)


@pytest.mark.parametrize(
    ("words", "longness"), [(6, 0.0), (10, 0.0), (15, 0.5), (20, 1.0), (31, 1.0)]
)
def test_how_long_a_question_is(embedder: Embedder, words: int, longness: float) -> None:
    question = " ".join(["word"] * (words - 1) + ["why?"])
    assert ExtractiveAnswerer(embedder).longness(question) == pytest.approx(longness)


@pytest.mark.parametrize(
    ("words", "offset"), [(5, -0.10), (6, -0.10), (8, -0.05), (10, 0.0), (15, 0.075), (20, 0.15)]
)
def test_the_gate_asks_more_of_a_long_question_and_less_of_a_very_short_one(
    embedder: Embedder, words: int, offset: float
) -> None:
    question = " ".join(["word"] * (words - 1) + ["why?"])
    assert ExtractiveAnswerer(embedder).confidence_offset(question) == pytest.approx(offset)


# Long like RealTimeQA's quiz questions: a premise, then what is asked.
LONG_ROADS = (
    "Trees came down across the main roads in the north when the weekend's storm arrived "
    "with very high winds. Which roads were shut?"
)
LONG_VESSELS = (
    "Ships have been piling up outside the port of Velmora while the dock workers were on "
    "strike for more than a week. How many vessels are waiting?"
)


@pytest.fixture(scope="module")
def stories_engine(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    settings = Settings(_env_file=None, data_dir=tmp_path_factory.mktemp("long"))  # type: ignore[call-arg]
    engine = Engine(settings, embedder=embedder)
    engine.ingest_articles(stories.ALL)
    return engine


@pytest.mark.parametrize(("drop", "answered"), [(0.0, False), (0.10, True)])
def test_a_long_question_needs_less_of_itself_in_the_answer(
    embedder: Embedder, stories_engine: Engine, drop: float, answered: bool
) -> None:
    """Its premise is not in the sentence that answers it: the rule asks less of it (the
    confidence gate, off here, decides instead)."""
    config = ExtractiveConfig(long_score_drop=drop, min_confidence=0)
    answerer = ExtractiveAnswerer(embedder, config)
    answer = answerer.answer(LONG_ROADS, stories_engine.search(LONG_ROADS), as_of=None)
    assert answer.refused is not answered
    if answered:
        assert answer.citations[0].quote.startswith("The roads agency closed the A4 and A9")
    short = "Which roads were shut?"  # a short question is held to `min_score`
    assert answerer.score(short, stories_engine.search(short)).min_score == config.min_score


@pytest.mark.parametrize(("rise", "answered"), [(0.0, True), (0.15, False)])
def test_a_long_question_needs_more_confidence(
    embedder: Embedder, stories_engine: Engine, rise: float, answered: bool
) -> None:
    """The stories never say how many ships wait; the rule quotes the strike."""
    config = ExtractiveConfig(min_confidence=0.10, long_confidence_rise=rise)
    answerer = ExtractiveAnswerer(embedder, config)
    answer = answerer.answer(LONG_VESSELS, stories_engine.search(LONG_VESSELS), as_of=None)
    assert answer.refused is not answered


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("Which supermarket was named Britain’s cheapest?", {"britain"}),
        ("Which Hollywood icon would have turned 100 this week?", set()),
        ("Which popular Nordic harbour town doubled its fee?", set()),
        ("Which North African country was flooded?", set()),
        ("What did China say?", {"china"}),  # a name asked about, not a sort of thing
        ("What type of Velmora ferry was recalled?", {"velmora"}),
        ("Who won the 2021 Tour de France?", {"tour", "france"}),
    ],
)
def test_the_names_a_question_is_about(question: str, names: set[str]) -> None:
    assert proper_names(question) == names


DAY_FEE = conftest.make_article(
    "Lisk doubles its fee for day visitors",
    "Lisk will charge day visitors 10 crowns from June, twice the old fee, the town "
    "council said on Monday. Hotel guests will not pay it.",
)


def test_a_name_that_says_what_sort_of_thing_is_asked_need_not_be_in_the_answer(
    embedder: Embedder, tmp_path: Path
) -> None:
    engine = engine_with(embedder, tmp_path, DAY_FEE)
    answer = engine.ask("Which Nordic town doubled its fee for day visitors?")  # not said
    assert not answer.refused, answer.text
    assert answer.citations[0].quote.startswith("Lisk will charge day visitors")
