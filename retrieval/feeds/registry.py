"""The followed feeds and the entries seen in them: one SQLite file in the data dir.

Several processes use it at once (the Discord bot, `newsbot refresh`, `newsbot watch`,
`newsbot feeds`): the file is in WAL mode, every write is one short transaction, and a
poller *claims* a due feed (a lease) before polling it, so two processes never poll the
same feed at the same time. Everything a restart needs is here: what each feed last
answered (ETag, Last-Modified), when it is due, which entries were seen, and which new
stories still wait to be posted.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

FILENAME = "feeds.sqlite3"
OK, FAILING, PAUSED = "ok", "failing", "paused"
FAILING_AFTER = 3
PAUSED_AFTER = 10
NOT_ANNOUNCED, TO_ANNOUNCE, ANNOUNCED = 0, 1, 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT NOT NULL, space TEXT NOT NULL, every_seconds INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'ok', consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_checked REAL, last_error TEXT, etag TEXT, last_modified TEXT,
    next_due REAL NOT NULL, channel_id INTEGER, followed_by INTEGER,
    added_at REAL NOT NULL, answered INTEGER NOT NULL DEFAULT 0,
    lease_until REAL NOT NULL DEFAULT 0, pause_notice INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (url, space)
);
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY, space TEXT NOT NULL, feed_url TEXT NOT NULL,
    guid TEXT NOT NULL, link_key TEXT NOT NULL, text_key TEXT NOT NULL,
    article_id TEXT NOT NULL, stored INTEGER NOT NULL DEFAULT 1,
    title TEXT NOT NULL, link TEXT NOT NULL, outlet TEXT NOT NULL, published TEXT,
    summary TEXT NOT NULL, seen_at REAL NOT NULL, announce INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS entries_guid ON entries (space, feed_url, guid);
CREATE INDEX IF NOT EXISTS entries_link ON entries (space, link_key);
CREATE INDEX IF NOT EXISTS entries_text ON entries (space, text_key);
CREATE INDEX IF NOT EXISTS entries_announce ON entries (announce);
"""


def iso(moment: float | None) -> str | None:
    if moment is None:
        return None
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class Feed:
    url: str
    space: str
    every_seconds: int
    status: str = OK
    consecutive_failures: int = 0
    last_checked: float | None = None
    last_error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    next_due: float = 0.0
    channel_id: int | None = None
    followed_by: int | None = None
    answered: bool = False  # has it ever answered (the first answer is not announced)
    articles: int = 0  # stored articles that came from it

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "space": self.space,
            "every_seconds": self.every_seconds,
            "status": self.status,
            "consecutive_failures": self.consecutive_failures,
            "last_checked": iso(self.last_checked),
            "last_error": self.last_error,
            "next_due": iso(self.next_due),
            "channel_id": self.channel_id,
            "articles": self.articles,
        }


@dataclass(frozen=True, slots=True)
class SeenEntry:
    id: int
    guid: str
    link_key: str
    text_key: str
    article_id: str


@dataclass(frozen=True, slots=True)
class Story:
    """A new entry of a feed, as it is announced."""

    id: int
    space: str
    feed_url: str
    channel_id: int | None
    title: str
    link: str
    outlet: str
    published_at: date | None
    summary: str  # one line
    article_id: str


_FEED_COLUMNS = (
    "url, space, every_seconds, status, consecutive_failures, last_checked, last_error, "
    "etag, last_modified, next_due, channel_id, followed_by, answered"
)


def _feed(row: sqlite3.Row, articles: int = 0) -> Feed:
    return Feed(**{key: row[key] for key in _FEED_COLUMNS.split(", ")}, articles=articles)


def _story(row: sqlite3.Row) -> Story:
    published = row["published"]
    return Story(
        id=row["id"], space=row["space"], feed_url=row["feed_url"],
        channel_id=row["channel_id"], title=row["title"], link=row["link"],
        outlet=row["outlet"], published_at=date.fromisoformat(published) if published else None,
        summary=row["summary"], article_id=row["article_id"],
    )  # fmt: skip


