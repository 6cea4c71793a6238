"""The chromadb store: what is kept per space, by article, and read back as it was written."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from retrieval.config import Settings
from retrieval.embed.embedder import Embedder
from retrieval.errors import ConfigError
from retrieval.index.store import Store
from retrieval.ingest.chunking import chunk_article
from retrieval.records import Chunk
from tests import stories


def stored(
    store: Store, embedder: Embedder, *articles: object, space: str = "shared"
) -> list[Chunk]:
    chunks = [c for a in articles for c in chunk_article(a, max_words=20)]  # type: ignore[arg-type]
    store.add_chunks(space, chunks, embedder.encode([c.embed_text for c in chunks]))
    return chunks


def test_chunks_come_back_as_they_were_stored(settings: Settings, embedder: Embedder) -> None:
    store = Store(settings)
    chunks = stored(store, embedder, stories.STORM, stories.TRAM_VOTE)
    assert len(chunks) > 2  # several chunks per article

    assert sorted(store.iter_chunks("shared"), key=lambda c: c.id) == sorted(
        chunks, key=lambda c: c.id
    )
    [(read, vectors)] = list(store.record_pages("shared"))
    assert vectors.shape == (len(chunks), embedder.dimension)
    by_id = {c.id: v for c, v in zip(read, vectors, strict=True)}
    sent = embedder.encode([c.embed_text for c in chunks])  # as `stored` embedded them
    assert all(np.allclose(by_id[c.id], v, atol=1e-5) for c, v in zip(chunks, sent, strict=True))


def test_articles_are_listed_and_counted_per_space(settings: Settings, embedder: Embedder) -> None:
    store = Store(settings)
    storm = stored(store, embedder, stories.STORM)
    stored(store, embedder, stories.TRAM_VOTE, space="guild-1")

    assert store.count("shared") == len(storm)
    ids = [stories.STORM.id, stories.TRAM_VOTE.id]
    assert set(store.stored("shared", ids)) == {stories.STORM.id}
    entry = store.stored("shared", ids)[stories.STORM.id]
    assert (entry.content_hash, entry.chunks) == (stories.STORM.content_hash, len(storm))
    [summary], total = store.articles(["guild-1"], 0, 10)
    assert total == 1
    assert (summary.id, summary.title, summary.space) == (
        stories.TRAM_VOTE.id,
        "Brenholt council approves northern tram line",
        "guild-1",
    )
    assert store.articles(["never-used"], 0, 10) == ([], 0) and store.count("never-used") == 0


def test_deleting_keeps_the_new_version_of_a_replaced_article(
    settings: Settings, embedder: Embedder
) -> None:
    store = Store(settings)
    old = stored(store, embedder, stories.STORM)
    edited = dataclasses.replace(stories.STORM, body=stories.STORM.body + "\n\nWinds eased.")
    new = stored(store, embedder, edited)
    new_ids = {c.id for c in new}

    gone = store.delete_article("shared", edited.id, keep_hash=edited.content_hash)

    assert set(gone) == {c.id for c in old} - new_ids
    assert {c.id for c in store.iter_chunks("shared")} == new_ids
    assert set(store.delete_article("shared", edited.id)) == new_ids
    assert store.count("shared") == 0


def test_every_write_changes_the_version_other_processes_see(
    settings: Settings, embedder: Embedder
) -> None:
    store = Store(settings)
    before = store.version("shared")
    stored(store, embedder, stories.STORM)
    after = store.version("shared")
    assert after != before and store.written_version("shared") == (before, after)
    assert Store(settings).version("shared") == after  # another client reads the same


def test_vectors_of_another_model_are_refused(settings: Settings, embedder: Embedder) -> None:
    stored(Store(settings), embedder, stories.STORM)
    other = settings.model_copy(update={"embedding_model": "some/other-model"})
    with pytest.raises(ConfigError, match="embedded with all-MiniLM-L6-v2"):
        list(Store(other).record_pages("shared"))
