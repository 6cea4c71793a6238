"""newsbot's search as a LangChain retriever, for use in any LangChain chain.

    retriever = engine.as_retriever(as_of=date(2026, 3, 9), k=4)
    for doc in retriever.invoke("who agreed to end the strike?"):
        print(doc.metadata["title"], doc.metadata["score"], doc.page_content)

Each `Document` is one passage: `page_content` is its text, verbatim; `metadata` holds
`article_id`, `chunk_id`, `title`, `source`, `url`, `published_at` (ISO date or None)
and `score`, the hybrid, time-aware search score.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from retrieval.records import SHARED_SPACE, Passage

# What the retriever calls: `Engine.search(query, spaces=..., as_of=..., k=...)`.
SearchFunction = Callable[..., list[Passage]]


def passage_document(passage: Passage) -> Document:
    """One passage as a LangChain `Document`."""
    chunk = passage.chunk
    return Document(
        page_content=chunk.text,
        id=chunk.id,
        metadata={
            "article_id": chunk.article_id,
            "chunk_id": chunk.id,
            "title": chunk.title,
            "source": chunk.source,
            "url": chunk.url,
            "published_at": chunk.published_at.isoformat() if chunk.published_at else None,
            "score": passage.score,
        },
    )


class NewsRetriever(BaseRetriever):
    """Hybrid BM25 + dense, time-aware search over some spaces, as of a day.

    `as_of=None` means the day of each call; `k=None` the engine's `NEWSBOT_TOP_K`.
    """

    search: SearchFunction
    spaces: tuple[str, ...] = (SHARED_SPACE,)  # a list is taken as a tuple
    as_of: date | None = None
    k: int | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        passages = self.search(query, spaces=self.spaces, as_of=self.as_of, k=self.k)
        return [passage_document(p) for p in passages]
