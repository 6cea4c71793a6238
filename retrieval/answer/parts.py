"""Multi-part questions: answer each part the articles cover, say which they don't.

    parts = asked_parts("Who bought the ferry line, when, and for how much?")
    # [Part(NAME, "who", "Who bought the ferry line"), Part(DATE, "when", "when"),
    #  Part(NUMBER, "how much", "how much")]
    plan = plan_parts(parts, eligible, question=question)  # eligible: sentences per part
    # Plan(picks=[("Ostra Lines bought it on May 4.", [NAME, DATE])], missing=[<how much>])
    missing_text(plan.missing)   # "The articles don't say how much."

A question asks several things when it asks for more than one kind of value (a name, a
date, a number, a place: see `kinds`). Each part is answered by the best sentence that
answers its clause and holds a value of that part's kind; a sentence that answers two
parts is quoted once. The answerer decides which sentences answer a clause at all
(`eligible`, best first); this module splits the question and shares the sentences out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from retrieval.answer.emphasis import value_distances
from retrieval.answer.kinds import Kind, asked_kinds, find_values
from retrieval.text.words import tokenize


@dataclass(frozen=True, slots=True)
class Part:
    """One thing a question asks: the kind of value, the words that ask for it and the
    clause they open ("how many votes did Marrow win by"; "when" alone in "who, when
    and how much…")."""

    kind: Kind
    asking: str  # "who", "how many votes", "which city"
    clause: str


@dataclass(frozen=True, slots=True)
class Plan:
    """Which sentences answer which parts (each sentence once, with the kinds it
    answers, in the order the parts are asked), and the parts no sentence answers."""

    picks: list[tuple[str, list[Kind]]] = field(default_factory=list)
    missing: list[Part] = field(default_factory=list)


# The words that ask for each kind, as `missing_text` repeats them: "how many votes",
# "how much", "what year", "which city", "who".
_AUXILIARY = r"(?:is|was|were|are|did|does|do|has|have|had|will|would|can|could|should)"
_ASKING = {
    Kind.NUMBER: re.compile(
        rf"\bhow\s+(?:many(?:\s+(?!{_AUXILIARY}\b)[a-z]+)?|much|old|long|far|often|big|large)\b"
        r"|\bwhat\s+(?:number|amount|percentage|share|price|cost|total|score|age)\b",
        re.IGNORECASE,
    ),
    Kind.DATE: re.compile(r"\bwhen\b|\bwhat\s+(?:year|date|day|month|time)\b", re.IGNORECASE),
    Kind.PLACE: re.compile(
        r"\bwhere\b|\b(?:which|what)\s+(?:country|city|town|state|region)\b", re.IGNORECASE
    ),
    Kind.NAME: re.compile(r"\bwho(?:m|se)?\b|\b(?:which|what)\s+[a-z]+\b|\bwhich\b", re.IGNORECASE),
}
_SAID = {Kind.NAME: "who", Kind.NUMBER: "how much", Kind.DATE: "when", Kind.PLACE: "where"}
# What joins one part to the next: "…the race and by how many votes", "who, when and…".
_JOINT = re.compile(
    r"(?:[\s,;?!.]|\b(?:and|or|but|then|also|by|for|in|on|at|of|to|with|from)\b)*$",
    re.IGNORECASE,
)


def asked_parts(question: str) -> list[Part]:
    """The parts of `question`, in the order it asks them; one or none for most questions."""
    text = " ".join(question.split())
    found: list[tuple[int, Kind, str]] = []
    for kind in asked_kinds(text):
        taken = [range(a, a + len(w)) for a, _, w in found]
        match = next(
            (m for m in _ASKING[kind].finditer(text) if not any(m.start() in r for r in taken)),
            None,
        )
        if match is None:
            found.append((len(text), kind, _SAID[kind]))
        else:
            found.append((match.start(), kind, match.group().casefold()))
    found.sort(key=lambda item: item[0])
    parts = []
    for i, (at, kind, asking) in enumerate(found):
        end = found[i + 1][0] if i + 1 < len(found) else len(text)
        clause = text[at:end]
        clause = clause[: _JOINT.search(clause).start()] if clause else ""  # type: ignore[union-attr]
        parts.append(Part(kind, asking, clause or asking))
    return parts


def plan_parts(
    parts: Sequence[Part],
    eligible: Sequence[Sequence[str]],
    *,
    question: str,
    max_quotes: int = 3,
) -> Plan:
    """For each part, the one of its `eligible` sentences (one list per part, best
    first) holding a value of its kind the question doesn't name, and nearest to the
    clause's own words ("will cost 410 million" for "how much will the tram cost",
    rather than "voted 31 to 12" on the tram); the best of equals. At most `max_quotes`
    sentences in all: past them, only one already quoted can answer a further part."""
    picks: dict[str, list[Kind]] = {}
    missing = []
    for part, sentences in zip(parts, eligible, strict=True):
        terms = set(tokenize(part.clause))
        holding = []  # (how near its value is to the clause's words, rank, sentence)
        for rank, sentence in enumerate(sentences):
            values = find_values(sentence, part.kind, question=question)
            if values:
                holding.append((min(value_distances(sentence, values, terms)), rank, sentence))
        holding.sort()
        chosen = holding[0][2] if holding and len(picks) < max_quotes else None
        if chosen is None or chosen not in picks and len(picks) == max_quotes:
            chosen = next((s for _, _, s in holding if s in picks), None)
        if chosen is None:
            missing.append(part)
        else:
            picks.setdefault(chosen, []).append(part.kind)
    return Plan(picks=list(picks.items()), missing=missing)


def missing_text(missing: Sequence[Part]) -> str:
    """ "The articles don't say how much." / "…don't say when or who restored it." """
    if not missing:
        return ""
    asked = [_said(p) for p in missing]
    said = asked[0] if len(asked) == 1 else f"{', '.join(asked[:-1])} or {asked[-1]}"
    return f"The articles don't say {said}."


def _said(part: Part) -> str:
    """The part as the answer repeats it: its clause when that reads as it is ("who
    restored it", "which city hosted it"), else only its asking words ("how much", not
    "how much did it cost")."""
    rest = part.clause[len(part.asking) :].split()
    asks_the_subject = rest and not re.fullmatch(_AUXILIARY + r"|'s|’s", rest[0].casefold())
    if part.clause.casefold().startswith(part.asking) and asks_the_subject:
        return part.clause[0].lower() + part.clause[1:]
    return part.asking
