"""What a question asks for, and where a sentence gives it.

    asked_kinds("Who won, and by how many votes?")          # [Kind.NAME, Kind.NUMBER]
    find_values("Ilse Marrow won by 1,204 votes.", Kind.NUMBER)
    # [Value(kind=NUMBER, text="1,204", start=16, end=21, key="1204")]

A question asks for a name ("who", "which company"), a number ("how many", "what
percentage"), a date ("when", "what year") or a place ("where", "which country"), or
for none of these ("why…", "what did she say?"). The answerer uses this to tell a
sentence that answers from one that is only about the topic, to point at the words
that answer, and to see when two outlets give different values for the same thing.

Plain rules over the words, no tagger: a name is a run of capitalised words, a number
is digits or number words, a date names a month, a weekday or a year.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from retrieval.text.words import STOPWORDS, stem


class Kind(StrEnum):
    NAME = "name"  # a person, group or other proper name
    NUMBER = "number"
    DATE = "date"
    PLACE = "place"


@dataclass(frozen=True, slots=True)
class Value:
    """One value in a sentence: `sentence[start:end] == text`; `key` compares values."""

    kind: Kind
    text: str
    start: int
    end: int
    key: str


# -- what is asked ---------------------------------------------------------------------------

_PLACE_NOUNS = (
    "country countries city cities state states town towns nation nations region regions "
    "province provinces island islands continent county capital place places location "
    "port venue neighbourhood neighborhood district village"
)
_DATE_NOUNS = "year years date day month decade century season weekday"
_NUMBER_WORDS_ASKED = (
    "number amount percentage percent share price cost total sum size population rate "
    "score age salary fee fine budget count figure figures toll tally margin value magnitude "
    "wage temperature speed distance height weight length turnout birthday anniversary milestone"
)
_NOT_A_THING = (  # "what did…", "what happened…": the words after "what" that ask no name
    "is was were are did does do has have had will would can could should happened happens "
    "about if kind sort type made caused led"
)
_WH = r"(?:which|what)(?:\s+\w+)?"  # "which", "what", "which two", "what new"
# "Which public figure…?" asks for a person, "which grim figure?" for a number.
_PERSON_FIGURE = (
    "public political anonymous influential famous prominent historical key leading "
    "religious royal controversial notable sporting cultural"
)

_HOW_MUCH = re.compile(r"\bhow\s+(?:many|much|old|long|far|often|tall|big|large|high|fast)\b")
_ASKS: list[tuple[Kind, re.Pattern[str]]] = [
    (
        Kind.NAME,
        re.compile(rf"\b(?:which|what)\s+(?:{'|'.join(_PERSON_FIGURE.split())})\s+figures?\b"),
    ),
    (Kind.NUMBER, _HOW_MUCH),
    (Kind.NUMBER, re.compile(rf"\b{_WH}\s+(?:{'|'.join(_NUMBER_WORDS_ASKED.split())})\b")),
    (Kind.NUMBER, re.compile(r"\bby\s+how\s+much\b")),
    # "What is the new fee…?", "what's the maximum fine…?": the noun asked for may come
    # a few words after "what is the".
    (
        Kind.NUMBER,
        re.compile(
            r"\bwhat(?:['’]s|\s+(?:is|was|are|were))\s+(?:the\s+|an?\s+)?(?:[\w-]+\s+){0,2}?"
            rf"(?:{'|'.join(_NUMBER_WORDS_ASKED.split())})\b"
        ),
    ),
    (Kind.DATE, re.compile(r"\bwhen\b")),
    (Kind.DATE, re.compile(rf"\b{_WH}\s+(?:{'|'.join(_DATE_NOUNS.split())})\b")),
    (Kind.DATE, re.compile(r"\bwhat\s+time\b")),
    (Kind.PLACE, re.compile(r"\bwhere\b")),
    (Kind.PLACE, re.compile(rf"\b{_WH}\s+(?:{'|'.join(_PLACE_NOUNS.split())})\b")),
    (Kind.NAME, re.compile(r"\bwho(?:m|se)?\b")),
    (
        Kind.NAME,
        re.compile(r"\bwhat(?:['’]s|\s+(?:is|was|were|are))\s+(?:the\s+)?(?:[\w-]+\s+)?names?\b"),
    ),
    (Kind.NAME, re.compile(r"\bname\s+of\b")),
    # "which company", "what airline", "which of the three…": a name unless a noun above
    # already made it a number, a date or a place.
    (Kind.NAME, re.compile(r"\bwhich\b")),
    (Kind.NAME, re.compile(rf"\bwhat\s+(?!(?:{'|'.join(_NOT_A_THING.split())})\b)[a-z]+\b")),
]


def without_asking(question: str) -> str:
    """`question` without its "how" phrases: in "How big is the pay rise?" or "how long
    did it last?" the adjective asks for a number, it is not a word the answer holds."""
    return _HOW_MUCH.sub(" ", question.casefold())