class FeedRegistry:
    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / FILENAME
        with self._db() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    @contextmanager
    def _db(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            db.execute("PRAGMA busy_timeout=30000")
            if not write:
                yield db
                return
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        finally:
            db.close()

    # -- the feeds ------------------------------------------------------------------------

    def follow(
        self,
        url: str,
        space: str,
        every_seconds: int,
        *,
        channel_id: int | None = None,
        followed_by: int | None = None,
        now: float | None = None,
    ) -> Feed:
        """Follow a feed in a space (again: its interval and channel change; it is due now)."""
        now = time.time() if now is None else now
        with self._db(write=True) as db:
            db.execute(
                "INSERT INTO feeds (url, space, every_seconds, next_due, channel_id, followed_by,"
                " added_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (url, space) DO UPDATE SET"
                " every_seconds = excluded.every_seconds, channel_id = excluded.channel_id,"
                " followed_by = excluded.followed_by, next_due = excluded.next_due,"
                " status = 'ok', consecutive_failures = 0, pause_notice = 0",
                (url, space, every_seconds, now, channel_id, followed_by, now),
            )
        found = self.get(url, space)
        assert found is not None
        return found

    def unfollow(self, url: str, space: str) -> bool:
        """Stop following; the articles it brought stay."""
        with self._db(write=True) as db:
            gone = db.execute("DELETE FROM feeds WHERE url = ? AND space = ?", (url, space))
            db.execute(
                "UPDATE entries SET announce = ? WHERE feed_url = ? AND space = ? AND announce = ?",
                (NOT_ANNOUNCED, url, space, TO_ANNOUNCE),
            )
        return gone.rowcount > 0

    def get(self, url: str, space: str) -> Feed | None:
        found = [f for f in self.feeds(space) if f.url == url]
        return found[0] if found else None

    def feeds(self, space: str | None = None) -> list[Feed]:
        """The followed feeds (of one space), in the order they were followed."""
        where, args = ("WHERE space = ?", (space,)) if space is not None else ("", ())
        with self._db() as db:
            rows = db.execute(
                f"SELECT {_FEED_COLUMNS} FROM feeds {where} ORDER BY added_at, url", args
            ).fetchall()
            counts = {
                (row[0], row[1]): row[2]
                for row in db.execute(
                    "SELECT feed_url, space, COUNT(*) FROM entries WHERE stored = 1"
                    " GROUP BY feed_url, space"
                )
            }
        return [_feed(row, counts.get((row["url"], row["space"]), 0)) for row in rows]

    def spaces_following(self, url: str) -> list[str]:
        with self._db() as db:
            rows = db.execute("SELECT space FROM feeds WHERE url = ? ORDER BY space", (url,))
            return [row[0] for row in rows]

    def claim(
        self, now: float, lease_seconds: float, *, every: bool = False, paused: bool = False
    ) -> list[Feed]:
        """The feeds due now (every one with `every`; paused ones only with `paused`), leased
        to the caller so no other process polls them meanwhile."""
        conditions = ["lease_until <= :now"]
        if not every:
            conditions.append("next_due <= :now")
        if not paused:
            conditions.append("status != 'paused'")
        where = " AND ".join(conditions)
        with self._db(write=True) as db:
            rows = db.execute(
                f"SELECT {_FEED_COLUMNS} FROM feeds WHERE {where} ORDER BY next_due", {"now": now}
            ).fetchall()
            db.executemany(
                "UPDATE feeds SET lease_until = ? WHERE url = ? AND space = ?",
                [(now + lease_seconds, row["url"], row["space"]) for row in rows],
            )
        return [_feed(row) for row in rows]

    def next_due(self) -> float | None:
        """When the next feed falls due (paused ones never do), or None without feeds."""
        with self._db() as db:
            row = db.execute("SELECT MIN(next_due) FROM feeds WHERE status != 'paused'").fetchone()
        return row[0]

    def answered(
        self, feed: Feed, *, now: float, next_due: float, etag: str | None,
        last_modified: str | None,
    ) -> None:  # fmt: skip
        """The feed answered (a 304 too): healthy again, due next at `next_due`."""
        with self._db(write=True) as db:
            db.execute(
                "UPDATE feeds SET status = 'ok', consecutive_failures = 0, last_checked = ?,"
                " last_error = NULL, etag = COALESCE(?, etag),"
                " last_modified = COALESCE(?, last_modified), next_due = ?, answered = 1,"
                " lease_until = 0, pause_notice = 0 WHERE url = ? AND space = ?",
                (now, etag, last_modified, next_due, feed.url, feed.space),
            )

    def failed(self, feed: Feed, *, now: float, error: str, next_due: float) -> Feed:
        """One more failure in a row: `failing` after 3, `paused` after 10 (its follower is
        told once: see `pause_notices`)."""
        failures = feed.consecutive_failures + 1
        status = OK if failures < FAILING_AFTER else FAILING if failures < PAUSED_AFTER else PAUSED
        with self._db(write=True) as db:
            db.execute(
                "UPDATE feeds SET status = ?, consecutive_failures = ?, last_checked = ?,"
                " last_error = ?, next_due = ?, lease_until = 0,"
                " pause_notice = CASE WHEN ? = 'paused' AND pause_notice = 0 THEN 1"
                " ELSE pause_notice END WHERE url = ? AND space = ?",
                (status, failures, now, error, next_due, status, feed.url, feed.space),
            )
        found = self.get(feed.url, feed.space)
        return found or feed

    def release(self, feed: Feed, *, next_due: float) -> None:
        """Give the feed back unpolled (not its fault: the store was down), due again later."""
        with self._db(write=True) as db:
            db.execute(
                "UPDATE feeds SET lease_until = 0, next_due = ? WHERE url = ? AND space = ?",
                (next_due, feed.url, feed.space),
            )

    def pause_notices(self) -> list[Feed]:
        """Feeds paused since their follower was last told (see `notified`)."""
        with self._db() as db:
            rows = db.execute(f"SELECT {_FEED_COLUMNS} FROM feeds WHERE pause_notice = 1")
            return [_feed(row) for row in rows.fetchall()]

    def notified(self, feed: Feed) -> None:
        with self._db(write=True) as db:
            db.execute(
                "UPDATE feeds SET pause_notice = 2 WHERE url = ? AND space = ?",
                (feed.url, feed.space),
            )

    # -- the entries ----------------------------------------------------------------------

    def find_entry(self, space: str, feed_url: str, guid: str, link_key: str,
                   text_key: str) -> SeenEntry | None:  # fmt: skip
        """The entry seen before that this one is: same id in the feed, else the same link
        in the space, else the same words in the space."""
        queries = [
            ("space = ? AND feed_url = ? AND guid = ?", (space, feed_url, guid)),
            ("space = ? AND link_key = ?", (space, link_key)),
            ("space = ? AND text_key = ?", (space, text_key)),
        ]
        with self._db() as db:
            for where, args in queries:
                if not args[-1]:
                    continue
                row = db.execute(
                    "SELECT id, guid, link_key, text_key, article_id FROM entries"
                    f" WHERE {where} ORDER BY id LIMIT 1",
                    args,
                ).fetchone()
                if row is not None:
                    return SeenEntry(*row)
        return None

    def add_entry(self, space: str, feed_url: str, *, guid: str, link_key: str, text_key: str,
                  article_id: str, title: str, link: str, outlet: str, published: date | None,
                  summary: str, stored: bool, announce: bool, now: float) -> int:  # fmt: skip
        with self._db(write=True) as db:
            cursor = db.execute(
                "INSERT INTO entries (space, feed_url, guid, link_key, text_key, article_id,"
                " stored, title, link, outlet, published, summary, seen_at, announce)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (space, feed_url, guid, link_key, text_key, article_id, int(stored), title, link,
                 outlet, published.isoformat() if published else None, summary, now,
                 TO_ANNOUNCE if announce else NOT_ANNOUNCED),
            )  # fmt: skip
            return int(cursor.lastrowid or 0)

    def entry_changed(self, entry_id: int, *, text_key: str, title: str, summary: str) -> None:
        with self._db(write=True) as db:
            db.execute(
                "UPDATE entries SET text_key = ?, title = ?, summary = ?, stored = 1 WHERE id = ?",
                (text_key, title, summary, entry_id),
            )

    def stories_to_announce(self) -> list[Story]:
        """New stories of feeds that post to a channel, oldest first, not posted yet."""
        with self._db() as db:
            rows = db.execute(
                "SELECT e.*, f.channel_id FROM entries e JOIN feeds f"
                " ON f.url = e.feed_url AND f.space = e.space"
                " WHERE e.announce = ? AND f.channel_id IS NOT NULL ORDER BY e.id",
                (TO_ANNOUNCE,),
            ).fetchall()
        return [_story(row) for row in rows]

    def announced(self, story_ids: list[int]) -> None:
        with self._db(write=True) as db:
            db.executemany(
                "UPDATE entries SET announce = ? WHERE id = ?",
                [(ANNOUNCED, story_id) for story_id in story_ids],
            )

    def stored_before(self, space: str, day: date) -> list[tuple[int, str]]:
        """(entry id, article id) of the stored entries of a space dated before `day`."""
        with self._db() as db:
            rows = db.execute(
                "SELECT id, article_id FROM entries WHERE space = ? AND stored = 1"
                " AND published IS NOT NULL AND published < ?",
                (space, day.isoformat()),
            )
            return [(row[0], row[1]) for row in rows.fetchall()]

    def forgotten(self, entry_ids: list[int]) -> None:
        """The entries' articles were removed (kept as seen, so they don't come back)."""
        with self._db(write=True) as db:
            db.executemany(
                "UPDATE entries SET stored = 0, announce = ? WHERE id = ?",
                [(NOT_ANNOUNCED, entry_id) for entry_id in entry_ids],
            )
