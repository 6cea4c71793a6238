"""The article catalog: one row per stored article version, in SQLite beside the store.

chromadb can look rows up by id and filter them, but it cannot sort or count a filter's
matches, so "the 20 newest articles", "is this content hash stored?" and "how many
articles?" each meant reading every article's first chunk (15-20 s at 100,000 articles,
and a failed query past ~32,000). The catalog answers them with SQLite's indexes.

It mirrors the store's first chunks (an article version is listed when its first chunk is
stored) and is versioned with the store's change log: every write updates it under the
data dir's write lock, in one transaction with the store's sequence number it brings the
catalog up to (`Transaction.done`). A catalog behind its store (a writer killed between
the two, or a data dir from before the catalog) is caught up from the change log, or
rebuilt from the store when the log does not go back far enough (see Store.catch_up).
Like the write lock, it lives in the data dir every writing process shares.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

CATALOG_FILE = "articles.sqlite3"
_LOOKUP = 500  # ids or hashes per query, well under SQLite's variable limit

_SCHEMA = """
CREATE TABLE IF NOT EXISTS versions (
    space TEXT NOT NULL, first_chunk TEXT NOT NULL, article_id TEXT NOT NULL,
    content_hash TEXT NOT NULL, chunks INTEGER NOT NULL, summary_only INTEGER NOT NULL,
    title TEXT NOT NULL, source TEXT NOT NULL, url TEXT NOT NULL,
    published_ord INTEGER NOT NULL, stored_at REAL NOT NULL,
    PRIMARY KEY (space, first_chunk)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS by_article ON versions (space, article_id);
CREATE INDEX IF NOT EXISTS by_hash ON versions (space, content_hash);
CREATE INDEX IF NOT EXISTS newest ON versions (space, published_ord DESC, title DESC, article_id);
CREATE TABLE IF NOT EXISTS spaces (space TEXT PRIMARY KEY, seq INTEGER NOT NULL);
"""
_COLUMNS = (
    "first_chunk, article_id, content_hash, chunks, summary_only, title, source, url, "
    "published_ord, stored_at"
)
_NEWEST_FIRST = "ORDER BY published_ord DESC, title DESC, article_id, space"


@dataclass(frozen=True, slots=True)
class Version:
    """One stored version of an article, as its first chunk describes it."""

    first_chunk: str
    article_id: str
    content_hash: str
    chunks: int
    summary_only: bool
    title: str
    source: str
    url: str
    published_ord: int
    stored_at: float


def _version(row: Sequence[object]) -> Version:
    first, article, digest, chunks, summary, title, source, url, day, stored_at = row
    return Version(
        str(first), str(article), str(digest), int(chunks), bool(summary),  # type: ignore[call-overload]
        str(title), str(source), str(url), int(day), float(stored_at),  # type: ignore[call-overload, arg-type]
    )  # fmt: skip


def _marks(count: int) -> str:
    return ",".join("?" * count)


def _pieces(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for begin in range(0, len(values), _LOOKUP):
        yield values[begin : begin + _LOOKUP]


class Transaction:
    """The changes one store write made to a space's versions, committed together with
    the store sequence number they bring the catalog up to."""

    def __init__(self, db: sqlite3.Connection, space: str) -> None:
        self._db = db
        self.space = space

    def add(self, versions: Iterable[Version]) -> None:
        self._db.executemany(
            f"INSERT OR REPLACE INTO versions (space, {_COLUMNS}) VALUES (?{',?' * 10})",
            ((self.space, *(getattr(v, f) for f in Version.__slots__)) for v in versions),
        )

    def remove(self, chunk_ids: Sequence[str]) -> None:
        """Drop the versions whose first chunk is among `chunk_ids` (others are ignored)."""
        for piece in _pieces(list(chunk_ids)):
            self._db.execute(
                f"DELETE FROM versions WHERE space = ? AND first_chunk IN ({_marks(len(piece))})",
                (self.space, *piece),
            )

    def clear(self) -> None:
        self._db.execute("DELETE FROM versions WHERE space = ?", (self.space,))

    def done(self, seq: int) -> None:
        self._db.execute("INSERT OR REPLACE INTO spaces VALUES (?, ?)", (self.space, seq))


class Catalog:
    """The catalog file of a data dir, opened on first use; safe to share between threads
    (one connection, one query at a time) and processes (SQLite's own locking)."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / CATALOG_FILE
        self._db: sqlite3.Connection | None = None
        self._lock = threading.RLock()

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=60, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
            self._db = db
        return self._db

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def seq(self, space: str) -> int | None:
        """The store sequence number the space's versions are up to (None: never built)."""
        with self._lock:
            row = (
                self._connection()
                .execute("SELECT seq FROM spaces WHERE space = ?", (space,))
                .fetchone()
            )
        return None if row is None else int(row[0])

    @contextlib.contextmanager
    def change(self, space: str) -> Iterator[Transaction]:
        """One transaction: all its changes land, or none (call `done(seq)` in it)."""
        with self._lock:
            db = self._connection()
            with db:  # commits, or rolls back on an exception
                yield Transaction(db, space)

    def _select(self, sql: str, params: Sequence[object]) -> list[Version]:
        with self._lock:
            rows = self._connection().execute(sql, params).fetchall()
        return [_version(row) for row in rows]

    def by_article(self, space: str, article_ids: Sequence[str]) -> list[Version]:
        """Every stored version of these articles."""
        found: list[Version] = []
        for piece in _pieces(list(article_ids)):
            found += self._select(
                f"SELECT {_COLUMNS} FROM versions WHERE space = ? "
                f"AND article_id IN ({_marks(len(piece))})",
                (space, *piece),
            )
        return found

    def stored_hashes(self, space: str, hashes: Sequence[str]) -> set[str]:
        """Those of `hashes` some stored version has."""
        found: set[str] = set()
        for piece in _pieces(list(hashes)):
            with self._lock:
                rows = (
                    self._connection()
                    .execute(
                        f"SELECT DISTINCT content_hash FROM versions WHERE space = ? "
                        f"AND content_hash IN ({_marks(len(piece))})",
                        (space, *piece),
                    )
                    .fetchall()
                )
            found.update(str(row[0]) for row in rows)
        return found

    def conflicts(self, space: str) -> list[str]:
        """Articles stored in more than one version (an interrupted update)."""
        with self._lock:
            rows = (
                self._connection()
                .execute(
                    "SELECT article_id FROM versions WHERE space = ? GROUP BY article_id "
                    "HAVING COUNT(*) > 1 ORDER BY article_id",
                    (space,),
                )
                .fetchall()
            )
        return [str(row[0]) for row in rows]

    def page(
        self, spaces: Sequence[str], offset: int, limit: int
    ) -> tuple[list[tuple[str, Version]], int]:
        """The versions of `spaces` from `offset` on (at most `limit`), newest first, each
        with its space; and how many there are in all.

        The page's keys come from merging each space's `newest` index (a covering index,
        so the rows before `offset` are skipped in the index alone: 0.04 s for the last
        page of 100,000 against 0.47 s sorting whole rows); then only its rows are read.
        """
        if not spaces:
            return [], 0
        keys = " UNION ALL ".join(
            "SELECT space, first_chunk, published_ord, title, article_id FROM versions "
            "WHERE space = ?"
            for _ in spaces
        )
        with self._lock:
            db = self._connection()
            total = sum(
                int(db.execute("SELECT COUNT(*) FROM versions WHERE space = ?", (s,)).fetchone()[0])
                for s in spaces
            )
            found = db.execute(f"{keys} {_NEWEST_FIRST} LIMIT ? OFFSET ?",
                               (*spaces, limit, offset)).fetchall()  # fmt: skip
            rows = [
                db.execute(
                    f"SELECT {_COLUMNS} FROM versions WHERE space = ? AND first_chunk = ?",
                    (space, first_chunk),
                ).fetchone()
                for space, first_chunk, *_ in found
            ]
        return [(str(key[0]), _version(row)) for key, row in zip(found, rows, strict=True)], total

    def matching(self, spaces: Sequence[str], text: str, limit: int) -> list[tuple[str, Version]]:
        """Up to `limit` versions whose id, title or outlet contains `text` (ASCII letters
        in any case), newest first."""
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where = f"space IN ({_marks(len(spaces))})"
        like = " OR ".join(f"{c} LIKE ? ESCAPE '\\'" for c in ("article_id", "title", "source"))
        with self._lock:
            rows = (
                self._connection()
                .execute(
                    f"SELECT space, {_COLUMNS} FROM versions WHERE {where} AND ({like}) "
                    f"{_NEWEST_FIRST} LIMIT ?",
                    (*spaces, pattern, pattern, pattern, limit),
                )
                .fetchall()
            )
        return [(str(row[0]), _version(row[1:])) for row in rows]