def asked_kinds(question: str) -> list[Kind]:
    """The kinds of value `question` asks for, in the order it asks them; [] for none.

    "Who, when and how much?" asks three things. Only a question's own asking counts:
    "Who said the tram will cost more than planned?" asks for a name, not a number.
    """
    text = _asking_sentence(" ".join(_NAMED.sub(_masked, question).casefold().split()))
    found: list[tuple[int, Kind]] = []
    claimed: list[tuple[int, int]] = []  # a span one rule matched is not matched again
    for kind, pattern in _ASKS:
        for match in pattern.finditer(text):
            if any(a < match.end() and match.start() < b for a, b in claimed):
                continue
            claimed.append(match.span())
            if _interrogative(text, match.start()):
                found.append((match.start(), kind))
    if not found and _HOW_MUCH.search(text):
        # "Approximately how many…?", "…broke records by selling how many copies?": no
        # other word asks, and "how many" never relates.
        return [Kind.NUMBER]
    kinds: list[Kind] = []
    for _, kind in sorted(found):
        if kind not in kinds:
            kinds.append(kind)
    return kinds


# A question word written as a name mid-sentence asks nothing: "Doctor Who", "the WHO".
_NAMED = re.compile(r"(?<=[\w,;] )(?:Who|WHO|When|Where|Which|What|How)\b")


def _masked(match: re.Match[str]) -> str:
    return "x" * len(match.group())


def _asking_sentence(text: str) -> str:
    """The sentence that asks: quiz questions open with a statement ("Five people were
    hurt when… Which city…?"), whose "when" asks nothing."""
    sentences = [p for p in re.split(r"(?<=[.!?])\s+|(?<=[.!?][\"”’])\s+", text) if p]
    asking = [p for p in sentences if p.endswith("?")]
    return asking[-1] if asking else text


def _interrogative(text: str, at: int) -> bool:
    """Whether the question word at `at` asks rather than relates: "which app" and "who
    won?" ask; "Newman, who crashed…", "hurt when a man…" and ", which according to…"
    relate. A word asks at the start, after a preposition, in a list of question words
    ("who, when and how much"), after a short opening ("This week, who…"), and "which" or
    "what" ask anywhere but after a comma."""
    before = text[:at].rstrip().lstrip("“”\"'‘’([—- ")
    if not before:
        return True
    word = text[at:].split(maxsplit=1)[0]
    bare = re.match(r"(\w+)\s*(?:[,?]|\s(?:and|or)\b)", text[at:])
    if bare and bare.group(1) in _QUESTION_WORDS:
        return True  # a bare question word: "…the line, when, and…", "…is located where?"
    words = re.findall(r"[\w'’]+", before)
    last = words[-1] if words else ""
    if before.endswith(","):
        opening = len(re.findall(r"[\w'’]+", before.rsplit(".", 1)[-1])) <= 4
        following = text[at:].split()[1:2]
        relates = word in ("which", "what") and (not following or following[0] in _RELATING)
        return (
            opening
            or last in _QUESTION_WORDS
            or word == "how"  # ", how many…" never relates
            or (word in ("which", "what") and not relates)
        )
    if last in ("and", "or") and len(words) > 1 and words[-2] in _QUESTION_WORDS:
        return True
    if len(words) == 1 and last in _FOLLOW_UP_OPENERS:  # "And how much will it cost?"
        return True
    if last in ("and", "or", "but") and word in _QUESTION_WORDS - {"which", "what"}:
        return True  # "How many homes lost power and who restored it?"
    if last in _PREPOSITIONS:
        return True
    return word in ("which", "what")


