"""The chunk store: one chromadb collection per knowledge space.

Each chunk is stored with its embedding (always ours: chromadb never embeds anything
itself) and flat metadata carrying everything a citation needs. Article-level facts
(content hash, chunk count) ride on every chunk, so the store needs no second table.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from retrieval.config import BUNDLED_MODEL, Settings, is_bundled
from retrieval.errors import ConfigError
from retrieval.records import ArticleSummary, Chunk

log = logging.getLogger(__name__)

MAX_ADD_BATCH = 5000  # chromadb refuses more than 5,461 rows in one call
NO_DATE = -1  # `published_ord` of an undated chunk: passes every as-of filter
_EPOCH = date(1970, 1, 1).toordinal()


def date_ord(day: date | None) -> int:
    """Days since 1970-01-01 (chromadb filters compare numbers, not dates)."""
    return day.toordinal() - _EPOCH if day else NO_DATE


def collection_name(space: str) -> str:
    """A valid chromadb collection name for a space (3-512 of [a-zA-Z0-9._-])."""
    slug = re.sub(r"[^a-zA-Z0-9._-]+", "-", space).strip("-._") or "default"
    return f"newsbot-{slug}"[:512]


@dataclass(frozen=True, slots=True)
class StoredArticle:
    id: str
    content_hash: str
    chunks: int
    summary_only: bool = False  # only a feed entry's summary: its page could not be read


def _metadata(chunk: Chunk, n_chunks: int) -> dict[str, Any]:
    return {
        "article_id": chunk.article_id,
        "position": chunk.position,
        "start": chunk.start,
        "sentences": json.dumps(chunk.sentences, separators=(",", ":")),
        "title": chunk.title,
        "source": chunk.source,
        "url": chunk.url,
        "published_at": chunk.published_at.isoformat() if chunk.published_at else "",
        "published_ord": date_ord(chunk.published_at),
        "content_hash": chunk.content_hash,
        "n_chunks": n_chunks,
        "summary_only": chunk.summary_only,
    }


def _summary(meta: dict[str, Any], space: str) -> ArticleSummary:
    published = meta.get("published_at") or ""
    return ArticleSummary(
        id=str(meta["article_id"]),
        title=str(meta.get("title", "")),
        source=str(meta.get("source", "")),
        url=str(meta.get("url", "")),
        published_at=date.fromisoformat(str(published)) if published else None,
        chunks=int(meta["n_chunks"]),
        space=space,
    )


def chunk_from_record(chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
    published = meta.get("published_at") or ""
    return Chunk(
        id=chunk_id,
        article_id=str(meta["article_id"]),
        position=int(meta["position"]),
        text=text,
        start=int(meta["start"]),
        sentences=tuple((int(a), int(b)) for a, b in json.loads(str(meta["sentences"]))),
        title=str(meta.get("title", "")),
        source=str(meta.get("source", "")),
        url=str(meta.get("url", "")),
        published_at=date.fromisoformat(str(published)) if published else None,
        content_hash=str(meta.get("content_hash", "")),
        summary_only=bool(meta.get("summary_only", False)),
    )


def open_client(settings: Settings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        try:
            return chromadb.HttpClient(
                host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
            )
        except Exception as exc:  # chromadb raises several kinds when the server is down
            raise ConfigError(
                f"Cannot reach the chromadb server at "
                f"{settings.chroma_host}:{settings.chroma_port}: {exc}"
            ) from exc
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)


def model_key(name: str) -> str:
    """The name a model's vectors are recorded under (the bundled one has two spellings)."""
    return BUNDLED_MODEL if is_bundled(name) else name


