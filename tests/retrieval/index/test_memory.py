"""The in-memory space index: exact dense search, BM25, date limits, removal."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from retrieval.index.memory import SpaceIndex
from retrieval.index.store import date_ord
from retrieval.records import Chunk


def chunk(cid: str, text: str, day: date | None = date(2026, 5, 1)) -> Chunk:
    return Chunk(
        id=cid, article_id=f"art-{cid}", position=0, text=text, start=0,
        sentences=((0, len(text)),), title="", source="Harbor Gazette", url="",
        published_at=day, content_hash=f"hash-{cid}",
    )  # fmt: skip


def unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def three_chunks() -> SpaceIndex:
    """Two dated chunks and an undated one, with vectors along x, y and their diagonal."""
    index = SpaceIndex(3)
    index.add(
        [
            chunk("a", "Ferry crews walked out at dawn.", date(2026, 5, 1)),
            chunk("b", "Lighthouse keeper Oriel Vance retired.", date(2026, 5, 20)),
            chunk("c", "An undated note about ferries.", None),
        ],
        np.stack([unit(1, 0, 0), unit(0, 1, 0), unit(1, 1, 0)]),
    )
    return index


@pytest.fixture
def index() -> SpaceIndex:
    return three_chunks()


def found(index: SpaceIndex, query: np.ndarray, text: str, **kwargs: object) -> list[str]:
    options = {"dense": 2, "lexical": 0, "max_day": None} | kwargs
    hits, _ = index.search(query, text, **options)  # type: ignore[arg-type]
    return sorted(hit.chunk.id for hit in hits)


def test_dense_search_is_exact_cosine(index: SpaceIndex) -> None:
    hits, _ = index.search(unit(1, 0, 0), "", dense=1, lexical=0, max_day=None)
    assert [(h.chunk.id, round(h.similarity, 4)) for h in hits] == [("a", 1.0)]
    assert found(index, unit(1, 0.1, 0), "") == ["a", "c"]


def test_lexical_candidates_join_the_dense_ones(index: SpaceIndex) -> None:
    hits, bm25 = index.search(unit(1, 0, 0), "Oriel Vance", dense=1, lexical=5, max_day=None)
    assert sorted(h.chunk.id for h in hits) == ["a", "b"]
    assert bm25["b"] > 0 and bm25["a"] == 0


def test_chunks_after_the_day_are_never_found(index: SpaceIndex) -> None:
    max_day = date_ord(date(2026, 5, 10))
    assert found(index, unit(0, 1, 0), "Oriel Vance", dense=3, lexical=3, max_day=max_day) == [
        "a", "c",  # the undated chunk passes every date limit
    ]  # fmt: skip


def test_removed_chunks_are_never_found(index: SpaceIndex) -> None:
    index.remove(["b", "unknown"])
    assert len(index) == 2 and "b" not in index
    assert found(index, unit(0, 1, 0), "Oriel Vance", dense=3, lexical=3) == ["a", "c"]
    assert index.retired == pytest.approx(1 / 3)
    compact = index.compacted()
    assert compact.retired == 0 and len(compact) == 2
    assert found(compact, unit(0, 1, 0), "Oriel Vance", dense=3, lexical=3) == ["a", "c"]


def test_adding_a_chunk_again_replaces_it(index: SpaceIndex) -> None:
    index.add([chunk("a", "Ferry crews returned to work.")], unit(0, 0, 1).reshape(1, 3))
    assert len(index) == 3
    hits, _ = index.search(unit(0, 0, 1), "returned", dense=1, lexical=1, max_day=None)
    assert [(h.chunk.id, h.chunk.text) for h in hits] == [("a", "Ferry crews returned to work.")]


def test_growing_past_the_first_allocation_keeps_every_row() -> None:
    def angle(i: int) -> np.ndarray:
        return unit(np.cos(i * np.pi / 200), np.sin(i * np.pi / 200))

    index = SpaceIndex(2)
    for start in range(0, 100, 7):
        ids = range(start, min(start + 7, 100))
        index.add(
            [chunk(str(i), f"note number{i}") for i in ids],
            np.stack([angle(i) for i in ids]),
        )
    assert len(index) == 100
    hits, _ = index.search(angle(99), "number42", dense=1, lexical=1, max_day=None)
    assert sorted(h.chunk.id for h in hits) == ["42", "99"]


def test_rows_added_after_a_mapped_base_are_searched_without_copying_it(
    index: SpaceIndex,
) -> None:
    base = index._vectors.base
    index.add([chunk("d", "A later note on ferries.")], unit(0, 0, 1)[None, :])
    assert index._vectors.base is base  # the base rows were not copied
    assert found(index, unit(0, 0, 1), "", dense=1) == ["d"]
    assert found(index, unit(1, 0, 0), "", dense=1) == ["a"]


def test_as_of_before_most_rows_scans_only_the_rows_it_may_find(index: SpaceIndex) -> None:
    assert index.allowed_count(date_ord(date(2026, 5, 10))) == 2  # a and the undated c
    assert index.allowed_count(None) == 3
    assert found(index, unit(0, 1, 0), "", dense=1, max_day=date_ord(date(2026, 5, 10))) == ["c"]
    assert index.allowed_ids(["b", "a", "zz"], date_ord(date(2026, 5, 10))) == ["a"]