_RELATING = frozenset(  # ", which is…", ", which according to…": what follows a relative
    """is was are were has had have means meant according would will could can may might
    made led caused came comes also then includes included""".split()
)
_FOLLOW_UP_OPENERS = frozenset("and but so then also".split())
_QUESTION_WORDS = frozenset("who whom whose when where which what how why".split())
_PREPOSITIONS = frozenset(
    """in on at by for from to of with about into during since until under over after before
    against between among than like as""".split()
)


# -- where a sentence gives it ---------------------------------------------------------------

_MONTHS = {
    name: i + 1
    for i, names in enumerate(
        [
            "january jan", "february feb", "march mar", "april apr", "may", "june jun",
            "july jul", "august aug", "september sep sept", "october oct", "november nov",
            "december dec",
        ]
    )
    for name in names.split()
}  # fmt: skip
_WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
_SMALL = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
           "trillion": 1_000_000_000_000}  # fmt: skip
_NUMBER_WORD = (
    {w: i for i, w in enumerate(_SMALL)}
    | {w: 10 * (i + 2) for i, w in enumerate(_TENS)}
    | {"dozen": 12, "a": 1, "half": 0.5}
)

_WORDNUM = r"(?:" + "|".join(sorted([*_SMALL, *_TENS, "dozen"], key=len, reverse=True)) + r")"
_SCALE = r"(?:hundred|thousand|million|billion|trillion|[mb]n|k)"
# "twenty-one", "two thousand four hundred", "one hundred and twenty million": after a
# scale word, more number words go on the same number.
_WORD_GROUP = rf"{_WORDNUM}(?:[-\s]{_WORDNUM})?"
_WORDS_NUMBER = rf"{_WORD_GROUP}(?:\s+{_SCALE}\b(?:\s+(?:and\s+)?{_WORD_GROUP}(?![-\w]))?)*"
_UNIT = (
    r"(?:\s*(?:%|percent|per\s+cent|percentage\s+points?)"
    r"|\s+(?:hundred|thousand|million|billion|trillion)\b"
    r"|(?:bn|mn|m|k)\b)?"
)
_NUMBER = re.compile(
    r"(?<![\w.,])(?:[$€£¥]\s?)?"
    r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
    + _UNIT
    + r"|(?<![\w-])"
    + _WORDS_NUMBER
    + r"(?:\s*(?:%|percent\b))?"
    + r"(?![\w-])",
    re.IGNORECASE,
)
_MONTH = r"(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DATE = re.compile(
    rf"\b(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"  # March 12, 2026
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+\d{{4}})?"  # 12 March 2026
    rf"|{_MONTH}\s+\d{{4}}"  # March 2026
    r"|\d{4}-\d{2}-\d{2}"  # 2026-03-12
    rf"|(?:{'|'.join(_WEEKDAYS)})s?"  # "on Monday", "13% higher on Mondays"
    r"|(?:1[89]|20)\d{2}s?"  # 1998, 2026, the 1990s
    rf"|{_MONTH}(?=\s|[,.;]|$))\b",
    re.IGNORECASE,
)
# A run of capitalised words, with the small words names carry inside them ("Bank of
# England", "Port of Brenholt", "Charles de Gaulle").
_CAPITALISED = r"(?:[A-Z][\w'’&.-]*[\w]|[A-Z])"
_NAME = re.compile(
    rf"{_CAPITALISED}(?:(?:\s+(?:of|de|la|le|van|von|der|du|da|al|bin|the|and|&))*\s+{_CAPITALISED})*"
)
_CAPITAL_WORD = re.compile(rf"(?<!\S){_CAPITALISED}(?!\S)")
_NOT_NAME_START = frozenset(
    """the a an this that these those it its he she they we i you his her their our my
    but and or so yet if when while after before since as at in on by for from to with
    however meanwhile still also then there here what who which where why how mr mrs ms dr
    according last next earlier later today yesterday tomorrow""".split()
)
NOT_A_NAME = frozenset([*_WEEKDAYS, *_MONTHS, "i", "mr", "mrs", "ms", "dr"])
_PLACE_LEAD = re.compile(
    r"\b(?:in|at|from|to|near|across|outside|inside|into|of)\s+$", re.IGNORECASE
)
_TRAILING_THE = re.compile(r"\b(?:the|a|an)\s+$", re.IGNORECASE)
_POSSESSIVE = re.compile(r"['’]s$")
_LEADING_THE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)


