"""Cooldowns: per user on questions, shared by every way of asking (slash, prefix, mention,
DM); per server on `/ingest`, so one server can't keep the bot downloading."""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from retrieval import NewsbotError

QUESTIONS_PER_WINDOW = 3
WINDOW_SECONDS = 30.0
INGESTS_PER_WINDOW = 2  # per server
INGEST_WINDOW_SECONDS = 60.0


class Cooldown(NewsbotError):
    """Over a cooldown; the message says when to try again (`{seconds}` in `template`)."""

    template = "Try again in {seconds} s."

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(self.template.format(seconds=max(1, math.ceil(retry_after))))


class QuestionCooldown(Cooldown):
    """Someone asked more often than the cooldown allows."""

    template = "You're asking faster than I can read — try again in {seconds} s."


class IngestCooldown(Cooldown):
    """A server ran /ingest more often than the cooldown allows."""

    template = (
        "This server is adding articles faster than I can fetch them — try again in {seconds} s."
    )


class Cooldowns:
    """At most `rate` hits per key (a user, a server) in any `per` seconds (a sliding
    window); over it, `error(retry_after)` is raised."""

    def __init__(
        self,
        rate: int = QUESTIONS_PER_WINDOW,
        per: float = WINDOW_SECONDS,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_users: int = 10_000,
        error: Callable[[float], NewsbotError] = QuestionCooldown,
    ) -> None:
        if rate < 1 or per <= 0:
            raise ValueError("rate must be at least 1 and per positive")
        self.rate = rate
        self.per = per
        self._clock = clock
        self._max_users = max_users
        self._error = error
        self._asked: OrderedDict[int, deque[float]] = OrderedDict()

    def hit(self, user_id: int) -> None:
        """Count one question by `user_id`; raises QuestionCooldown when over the limit."""
        now = self._clock()
        times = self._asked.setdefault(user_id, deque())
        self._asked.move_to_end(user_id)
        while times and now - times[0] >= self.per:
            times.popleft()
        if len(times) >= self.rate:
            raise self._error(self.per - (now - times[0]))
        times.append(now)
        while len(self._asked) > self._max_users:
            self._asked.popitem(last=False)

    def reset(self, user_id: int) -> None:
        self._asked.pop(user_id, None)
