"""Fixtures for the ingestion tests: the fictional fixture files and a fake web."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ARTICLES = FIXTURES / "articles"
PAGES = FIXTURES / "pages"

Route = httpx.Response | Exception
FakeWeb = Callable[[dict[str, Route]], httpx.Client]


@pytest.fixture
def fake_web() -> Iterator[FakeWeb]:
    """Make an httpx client whose requests are answered from a {url: response} table.

    A URL missing from the table gets a 404; an exception in the table is raised, as a
    real network failure would be. Requested URLs are recorded on `client.requested`.
    """
    clients: list[httpx.Client] = []

    def make(routes: dict[str, Route]) -> httpx.Client:
        requested: list[str] = []

        def handle(request: httpx.Request) -> httpx.Response:
            url = str(request.url)
            requested.append(url)
            answer = routes.get(url, httpx.Response(404))
            if isinstance(answer, Exception):
                raise answer
            return answer

        client = httpx.Client(transport=httpx.MockTransport(handle))
        client.requested = requested  # type: ignore[attr-defined]
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def html_response(path: Path, status: int = 200) -> httpx.Response:
    return httpx.Response(
        status, content=path.read_bytes(), headers={"content-type": "text/html; charset=utf-8"}
    )
