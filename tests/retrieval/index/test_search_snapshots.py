"""A stale snapshot is brought up to date from the change log; writes are saved in the
background, debounced, without holding up questions."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest

from retrieval.config import Settings
from retrieval.embed.embedder import Embedder
from retrieval.engine import Engine
from retrieval.index import snapshot
from retrieval.index.saving import BackgroundSaves
from retrieval.index.search import Searcher
from retrieval.index.store import Store
from tests import stories

STRIKE_Q = "Did the Velmora dock strike end?"
TRAM_Q = "How much will the Brenholt tram line cost?"


def engine_of(settings: Settings, embedder: Embedder, save_after: float | None = None) -> Engine:
    store = Store(settings)
    searcher = Searcher(store, embedder, snapshots=settings.index_dir, save_after=save_after)
    return Engine(settings, embedder=embedder, store=store, searcher=searcher)


def found(engine: Engine, question: str) -> set[str]:
    return {p.chunk.article_id for p in engine.search(question)}


def no_full_read(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading chosen rows is fine; reading the whole space back fails the test."""
    pages = store.record_pages

    def some_pages(space: str, ids: Any = None) -> Any:
        assert ids is not None, "the whole space was read back from the store"
        return pages(space, ids)

    monkeypatch.setattr(store, "record_pages", some_pages)


def killed_after_writes(settings: Settings, embedder: Embedder) -> None:
    """A process that opened the space, wrote, and never closed (killed)."""
    first = engine_of(settings, embedder)
    first.ingest_articles(stories.ALL[:3])
    first.search(TRAM_Q)  # built: its snapshot is written at this version
    first.ingest_articles([stories.TRAM_VOTE])
    first.forget(stories.PORT_STRIKE.id)  # no close: the snapshot lags two writes


def test_a_stale_snapshot_catches_up_from_the_change_log(
    settings: Settings, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    killed_after_writes(settings, embedder)
    restarted = engine_of(settings, embedder)
    no_full_read(restarted.store, monkeypatch)
    assert stories.TRAM_VOTE.id in found(restarted, TRAM_Q)
    assert stories.PORT_STRIKE.id not in found(restarted, STRIKE_Q)
    assert restarted.searcher.loads == {"snapshot and change log": 1}
    restarted.close()  # now at the store's version: the next start opens it as it is
    again = engine_of(settings, embedder)
    assert stories.TRAM_VOTE.id in found(again, TRAM_Q)
    assert again.searcher.loads == {"snapshot": 1}


def test_a_snapshot_the_log_cannot_bridge_or_a_torn_one_is_built_again(
    settings: Settings, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    killed_after_writes(settings, embedder)
    forgetful = engine_of(settings, embedder)
    monkeypatch.setattr(forgetful.store, "changes", lambda *args: None)  # the log is gone
    assert stories.PORT_STRIKE.id not in found(forgetful, STRIKE_Q)
    assert forgetful.searcher.loads == {"store": 1}
    forgetful.close()
    for vectors in settings.index_dir.rglob("*.vectors.npy"):
        vectors.write_bytes(vectors.read_bytes()[:-8])  # torn
    torn = engine_of(settings, embedder)
    assert stories.TRAM_VOTE.id in found(torn, TRAM_Q)
    assert torn.searcher.loads == {"store": 1}


def test_writes_are_saved_in_the_background_soon_after_the_last(
    settings: Settings, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(snapshot, "DELTA_SHARE", 1.0)  # a small space: else always rewritten
    running = engine_of(settings, embedder, save_after=0.3)
    running.ingest_articles(stories.ALL[:3])
    running.search(TRAM_Q)
    saves = running.searcher._saves
    assert saves is not None
    running.ingest_articles([stories.TRAM_VOTE])
    running.forget(stories.PORT_STRIKE.id)
    deadline = time.monotonic() + 30
    while not saves.saved and time.monotonic() < deadline:
        time.sleep(0.05)
    assert saves.saved == 1  # one save for both writes
    manifest = json.loads(next(settings.index_dir.rglob("manifest.json")).read_text())
    assert [part["rows"] for part in manifest["parts"]][1:] == [1]  # a delta: the tram row
    restarted = engine_of(settings, embedder)  # `running` was never closed
    no_full_read(restarted.store, monkeypatch)
    monkeypatch.setattr(restarted.store, "changes", lambda *a: pytest.fail("log read"))
    assert stories.PORT_STRIKE.id not in found(restarted, STRIKE_Q)
    assert restarted.searcher.loads == {"snapshot": 1}


def test_saves_are_debounced_one_at_a_time_and_capped() -> None:
    saved: list[tuple[str, float]] = []
    busy = threading.Lock()

    def save(space: str) -> bool:
        assert busy.acquire(blocking=False), "two saves at once"
        saved.append((space, time.monotonic()))
        time.sleep(0.05)
        busy.release()
        return True

    saves = BackgroundSaves(save, after=0.2, within=0.5)
    started = time.monotonic()
    for _ in range(8):  # a write every 0.1 s keeps moving the save back, up to the cap
        saves.request("a")
        saves.request("b")
        time.sleep(0.1)
    time.sleep(0.4)
    saves.close()
    assert sorted(space for space, _ in saved) == ["a", "a", "b", "b"]
    first_a = min(when for space, when in saved if space == "a")
    assert 0.45 <= first_a - started <= 0.75  # capped at `within`, not 0.2 s after the last
    assert saves.saved == 4


def test_closing_a_changed_space_saves_it_without_holding_up_the_question(
    settings: Settings, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from retrieval.index import search

    store = Store(settings)
    searcher = Searcher(
        store, embedder, snapshots=settings.index_dir, memory_mb=0.001, save_after=30.0
    )  # room for one space; no debounced save falls due during the test
    engine = Engine(settings, embedder=embedder, store=store, searcher=searcher)
    engine.ingest_articles([stories.TRAM_VOTE], space="transit")
    engine.ingest_articles([stories.PORT_STRIKE], space="harbor")
    engine.search(TRAM_Q, spaces=["transit"])
    engine.search(STRIKE_Q, spaces=["harbor"])  # both built and snapshotted; transit closed
    engine.ingest_articles([stories.STORM], space="harbor")  # harbor's snapshot lacks it
    save, written = search.snapshot.save, threading.Event()

    def slow_save(*args: Any) -> bool:
        time.sleep(1.0)
        switched = save(*args)
        written.set()
        return switched

    monkeypatch.setattr(search.snapshot, "save", slow_save)
    started = time.monotonic()
    engine.search(TRAM_Q, spaces=["transit"])  # needs the room: harbor is closed
    assert time.monotonic() - started < 0.8  # its save did not hold up the question
    assert list(searcher._indexes) == ["transit"] and not written.is_set()

    storm = engine.search("What did storm Ardent do?", spaces=["harbor"])  # waits for it
    assert written.is_set() and stories.STORM.id in {p.chunk.article_id for p in storm}
    assert searcher.loads == {"store": 2, "snapshot": 2}  # harbor from its fresh snapshot

    engine.ingest_articles([stories.PORT_STRIKE_RESUMES], space="harbor")
    engine.search(TRAM_Q, spaces=["transit"])  # harbor closed again, its save queued
    engine.close()  # at once: a save not yet begun is done here
    restarted = engine_of(settings, embedder)
    resumed = restarted.search("Did the Velmora walkout resume?", spaces=["harbor"])
    assert stories.PORT_STRIKE_RESUMES.id in {p.chunk.article_id for p in resumed}
    assert restarted.searcher.loads == {"snapshot": 1}
