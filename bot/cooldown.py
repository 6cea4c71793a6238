"""Per-user cooldown on questions, shared by every way of asking (slash, prefix, mention, DM)."""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from retrieval import NewsbotError

QUESTIONS_PER_WINDOW = 3
WINDOW_SECONDS = 30.0


class QuestionCooldown(NewsbotError):
    """Someone asked more often than the cooldown allows."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        seconds = max(1, math.ceil(retry_after))
        super().__init__(
            f"You're asking faster than I can read — try again in {seconds} s."
        )


class Cooldowns:
    """At most `rate` questions per user in any `per` seconds (a sliding window)."""

    def __init__(
        self,
        rate: int = QUESTIONS_PER_WINDOW,
        per: float = WINDOW_SECONDS,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_users: int = 10_000,
    ) -> None:
        if rate < 1 or per <= 0:
            raise ValueError("rate must be at least 1 and per positive")
        self.rate = rate
        self.per = per
        self._clock = clock
        self._max_users = max_users
        self._asked: OrderedDict[int, deque[float]] = OrderedDict()

    def hit(self, user_id: int) -> None:
        """Count one question by `user_id`; raises QuestionCooldown when over the limit."""
        now = self._clock()
        times = self._asked.setdefault(user_id, deque())
        self._asked.move_to_end(user_id)
        while times and now - times[0] >= self.per:
            times.popleft()
        if len(times) >= self.rate:
            raise QuestionCooldown(self.per - (now - times[0]))
        times.append(now)
        while len(self._asked) > self._max_users:
            self._asked.popitem(last=False)

    def reset(self, user_id: int) -> None:
        self._asked.pop(user_id, None)