def find_values(sentence: str, kind: Kind, *, question: str = "") -> list[Value]:
    """The values of `kind` in `sentence`, in order, leaving out those `question` mentions."""
    found = _FINDERS[kind](sentence)
    if not question:
        return found
    asked = {value.key for k in Kind for value in _FINDERS[k](question)}
    words = {w.casefold() for w in re.findall(r"[\w'’]+", question)}
    names = [_significant(v.text) for v in _names(question)]
    counted = _counted(question) if kind is Kind.NUMBER else None
    return [
        v
        for v in found
        if v.key not in asked
        and not (v.kind in (Kind.NAME, Kind.PLACE) and _named_by(v.text, words, names))
        and not (counted and _counts_another(sentence, v, *counted))
    ]


_HOW_MANY = re.compile(r"\bhow\s+many\s+([\w'’-]+(?:\s+[\w'’-]+){0,3})", re.IGNORECASE)


def _counted(question: str) -> tuple[frozenset[str], str] | None:
    """What "how many" counts: the names that qualify it and the stem of the noun after
    them; for "how many Ukrainian soldiers have died?", ({"ukrainian"}, "soldier"). None
    when the question asks no count or qualifies it with no name ("how many soldiers…")."""
    match = _HOW_MANY.search(question)
    if match is None:
        return None
    words = match[1].split()
    names = list(itertools.takewhile(lambda w: w[0].isupper(), words))
    if not names or len(words) == len(names) or words[len(names)].casefold() in STOPWORDS:
        return None
    return frozenset(stem(w) for w in names), stem(words[len(names)])


def _counts_another(sentence: str, value: Value, qualifiers: frozenset[str], noun: str) -> bool:
    """Whether the number `value` counts the asked noun qualified by other names, not
    the question's: "10,000 North Korean soldiers" is no count of Ukrainian soldiers."""
    after = re.split(r"[,;:.()]", sentence[value.end :], maxsplit=1)[0].split()[:4]
    terms = [stem(w) for w in after]
    if noun not in terms:
        return False
    between = after[: terms.index(noun)]
    own = {stem(w) for w in between if w[0].isupper()}
    return bool(own - qualifiers) and not own & qualifiers


def _named_by(text: str, words: set[str], names: Sequence[set[str]]) -> bool:
    """Whether the question names `text`: all its words are the question's, or it holds
    one of the question's names, or, two words long, shares a word with one ("Tarrow
    United" for "Who beat Tarrow?", "Alder River" for "…the Port Alder ferry?"). A name
    that only shares an ordinary word with the question is not: "Havana Syndrome"
    answers "what is this syndrome called?"."""
    own = _significant(text)
    if not own:
        return False
    if own <= words or any(name and name <= own for name in names):
        return True
    return len(own) <= 2 and any(own & name for name in names)


def _significant(text: str) -> set[str]:
    parts = {w.casefold() for w in re.findall(r"[\w'’]+", text)}
    return parts - {"of", "the", "and", "de", "la"}


