"""Index snapshots: a restart opens the same index from disk; stale or torn ones are not used."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from retrieval.index import snapshot
from retrieval.index.memory import SpaceIndex
from retrieval.index.store import date_ord
from retrieval.records import Chunk
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
    generations = {p.name.split(".")[0] for p in tmp_path.iterdir()} - {"manifest"}
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


WORDS = "ferry harbor strike council budget tram bridge library museum flood vote port".split()


def many(count: int, first: int = 0, dimension: int = 32) -> tuple[list[Chunk], np.ndarray]:
    """`count` chunks of a few of WORDS each, with random unit vectors and days."""
    rng = np.random.default_rng(first)
    chunks = [
        chunk(f"m{n}", " ".join(rng.choice(WORDS, 6)), date(2026, 1, 1 + n % 28))
        for n in range(first, first + count)
    ]
    vectors = rng.standard_normal((count, dimension)).astype(np.float32)
    return chunks, vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def big(count: int = 500) -> SpaceIndex:
    index = SpaceIndex(32)
    index.add(*many(count))
    return index


def same(a: SpaceIndex, b: SpaceIndex) -> bool:
    """Both find the same chunks with the same scores, for queries of every kind."""
    rng = np.random.default_rng(5)
    for text in ("ferry strike", "library flood vote", "harbor", "tram tram budget"):
        query = rng.standard_normal(32).astype(np.float32)
        query /= np.linalg.norm(query)
        for max_day in (None, date_ord(date(2026, 1, 10))):
            found = [
                index.search(query, text, dense=10, lexical=10, max_day=max_day) for index in (a, b)
            ]
            (hits_a, scores_a), (hits_b, scores_b) = found
            if [(h.chunk, h.similarity) for h in hits_a] != [
                (h.chunk, h.similarity) for h in hits_b
            ] or scores_a != scores_b:
                return False
    return len(a) == len(b) and a.extent == b.extent


def parts(folder: Path) -> list[dict[str, Any]]:
    return list(json.loads((folder / "manifest.json").read_text())["parts"])


def test_a_save_after_a_few_writes_writes_only_a_delta(tmp_path: Path) -> None:
    snapshot.save(big(), tmp_path, 1)
    index = opened(tmp_path, 1)
    base = {p.name: p.stat().st_size for p in tmp_path.iterdir()}
    index.add(*many(3, first=10_000))
    index.remove(["m7", "m10001"])
    assert snapshot.save(index.still(), tmp_path, 2)
    new = {p.name: p.stat().st_size for p in tmp_path.iterdir() if p.name not in base}
    delta = parts(tmp_path)[1]
    assert [p["rows"] for p in parts(tmp_path)] == [500, 3]
    assert set(new) == {f"{delta['name']}.{file}" for file in delta["files"]}
    assert sum(new.values()) < 0.05 * sum(base.values())
    again = opened(tmp_path, 2)
    assert same(again, index) and "m7" not in again and "m10001" not in again
    assert "m10000" in again and "m10002" in again


def test_removals_and_replacements_across_deltas_reopen_as_the_index(tmp_path: Path) -> None:
    snapshot.save(big(), tmp_path, 1)
    index = opened(tmp_path, 1)
    for version, first in enumerate((10_000, 20_000, 30_000), start=2):
        index.add(*many(4, first=first))
        own, base = many(1, first=first)[0][0], many(1, first=100 + version)[0][0]
        again = [replace(c, text="ferry strike replaced") for c in (own, base)]
        index.add(again, -many(2, first=first)[1])  # the same ids again, other vectors
        index.remove([f"m{version}", f"m{first - 9_999}"])  # a base row, an earlier delta's
        assert snapshot.save(index.still(), tmp_path, version)
        reopened = opened(tmp_path, version)
        assert same(reopened, index)
    index.remove(["m30001"])
    assert snapshot.save(index.still(), tmp_path, 5)  # a delta of no rows, one removal
    reopened = opened(tmp_path, 5)
    assert same(reopened, index) and "m30001" not in reopened
    assert [p["rows"] for p in parts(tmp_path)] == [500, 6, 6, 6, 0]  # 4 new, 2 replaced a round
    assert "m30000" in reopened and "m3" not in reopened and "m10001" not in reopened
    hits, _ = reopened.search(unit(*[1.0] * 32), "replaced", dense=0, lexical=9, max_day=None)
    assert sorted(h.chunk.id for h in hits) == sorted(
        ["m10000", "m20000", "m30000", "m102", "m103", "m104"]
    )


def test_deltas_are_compacted_into_a_new_base(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(snapshot, "STALE_SECONDS", -1.0)  # dropped parts go at once
    snapshot.save(big(100), tmp_path, 1)
    index = opened(tmp_path, 1)
    rows = []
    for version in range(2, 7):
        index.add(*many(3, first=1000 * version))
        snapshot.save(index.still(), tmp_path, version)
        rows.append([p["rows"] for p in parts(tmp_path)])
    assert rows == [[100, 3], [100, 3, 3], [100, 3, 3, 3], [112], [112, 3]]  # 12 > 10 % of 100
    names = {p["name"] for p in parts(tmp_path)}
    assert {p.name.split(".")[0] for p in tmp_path.iterdir()} - {"manifest"} == names
    assert same(opened(tmp_path, 6), index)
    monkeypatch.setattr(snapshot, "MAX_DELTAS", 2)
    rows = []
    for version in (7, 8):
        index.add(*many(1, first=1000 * version))
        snapshot.save(index.still(), tmp_path, version)
        rows.append([p["rows"] for p in parts(tmp_path)])
    assert rows == [[112, 3, 1], [117]]  # two deltas already: a new base


def test_a_torn_delta_opens_the_version_before_it(tmp_path: Path) -> None:
    snapshot.save(big(), tmp_path, 1)
    index = opened(tmp_path, 1)
    for version in (2, 3):
        index.add(*many(2, first=1000 * version))
        snapshot.save(index.still(), tmp_path, version)
    first_delta = parts(tmp_path)[1]["name"]
    vectors = tmp_path / f"{first_delta}.vectors.npy"
    vectors.write_bytes(vectors.read_bytes()[:-8])  # torn
    found = snapshot.load(tmp_path)
    assert found is not None and found.version == 1  # the base alone: caught up from the log
    assert found.index.extent == 500 and "m2000" not in found.index
    assert snapshot.save(found.index, tmp_path, 3)  # not onto the torn one: a new base
    assert [p["rows"] for p in parts(tmp_path)] == [500]
    (tmp_path / "manifest.json").write_text("{")
    assert snapshot.load(tmp_path) is None


def test_a_delta_goes_only_onto_the_snapshot_it_follows(tmp_path: Path) -> None:
    snapshot.save(big(), tmp_path, 1)
    first, second = opened(tmp_path, 1), opened(tmp_path, 1)  # two processes, say
    first.add(*many(2, first=1000))
    second.add(*many(2, first=2000))  # the same rows, another order, in the other one
    assert snapshot.save(first, tmp_path, 2)
    assert len(parts(tmp_path)) == 2
    assert not snapshot.save(second.still(), tmp_path, 2 - 1)  # earlier: the later one stays
    assert snapshot.save(second.still(), tmp_path, 3)  # later, but not after the first's delta
    assert [p["rows"] for p in parts(tmp_path)] == [502]
    assert same(opened(tmp_path, 3), second)
    second.add(*many(1, first=3000))
    assert snapshot.save(second.still(), tmp_path, 4)  # on its own base: a delta again
    assert [p["rows"] for p in parts(tmp_path)] == [502, 1]


def test_a_delta_overtaken_while_written_is_written_whole_instead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshot.save(big(), tmp_path, 1)
    first, second = opened(tmp_path, 1), opened(tmp_path, 1)
    first.add(*many(2, first=1000))
    second.add(*many(3, first=2000))
    write_part, discarded = snapshot._write_part, []

    def overtaken(*args: Any) -> dict[str, Any]:
        monkeypatch.setattr(snapshot, "_write_part", write_part)
        written = write_part(*args)
        assert snapshot.save(first, tmp_path, 2)  # switches while the other's delta is written
        discarded.append(written["name"])
        return written

    monkeypatch.setattr(snapshot, "_write_part", overtaken)
    assert snapshot.save(second, tmp_path, 3)
    assert [p["rows"] for p in parts(tmp_path)] == [503]  # not onto the first's delta: whole
    assert not list(tmp_path.glob(f"{discarded[0]}.*"))
    assert same(opened(tmp_path, 3), second)


ROOT = str(Path(__file__).resolve().parents[3])
ROUNDS = 25
SAVER = """
import sys
from pathlib import Path
from retrieval.index import snapshot
from tests.retrieval.index.test_snapshot import ROUNDS, saver_writes

