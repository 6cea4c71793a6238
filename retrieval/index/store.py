"""The chunk store: one chromadb collection per knowledge space.

Each chunk is stored with its embedding (always ours: chromadb never embeds anything
itself) and flat metadata carrying everything a citation needs. Article-level facts
(content hash, chunk count) ride on every chunk, so the store needs no second table.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from retrieval.config import BUNDLED_MODEL, Settings, is_bundled
from retrieval.errors import ConfigError
from retrieval.index import changes as change_log
from retrieval.index.connection import Connection, reachable
from retrieval.index.server import write_lock
from retrieval.records import ArticleSummary, Chunk

log = logging.getLogger(__name__)

MAX_ADD_BATCH = 5000  # chromadb refuses more than 5,461 rows in one call
PAGE_SIZE = 5000  # rows per read: one query with every id fails past ~32,000 (SQL variables)
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


def _metadata(chunk: Chunk, n_chunks: int, stored_at: float) -> dict[str, Any]:
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
        "stored_at": stored_at,  # which of two versions an interrupted update left is newer
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


def model_key(name: str) -> str:
    """The name a model's vectors are recorded under (the bundled one has two spellings)."""
    return BUNDLED_MODEL if is_bundled(name) else name


class Store:
    """One chromadb collection per space. `page_size` bounds every read of many rows."""

    def __init__(
        self, settings: Settings, client: Any | None = None, *, page_size: int = PAGE_SIZE
    ) -> None:
        self._connection = Connection(settings)
        self._given_client = client is not None
        self._opened: Any | None = client
        self._data_dir = settings.data_dir
        self._collections: dict[str, Any] = {}
        self._model = model_key(settings.embedding_model)
        self._written: dict[str, tuple[int, int]] = {}
        self._conflicts: dict[str, set[str]] = {}
        self.page_size = page_size

    @property
    def _client(self) -> Any:
        if self._opened is None:
            self._opened = self._connection.open()
        return self._opened

    def _lost(self) -> None:
        """The connection failed: open it afresh on the next call."""
        self._collections.clear()
        if not self._given_client:
            self._opened = None

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

    def _fresh(self, space: str) -> Any | None:
        """The space's collection as the store has it now (None: nothing stored yet)."""
        from chromadb.errors import NotFoundError

        try:
            return self._client.get_collection(collection_name(space), embedding_function=None)
        except NotFoundError:
            return None

    def _collection(self, space: str) -> Any | None:
        """The space's collection, or None while nothing was ever stored in it."""
        if space not in self._collections:
            found = self._fresh(space)
            if found is None:
                return None
            self._collections[space] = found
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

    @reachable
    def count(self, space: str) -> int:
        collection = self._collection(space)
        return int(collection.count()) if collection is not None else 0

    @reachable
    def version(self, space: str) -> int:
        """The number of the last write to the space by any process (read afresh: one
        lookup, whatever the size of the space)."""
        collection = self._fresh(space)
        return change_log.sequence(collection) if collection is not None else 0

    def written_version(self, space: str) -> tuple[int, int] | None:
        """The versions before and after this store's own last write (None before any)."""
        return self._written.get(space)

    @reachable
    def changes(self, space: str, known: int, current: int) -> change_log.Changes | None:
        """The chunk ids the writes after version `known` up to `current` added or
        removed (None when the log no longer goes back that far)."""
        return change_log.changes_between(self._client, collection_name(space), known, current)

    def _write(self, space: str, added: list[str], removed: list[str]) -> contextlib.ExitStack:
        """Record a write's change (an intent until the write is done), under the lock."""
        stack = contextlib.ExitStack()
        stack.enter_context(write_lock(self._data_dir))
        try:
            collection = self._fresh(space)
            before = change_log.sequence(collection) if collection is not None else 0
            name = collection_name(space)
            change_log.record_intent(self._client, name, before + 1, added, removed)
        except BaseException:
            stack.close()
            raise

        def done() -> None:
            current = self._fresh(space)
            if current is not None:
                current.modify(
                    metadata={**(current.metadata or {}), change_log.SEQ_KEY: before + 1}
                )
                self._written[space] = (before, before + 1)

        stack.callback(done)
        return stack

    @reachable
    def stored_articles(self, space: str) -> dict[str, StoredArticle]:
        """Every article in a space, by id (read from each article's first chunk). An
        article stored in two versions (an interrupted update) is noted for `heal`."""
        found: dict[str, StoredArticle] = {}
        conflicts: set[str] = set()
        for meta in self._first_chunks(space):
            article = StoredArticle(
                str(meta["article_id"]),
                str(meta["content_hash"]),
                int(meta["n_chunks"]),
                bool(meta.get("summary_only", False)),
            )
            earlier = found.get(article.id)
            if earlier is not None and earlier.content_hash != article.content_hash:
                conflicts.add(article.id)
            found[article.id] = article
        self._conflicts[space] = conflicts
        return found

    @reachable
    def heal(self, space: str, stored: dict[str, StoredArticle]) -> list[str]:
        """Remove the versions an interrupted update left beside an article's newest
        complete version (updating `stored`); returns the chunk ids removed."""
        removed: list[str] = []
        for article_id in sorted(self._conflicts.pop(space, set())):
            collection = self._collection(space)
            assert collection is not None
            rows = collection.get(where={"article_id": article_id}, include=["metadatas"])
            versions: dict[str, list[tuple[str, dict[str, Any]]]] = {}
            for chunk_id, meta in zip(rows["ids"], rows["metadatas"] or [], strict=True):
                versions.setdefault(str(meta["content_hash"]), []).append((chunk_id, meta))

            def rank(item: tuple[str, list[tuple[str, dict[str, Any]]]]) -> tuple[bool, float]:
                chunks = item[1]
                complete = len(chunks) == int(chunks[0][1]["n_chunks"])
                return complete, max(float(m.get("stored_at", 0.0)) for _, m in chunks)

            keep, chunks = max(versions.items(), key=rank)
            first = min(chunks, key=lambda pair: int(pair[1]["position"]))[1]
            complete = rank((keep, chunks))[0]
            stored[article_id] = StoredArticle(
                article_id, keep if complete else "", int(first["n_chunks"]),
                bool(first.get("summary_only", False)),
            )  # fmt: skip
            removed += self.delete_article(space, article_id, keep_hash=keep)
            log.warning("removed %d stale chunks of article %s (an interrupted update)",
                        len(removed), article_id)  # fmt: skip
        return removed

    def _first_chunks(self, space: str, article_id: str | None = None) -> Iterator[dict[str, Any]]:
        """The metadata of each article's first chunk, a page at a time."""
        collection = self._collection(space)
        if collection is None:
            return
        if article_id is not None:
            where = {"$and": [{"position": 0}, {"article_id": article_id}]}
            yield from collection.get(where=where, include=["metadatas"])["metadatas"] or []
            return
        # Pages by id: a filter on `position` costs a scan per page (at 100,000 articles,
        # 20 s by offset pages against 7 s this way). Chunk ids end in ":<position>".
        ids = [i for i in collection.get(include=[])["ids"] if i.endswith(":0")]
        for begin in range(0, len(ids), self.page_size):
            rows = collection.get(ids=ids[begin : begin + self.page_size], include=["metadatas"])
            yield from (meta for meta in rows["metadatas"] or [] if int(meta["position"]) == 0)

    @reachable
    def add_chunks(self, space: str, chunks: Sequence[Chunk], embeddings: np.ndarray) -> None:
        """Add the chunks of whole articles (every chunk of each article must be here)."""
        if not chunks:
            return
        collection = self._create_collection(space)
        per_article: dict[str, int] = {}
        for chunk in chunks:
            per_article[chunk.article_id] = per_article.get(chunk.article_id, 0) + 1
        stored_at = time.time()
        with self._write(space, [c.id for c in chunks], []):
            for begin in range(0, len(chunks), MAX_ADD_BATCH):
                batch = chunks[begin : begin + MAX_ADD_BATCH]
                collection.upsert(
                    ids=[c.id for c in batch],
                    embeddings=embeddings[begin : begin + MAX_ADD_BATCH],
                    documents=[c.text for c in batch],
                    metadatas=[_metadata(c, per_article[c.article_id], stored_at) for c in batch],
                )

    @reachable
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
        ids = list(collection.get(where=where, include=[])["ids"])
        if ids:
            with self._write(space, [], ids):
                for begin in range(0, len(ids), self.page_size):
                    collection.delete(ids=ids[begin : begin + self.page_size])
        return ids

    @reachable
    def summaries(self, space: str, article_id: str | None = None) -> list[ArticleSummary]:
        """Every article of a space (or the one with `article_id`), from its first chunk."""
        return [_summary(meta, space) for meta in self._first_chunks(space, article_id)]

    def iter_chunks(self, space: str) -> Iterator[Chunk]:
        for rows in self._pages(space, ["documents", "metadatas"]):
            for chunk_id, text, meta in zip(
                rows["ids"], rows["documents"], rows["metadatas"], strict=True
            ):
                yield chunk_from_record(chunk_id, text, meta)

    def record_pages(
        self, space: str, ids: Sequence[str] | None = None
    ) -> Iterator[tuple[list[Chunk], np.ndarray]]:
        """Every chunk of a space (or those of `ids` still stored) with its stored vector,
        a page at a time."""
        for rows in self._pages(space, ["documents", "metadatas", "embeddings"], ids):
            chunks = [
                chunk_from_record(chunk_id, text, meta)
                for chunk_id, text, meta in zip(
                    rows["ids"], rows["documents"], rows["metadatas"], strict=True
                )
            ]
            yield chunks, np.asarray(rows["embeddings"], dtype=np.float32).reshape(len(chunks), -1)

    @reachable
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

    def _pages(
        self, space: str, include: list[str], ids: Sequence[str] | None = None
    ) -> Iterator[Any]:
        """All rows (or those of `ids`), a page of ids at a time (paging by offset instead
        makes chromadb scan from the start again for every page)."""
        collection = reachable(Store._collection)(self, space)
        if collection is None:
            return
        if "embeddings" in include:
            self._vectors_of(space, collection)
        if ids is None:
            ids = reachable(lambda _: collection.get(include=[])["ids"])(self)
        size = self.page_size
        for begin in range(0, len(ids), size):
            page = list(ids[begin : begin + size])
            yield reachable(lambda _, page=page: collection.get(ids=page, include=include))(self)
