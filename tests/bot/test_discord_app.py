"""Building and starting the bot: intents, cogs and commands, the token, command sync."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest.mock import AsyncMock

import discord
import pytest
from discord import app_commands
from discord.ext import commands
from pydantic import SecretStr

import bot as bot_package
from bot import discord_app
from bot.discord_app import (
    TOKEN_HELP,
    NewsBot,
    build_intents,
    create_bot,
    invite_url,
    run_bot,
    sync_commands,
)
from bot.logsafe import RedactSecret
from retrieval.config import Settings, load_settings
from retrieval.engine import Engine
from retrieval.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def test_intents_are_only_what_the_bot_needs() -> None:
    intents = build_intents()
    assert intents.guilds and intents.guild_messages and intents.dm_messages
    assert intents.message_content
    assert not (intents.members or intents.presences)  # the other privileged intents
    assert not (intents.guild_typing or intents.dm_typing or intents.guild_reactions)
    assert not build_intents(message_content=False).message_content


async def test_the_bot_has_its_cogs_commands_and_safe_defaults(
    bot_settings: Settings, fake_engine: Any
) -> None:
    bot = create_bot(bot_settings, fake_engine)
    await bot._async_setup_hook()
    await bot.setup_hook()

    assert set(bot.cogs) == {"Errors", "Questions", "Sources", "Help", "Feeds"}
    slash = {c.name for c in bot.tree.get_commands()}
    assert slash == {"ask", "sources", "ingest", "forget", "help", "feeds", "news"}
    assert {c.name for c in bot.commands} == {"ask", "help"}
    assert bot.allowed_mentions is not None and bot.allowed_mentions.to_dict() == {"parse": []}
    ask = bot.tree.get_command("ask")
    assert isinstance(ask, app_commands.Command)
    question = ask.get_parameter("question")
    assert question is not None and question.max_value == 1000  # Discord enforces it too


def test_create_bot_builds_settings_and_engine_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("NEWSBOT_PREFIX", "%")
    bot = bot_package.create_bot()

    assert isinstance(bot, NewsBot)
    assert bot.command_prefix == "%"
    assert isinstance(bot.engine, Engine)


def test_a_sharded_bot_connects_only_its_shards_and_serves_their_servers(
    fake_engine: Any, tmp_path: Path
) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, shard_count=4, shard_ids="3,1")  # type: ignore[call-arg]
    sharded = create_bot(settings, fake_engine)

    assert isinstance(sharded, commands.AutoShardedBot) and isinstance(sharded, NewsBot)
    assert (sharded.shard_ids, sharded.shard_count) == ([1, 3], 4)
    guild_of_shard = {shard: (shard << 22) + 7 for shard in range(4)}
    served = {s for s, guild in guild_of_shard.items() if sharded.serves(f"guild-{guild}")}
    assert served == {1, 3}
    assert sharded.serves("shared")

    plain = create_bot(Settings(_env_file=None, data_dir=tmp_path), fake_engine)  # type: ignore[call-arg]
    assert not isinstance(plain, commands.AutoShardedBot)
    assert all(plain.serves(f"guild-{guild}") for guild in guild_of_shard.values())


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"NEWSBOT_SHARD_IDS": "1"},
         "NEWSBOT_SHARD_IDS must come with NEWSBOT_SHARD_COUNT, the number of shards in all"),
        ({"NEWSBOT_SHARD_COUNT": "2", "NEWSBOT_SHARD_IDS": "0,2"},
         "NEWSBOT_SHARD_IDS must be below NEWSBOT_SHARD_COUNT (2); shards count from 0"),
        ({"NEWSBOT_SHARD_COUNT": "2", "NEWSBOT_SHARD_IDS": "first"},
         "NEWSBOT_SHARD_IDS must be shard numbers separated by commas, like 0,1"),
        ({"NEWSBOT_SHARD_COUNT": "0"}, "NEWSBOT_SHARD_COUNT must be at least 1"),
    ],
)  # fmt: skip
def test_bad_shard_settings_are_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None)
    assert str(caught.value).startswith(message)


def test_importing_the_package_does_not_import_discord() -> None:
    code = "import sys, bot; print('discord' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("token", [None, "   "])
def test_without_a_token_the_bot_explains_how_to_get_one(
    bot_settings: Settings, token: str | None
) -> None:
    settings = bot_settings.model_copy(
        update={"discord_token": SecretStr(token) if token is not None else None}
    )
    with pytest.raises(ConfigError) as caught:
        run_bot(settings)
    assert str(caught.value) == TOKEN_HELP
    assert "https://discord.com/developers/applications" in TOKEN_HELP


@pytest.fixture
def offline_gateway(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[NewsBot]]:
    """Replace login/connect/sync with fakes; returns the bots that were started."""
    started: list[NewsBot] = []

    async def login(self: NewsBot, token: str) -> None:
        started.append(self)
        await self.setup_hook()

    monkeypatch.setattr(NewsBot, "login", login)
    monkeypatch.setattr(discord_app, "sync_commands", AsyncMock(return_value=False))
    yield started
    for handler in logging.getLogger().handlers:
        handler.filters = [f for f in handler.filters if not isinstance(f, RedactSecret)]


def test_without_the_message_content_intent_the_bot_restarts_on_slash_commands(
    bot_settings: Settings,
    fake_engine: Any,
    offline_gateway: list[NewsBot],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    connect = AsyncMock(side_effect=[discord.PrivilegedIntentsRequired(None), None])
    monkeypatch.setattr(NewsBot, "connect", connect)
    settings = bot_settings.model_copy(update={"discord_token": SecretStr("secret-token-value")})

    run_bot(settings, fake_engine)

    assert [b.intents.message_content for b in offline_gateway] == [True, False]
    fake_engine.warm_up.assert_called_once_with()  # the model loads before connecting
    assert "Message Content Intent" in caplog.text
    assert "secret-token-value" not in caplog.text


def test_a_rejected_token_is_a_clear_error(
    bot_settings: Settings,
    fake_engine: Any,
    monkeypatch: pytest.MonkeyPatch,
    offline_gateway: list[NewsBot],
) -> None:
    monkeypatch.setattr(NewsBot, "login", AsyncMock(side_effect=discord.LoginFailure("bad")))
    settings = bot_settings.model_copy(update={"discord_token": SecretStr("secret-token-value")})

    with pytest.raises(ConfigError, match="Discord rejected DISCORD_TOKEN") as caught:
        run_bot(settings, fake_engine)
    assert "secret-token-value" not in str(caught.value)


async def test_slash_commands_are_synced_only_when_they_change(
    bot_settings: Settings, fake_engine: Any, tmp_path: Path
) -> None:
    bot = create_bot(bot_settings, fake_engine)
    await bot._async_setup_hook()
    await bot.setup_hook()
    bot.tree.sync = AsyncMock(return_value=[])  # type: ignore[method-assign]

    assert await sync_commands(bot, tmp_path) is True
    assert await sync_commands(bot, tmp_path) is False

    @app_commands.command(name="extra", description="A new command")
    async def extra(interaction: discord.Interaction) -> None: ...

    bot.tree.add_command(extra)
    assert await sync_commands(bot, tmp_path) is True
    assert bot.tree.sync.await_count == 2


def test_the_invite_link_asks_for_commands_and_message_permissions() -> None:
    url = invite_url(1234)
    assert "client_id=1234" in url and "applications.commands" in url
    permissions = discord.Permissions(int(url.split("permissions=")[1].split("&")[0]))
    assert permissions.send_messages and permissions.embed_links
    assert not permissions.administrator


async def test_start_up_logs_the_login_the_commands_and_the_invite_link(
    newsbot: NewsBot, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    newsbot.tree.sync = AsyncMock(return_value=["ask", "sources"])  # type: ignore[method-assign]
    commands_count = len(newsbot.tree.get_commands())
    with caplog.at_level(logging.INFO):
        await sync_commands(newsbot, tmp_path)
        await sync_commands(newsbot, tmp_path)
        await newsbot.on_ready()

    assert "Registered 2 slash commands with Discord." in caplog.text
    assert f"Slash commands unchanged since the last sync ({commands_count} commands)." in (
        caplog.text
    )
    assert f"Logged in as {newsbot.user}" in caplog.text
    assert "Invite link: https://discord.com/oauth2/authorize?client_id=" in caplog.text
