"""The pipeline a user would build from the LangChain RAG tutorial, measured like newsbot.

RecursiveCharacterTextSplitter(1000, 200) -> HuggingFaceEmbeddings (the same bundled
model) -> langchain-chroma `Chroma` on disk -> `similarity_search(question, k)`.
Nothing is tuned: no dates, no titles, no lexical signal, no refusals. The only additions
are timers around the steps, and `add_documents` in batches under chromadb's limit.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from retrieval.config import BUNDLED_MODEL
from retrieval.embed.embedder import resolve_model_path
from retrieval.eval.data import load_corpus, load_qrels
from retrieval.eval.metrics import dedupe, peak_memory_mb
from retrieval.eval.report import EvalReport, IngestStats, QuestionResult


class TimedEmbeddings(Embeddings):
    """Passes everything to the wrapped embeddings, adding up the time spent in documents."""

    def __init__(self, inner: Embeddings) -> None:
        self.inner = inner
        self.seconds = 0.0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        started = time.perf_counter()
        try:
            return self.inner.embed_documents(texts)
        finally:
            self.seconds += time.perf_counter() - started

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


def run_langchain(
    corpus_path: Path, qrels_path: Path, *, k: int = 10, limit: int | None = None
) -> EvalReport:
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    passages = load_corpus(corpus_path)
    questions = load_qrels(qrels_path, corpus_ids={p.id for p in passages})[:limit]

    started = time.perf_counter()
    embeddings = TimedEmbeddings(
        HuggingFaceEmbeddings(model_name=resolve_model_path(BUNDLED_MODEL))
    )
    embeddings.embed_query("warm up")
    model_load_seconds = time.perf_counter() - started

    with tempfile.TemporaryDirectory(prefix="langchain-baseline-") as tmp:
        stages: dict[str, float] = {}
        started = time.perf_counter()
        documents = [
            Document(page_content=p.body, metadata={"id": p.id, "source": p.source})
            for p in load_corpus(corpus_path)  # read again: parsing is part of the ingest
        ]
        stages["parse"] = time.perf_counter() - started
        mark = time.perf_counter()
        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        splits = splitter.split_documents(documents)
        stages["chunk"] = time.perf_counter() - mark
        mark = time.perf_counter()
        client = chromadb.PersistentClient(tmp, ChromaSettings(anonymized_telemetry=False))
        store = Chroma("langchain-baseline", embedding_function=embeddings, client=client)
        batch = client.get_max_batch_size()
        for start in range(0, len(splits), batch):
            store.add_documents(splits[start : start + batch])
        stages["embed"] = embeddings.seconds
        stages["store"] = time.perf_counter() - mark - embeddings.seconds
        ingest_seconds = time.perf_counter() - started

        results = []
        for question in questions:
            asked = time.perf_counter()
            found = store.similarity_search(question.question, k=k)
            latency_ms = (time.perf_counter() - asked) * 1000
            ranking = dedupe(str(doc.metadata["id"]) for doc in found)
            results.append(QuestionResult(question.uid, question.gold, ranking, None, latency_ms))

    return EvalReport(
        system="langchain",
        backend="torch",
        model=BUNDLED_MODEL,
        corpus=str(corpus_path),
        qrels=str(qrels_path),
        ingest=IngestStats(
            passages=len(documents),
            chunks=len(splits),
            seconds=ingest_seconds,
            stage_seconds=stages,
        ),  # fmt: skip
        results=results,
        model_load_seconds=model_load_seconds,
        peak_memory_mb=peak_memory_mb(),
        top_k=k,
    )
