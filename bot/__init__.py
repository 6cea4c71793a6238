"""newsbot's fronts: the command line, the terminal chat and the Discord bot."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from discord.ext import commands

    from retrieval import Engine, Settings


def create_bot(settings: Settings | None = None, engine: Engine | None = None) -> commands.Bot:
    """Build the Discord bot (imports discord.py only when called, so `--help` stays fast)."""
    from bot.discord_app import create_bot as _create_bot

    return _create_bot(settings, engine)
