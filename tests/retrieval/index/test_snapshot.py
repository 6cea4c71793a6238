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


def opened(folder: Path, version: int) -> SpaceIndex:
    found = snapshot.load(folder)
    assert found is not None and found.version == version
    return found.index


def test_a_snapshot_opens_as_the_same_index(tmp_path: Path) -> None:
    index = built()
    snapshot.save(index, tmp_path, 1)
    opened = snapshot.load(tmp_path)
    assert opened is not None and opened.version == 1
    opened = opened.index
    assert len(opened) == 2 and "c" not in opened
    assert results(opened, "Oriel Vance ferry") == results(index, "Oriel Vance ferry")
    hits, _ = opened.search(unit(0, 1, 0), "", dense=1, lexical=0, max_day=None)
    assert hits[0].chunk == chunk("b", "Lighthouse keeper Oriel Vance retired.", date(2026, 5, 20))


def test_an_opened_snapshot_takes_writes_and_saves_them(tmp_path: Path) -> None:
    snapshot.save(built(), tmp_path, 1)
    index = opened(tmp_path, 1)
    index.add([chunk("d", "Oriel Vance returned to the ferry.")], unit(0, 0, 1)[None])
    index.remove(["a"])
    snapshot.save(index, tmp_path, 2)
    again = opened(tmp_path, 2)
    assert sorted(h[0] for h in results(again, "Oriel Vance")) == ["b", "d"]


def test_a_torn_snapshot_is_not_used(tmp_path: Path) -> None:
    snapshot.save(built(), tmp_path, 1)
    vectors = next(tmp_path.glob("*.vectors.npy"))
    vectors.write_bytes(vectors.read_bytes()[:-8])  # a torn write
    assert snapshot.load(tmp_path) is None
    assert snapshot.load(tmp_path / "missing") is None


def test_a_save_never_replaces_a_later_version(tmp_path: Path) -> None:
    snapshot.save(built(), tmp_path, 5)
    late = three_chunks()  # captured at version 3, finished writing after the save of 5
    assert not snapshot.save(late, tmp_path, 3)
    assert "c" not in opened(tmp_path, 5)
    generations = {p.name.split(".")[0] for p in tmp_path.iterdir() if p.name != "manifest.json"}
    assert len(generations) == 1  # the late one's files are gone


def test_a_still_copy_keeps_its_rows_while_the_index_takes_writes(tmp_path: Path) -> None:
    snapshot.save(three_chunks(), tmp_path, 1)
    index = opened(tmp_path, 1)
    index.add([chunk("d", "Oriel Vance returned to the ferry.")], unit(0, 0, 1)[None])
    still = index.still()
    index.remove(["a", "d"])
    index.add([chunk("e", "A new ferry timetable.")], unit(0, 1, 1)[None])
    snapshot.save(still, tmp_path / "still", 2)
    again = opened(tmp_path / "still", 2)
    assert sorted(h[0] for h in results(again, "Oriel Vance ferry")) == ["a", "b", "c", "d"]
    assert sorted(h[0] for h in results(index, "Oriel Vance ferry")) == ["b", "c", "e"]


def test_a_removed_chunk_leaves_no_text_in_the_next_snapshot(tmp_path: Path) -> None:
    first = three_chunks()
    snapshot.save(first, tmp_path / "a", 1)
    index = opened(tmp_path / "a", 1)
    index.remove(["b"])
    blob, offsets = index._chunks.encoded()
    assert b"Oriel" not in b"".join(part.tobytes() for part in blob) and len(offsets) == 4
    snapshot.save(index, tmp_path / "b", 2)
    again = opened(tmp_path / "b", 2)
    assert "b" not in again and again._chunks[0].id == "a"
