"""The chunk store: one chromadb collection per knowledge space.

Each chunk is stored with its embedding (always ours: chromadb never embeds anything
itself) and flat metadata carrying everything a citation needs. Article-level facts
(content hash, chunk count) ride on every chunk, so the store needs no second table.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from types import TracebackType
from typing import Any

import numpy as np

from retrieval.config import BUNDLED_MODEL, Settings, is_bundled
from retrieval.errors import ConfigError
from retrieval.index import changes as change_log
from retrieval.index.catalog import Catalog, Transaction, Version
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


def _version(chunk_id: str, meta: dict[str, Any]) -> Version:
    """The catalog's row for the article version whose first chunk this is."""
    return Version(
        first_chunk=chunk_id,
        article_id=str(meta["article_id"]),
        content_hash=str(meta.get("content_hash", "")),
        chunks=int(meta["n_chunks"]),
        summary_only=bool(meta.get("summary_only", False)),
        title=str(meta.get("title", "")),
        source=str(meta.get("source", "")),
        url=str(meta.get("url", "")),
        published_ord=int(meta.get("published_ord", NO_DATE)),
        stored_at=float(meta.get("stored_at", 0.0)),
    )


def _summary(version: Version, space: str) -> ArticleSummary:
    day = version.published_ord
    return ArticleSummary(
        id=version.article_id,
        title=version.title,
        source=version.source,
        url=version.url,
        published_at=date.fromordinal(day + _EPOCH) if day != NO_DATE else None,
        chunks=version.chunks,
        space=space,
    )


