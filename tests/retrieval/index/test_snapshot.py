"""Index snapshots: a restart opens the same index from disk; stale or torn ones are not used."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from retrieval.index import snapshot
from retrieval.index.memory import SpaceIndex
from tests.retrieval.index.test_memory import chunk, three_chunks, unit


def built() -> SpaceIndex:
    index = three_chunks()
    index.remove(["c"])
    return index


def results(index: SpaceIndex, text: str) -> list[tuple[str, float, float]]:
    hits, scores = index.search(unit(1, 0.2, 0), text, dense=3, lexical=3, max_day=None)
    return [(h.chunk.id, round(h.similarity, 4), round(scores[h.chunk.id], 4)) for h in hits]


def test_a_snapshot_opens_as_the_same_index(tmp_path: Path) -> None:
    index = built()
    snapshot.save(index, tmp_path, "v1")
    opened = snapshot.load(tmp_path, "v1")
    assert opened is not None
    assert len(opened) == 2 and "c" not in opened
    assert results(opened, "Oriel Vance ferry") == results(index, "Oriel Vance ferry")
    hits, _ = opened.search(unit(0, 1, 0), "", dense=1, lexical=0, max_day=None)
    assert hits[0].chunk == chunk("b", "Lighthouse keeper Oriel Vance retired.", date(2026, 5, 20))


def test_an_opened_snapshot_takes_writes_and_saves_them(tmp_path: Path) -> None:
    snapshot.save(built(), tmp_path, "v1")
    opened = snapshot.load(tmp_path, "v1")
    assert opened is not None
    opened.add([chunk("d", "Oriel Vance returned to the ferry.")], unit(0, 0, 1)[None])
    opened.remove(["a"])
    snapshot.save(opened, tmp_path, "v2")
    again = snapshot.load(tmp_path, "v2")
    assert again is not None
    assert sorted(h[0] for h in results(again, "Oriel Vance")) == ["b", "d"]


def test_a_stale_or_torn_snapshot_is_not_used(tmp_path: Path) -> None:
    snapshot.save(built(), tmp_path, "v1")
    assert snapshot.load(tmp_path, "v2") is None  # the store has moved on
    vectors = next(tmp_path.glob("*.vectors.npy"))
    vectors.write_bytes(vectors.read_bytes()[:-8])  # a torn write
    assert snapshot.load(tmp_path, "v1") is None
    assert snapshot.load(tmp_path / "missing", "v1") is None


def test_a_removed_chunk_leaves_no_text_in_the_next_snapshot(tmp_path: Path) -> None:
    first = three_chunks()
    snapshot.save(first, tmp_path / "a", "1")
    opened = snapshot.load(tmp_path / "a", "1")
    assert opened is not None
    opened.remove(["b"])
    blob, offsets = opened._chunks.encoded()
    assert b"Oriel" not in blob.tobytes() and len(offsets) == 4
    snapshot.save(opened, tmp_path / "b", "2")
    again = snapshot.load(tmp_path / "b", "2")
    assert again is not None and "b" not in again and again._chunks[0].id == "a"
