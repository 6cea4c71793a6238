"""Follow-up memory: replies and threads continue the exchanges that led to them."""

from __future__ import annotations

import pytest

from bot.conversation import Conversations
from retrieval.records import Turn

FIRST = Turn("Who ended the strike?", "The dockers' union accepted a pay rise. [1]")
SECOND = Turn("And who confirmed it?", "The port authority confirmed it. [1]")


def test_a_reply_to_any_part_of_an_answer_continues_its_conversation() -> None:
    memory = Conversations()
    memory.record((), FIRST, message_ids=[10, 11])

    assert memory.history(reply_to=10) == (FIRST,)
    assert memory.history(reply_to=11) == (FIRST,)
    assert memory.history(reply_to=12) == ()
    assert memory.history() == ()


def test_follow_ups_chain_and_keep_only_the_latest_turns() -> None:
    memory = Conversations(max_turns=2)
    history = memory.record((), FIRST, message_ids=[1])
    history = memory.record(history, SECOND, message_ids=[2])
    third = Turn("When?", "On Thursday. [1]")
    memory.record(history, third, message_ids=[3])

    assert memory.history(reply_to=2) == (FIRST, SECOND)
    assert memory.history(reply_to=3) == (SECOND, third)


def test_a_thread_remembers_its_latest_exchange_and_a_reply_wins_over_it() -> None:
    memory = Conversations()
    memory.record((), FIRST, message_ids=[1], thread_id=500)
    memory.record((FIRST,), SECOND, message_ids=[2], thread_id=500)

    assert memory.history(thread_id=500) == (FIRST, SECOND)
    assert memory.history(reply_to=1, thread_id=500) == (FIRST,)
    assert memory.history(reply_to=999, thread_id=500) == (FIRST, SECOND)


def test_memory_is_bounded_and_forgets_the_least_recently_used() -> None:
    memory = Conversations(max_entries=3)
    for message_id in (1, 2, 3):
        memory.record((), FIRST, message_ids=[message_id])
    assert memory.history(reply_to=1) == (FIRST,)  # 1 is now the most recently used
    memory.record((), SECOND, message_ids=[4])

    assert memory.knows_message(1) and memory.knows_message(3) and memory.knows_message(4)
    assert not memory.knows_message(2)


def test_bounds_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Conversations(max_entries=0)
