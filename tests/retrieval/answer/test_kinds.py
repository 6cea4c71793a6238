import pytest

from retrieval.answer.kinds import Kind, asked_kinds, find_values

N, NUM, D, P = Kind.NAME, Kind.NUMBER, Kind.DATE, Kind.PLACE


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        ("Who won, and by how many votes?", [N, NUM]),
        ("who, when and how much?", [N, D, NUM]),
        ("Who said the tram will cost more than planned?", [N]),
        ("Which country hosted the summit?", [P]),
        ("Where was the ferry found?", [P]),
        ("What year did the bridge open?", [D]),
        ("When will the vote be held?", [D]),
        ("How much will the Brenholt tram cost?", [NUM]),
        ("What percentage of voters backed it?", [NUM]),
        ("Which airline cut its flights?", [N]),
        ("What is the name of the new harbour master?", [N]),
        ("What did she say about the strike?", []),
        ("Why did the council vote against it?", []),
        ("Five were hurt when a crane fell. Which city was it in?", [P]),
        ("Marrow, who chairs the board, said what about the fares?", [N]),
        ("This week, how many ferries were cancelled?", [NUM]),
        ("And how much will it cost?", [NUM]),  # a follow-up
        ("but when?", [D]),
        ("How many homes lost power and who restored it?", [NUM, N]),
        ("Who bought the ferry line, when, and for how much?", [N, D, NUM]),
        ("The ferry museum is located where?", [P]),
        ("Before Doctor Who, how many ferries sailed, according to the WHO?", [NUM]),
        ("The port banned which app on work phones?", [N]),
        ("As fares rose, which ferry line cut its routes?", [N]),
        ("The port, which is old, banned which app?", [N]),
        ("“We sail at dawn.” Who was the captain quoting?", [N]),
        # no other word asks: "how many" anywhere does, it never relates
        ("Approximately how many ferries sailed on Friday?", [NUM]),
        ("The port broke records by selling how many tickets?", [NUM]),
        ("Who said how much the tram would cost?", [N]),
        # a number noun, also a few words after "what is the"
        ("Ferry losses just passed which grim figure?", [NUM]),
        ("What is the new fee to moor at Brisk?", [NUM]),
        ("What’s the maximum fine for skipping a fare?", [NUM]),
        ("What is the name of the new fee?", [N]),
        ("What’s the colloquial name of the ferry?", [N]),
        ("Which public figure opened the ferry museum?", [N]),  # a person, not a number
        ("Which political figure faced questions over the tram?", [N]),
    ],
)
def test_what_a_question_asks_for(question, kinds):
    assert asked_kinds(question) == kinds


SENTENCE = (
    "Ilse Marrow won by 1,204 votes on March 12, 2026, in Brenholt, beating Tarrow "
    "United's Ken Lo, the Harbor Gazette reported."
)


def texts(sentence, kind, question=""):
    values = find_values(sentence, kind, question=question)
    assert all(sentence[v.start : v.end] == v.text for v in values)
    return [v.text for v in values]


def test_names_split_at_a_possessive_and_leave_out_what_the_question_names():
    assert texts(SENTENCE, N, "Who beat Tarrow United?") == [
        "Ilse Marrow", "Brenholt", "Ken Lo", "Harbor Gazette"
    ]  # fmt: skip


def test_a_capital_that_only_opens_the_sentence_is_not_a_name():
    assert texts("Officials said the Port of Lisk would reopen.", N) == ["Port of Lisk"]
    assert texts("The ferry left Brenholt at dawn.", N) == ["Brenholt"]