folder, me = Path(sys.argv[1]), int(sys.argv[2])
index = snapshot.load(folder).index
print("opened", flush=True)
sys.stdin.readline()  # both have opened the base: now both save
for round_ in range(ROUNDS):
    saver_writes(index, me, round_)
    snapshot.save(index.still(), folder, 2 * round_ + me + 2)  # their versions interleave
"""


def saver_writes(index: SpaceIndex, me: int, round_: int) -> None:
    index.add(*many(2, first=10_000 * (me + 1) + 2 * round_))
    index.remove([f"m{100 * me + round_}"])


def test_two_processes_saving_at_once_leave_the_later_ones_snapshot(tmp_path: Path) -> None:
    snapshot.save(big(), tmp_path, 1)
    env = {**os.environ, "PYTHONPATH": ROOT}
    savers = [
        subprocess.Popen(
            [sys.executable, "-c", SAVER, str(tmp_path), str(me)],
            env=env,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )  # fmt: skip
        for me in (0, 1)
    ]
    for saver in savers:
        assert saver.stdout is not None and saver.stdout.readline() == "opened\n"
    for saver in savers:  # both at once
        assert saver.stdin is not None
        saver.stdin.write("go\n")
        saver.stdin.close()
    assert [saver.wait(120) for saver in savers] == [0, 0]
    expected = big()
    for round_ in range(ROUNDS):
        saver_writes(expected, 1, round_)
    assert same(opened(tmp_path, 2 * ROUNDS + 1), expected)  # the second's last save


@pytest.mark.parametrize("old", [1, 2])
def test_a_snapshot_of_another_format_is_not_read(tmp_path: Path, old: int) -> None:
    """Format 2's BM25 terms read "led" as itself, not as "lead": rebuilt, not reused."""
    snapshot.save(built(), tmp_path, 1)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    (tmp_path / "manifest.json").write_text(json.dumps({**manifest, "format": old}))
    assert snapshot.load(tmp_path) is None
    snapshot.save(built(), tmp_path, 2)  # the next save writes a current one
    assert opened(tmp_path, 2) is not None