class Store:
    def __init__(self, settings: Settings, client: Any | None = None) -> None:
        self._client = client if client is not None else open_client(settings)
        self._collections: dict[str, Any] = {}
        self._model = model_key(settings.embedding_model)
        self._written: dict[str, str] = {}

    def _vectors_of(self, space: str, collection: Any) -> Any:
        """The collection, once sure its vectors come from the configured model."""
        stored = (collection.metadata or {}).get("embedding_model")
        if stored and stored != self._model:
            raise ConfigError(
                f"The articles of {space!r} were embedded with {stored}, but "
                f"NEWSBOT_EMBEDDING_MODEL is {self._model}; vectors of different models "
                f"can't be compared. Set it back, or use a new NEWSBOT_DATA_DIR and ingest again."
            )
        return collection

    def _collection(self, space: str) -> Any | None:
        """The space's collection, or None while nothing was ever stored in it."""
        if space not in self._collections:
            try:
                self._collections[space] = self._client.get_collection(
                    collection_name(space), embedding_function=None
                )
            except Exception:  # chromadb: NotFoundError or ValueError, by version
                return None
        return self._collections[space]

    def _create_collection(self, space: str) -> Any:
        if space not in self._collections:
            self._collections[space] = self._client.get_or_create_collection(
                collection_name(space),
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"embedding_model": self._model},
                embedding_function=None,
            )
        return self._vectors_of(space, self._collections[space])

    def count(self, space: str) -> int:
        collection = self._collection(space)
        return int(collection.count()) if collection is not None else 0

    def version(self, space: str) -> str:
        """Changes whenever any process writes to the space: its chunk count, and the
        generation the last write left in the collection's metadata (read afresh)."""
        try:
            collection = self._client.get_collection(
                collection_name(space), embedding_function=None
            )
        except Exception:  # chromadb: NotFoundError or ValueError, by version
            return "none"
        return f"{collection.count()}:{(collection.metadata or {}).get('generation', '')}"

    def written_version(self, space: str) -> str | None:
        """The version this store's own last write left (None before any)."""
        return self._written.get(space)

    def _wrote(self, space: str, collection: Any) -> None:
        generation = uuid.uuid4().hex
        collection.modify(metadata={**(collection.metadata or {}), "generation": generation})
        self._written[space] = f"{collection.count()}:{generation}"

    def stored_articles(self, space: str) -> dict[str, StoredArticle]:
        """Every article in a space, by id (read from each article's first chunk)."""
        collection = self._collection(space)
        if collection is None:
            return {}
        rows = collection.get(where={"position": 0}, include=["metadatas"])
        return {
            str(meta["article_id"]): StoredArticle(
                str(meta["article_id"]),
                str(meta["content_hash"]),
                int(meta["n_chunks"]),
                bool(meta.get("summary_only", False)),
            )
            for meta in rows["metadatas"] or []
        }

    def add_chunks(self, space: str, chunks: Sequence[Chunk], embeddings: np.ndarray) -> None:
        """Add the chunks of whole articles (every chunk of each article must be here)."""
        if not chunks:
            return
        collection = self._create_collection(space)
        per_article: dict[str, int] = {}
        for chunk in chunks:
            per_article[chunk.article_id] = per_article.get(chunk.article_id, 0) + 1
        for begin in range(0, len(chunks), MAX_ADD_BATCH):
            batch = chunks[begin : begin + MAX_ADD_BATCH]
            collection.upsert(
                ids=[c.id for c in batch],
                embeddings=embeddings[begin : begin + MAX_ADD_BATCH],
                documents=[c.text for c in batch],
                metadatas=[_metadata(c, per_article[c.article_id]) for c in batch],
            )
        self._wrote(space, collection)

    def delete_article(
        self, space: str, article_id: str, *, keep_hash: str | None = None
    ) -> list[str]:
        """Delete an article's chunks (those of other versions only, with `keep_hash`);
        returns the ids of the chunks deleted."""
        collection = self._collection(space)
        if collection is None:
            return []
        where: dict[str, Any] = {"article_id": article_id}
        if keep_hash is not None:
            where = {"$and": [where, {"content_hash": {"$ne": keep_hash}}]}
        ids = collection.get(where=where, include=[])["ids"]
        if ids:
            collection.delete(ids=ids)
            self._wrote(space, collection)
        return list(ids)

    def summaries(self, space: str, article_id: str | None = None) -> list[ArticleSummary]:
        """Every article of a space (or the one with `article_id`), from its first chunk."""
        collection = self._collection(space)
        if collection is None:
            return []
        where: dict[str, Any] = {"position": 0}
        if article_id is not None:
            where = {"$and": [where, {"article_id": article_id}]}
        rows = collection.get(where=where, include=["metadatas"])
        return [_summary(meta, space) for meta in rows["metadatas"] or []]

    def iter_chunks(self, space: str) -> Iterator[Chunk]:
        for rows in self._pages(space, ["documents", "metadatas"]):
            for chunk_id, text, meta in zip(
                rows["ids"], rows["documents"], rows["metadatas"], strict=True
            ):
                yield chunk_from_record(chunk_id, text, meta)

    def record_pages(self, space: str) -> Iterator[tuple[list[Chunk], np.ndarray]]:
        """Every chunk of a space with its stored vector, a page at a time."""
        for rows in self._pages(space, ["documents", "metadatas", "embeddings"]):
            chunks = [
                chunk_from_record(chunk_id, text, meta)
                for chunk_id, text, meta in zip(
                    rows["ids"], rows["documents"], rows["metadatas"], strict=True
                )
            ]
            yield chunks, np.asarray(rows["embeddings"], dtype=np.float32)

    def nearest(self, space: str, vector: np.ndarray, k: int, max_day: int | None) -> list[str]:
        """The ids of about the `k` chunks nearest `vector` by chromadb's approximate (HNSW)
        index, published by `max_day` (or undated)."""
        collection = self._collection(space)
        if collection is None:
            return []
        where = {"published_ord": {"$lte": max_day}} if max_day is not None else None
        rows = collection.query(
            query_embeddings=[vector.tolist()], n_results=k, where=where, include=[]
        )
        return [str(cid) for cid in rows["ids"][0]]

    def _pages(self, space: str, include: list[str], size: int = 5000) -> Iterator[Any]:
        """All rows, a page of ids at a time (paging by offset instead makes chromadb
        scan from the start again for every page)."""
        collection = self._collection(space)
        if collection is None:
            return
        if "embeddings" in include:
            self._vectors_of(space, collection)
        ids = collection.get(include=[])["ids"]
        for begin in range(0, len(ids), size):
            yield collection.get(ids=ids[begin : begin + size], include=include)