def _stored(version: Version) -> StoredArticle:
    return StoredArticle(
        version.article_id, version.content_hash, version.chunks, version.summary_only
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
        self._catalog = Catalog(settings.data_dir)
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

    def _write(
        self,
        space: str,
        added: list[str],
        removed: list[str],
        catalog: Callable[[Transaction], None],
    ) -> contextlib.ExitStack:
        """Record a write's change (an intent until the write is done), under the lock;
        when it is done, `catalog` brings the article catalog along in the same step."""
        stack = contextlib.ExitStack()
        stack.enter_context(write_lock(self._data_dir))
        try:
            collection = self._fresh(space)
            before = change_log.sequence(collection) if collection is not None else 0
            if collection is not None:
                self._catch_up(space, collection)
            name = collection_name(space)
            taken_over = change_log.record_intent(self._client, name, before + 1, added, removed)
        except BaseException:
            stack.close()
            raise

        def done(
            kind: type[BaseException] | None, _: BaseException | None, __: TracebackType | None
        ) -> None:
            current = self._fresh(space)
            if current is None:
                return
            current.modify(metadata={**(current.metadata or {}), change_log.SEQ_KEY: before + 1})
            self._written[space] = (before, before + 1)
            with self._catalog.change(name) as tx:
                self._reread(tx, current, sorted(taken_over.added), sorted(taken_over.removed))
                if kind is None:
                    catalog(tx)
                else:  # failed part way: the catalog takes what the store holds now
                    self._reread(tx, current, added, removed)
                tx.done(before + 1)

        stack.push(done)
        return stack

    def _reread(
        self, tx: Transaction, collection: Any, added: Sequence[str], removed: Sequence[str]
    ) -> None:
        """Bring the catalog's versions for these chunk ids in line with the store."""
        tx.remove(list(added) + list(removed))
        for begin in range(0, len(added), self.page_size):
            rows = collection.get(ids=list(added[begin : begin + self.page_size]),
                                  include=["metadatas"])  # fmt: skip
            tx.add(
                _version(cid, meta)
                for cid, meta in zip(rows["ids"], rows["metadatas"] or [], strict=True)
                if int(meta["position"]) == 0
            )

    def _catch_up(self, space: str, collection: Any) -> None:
        """Under the write lock: apply the writes the catalog missed (a writer killed
        between the store and the catalog), or build it from the store's first chunks
        when the change log does not reach back (a data dir from before the catalog)."""
        name = collection_name(space)
        current = change_log.sequence(collection)
        known = self._catalog.seq(name)
        if known == current:
            return
        changes = None
        if known is not None:
            changes = change_log.changes_between(self._client, name, known, current)
        with self._catalog.change(name) as tx:
            if changes is not None:
                self._reread(tx, collection, sorted(changes.added), sorted(changes.removed))
            else:
                log.info("building the article catalog of %s from the store", space)
                tx.clear()
                firsts = list(collection.get(where={"position": 0}, include=[])["ids"])
                self._reread(tx, collection, firsts, [])
            tx.done(current)

    @reachable
    def catch_up(self, space: str) -> None:
        """Make the article catalog hold every write to the space (one number read when it
        does: every writer updates it); catalog lookups are as of the last call or write."""
        collection = self._fresh(space)
        known = self._catalog.seq(collection_name(space))
        current = change_log.sequence(collection) if collection is not None else None
        if known == current or (collection is None and known is None):
            return
        with write_lock(self._data_dir):
            collection = self._fresh(space)
            if collection is not None:
                self._catch_up(space, collection)
                return
            with self._catalog.change(collection_name(space)) as tx:  # the space was dropped
                tx.clear()
                tx.done(0)

    def stored(self, space: str, article_ids: Sequence[str]) -> dict[str, StoredArticle]:
        """Those of the articles that are stored, by id (an article stored in two versions,
        an interrupted update, as its newer one until `heal`)."""
        versions = self._catalog.by_article(collection_name(space), article_ids)
        return {v.article_id: _stored(v) for v in sorted(versions, key=lambda v: v.stored_at)}

    def stored_hashes(self, space: str, hashes: Sequence[str]) -> set[str]:
        """Those of the content hashes some stored article has."""
        return self._catalog.stored_hashes(collection_name(space), hashes)

    @reachable
    def heal(self, space: str) -> list[str]:
        """Remove the versions an interrupted update left beside an article's newest
        complete version; returns the chunk ids removed."""
        removed: list[str] = []
        name = collection_name(space)
        for article_id in self._catalog.conflicts(name):
            collection = self._collection(space)
            assert collection is not None
            rows = collection.get(where={"article_id": article_id}, include=["metadatas"])
            versions: dict[str, list[tuple[str, dict[str, Any]]]] = {}
            for chunk_id, meta in zip(rows["ids"], rows["metadatas"] or [], strict=True):
                versions.setdefault(str(meta["content_hash"]), []).append((chunk_id, meta))
            if not versions:
                continue

            def rank(item: tuple[str, list[tuple[str, dict[str, Any]]]]) -> tuple[bool, float]:
                chunks = item[1]
                complete = len(chunks) == int(chunks[0][1]["n_chunks"])
                return complete, max(float(m.get("stored_at", 0.0)) for _, m in chunks)

            keep, chunks = max(versions.items(), key=rank)
            removed += self.delete_article(space, article_id, keep_hash=keep)
            if not rank((keep, chunks))[0]:  # no complete version: the next ingest stores it
                first_id, first = min(chunks, key=lambda pair: int(pair[1]["position"]))
                with write_lock(self._data_dir), self._catalog.change(name) as tx:
                    tx.add([dataclasses.replace(_version(first_id, first), content_hash="")])
            log.warning("removed %d stale chunks of article %s (an interrupted update)",
                        len(removed), article_id)  # fmt: skip
        return removed

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
        metadatas = [_metadata(c, per_article[c.article_id], stored_at) for c in chunks]
        pairs = zip(chunks, metadatas, strict=True)
        firsts = [_version(c.id, meta) for c, meta in pairs if c.position == 0]
        with self._write(space, [c.id for c in chunks], [], lambda tx: tx.add(firsts)):
            for begin in range(0, len(chunks), MAX_ADD_BATCH):
                batch = chunks[begin : begin + MAX_ADD_BATCH]
                collection.upsert(
                    ids=[c.id for c in batch],
                    embeddings=embeddings[begin : begin + MAX_ADD_BATCH],
                    documents=[c.text for c in batch],
                    metadatas=metadatas[begin : begin + MAX_ADD_BATCH],
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
            with self._write(space, [], ids, lambda tx: tx.remove(ids)):
                for begin in range(0, len(ids), self.page_size):
                    collection.delete(ids=ids[begin : begin + self.page_size])
        return ids

    def article(self, space: str, article_id: str) -> ArticleSummary | None:
        """The stored article with this id (its newer version, if two), or None."""
        versions = self._catalog.by_article(collection_name(space), [article_id])
        newest = max(versions, key=lambda v: v.stored_at, default=None)
        return _summary(newest, space) if newest is not None else None

    def articles(
        self, spaces: Sequence[str], offset: int, limit: int
    ) -> tuple[list[ArticleSummary], int]:
        """Up to `limit` articles of the spaces from `offset` on, newest first (then by
        title), and how many there are in all: each version of an article stored twice."""
        by_name = {collection_name(space): space for space in spaces}
        found, total = self._catalog.page(list(by_name), offset, limit)
        return [_summary(version, by_name[name]) for name, version in found], total

    def find_articles(self, spaces: Sequence[str], text: str, limit: int) -> list[ArticleSummary]:
        """Up to `limit` articles whose id, title or outlet contains `text`, newest first."""
        by_name = {collection_name(space): space for space in spaces}
        found = self._catalog.matching(list(by_name), text, limit)
        return [_summary(version, by_name[name]) for name, version in found]

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
