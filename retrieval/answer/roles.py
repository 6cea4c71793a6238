"""Whether a sentence is about what a question asks: in the role, the year and the event.

"What did China say?" asks for China's words. "The Russian ambassador rejected the claims
of Iran and China" names China, but as what the ambassador spoke about: it does not say
what China said. Such a sentence `speaks_about` the asked speaker: it names them, and
not where a speaker stands ("China said…", "…,” said China's ministry", "according to
China"). A sentence without a verb of saying is no sign either way.

"Who is Hanne Solberg?" asks who she is: a sentence that introduces her ("its director
Hanne Solberg said…", "Hanne Solberg, the ferry company's director") answers, however
little else of it the question shares (`introduces`).

"Who won the 2022 regatta?" is not answered by the 2024 regatta's winner: a passage that
neither mentions the asked year nor was published about then is `of_another_year`; nor
is "Who hosted the 95th Academy Awards?" by a passage on the 96th (`of_another_edition`),
nor "Who won the women's final?" by a sentence on the men's (`of_the_other_side`).
"""

from __future__ import annotations

import re
from datetime import date

from retrieval.text.words import stem, words

# The verbs of saying a question asks with and a sentence reports with, as terms.
_SPEECH = frozenset(
    stem(w)
    for w in """say said tell told announce state claim warn deny reject dismiss respond reply
    add insist argue write wrote tweet post urge accuse criticise criticize emphasise
    emphasize caution assert stress describe call comment label condemn denounce vow pledge
    promise threaten""".split()
)
_REPORTING = frozenset("said says told tells wrote writes".split())
_ASKS = re.compile(r"\bwhat\s+(?:did|does|do|has|have|had|will|would)\s+(?P<rest>.+)", re.I)
_ACCORDING = re.compile(r"\baccording\s+to\b", re.I)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
_INVERTED = re.compile(r"[,“”\"']\s*$")  # "…,” said": the speaker comes after the verb
_NEAR = 4  # the speaker is within this many words of the verb ("…, said the ministry of China")


def asked_speaker(question: str) -> frozenset[str]:
    """The terms of the names a "what did X say?" question asks the words of: {"china"}
    for "What did China say about the talks?"; empty for other questions and for a
    speaker without a name ("what did the minister say?")."""
    match = _ASKS.search(question)
    if match is None:
        return frozenset()
    found = words(match["rest"])
    at = next((i for i, w in enumerate(found) if stem(w) in _SPEECH), None)
    if at is None:
        return frozenset()
    return frozenset(stem(w) for w in found[:at] if w[0].isupper())


def speaks_about(sentence: str, speaker: frozenset[str]) -> bool:
    """Whether `sentence` names `speaker` only in what is said, not as who says it: some
    name of theirs is in it, and none where a speaker stands: before its first word of
    speech or just before another, just after one in a passive ("cautioned by Robert
    Wood") or after a quote ("…,” said China's ministry"), or after "according to"."""
    if not speaker:
        return False
    found = list(_WORD.finditer(sentence))
    terms = [stem(m.group()) for m in found]
    if not speaker & set(terms):
        return False
    verbs = [i for i, m in enumerate(found) if _reports(m.group(), terms[i])]
    if not verbs:
        return False
    speaking = set(terms[: verbs[0]])
    for verb in verbs:
        speaking.update(terms[max(0, verb - _NEAR) : verb])  # "…, Wood emphasized"
        if terms[verb + 1 : verb + 2] == ["by"]:  # "as cautioned by Robert Wood"
            speaking.update(terms[verb + 2 : verb + 2 + _NEAR])
        elif _INVERTED.search(sentence[: found[verb].start()]):  # "…,” said China's ministry"
            speaking.update(terms[verb + 1 : verb + 1 + _NEAR])
    if according := _ACCORDING.search(sentence):
        speaking.update(stem(w) for w in words(sentence[according.end() :])[:_NEAR])
    return not speaker & speaking


def _reports(word: str, term: str) -> bool:
    """Whether `word` reports speech: a verb of saying in the form news reports use ("said",
    "denied", "says"), not the noun ("her promise", "the claims")."""
    lower = word.casefold()
    return term in _SPEECH and (lower.endswith("ed") or lower in _REPORTING)


_YEAR = re.compile(r"(?<![\w.,$€£-])(?:19|20)\d{2}(?![\w.,%])")
_ASKED_YEAR = re.compile(r"\b(?:the|which|what)\s+((?:19|20)\d{2})\s+(?=[A-Za-z])", re.I)
AROUND = 1  # reports on an event appear up to this many years before and after it


def asked_years(question: str) -> frozenset[int]:
    """The years that qualify what `question` asks about: {2022} for "Who won the 2022
    regatta?"; not "since 2010", "by 2050" or "in 2024", which often date something
    else (on RealTimeQA dev, counting "in 2024" refused more right answers than wrong)."""
    return frozenset(int(y) for y in _ASKED_YEAR.findall(question))


