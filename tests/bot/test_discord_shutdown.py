"""SIGTERM and Ctrl-C stop the bot: the Discord connection closes and `_serve` returns.

The bot can't log in to Discord here, so the client is a fake built on the real class
whose `connect()` runs until `close()` is called, as discord.py's does."""

from __future__ import annotations

import asyncio
import os
import signal
from typing import Any
from unittest.mock import AsyncMock, create_autospec

import pytest

from bot import discord_app
from bot.discord_app import NewsBot, stop_on_signals
from retrieval.config import Settings


def connected_bot() -> Any:
    bot = create_autospec(NewsBot, instance=True)
    closed = asyncio.Event()

    async def close() -> None:
        closed.set()

    async def connect() -> None:
        await closed.wait()

    bot.close = AsyncMock(side_effect=close)
    bot.connect = AsyncMock(side_effect=connect)
    bot.__aenter__ = AsyncMock(return_value=bot)
    bot.__aexit__ = AsyncMock(return_value=None)
    return bot


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
async def test_a_signal_closes_the_discord_connection(
    signum: int, monkeypatch: pytest.MonkeyPatch, bot_settings: Settings
) -> None:
    bot = connected_bot()
    monkeypatch.setattr(discord_app, "create_bot", lambda *a, **k: bot)
    monkeypatch.setattr(discord_app, "sync_commands", AsyncMock(return_value=False))
    serving = asyncio.create_task(discord_app._serve(bot_settings, object(), "token"))  # type: ignore[arg-type]
    await asyncio.sleep(0.05)
    assert not serving.done()

    os.kill(os.getpid(), signum)
    await asyncio.wait_for(serving, timeout=5)

    bot.login.assert_awaited_once_with("token")
    bot.close.assert_awaited()
    bot.__aexit__.assert_awaited()  # `async with bot` closed what it holds
    # the handlers are gone with the bot: the loop no longer watches the signal
    assert not asyncio.get_running_loop().remove_signal_handler(signum)


async def test_the_handlers_can_be_removed() -> None:
    bot = connected_bot()
    remove = stop_on_signals(bot, asyncio.get_running_loop())
    remove()
    assert not asyncio.get_running_loop().remove_signal_handler(signal.SIGTERM)
    bot.close.assert_not_awaited()
