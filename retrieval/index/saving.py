"""Snapshot saves in the background: debounced, one at a time, off the question path.

A process killed after its writes (kill -9, a crash, the OOM killer) never reaches
`Searcher.close`; without a save in between, its snapshot lags by every write since it
started. So a write asks for a save `after` seconds later; each further write to the
space moves that back, but never beyond `within` seconds of the first unsaved one, so a
steady ingest still saves. One thread does the saves, oldest due first.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

SAVE_AFTER_SECONDS = 5.0  # a snapshot is saved this long after the last write to it
SAVE_WITHIN_SECONDS = 60.0  # and no later than this after the first write it lacks


class BackgroundSaves:
    """Calls `save(space)` in one daemon thread when a requested save falls due (it
    returns whether it wrote anything)."""

    def __init__(
        self,
        save: Callable[[str], bool],
        *,
        after: float = SAVE_AFTER_SECONDS,
        within: float = SAVE_WITHIN_SECONDS,
    ) -> None:
        self._save = save
        self.after, self.within = after, within
        self._due: dict[str, tuple[float, float]] = {}  # space -> (due, first requested)
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopped = False
        self.saved = 0  # saves done (for tests and benchmarks)

    def request(self, space: str, *, now: bool = False) -> bool:
        """Save `space` `after` seconds from now (moving back a save not yet due), or with
        `now` as soon as the saves before it are done; False once closed."""
        started = time.monotonic()
        with self._wake:
            if self._stopped:
                return False
            first = self._due.get(space, (started, started))[1]
            due = started if now else min(started + self.after, first + self.within)
            self._due[space] = (due, first)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="newsbot-snapshots", daemon=True
                )
                self._thread.start()
            self._wake.notify()
            return True

    def cancel(self, space: str) -> None:
        with self._wake:
            self._due.pop(space, None)

    def close(self) -> None:
        """Stop taking requests and wait for a save in progress (pending ones are dropped:
        the caller saves what it still holds)."""
        with self._wake:
            self._stopped = True
            self._due.clear()
            self._wake.notify()
            thread = self._thread
        if thread is not None:
            thread.join()

    def _next(self) -> str | None:
        """The next space due, waiting for it; None once closed."""
        with self._wake:
            while not self._stopped:
                now = time.monotonic()
                due = min(self._due.items(), key=lambda item: item[1][0], default=None)
                if due is not None and due[1][0] <= now:
                    del self._due[due[0]]
                    return due[0]
                self._wake.wait(None if due is None else due[1][0] - now)
            return None

    def _run(self) -> None:
        while (space := self._next()) is not None:
            try:
                if self._save(space):
                    self.saved += 1
            except Exception:  # a failed save leaves the previous snapshot: log, go on
                log.exception("could not write the index snapshot of %s", space)