@pytest.mark.parametrize(
    ("sentence", "names"),
    [
        ("Lisktel announced a five-for-one stock split.", ["Lisktel"]),
        ("Brenholt is staying firm on its ferry fares.", ["Brenholt"]),
        ("Velmora’s harbour reopened on Monday.", ["Velmora’s"]),
        ("FerryNet said the route would close.", ["FerryNet"]),
        ("The Brenholt council voted.", ["Brenholt"]),
        ("Residents said the water was cut off.", []),
        ("Reportedly, the ferry was late.", []),
        ("Following the vote, crews went home.", []),
        ("Rain closed the harbour.", []),
        ("Duke Tam waved.", ["Duke Tam"]),
        ("Duke waved.", []),
    ],
)
def test_a_single_word_opening_the_sentence_is_a_name_unless_its_capital_is_its_place(
    sentence: str, names: list[str]
) -> None:
    assert texts(sentence, N) == names


def test_places_are_names_those_after_a_place_word_first():
    assert texts(SENTENCE, P)[0] == "Brenholt"
    assert texts("Crews sailed from the Port of Lisk by noon.", P) == ["Port of Lisk"]
    assert texts("Velmora formed a government.", P) == ["Velmora"]  # opening, yet a name
    assert texts("Officials formed a government.", P) == []  # a capital it owes its place
    assert texts("It was Velmora that formed a government.", P) == ["Velmora"]


def test_numbers_in_figures_and_words_compare_by_value():
    keys = [
        v.key for v in find_values("It cost $4.5m, 12% more; 10,000 or ten thousand came.", NUM)
    ]
    assert keys == ["$4500000", "12%", "10000", "10000"]


def test_a_year_inside_a_date_is_a_date_not_a_number():
    assert texts(SENTENCE, NUM) == ["1,204"]
    assert [v.key for v in find_values(SENTENCE, D)] == ["2026-03-12"]


def test_dates_in_their_usual_shapes():
    sentence = "Talks began on 3 May 2025, resumed in June 2026 and end on Friday."
    assert [v.key for v in find_values(sentence, D)] == ["2025-05-03", "2026-06", "friday"]


def test_a_weekday_in_the_plural_is_that_day():
    found = find_values("Ferries ran 13% late on Mondays, the port said.", D)
    assert [(v.text, v.key) for v in found] == [("Mondays", "monday")]
    assert find_values("The Monday sailing was cancelled.", D)[0].key == "monday"


def test_may_the_verb_is_not_a_month():
    assert texts("The council may delay the vote.", D) == []


def test_an_and_between_two_full_names_is_two_names():
    assert texts("Talks were led by Ilse Marrow and Odile Farran on Monday.", N) == [
        "Ilse Marrow", "Odile Farran"
    ]  # fmt: skip
    assert texts("Shares in Brisk and Lisk Ferries fell.", N) == ["Brisk and Lisk Ferries"]
    assert texts("It was Bill and Melinda Gates who paid.", N) == ["Bill and Melinda Gates"]


@pytest.mark.parametrize(
    ("sentence", "key"),
    [
        ("The hall seats two thousand four hundred people.", "2400"),
        ("Some one hundred and twenty million tickets were sold.", "120000000"),
        ("About twenty-one ferries were idle.", "21"),
        ("Two million five hundred thousand crossed.", "2500000"),
    ],
)
def test_number_words_after_a_scale_word_are_one_number(sentence, key):
    assert [v.key for v in find_values(sentence, NUM)] == [key]


def test_a_number_counting_the_asked_thing_of_another_name_is_no_count_of_it():
    sentence = "Reports said 900 Velmoran dockers and 40 dockers from Lisk walked out."
    assert texts(sentence, NUM, "How many Lisk dockers walked out?") == ["40"]
    assert texts(sentence, NUM, "How many Velmoran dockers walked out?") == ["900", "40"]
    assert texts(sentence, NUM, "How many dockers walked out?") == ["900", "40"]  # no name
    assert texts(sentence, NUM, "How many Lisk ferries sailed?") == ["900", "40"]  # not dockers


def test_a_name_sharing_only_an_ordinary_word_with_the_question_is_an_answer():
    question = "What’s the colloquial name of this syndrome?"
    assert texts("It is known as “Havana Syndrome” in Brisk.", N, question) == [
        "Havana Syndrome", "Brisk"
    ]  # fmt: skip
    assert texts("The crew sailed the Alder River.", N, "Who runs the Port Alder ferry?") == []
