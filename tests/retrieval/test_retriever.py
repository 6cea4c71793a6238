"""Engine.as_retriever: newsbot's search inside LangChain, on the real engine."""

from __future__ import annotations

from datetime import date

import pytest
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import RunnableLambda

from retrieval.engine import Engine, space_for_guild
from tests import stories


@pytest.fixture
def filled(engine: Engine) -> Engine:
    engine.ingest_articles(stories.ALL)
    return engine


def test_documents_carry_the_passage_and_its_article(filled: Engine) -> None:
    retriever = filled.as_retriever(as_of=date(2026, 3, 20), k=3)
    assert isinstance(retriever, BaseRetriever)

    docs = retriever.invoke("Who leads the dockers' union?")

    assert 1 <= len(docs) <= 3
    top = docs[0]
    assert "Ilse Marrow" in top.page_content
    assert top.metadata["article_id"] == stories.PORT_STRIKE.id
    assert top.metadata["chunk_id"] in {c.id for c in filled.store.iter_chunks("shared")}
    assert top.metadata["title"] == "Velmora dock workers end nine-day strike"
    assert top.metadata["source"] == "Harbor Gazette"
    assert top.metadata["url"] == "https://harborgazette.example/velmora-strike-ends"
    assert top.metadata["published_at"] == "2026-03-12"
    scores = [d.metadata["score"] for d in docs]
    assert scores == sorted(scores, reverse=True) and isinstance(scores[0], float)


def test_the_same_passages_as_engine_search(filled: Engine) -> None:
    question = "How many homes lost power in the storm?"
    docs = filled.as_retriever(as_of=date(2026, 3, 20)).invoke(question)
    passages = filled.search(question, as_of=date(2026, 3, 20))
    assert passages
    assert [d.page_content for d in docs] == [p.chunk.text for p in passages]


def test_later_articles_are_not_seen_as_of_an_earlier_day(filled: Engine) -> None:
    question = "Why did the Velmora dockers walk out again?"
    later = filled.as_retriever(as_of=date(2026, 4, 5)).invoke(question)
    earlier = filled.as_retriever(as_of=date(2026, 3, 20)).invoke(question)
    assert stories.PORT_STRIKE_RESUMES.id in {d.metadata["article_id"] for d in later}
    assert earlier
    assert stories.PORT_STRIKE_RESUMES.id not in {d.metadata["article_id"] for d in earlier}


def test_only_the_given_spaces_are_searched(filled: Engine) -> None:
    guild = space_for_guild(7)
    assert filled.as_retriever(spaces=[guild]).invoke("Who leads the dockers' union?") == []
    filled.ingest_articles([stories.TRAM_VOTE], space=guild)
    docs = filled.as_retriever(spaces=[guild], as_of=date(2026, 3, 1)).invoke("tram line cost")
    assert docs and {d.metadata["article_id"] for d in docs} == {stories.TRAM_VOTE.id}


async def test_it_composes_in_a_chain(filled: Engine) -> None:
    retriever = filled.as_retriever(as_of=date(2026, 3, 20), k=2)
    titles = retriever | RunnableLambda(lambda docs: [d.metadata["title"] for d in docs])
    found = await titles.ainvoke("Which highways were closed?")
    assert found and found[0] == "Storm Ardent closes northern highways"
    docs = await retriever.ainvoke("storm")
    assert docs and all(isinstance(d, Document) for d in docs)
