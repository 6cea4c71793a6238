"""A space's search index on disk beside the store, so a restart opens it in seconds.

`<data_dir>/index/<space>/` holds one generation of files (flat numpy arrays, opened
memory-mapped, and two JSON lists) and `manifest.json`, written last and atomically,
naming the generation, the store version it reflects, and each file's size and a
checksum of its ends. A snapshot whose manifest is missing, or whose files don't match it
(torn, truncated, half-deleted) is not used: the index is built from the store again and
a fresh snapshot written. One of an older store version is opened and brought up to date
from the store's change log (see search.py); a kill while a generation is being written
leaves the manifest naming the previous one, whole.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
import uuid
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.index.memory import SpaceIndex
from retrieval.index.store import collection_name

log = logging.getLogger(__name__)

FORMAT = 1
STALE_SECONDS = 600.0  # a generation not in the manifest is deleted once this old
_ENDS = 1 << 16  # the checksum covers a file's first and last 64 KiB


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
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest["version"] = int(manifest["version"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return manifest if manifest.get("format") == FORMAT else None


def save(index: SpaceIndex, folder: Path, version: int) -> bool:
    """Write the index as a new generation, then switch the manifest to it (unless the
    manifest names a later store version by then: a newer save, here or in another
    process, wins). Returns whether it switched."""
    folder.mkdir(parents=True, exist_ok=True)
    generation = uuid.uuid4().hex[:12]
    ids, terms, arrays = index.arrays()
    files: dict[str, dict[str, int]] = {}
    contents: dict[str, bytes | np.ndarray | list[np.ndarray]] = {
        "ids.json": json.dumps(ids).encode(),
        "terms.json": json.dumps(terms, ensure_ascii=False).encode(),
    }
    contents |= {f"{name}.npy": array for name, array in arrays.items()}
    for name, data in contents.items():
        path = folder / f"{generation}.{name}"
        _write(path, data)
        files[name] = {"size": path.stat().st_size, "crc": _checksum(path)}
    current = _manifest(folder)
    if current is not None and current["version"] > version:
        for name in files:
            (folder / f"{generation}.{name}").unlink(missing_ok=True)
        return False
    manifest = {"format": FORMAT, "version": version, "generation": generation, "files": files}
    temporary = folder / f"manifest.{generation}.tmp"
    _write(temporary, json.dumps(manifest).encode())
    os.replace(temporary, folder / "manifest.json")  # the switch: atomic
    for stale in folder.iterdir():  # older generations (open maps of them stay valid)
        if stale.name.startswith((generation, "manifest.json")):
            continue
        with contextlib.suppress(OSError):  # not another process's generation in the making
            if time.time() - stale.stat().st_mtime > STALE_SECONDS:
                stale.unlink()
    return True


def load(folder: Path) -> Snapshot | None:
    """The snapshot's index and the store version it reflects, if it is whole, else None."""
    manifest = _manifest(folder)
    if manifest is None:
        return None
    generation, files = manifest["generation"], manifest["files"]
    try:
        for name, expected in files.items():
            path = folder / f"{generation}.{name}"
            if path.stat().st_size != expected["size"] or _checksum(path) != expected["crc"]:
                log.warning("the index snapshot in %s is damaged; building it again", folder)
                return None
        path_of = {name: folder / f"{generation}.{name}" for name in files}
        # Plain arrays over the mapping: np.memmap's own slicing costs ~40 us a call in
        # Python, and a question slices postings hundreds of times (14 ms of 84 at 1M).
        arrays = {
            name.removesuffix(".npy"): np.asarray(np.load(path, mmap_mode="r", allow_pickle=False))
            for name, path in path_of.items()
            if name.endswith(".npy")
        }
        ids = json.loads(path_of["ids.json"].read_bytes())
        terms = json.loads(path_of["terms.json"].read_bytes())
        return Snapshot(SpaceIndex.from_arrays(ids, terms, arrays), manifest["version"])
    except (OSError, ValueError, KeyError) as exc:
        log.warning("the index snapshot in %s can't be read (%s); building it again", folder, exc)
        return None