def _numbers(sentence: str) -> list[Value]:
    values = []
    dates = [(m.start(), m.end()) for m in _DATE.finditer(sentence)]
    for match in _NUMBER.finditer(sentence):
        text = match.group().strip()
        start = match.start() + (len(match.group()) - len(match.group().lstrip()))
        end = start + len(text)
        if any(a <= start and end <= b for a, b in dates):
            continue  # "2026" in "March 12, 2026" is a date, not a count
        key = _number_key(text)
        if key is None:
            continue
        values.append(Value(Kind.NUMBER, text, start, end, key))
    return values


def _number_key(text: str) -> str | None:
    """ "10,000" / "10000" / "ten thousand" -> "10000"; "$4.5m" -> "$4500000"; "12%" -> "12%"."""
    t = text.casefold().replace("per cent", "percent")
    currency = t[0] if t[0] in "$€£¥" else ""
    t = t.lstrip("$€£¥ ")
    percent = "%" if ("%" in t or "percent" in t) else ""
    t = re.sub(r"%|percentage points?|percent", "", t).strip()
    words = re.split(r"[-\s]+", t)
    total, current = 0.0, 0.0
    for word in words:
        number = re.fullmatch(r"(\d[\d,]*(?:\.\d+)?)(bn|mn|m|k)?", word)
        if number:
            current += float(number.group(1).replace(",", ""))
            suffix = number.group(2)
            if suffix:
                current *= {"bn": 1e9, "mn": 1e6, "m": 1e6, "k": 1e3}[suffix]
        elif word in _NUMBER_WORD:
            current += _NUMBER_WORD[word]
        elif word in _SCALES or word in ("bn", "mn"):
            scale = _SCALES.get(word) or {"bn": 1e9, "mn": 1e6}[word]
            current = (current or 1) * scale
            if scale >= 1000:
                total, current = total + current, 0.0
        elif word and word != "and":
            return None
    value = total + current
    shown = str(int(value)) if value == int(value) else f"{value:g}"
    return f"{currency}{shown}{percent}"


def _dates(sentence: str) -> list[Value]:
    values = []
    for match in _DATE.finditer(sentence):
        text = match.group()
        if text.casefold() == "may" and not _looks_like_month(sentence, match.start()):
            continue  # "may" the verb
        if re.fullmatch(r"[A-Za-z]{3}", text) and text.casefold() in _MONTHS and text[0].islower():
            continue  # "mar", "dec" in running text
        values.append(Value(Kind.DATE, text, match.start(), match.end(), _date_key(text)))
    return values


def _looks_like_month(sentence: str, at: int) -> bool:
    return sentence[at].isupper() and (at == 0 or sentence[at - 1] != "." or at > 1)


def _date_key(text: str) -> str:
    """ "March 12, 2026" / "12 March 2026" -> "2026-03-12"; "March 12" -> "03-12"."""
    t = text.casefold().replace(",", " ").replace(".", " ")
    if t.rstrip("s") in _WEEKDAYS:
        return t.rstrip("s")  # "Mondays" is Monday
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", t.strip()):
        return t.strip()
    year = re.search(r"\b(1[89]|20)\d{2}s?\b", t)
    month = next((_MONTHS[w] for w in t.split() if w in _MONTHS), None)
    day = re.search(r"\b(\d{1,2})(?:st|nd|rd|th)?\b", t)
    parts = []
    if year:
        parts.append(year.group())
    if month:
        parts.append(f"{month:02d}")
    if day and month:
        parts.append(f"{int(day.group(1)):02d}")
    return "-".join(parts) if parts else " ".join(t.split())


