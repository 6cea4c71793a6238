"""A space's search index on disk beside the store, so a restart opens it in seconds.

`<data_dir>/index/<space>/` holds parts, each a set of files (flat numpy arrays and two
JSON lists) named after it, and `manifest.json`, written last and atomically, naming the
parts, the store version they reflect, and each file's size and a checksum of its ends.
The first part, the base, holds every row as it was when it was written, and is opened
memory-mapped; each later part (a delta) holds only what the index took after the part
before: the rows appended (their vectors, days, chunks and BM25 postings) and the rows
removed, and is read into memory on top of the base. So a save after a few writes writes
a few kilobytes, not the whole index (2.6 GB at a million chunks); a whole new base is
written (compaction) once the deltas hold more than DELTA_SHARE of the base's rows, or
there are MAX_DELTAS of them, or the index on disk is not this index's (another process
saved its own since, or this index was compacted in memory).

A snapshot whose manifest is missing, or whose base doesn't match it (torn, truncated,
half-deleted) is not used: the index is built from the store again and a fresh snapshot
written. A damaged delta drops it and the ones after it: the parts before are whole, of
an older version. One of an older store version is opened and brought up to date from
the store's change log (see search.py); a kill while a part is being written leaves the
manifest naming the parts before, whole. Two processes may save at once: the manifest is
switched under a lock, a delta only onto the parts it was written after, and never
to an earlier store version than the one it names.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import time
import uuid
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.index.memory import SpaceIndex, Written
from retrieval.index.store import collection_name

log = logging.getLogger(__name__)

# Snapshots of another format are rebuilt from the store. 1: one part, named by
# "generation"; 2: BM25 terms from before irregular past forms were read as their verb
# ("led" as "lead").
FORMAT = 3
STALE_SECONDS = 600.0  # a part out of the manifest (or never in it) is deleted this long after
DELTA_SHARE = 0.1  # a new base once the deltas hold more rows than this share of the base's
MAX_DELTAS = 50  # or once there are this many deltas
_ENDS = 1 << 16  # the checksum covers a file's first and last 64 KiB

Rows = tuple[
    list[str], list[str], Mapping[str, np.ndarray | list[np.ndarray]]
]  # ids, terms, arrays
Read = tuple[list[str], list[str], dict[str, np.ndarray]]  # as `Rows`, read back (mapped)


@dataclass(frozen=True, slots=True)
class Snapshot:
    index: SpaceIndex
    version: int  # the store version of the space it reflects


def folder_of(root: Path, space: str) -> Path:
    return root / collection_name(space)


def _checksum(path: Path) -> int:
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(_ENDS)
        handle.seek(max(size - _ENDS, 0))
        return zlib.crc32(head + handle.read(_ENDS))


def _write(path: Path, data: bytes | np.ndarray | list[np.ndarray]) -> None:
    """Bytes as they are; an array, or consecutive parts of one, as one `.npy` file."""
    with path.open("wb") as handle:
        if isinstance(data, bytes):
            handle.write(data)
        else:
            parts = data if isinstance(data, list) else [data]
            rows = sum(len(part) for part in parts)
            header = {
                "descr": np.lib.format.dtype_to_descr(parts[0].dtype),
                "fortran_order": False,
                "shape": (rows, *parts[0].shape[1:]),
            }
            np.lib.format.write_array_header_1_0(handle, header)
            for part in parts:
                handle.write(np.ascontiguousarray(part).data)
        handle.flush()
        os.fsync(handle.fileno())


def _manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest, its parts in order (the base first), or None if there is none."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest["version"] = int(manifest["version"])
        if manifest.get("format") != FORMAT:
            return None
        manifest["names"] = tuple(part["name"] for part in manifest["parts"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return manifest


def _files(parts: list[dict[str, Any]]) -> set[str]:
    return {f"{part['name']}.{file}" for part in parts for file in part["files"]}


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Held while the manifest is read and switched and old parts swept, so that two
    processes' saves switch one after the other."""
    with (folder / "manifest.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_part(folder: Path, version: int, rows: Rows) -> dict[str, Any]:
    """Write one part's files; its manifest entry (name, rows, version, files)."""
    name = uuid.uuid4().hex[:12]
    ids, terms, arrays = rows
    contents: dict[str, bytes | np.ndarray | list[np.ndarray]] = {
        "ids.json": json.dumps(ids).encode(),
        "terms.json": json.dumps(terms, ensure_ascii=False).encode(),
    }
    contents |= {f"{key}.npy": array for key, array in arrays.items()}
    files: dict[str, dict[str, int]] = {}
    for file, data in contents.items():
        path = folder / f"{name}.{file}"
        _write(path, data)
        files[file] = {"size": path.stat().st_size, "crc": _checksum(path)}
    return {"name": name, "rows": len(ids), "version": version, "files": files}


def _delta_fits(manifest: dict[str, Any] | None, index: SpaceIndex) -> Written | None:
    """What the snapshot holds of the index, if a delta may bring it up to date: the
    manifest names the parts the index was opened from or last saved to, and its deltas
    would stay within DELTA_SHARE of the base's rows and MAX_DELTAS."""
    written = index.on_disk.written
    if manifest is None or written is None or manifest["names"] != written.parts:
        return None
    base, deltas = manifest["parts"][0], manifest["parts"][1:]
    rows = sum(part["rows"] for part in deltas) + index.extent - written.rows
    if len(deltas) >= MAX_DELTAS or rows > DELTA_SHARE * base["rows"]:
        return None
    return written


def save(index: SpaceIndex, folder: Path, version: int) -> bool:
    """Write what the snapshot lacks of the index (a delta, or a whole new base), then switch
    the manifest to it, unless the manifest names a later store version by then (a newer
    save, here or in another process, wins). Returns whether it switched."""
    folder.mkdir(parents=True, exist_ok=True)
    current = _manifest(folder)
    if current is not None and current["version"] > version:
        return False
    written = _delta_fits(current, index)
    if written is not None and current is not None:
        part = _write_part(folder, version, index.changes_since(written))
        parts = [*current["parts"], part]
    else:
        part = _write_part(folder, version, index.arrays())
        parts = [part]
    with _locked(folder):
        now = _manifest(folder)
        later = now is not None and now["version"] > version
        moved = written is not None and (now is None or now["names"] != written.parts)
        if not later and not moved:
            _switch(folder, {"format": FORMAT, "version": version, "parts": parts}, now)
            index.wrote(tuple(p["name"] for p in parts))
            return True
    for file in _files([part]):  # unused: a later version, or not after what it was written on
        (folder / file).unlink(missing_ok=True)
    return not later and save(index, folder, version)  # moved on: this time a whole base


def _switch(folder: Path, manifest: dict[str, Any], previous: dict[str, Any] | None) -> None:
    """Write the manifest (atomically: a reader sees the old one or the new one), then
    sweep old files. The ones it drops are touched first, so that a process that read the
    previous manifest a moment ago can still open them for STALE_SECONDS."""
    temporary = folder / f"manifest.{manifest['parts'][-1]['name']}.tmp"
    _write(temporary, json.dumps(manifest).encode())
    os.replace(temporary, folder / "manifest.json")  # the switch
    kept = _files(manifest["parts"])
    for dropped in _files(previous["parts"] if previous else []) - kept:
        with contextlib.suppress(OSError):
            os.utime(folder / dropped)
    for stale in folder.iterdir():
        if stale.name in kept or stale.name in ("manifest.json", "manifest.lock"):
            continue
        with contextlib.suppress(OSError):  # not another process's part in the making
            if time.time() - stale.stat().st_mtime > STALE_SECONDS:
                stale.unlink()


def _read_part(folder: Path, part: dict[str, Any]) -> Read:
    """A part's ids, terms and arrays (mapped); OSError or ValueError if it is damaged."""
    path_of = {file: folder / f"{part['name']}.{file}" for file in part["files"]}
    for file, expected in part["files"].items():
        path = path_of[file]
        if path.stat().st_size != expected["size"] or _checksum(path) != expected["crc"]:
            raise ValueError(f"{path.name} does not match the manifest")
    # Plain arrays over the mapping: np.memmap's own slicing costs ~40 us a call in
    # Python, and a question slices postings hundreds of times (14 ms of 84 at 1M).
    arrays = {
        file.removesuffix(".npy"): np.asarray(np.load(path, mmap_mode="r", allow_pickle=False))
        for file, path in path_of.items()
        if file.endswith(".npy")
    }
    ids = json.loads(path_of["ids.json"].read_bytes())
    terms = json.loads(path_of["terms.json"].read_bytes())
    return ids, terms, arrays


def load(folder: Path) -> Snapshot | None:
    """The snapshot's index and the store version it reflects, if its base is whole, else
    None. A damaged delta ends it there: the parts before it make an older version."""
    manifest = _manifest(folder)
    if manifest is None:
        return None
    parts = manifest["parts"]
    try:
        index = SpaceIndex.from_arrays(*_read_part(folder, parts[0]))
    except (OSError, ValueError, KeyError) as exc:
        log.warning("the index snapshot in %s can't be read (%s); building it again", folder, exc)
        return None
    opened = parts[:1]
    for part in parts[1:]:
        try:
            delta = _read_part(folder, part)
        except (OSError, ValueError, KeyError) as exc:
            log.warning("a delta of the index snapshot in %s can't be read (%s); opening the "
                        "version before it", folder, exc)  # fmt: skip
            break
        index.extend_from(*delta)
        opened.append(part)
    index.wrote(tuple(part["name"] for part in opened))
    version = manifest["version"] if len(opened) == len(parts) else opened[-1]["version"]
    return Snapshot(index, version)
