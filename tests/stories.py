"""Fictional news stories for engine tests (invented places, people and outlets)."""

from __future__ import annotations

from datetime import date

from tests.conftest import make_article

PORT_STRIKE = make_article(
    "Velmora dock workers end nine-day strike",
    """Dock workers at the Port of Velmora returned to work on Thursday after a nine-day strike.

The dockers' union, led by Ilse Marrow, accepted a pay rise of 6 percent over two years.

The Velmora Port Authority denied reports that it planned to sell the container terminal to a private operator.

Shipping lines said the backlog of 140 vessels would take about three weeks to clear.""",
    source="Harbor Gazette",
    published_at=date(2026, 3, 12),
    url="https://harborgazette.example/velmora-strike-ends",
)

PORT_STRIKE_WIRE = make_article(
    "Strike at Velmora port is over",
    """The nine-day strike at the Port of Velmora ended on Thursday when dock workers went back to work.

The Velmora Port Authority denied reports that it planned to sell the container terminal to a private operator.

Union leader Ilse Marrow called the agreement a fair deal for families on the waterfront.""",
    source="Coastal Ledger",
    published_at=date(2026, 3, 12),
    url="https://coastalledger.example/2026/03/12/velmora",
)

PORT_STRIKE_RESUMES = make_article(
    "Velmora dockers walk out again",
    """Dock workers at the Port of Velmora walked out again on Monday, three weeks after ending their last strike.

Ilse Marrow said the port authority had broken its promise on night-shift staffing.

The port authority said it would meet the union on Wednesday.""",
    source="Harbor Gazette",
    published_at=date(2026, 4, 2),
    url="https://harborgazette.example/velmora-walkout",
)

TRAM_VOTE = make_article(
    "Brenholt council approves northern tram line",
    """Brenholt city council voted 31 to 12 on Tuesday to build a tram line to the northern suburbs.

Mayor Teodor Vask said the first trams would run in 2029.

The line will cost 410 million crowns, paid partly by a regional transport fund.

Opposition councillor Mira Okonjo argued that buses would serve the suburbs more cheaply.""",
    source="Brenholt Courier",
    published_at=date(2026, 2, 3),
    url="https://brenholtcourier.example/tram-vote",
)

STORM = make_article(
    "Storm Ardent closes northern highways",
    """Storm Ardent brought winds of up to 130 kilometres per hour to the northern coast on Sunday.

The roads agency closed the A4 and A9 highways after trees fell across both carriageways.

About 22,000 homes lost power, according to the grid operator Nordlys Energi.""",
    source="Northern Post",
    published_at=date(2026, 1, 18),
    url="https://northernpost.example/storm-ardent",
)

ALL = [PORT_STRIKE, PORT_STRIKE_WIRE, PORT_STRIKE_RESUMES, TRAM_VOTE, STORM]
