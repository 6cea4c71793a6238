"""Reading files safely: size limits before reading, binary and encoding checks, folders."""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from retrieval.errors import SourceError

log = logging.getLogger(__name__)

TEXT = "text"
MARKDOWN = "markdown"
HTML = "html"
JSON = "json"
JSONL = "jsonl"
FEED = "feed"

KINDS_BY_EXTENSION = {
    ".txt": TEXT,
    ".text": TEXT,
    ".md": MARKDOWN,
    ".markdown": MARKDOWN,
    ".html": HTML,
    ".htm": HTML,
    ".xhtml": HTML,
    ".json": JSON,
    ".jsonl": JSONL,
    ".ndjson": JSONL,
    ".xml": FEED,
    ".rss": FEED,
    ".atom": FEED,
}
SUPPORTED = ", ".join(KINDS_BY_EXTENSION)

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def read_limited(path: Path, origin: str, limit: int) -> bytes:
    """The file's bytes; its size is checked before anything is read."""
    size = path.stat().st_size
    if size > limit:
        raise SourceError(
            origin,
            f"file is {megabytes(size)}, over the {megabytes(limit)} limit "
            "(NEWSBOT_MAX_SOURCE_BYTES)",
        )
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:  # it grew while we looked
        raise SourceError(origin, f"file is over the {megabytes(limit)} limit")
    if not data.strip():
        raise SourceError(origin, "file is empty")
    return data


def check_not_binary(data: bytes, origin: str) -> None:
    if b"\x00" in data and not data.startswith(_UTF16_BOMS):
        raise SourceError(origin, "looks like a binary file (it contains NUL bytes), not text")


def decode(data: bytes, origin: str, encoding: str | None = None) -> str:
    """Text from bytes: UTF-8 (a BOM is fine), UTF-16 with a BOM, or a declared encoding."""
    check_not_binary(data, origin)
    if data.startswith(_UTF16_BOMS):
        encoding = "utf-16"
    elif not encoding or encoding.lower().replace("_", "-") in ("utf-8", "utf8", "ascii"):
        encoding = "utf-8-sig"
    try:
        text = data.decode(encoding)
    except LookupError:
        text = decode(data, origin)  # an unknown declared charset: assume UTF-8
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SourceError(
            origin,
            f"is not valid {exc.encoding.upper().removesuffix('-SIG')} text (byte "
            f"0x{data[exc.start]:02x} at offset {exc.start}, line {line}); save it as UTF-8",
        ) from None
    if not text.strip():
        raise SourceError(origin, "file is empty")
    return text


def sniff(data: bytes) -> str | None:
    """Guess the kind of a document from its first bytes, or None."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"{", b"[")):
        first_line, _, rest = head.partition(b"\n")
        is_lines = first_line.rstrip().endswith(b"}") and rest.lstrip().startswith(b"{")
        return JSONL if is_lines else JSON
    if not head.startswith(b"<"):
        return None
    if any(tag in head for tag in (b"<rss", b"<feed", b"<rdf:rdf")):
        return FEED
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head or b"<body" in head:
        return HTML
    return None


def walk_folder(root: Path) -> Iterator[Path]:
    """Readable files under `root`, sorted, recursively; hidden files and folders are skipped,
    and so (with one log line per folder) are files of unsupported types."""
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
        skipped: Counter[str] = Counter()
        for name in sorted(files):
            if name.startswith("."):
                continue
            suffix = Path(name).suffix.lower()
            if suffix in KINDS_BY_EXTENSION:
                yield Path(folder, name)
            else:
                skipped[suffix or "(no extension)"] += 1
        if skipped:
            kinds = ", ".join(f"{count} {suffix}" for suffix, count in sorted(skipped.items()))
            log.info("%s: skipped files of unsupported types (%s)", folder, kinds)
