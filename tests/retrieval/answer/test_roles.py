from datetime import date

import pytest

from retrieval.answer.roles import (
    asked_editions,
    asked_sides,
    asked_speaker,
    asked_years,
    identity,
    introduces,
    introduction,
    of_another_edition,
    of_another_year,
    of_the_other_side,
    speaks_about,
)

LISK = asked_speaker("What did Lisk say about the strike?")


def test_the_speaker_a_question_asks_the_words_of():
    assert asked_speaker("What did Lisk say about the strike?") == {"lisk"}
    assert asked_speaker("What has the Velmora Port Authority announced?") == {
        "velmora", "port", "author"
    }  # fmt: skip
    assert asked_speaker("What did the mayor say?") == set()  # no name to look for
    assert asked_speaker("Who did Lisk beat?") == set()  # no words asked for
    assert asked_speaker("What did Lisk build?") == set()


def test_a_sentence_naming_the_speaker_only_in_what_another_says_speaks_about_them():
    assert speaks_about("Velmora rejected the claims made by Lisk and Brisk.", LISK)
    assert speaks_about("Ilse Marrow said Lisk had broken its promise.", LISK)


def test_a_sentence_where_the_speaker_speaks_does_not():
    for sentence in [
        "Lisk said on Monday it had sent no ferries.",
        "The strike is over, Lisk officials announced.",  # just before the verb
        "The talks were “useful”, said Lisk's harbour master.",  # after a quote
        "The strike, as described by Lisk's mayor, was short.",  # passive
        "According to Lisk, the talks failed.",
        "Velmora said the talks failed, and Lisk warned of more strikes.",
    ]:
        assert not speaks_about(sentence, LISK), sentence


def test_a_sentence_without_the_speaker_or_without_speech_is_no_sign_either_way():
    assert not speaks_about("Velmora said the talks failed.", LISK)
    assert not speaks_about("Ferries from Lisk sailed on time.", LISK)
    assert not speaks_about("Velmora rejected the claims made by Lisk.", frozenset())


def test_the_years_that_qualify_what_is_asked():
    assert asked_years("Who won the 2022 Lisk regatta?") == {2022}
    assert asked_years("Which 2024 candidate spoke in Brisk?") == {2024}
    assert asked_years("Which team won its first title since 2010?") == set()
    assert asked_years("Which ferry lines plan to merge in 2027?") == set()


def test_a_passage_is_of_another_year_unless_it_names_the_year_or_dates_from_about_it():
    years = frozenset({2022})
    assert of_another_year(years, "Ilse Marrow won the 2024 regatta.", date(2024, 6, 3))
    assert of_another_year(years, "Ilse Marrow won the regatta.", date(2025, 6, 3))
    assert not of_another_year(years, "The 2022 regatta went to Marrow.", date(2025, 6, 3))
    assert not of_another_year(years, "This year's regatta went to Marrow.", date(2022, 6, 3))
    assert not of_another_year(years, "Entries for the regatta open.", date(2021, 12, 1))
    assert not of_another_year(frozenset(), "Ilse Marrow won the 2024 regatta.", None)
    assert not of_another_year(years, "Ilse Marrow won the regatta.", None)  # undated
    assert of_another_year(years, "Ilse Marrow won the 2024 regatta.", None)


def test_a_passage_numbering_another_edition_is_of_another_edition():
    editions = asked_editions("Who hosted the 95th Brisk Film Awards?")
    assert editions == {"95th"}
    assert of_another_edition(editions, "Ilse Marrow hosted the 96th Brisk Film Awards.")
    assert not of_another_edition(editions, "The 95th awards were hosted by Ilse Marrow.")
    assert not of_another_edition(editions, "Ilse Marrow hosted the Brisk Film Awards.")
    assert asked_editions("Who won the Brisk Film Awards?") == set()


def test_a_sentence_naming_only_the_other_side_of_a_pair_is_of_the_other_side():
    sides = asked_sides("Who won the women's final in Brisk?")
    assert sides == {"women"}
    assert of_the_other_side(sides, "Ken Lo won the men's final in Brisk.")
    assert not of_the_other_side(sides, "Odile Farran won the women's final after the men's.")
    assert not of_the_other_side(sides, "Odile Farran won the final in Brisk.")
    assert asked_sides("How many men and women ran in Brisk?") == set()  # both sides


def test_who_is_asks_about_a_name():
    assert identity("Who is Hanne Solberg?") == "Hanne Solberg"
    assert identity("who was Ilse Marrow") == "Ilse Marrow"
    assert identity("Who is the mayor of Lisk?") is None  # an office, not a name
    assert identity("Who won the Lisk regatta?") is None


@pytest.mark.parametrize(
    ("sentence", "said"),
    [
        ("Fares will rise in July, its director Hanne Solberg said on Wednesday.", "its director"),
        ("Union leader Hanne Solberg called it a fair deal.", "Union leader"),
        ("Hanne Solberg, the ferry company's director, said fares would rise.",
         "the ferry company's director"),
        ("Hanne Solberg is the director of the Alder River ferry.",
         "the director of the Alder River ferry"),
        ("Hanne Solberg said fares would rise.", None),
        ("Talks with Hanne Solberg failed, the union said.", None),
        ("Hanne Solberg, 52, said fares would rise.", None),
    ],
)  # fmt: skip
def test_a_sentence_introduces_a_person_by_a_role_before_or_a_description_after(
    sentence: str, said: str | None
):
    span = introduction(sentence, "Hanne Solberg")
    assert (sentence[span[0] : span[1]] if span else None) == said
    assert introduces(sentence, "Hanne Solberg") is (said is not None)
