"""The event loop (and so Discord's heartbeat) stays responsive while an answer is computed."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import discord.ext.test as dpytest

from bot.discord_app import NewsBot
from retrieval.records import Answer
from tests.bot.conftest import FakeKnowledge, invoke, make_interaction, strike_answer

WORK_SECONDS = 0.6
# Work done on the loop would stop the ticks for all of WORK_SECONDS; off the loop they
# keep coming, late by no more than a busy machine's scheduling (100 ms was too tight at
# load 12).
MAX_GAP = WORK_SECONDS / 3


def slow_answer(question: str) -> Answer:
    """Blocks its thread like a real search would: sleeping, then spinning the CPU."""
    time.sleep(WORK_SECONDS / 2)
    deadline = time.perf_counter() + WORK_SECONDS / 2
    while time.perf_counter() < deadline:
        sum(range(1000))
    return strike_answer(question)


async def ticking_while(work: Any) -> tuple[float, float]:
    """Run `work` while a 10 ms timer ticks; return (longest gap between ticks, duration)."""
    gaps: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    task = asyncio.create_task(ticker())
    started = time.perf_counter()
    await work
    duration = time.perf_counter() - started
    done.set()
    await task
    return max(gaps, default=duration), duration  # no tick at all: the loop was blocked


async def test_the_loop_keeps_ticking_during_a_slash_answer(
    newsbot: NewsBot, knowledge: FakeKnowledge
) -> None:
    knowledge.answer = slow_answer
    interaction = make_interaction(newsbot)

    longest_gap, duration = await ticking_while(
        invoke(newsbot, "ask", interaction, question="How did the strike end?")
    )

    assert duration >= WORK_SECONDS
    assert longest_gap < MAX_GAP
    assert interaction.followup.send.call_args.kwargs["content"].startswith("The strike")


async def test_the_loop_keeps_ticking_during_a_prefix_answer(
    newsbot: NewsBot, knowledge: FakeKnowledge
) -> None:
    knowledge.answer = slow_answer

    longest_gap, duration = await ticking_while(dpytest.message("!ask how did the strike end?"))

    assert duration >= WORK_SECONDS
    assert longest_gap < MAX_GAP
    assert dpytest.get_message().content.startswith("The strike")