def of_another_year(years: frozenset[int], passage: str, published: date | None) -> bool:
    """Whether a passage is about another year than the asked `years`: it mentions none
    of them, and mentions another year or was published more than `AROUND` years away
    from them (a report in 2022 on "this year's regatta" is about 2022). An undated
    passage that mentions no year may be about any."""
    if not years:
        return False
    mentioned = {int(y) for y in _YEAR.findall(passage)}
    if years & mentioned:
        return False
    if mentioned:
        return True
    return published is not None and all(abs(published.year - y) > AROUND for y in years)


_ORDINAL = re.compile(r"\b\d{1,3}(?:st|nd|rd|th)\b", re.I)
_ASKED_ORDINAL = re.compile(r"\b(?:the|which|what)\s+(\d{1,3}(?:st|nd|rd|th))\s+(?=[A-Za-z])", re.I)


def asked_editions(question: str) -> frozenset[str]:
    """The numbered editions that qualify what `question` asks about: {"95th"} for "Who
    hosted the 95th Academy Awards?"."""
    return frozenset(o.casefold() for o in _ASKED_ORDINAL.findall(question))


def of_another_edition(editions: frozenset[str], passage: str) -> bool:
    """Whether a passage is about another edition than the asked ones: it numbers one
    ("the 96th Academy Awards") and none of the asked."""
    if not editions:
        return False
    mentioned = {o.casefold() for o in _ORDINAL.findall(passage)}
    return bool(mentioned) and not editions & mentioned


# Pairs of words a question picks one of: "Who won the women's final?" is not answered by
# "Lo won the men's final".
_CONTRASTS = [("men", "women"), ("man", "woman"), ("male", "female"), ("boy", "girl")]
_OTHER_OF = {stem(a): stem(b) for pair in _CONTRASTS for a, b in (pair, pair[::-1])}


def asked_sides(question: str) -> frozenset[str]:
    """The terms of the words `question` picks from a pair: {"women"} for "Who won the
    women's singles?"; empty when it names both sides or neither."""
    terms = {stem(w) for w in words(question)}
    return frozenset(t for t in terms if t in _OTHER_OF and _OTHER_OF[t] not in terms)


def of_the_other_side(sides: frozenset[str], sentence: str) -> bool:
    """Whether `sentence` names the other side of a pair the question picks from and not
    the side asked: "the men's singles" for a question on the women's."""
    terms = {stem(w) for w in words(sentence)}
    return any(_OTHER_OF[t] in terms and t not in terms for t in sides)


_IDENTITY = re.compile(
    r"^\s*[Ww]ho(?:['’]s|\s+(?:is|was|are|were))\s+(?P<name>[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,4})\s*\??\s*$"
)
# What introduces a person: an apposition or a copula after the name, or a role before it.
_AFTER_NAME = re.compile(  # what comes before the description: ", " or " is "
    r"^(?:['’]s)?(?:\s*,\s*|\s+(?:is|was|has\s+been|became|serves\s+as)\s+)"
    r"(?=(?:the|a|an|who|its|his|her|their|one)\b)"
)
# The words of a role before a name: "Union leader", "North Korean leader", "its director".
_ROLE_RUN = re.compile(r"(?:\b(?:[A-Z][\w'’-]*|its|his|her|their)\s+){0,3}(?P<role>[\w'’-]+)\s+$")
_ROLE_ENDINGS = ("er", "or", "ist", "ent", "ant", "man", "woman", "person", "chief", "head")
_TITLE_WORDS = frozenset(
    """mayor minister president chancellor governor senator secretary ambassador director
    chairman chairwoman spokesman spokeswoman spokesperson captain coach judge general
    prince princess king queen duke duchess pope bishop sheriff commissioner""".split()
)


def identity(question: str) -> str | None:
    """The name a "Who is X?" question asks about: "Hanne Solberg" for "Who is Hanne
    Solberg?"; None for other questions."""
    match = _IDENTITY.match(question)
    return match["name"] if match else None


def introduces(sentence: str, name: str) -> bool:
    """Whether `sentence` says who `name` is: the full name with an apposition or a copula
    after it ("Hanne Solberg, its director"; "… is the union's leader"), or a role right
    before it ("its director Hanne Solberg", "Mayor Teodor Vask")."""
    return introduction(sentence, name) is not None


def introduction(sentence: str, name: str) -> tuple[int, int] | None:
    """Where `sentence` says who `name` is (see `introduces`): the offsets of the role
    before the name ("Union leader"), or of what follows it up to the clause's end ("the
    US Deputy Ambassador to the UN"); None when it doesn't."""
    for match in re.finditer(rf"(?<![\w'’]){re.escape(name)}(?![\w])", sentence):
        if after := _AFTER_NAME.match(sentence[match.end() :]):
            start = match.end() + after.end()
            end = re.compile(r"[,;:.!?]|$").search(sentence, start)
            return start, end.start() if end else len(sentence)
        role = _ROLE_RUN.search(sentence[: match.start()])
        if role and _is_role(role["role"]):
            return role.start(), role.start() + len(role.group().rstrip())
    return None


def _is_role(word: str) -> bool:
    lower = word.casefold()
    return lower in _TITLE_WORDS or (len(lower) > 3 and lower.endswith(_ROLE_ENDINGS))
