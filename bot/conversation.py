"""Follow-up memory: which earlier exchanges a new question continues.

Replying to one of the bot's answers continues the conversation that answer ended;
so does asking in a thread the bot answered in. Memory is bounded (least recently
used entries go first) and lives only as long as the process.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence

from retrieval import HISTORY_TURNS, Turn

MAX_ENTRIES = 2000  # remembered answer messages and threads, each


class _LRU:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[int, tuple[Turn, ...]] = OrderedDict()

    def get(self, key: int) -> tuple[Turn, ...] | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: int, value: tuple[Turn, ...]) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


class Conversations:
    """Maps the bot's answer messages and threads to the exchanges that led to them."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_turns: int = HISTORY_TURNS) -> None:
        if max_entries < 1 or max_turns < 1:
            raise ValueError("max_entries and max_turns must be at least 1")
        self.max_turns = max_turns
        self._messages = _LRU(max_entries)
        self._threads = _LRU(max_entries)

    def history(
        self, *, reply_to: int | None = None, thread_id: int | None = None
    ) -> tuple[Turn, ...]:
        """The exchanges a new question continues: those of the answer it replies to,
        else those of the thread it is asked in, else none."""
        if reply_to is not None:
            found = self._messages.get(reply_to)
            if found is not None:
                return found
        if thread_id is not None:
            found = self._threads.get(thread_id)
            if found is not None:
                return found
        return ()

    def knows_message(self, message_id: int) -> bool:
        return self._messages.get(message_id) is not None

    def record(
        self,
        history: Sequence[Turn],
        turn: Turn,
        *,
        message_ids: Iterable[int],
        thread_id: int | None = None,
    ) -> tuple[Turn, ...]:
        """Remember `turn` (after `history`) under every message of its answer and its thread."""
        turns = (*history, turn)[-self.max_turns :]
        for message_id in message_ids:
            self._messages.put(message_id, turns)
        if thread_id is not None:
            self._threads.put(thread_id, turns)
        return turns