def _names(sentence: str) -> list[Value]:
    values = []
    for start, text in _name_runs(sentence):
        first, _, rest = text.partition(" ")
        sentence_start = start == 0 or sentence[:start].rstrip().endswith(
            (".", "!", "?", ":", "“", '"')
        )
        if sentence_start and first.casefold() in _NOT_NAME_START:
            if not rest or not rest[0].isupper():
                continue
            start, text = start + len(first) + 1, rest  # "The Harbor Gazette" -> keep the name
        text = text.rstrip(".")
        words = text.split()
        if all(w.casefold().strip(".") in NOT_A_NAME for w in words):
            continue
        if (
            sentence_start
            and len(words) == 1
            and not _is_capitalised_elsewhere(sentence, text)
            and not _opens_as_a_name(text)
        ):
            continue  # "Officials said…": a capital only because it opens the sentence
        key = _POSSESSIVE.sub("", _LEADING_THE.sub("", " ".join(text.casefold().split())))
        values.append(Value(Kind.NAME, text, start, start + len(text), key))
    return values


def _name_runs(sentence: str) -> list[tuple[int, str]]:
    """Each run of capitalised words with its offset, split at a possessive: "Tarrow
    United's Ken Lo" is two names; and at an "and" between two full names: "Ilse Marrow
    and Odile Farran" is two people, "Marks and Spencer" or "Bill and Melinda Gates" one."""
    runs = []
    for match in _NAME.finditer(sentence):
        start = match.start()
        for part in re.split(r"(?<=['’]s)\s+", match.group()):
            at = 0
            for name in _split_at_and(part):
                at = part.index(name, at)
                runs.append((start + at, name))
                at += len(name)
            start += len(part) + 1
    return runs


def _split_at_and(run: str) -> list[str]:
    """A run split at each "and"/"&" whose sides both have two capitalised words or more."""
    pieces = re.split(r"\s+(?:and|&)\s+", run)
    if len(pieces) < 2 or any(len(_CAPITAL_WORD.findall(p)) < 2 for p in pieces):
        return [run]
    return pieces


def _is_capitalised_elsewhere(sentence: str, word: str) -> bool:
    return sentence.count(word) > 1 or word.isupper()


# Words that open news sentences with a capital they owe to their place: who is speaking
# or acting as a group, and the nouns and words that open an account of events.
_OPENERS = frozenset(
    """police people everyone everybody nobody nothing something someone anyone staff
    rain snow traffic inflation unemployment turnout demand growth damage power
    many most some several few both each all none one two three four five six seven eight
    nine ten twenty thousands hundreds millions dozens first second third finally now thus
    instead overall together despite although though because unlike like during amid
    until unless whether even just only perhaps indeed yes no not never always often
    sometimes once soon again already
    duke duchess prince princess king queen emperor pope president minister mayor
    governor senator chancellor secretary""".split()  # a title alone names no one
)


def _opens_as_a_name(word: str) -> bool:
    """Whether a single capitalised word opening a sentence is a name: "Tesla announced…",
    "Greece is…", "TikTok said…"; not "Officials said…" (a plural), "Reportedly…",
    "Following…" or a word of `_OPENERS`."""
    bare = _POSSESSIVE.sub("", word.strip(".,;:"))
    lower = bare.casefold()
    if re.search(r"[a-z][A-Z]", bare):
        return True  # "TikTok", "WeChat", "iPhone"
    if lower in _OPENERS or lower in _NOT_NAME_START or lower in STOPWORDS or len(bare) < 2:
        return False
    if lower.endswith(("ly", "ing", "ed")):
        return False
    return not (lower.endswith("s") and not lower.endswith(("ss", "us", "is")))


def _places(sentence: str) -> list[Value]:
    """Names, those after "in", "at", "from"… first: "in Brenholt", "from the Port of Lisk".
    Without a gazetteer any name may be a place ("Lebanon formed a government")."""
    names = _names(sentence)

    def after_a_place_word(v: Value) -> bool:
        return bool(_PLACE_LEAD.search(_TRAILING_THE.sub("", sentence[: v.start])))

    ordered = sorted(names, key=lambda v: not after_a_place_word(v))
    return [Value(Kind.PLACE, v.text, v.start, v.end, v.key) for v in ordered]


_FINDERS = {
    Kind.NAME: _names,
    Kind.NUMBER: _numbers,
    Kind.DATE: _dates,
    Kind.PLACE: _places,
}
