"""Which sentences the extractive answerer shortlists for embedding, in which order."""

from __future__ import annotations

import pytest

from retrieval.answer.extractive import ExtractiveAnswerer, ExtractiveConfig
from retrieval.embed.embedder import Embedder
from retrieval.ingest.chunking import chunk_article
from retrieval.records import Passage
from tests.conftest import make_article

QUESTION = "When will the Lisk harbour pilots strike?"  # focus: lisk, harbour, pilot, strike


def passages(*bodies: str) -> list[Passage]:
    """One passage per fictional article, ranked in the order given."""
    articles = [make_article(f"Estuary bulletin {n}", body) for n, body in enumerate(bodies)]
    return [
        Passage(chunk=chunk_article(a)[0], score=0.5, rank=rank)
        for rank, a in enumerate(articles, 1)
    ]


def shortlisted(embedder: Embedder, found: list[Passage], size: int) -> list[str]:
    answerer = ExtractiveAnswerer(embedder, ExtractiveConfig(shortlist=size))
    return [c.text for c in answerer.score(QUESTION, found).candidates]


def test_the_questions_words_decide_before_the_lede_and_the_search_rank(
    embedder: Embedder,
) -> None:
    found = passages(
        "Fog closed the Lisk estuary to shipping on Monday morning. Ferries stayed in port.",
        "The tide tables were printed early this year. "
        "The Lisk harbour pilots will strike on Friday over night shifts.",
    )
    assert shortlisted(embedder, found, 1) == [
        "The Lisk harbour pilots will strike on Friday over night shifts."
    ]


def test_among_sentences_as_close_in_words_the_lede_and_the_top_passage_come_first(
    embedder: Embedder,
) -> None:
    found = passages(
        "Lisk pilots met the port board on Tuesday evening. "
        "Lisk pilots said the talks would resume next week.",
        "Tugboat crews in Lisk backed the pilots on Wednesday. "
        "The Lisk pilots thanked the tugboat crews for their support.",
    )
    assert shortlisted(embedder, found, 4) == [
        "Lisk pilots met the port board on Tuesday evening.",  # lede, top passage
        "Tugboat crews in Lisk backed the pilots on Wednesday.",  # lede
        "Lisk pilots said the talks would resume next week.",  # top passage
        "The Lisk pilots thanked the tugboat crews for their support.",
    ]


@pytest.mark.parametrize("size", [1, 3])
def test_the_shortlist_keeps_at_most_its_size(embedder: Embedder, size: int) -> None:
    body = " ".join(f"The Lisk harbour pilots voted on day {n} of the talks." for n in range(5))
    assert len(shortlisted(embedder, passages(body), size)) == size


def test_only_an_articles_first_sentence_is_its_lede(embedder: Embedder) -> None:
    body = " ".join(f"Lisk pilots held meeting number {n} at the harbour hall." for n in range(30))
    article = make_article("Estuary bulletin", body)
    chunks = chunk_article(article, max_words=60, overlap=False)  # each opens anew
    assert len(chunks) > 1
    found = [Passage(chunk=c, score=0.5, rank=rank) for rank, c in enumerate(chunks, 1)]
    answerer = ExtractiveAnswerer(embedder, ExtractiveConfig(shortlist=100))
    ledes = [c.text for c in answerer.score(QUESTION, found).candidates if c.lede]
    assert ledes == ["Lisk pilots held meeting number 0 at the harbour hall."]
