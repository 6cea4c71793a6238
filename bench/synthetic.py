"""Generated news-like articles and questions, for benchmarks that need lots of text.

Every article states one made-up fact (who did what, where, when) and pads it with
other generated sentences; the question about that fact is returned with it. The text is
deterministic for a given seed, so runs are comparable.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

FIRST = (
    "Ilse Tomas Mira Ruth Anders Keiko Dario Fatima Oskar Lena Pavel Amara Jonas Sofia "
    "Emeka Greta Hugo Nadia Rafael Yara Bruno Ines Kofi Alma Viktor Zainab"
).split()
LAST = (
    "Marrow Brand Osk Adeyemi Lindqvist Tanaka Ferro Haddad Novak Okafor Riedel Santos "
    "Varga Whitlock Quist Moreau Kowalski Ibsen Duarte Abara Holm Castell Petrov Sund"
).split()
ROLES = (
    "mayor|harbor master|union leader|council member|school principal|hospital director|"
    "police chief|museum curator|trade minister|shipyard owner|festival organiser|"
    "river authority chair"
).split("|")
PLACES = (
    "Port Alder|Eastmere|Gull Point|Fenwick|Old Mill|Brackwater|Saltmarsh|Kestrel Bay|"
    "Northholm|Vale Cross|Amberly|Dunmore|Westreach|Harrowgate|Lowfield|Stonebridge|"
    "Marlow Quay|Thornby"
).split("|")
ACTIONS = [
    tuple(pair.split(":"))
    for pair in (
        "approved:a budget for|cancelled:the plans for|opened:the new|closed:the old|"
        "delayed:the works on|criticised:the cost of|defended:the decision on|"
        "announced:a review of|signed:a contract for|rejected:a petition against"
    ).split("|")
]
THINGS = (
    "tram line|ferry terminal|fish market|bridge repairs|flood barrier|wind farm|"
    "library extension|cycle lanes|harbor dredging|concert hall|water treatment plant|"
    "night bus service|school canteen|sports centre|airport runway|housing estate|"
    "lighthouse museum"
).split("|")
FILLER = (
    "Residents said they had waited years for a decision.",
    "The council will publish the full figures next month.",
    "Opposition members asked for an independent audit of the costs.",
    "Local businesses welcomed the news but warned about the timetable.",
    "A spokesperson declined to comment on the details of the agreement.",
    "Engineers expect the first phase to take about eighteen months.",
    "The regional newspaper first reported the plans in the autumn.",
    "Protesters gathered outside the town hall on the morning of the vote.",
    "Officials said the money would come from the regional development fund.",
    "Several speakers asked how the project would affect the harbor traffic.",
)
OUTLETS = ("Harbor Gazette", "Valley Courier", "Coastal Ledger", "Northern Post")


@dataclass(frozen=True, slots=True)
class SyntheticArticle:
    id: str
    title: str
    body: str
    source: str
    published_at: date
    question: str

    def to_json(self) -> dict[str, str]:
        return {
            "id": self.id,
            "title": self.title,
            "body": self.body,
            "source": self.source,
            "url": "",
            "published_at": self.published_at.isoformat(),
        }


def _fact(rng: random.Random) -> tuple[str, str, str]:
    person = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    role, place = rng.choice(ROLES), rng.choice(PLACES)
    verb, object_phrase = rng.choice(ACTIONS)
    thing = rng.choice(THINGS)
    amount = rng.randrange(2, 400)
    sentence = (
        f"The {role} of {place}, {person}, {verb} {object_phrase} {thing} "
        f"worth {amount} million crowns."
    )
    question = f"Who {verb} {object_phrase} {thing} worth {amount} million crowns in {place}?"
    title = f"{place} {role} {verb} {thing}"
    return sentence, question, title.capitalize()


def articles(count: int, *, words: int = 80, seed: int = 7) -> Iterator[SyntheticArticle]:
    """`count` articles of about `words` words each."""
    rng = random.Random(seed)
    start = date(2023, 1, 1)  # three years, all in the past: asking "as of today" filters nothing
    for number in range(count):
        fact, question, title = _fact(rng)
        body = [fact]
        length = len(fact.split())
        while length < words:
            extra = rng.choice(FILLER) if rng.random() < 0.6 else _fact(rng)[0]
            body.append(extra)
            length += len(extra.split())
        yield SyntheticArticle(
            id=f"syn-{number:06d}",
            title=title,
            body=" ".join(body),
            source=rng.choice(OUTLETS),
            published_at=start + timedelta(days=rng.randrange(0, 3 * 365)),
            question=question,
        )
