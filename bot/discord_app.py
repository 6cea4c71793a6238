"""The Discord bot: `create_bot()` builds it (no network needed), `run_bot()` runs it.

    bot = create_bot(settings, engine)   # a commands.Bot with the newsbot cogs
    run_bot(settings)                    # log in with DISCORD_TOKEN and serve until stopped

Heavy engine work (embedding, search, answering, ingesting) always runs in a worker
thread through `NewsBot.run_engine`, so the gateway heartbeat is never blocked.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import signal
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import discord
from discord.ext import commands

from bot.conversation import Conversations
from bot.cooldown import INGEST_WINDOW_SECONDS, INGESTS_PER_WINDOW, Cooldowns, IngestCooldown
from bot.logsafe import redact_secret_in_logs
from bot.safe_send import NO_MENTIONS
from retrieval import GUILD_PREFIX, SHARED_SPACE, ConfigError, Settings, space_for_guild

if TYPE_CHECKING:
    from retrieval import Engine

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

INGEST_THREADS = 4  # /ingests downloading at once, across all servers
EXTENSIONS = (
    "bot.cogs.errors",
    "bot.cogs.questions",
    "bot.cogs.sources",
    "bot.cogs.help",
    "bot.cogs.feeds",
)

# What the bot needs in a server: read and answer in channels and threads, show embeds.
INVITE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    create_public_threads=True,
    embed_links=True,
    read_message_history=True,
)

TOKEN_HELP = """\
No DISCORD_TOKEN is set, so the Discord bot can't start.
To get one:
  1. Open https://discord.com/developers/applications and create an application.
  2. In its "Bot" page, press "Reset Token" and copy the token.
  3. Put it in .env as DISCORD_TOKEN=<your token> (never commit that file),
     or export it in your shell.
  4. Optional: on the same page, enable "Message Content Intent" so !ask, replies and
     follow-ups in threads work; slash commands, @mentions and DMs work without it.
  5. Run newsbot again; it prints a link to invite the bot to your server."""

MESSAGE_CONTENT_HELP = (
    "The Message Content intent is not enabled for this bot, so prefix commands (!ask), "
    "replies without a mention and questions in threads are off. Slash commands, "
    "@mentions and DMs still work. To enable it: https://discord.com/developers/applications "
    "-> your app -> Bot -> Privileged Gateway Intents -> Message Content Intent."
)


def build_intents(*, message_content: bool = True) -> discord.Intents:
    """Only what the bot uses: servers and their channels, and messages in servers and DMs.

    `message_content` is privileged (it must be enabled in the developer portal);
    without it the bot still gets slash commands, and the content of DMs and of
    messages that @mention it.
    """
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.message_content = message_content
    return intents


class NewsBot(commands.Bot):
    """A commands.Bot carrying the engine, the settings and the follow-up memory."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        *,
        message_content: bool = True,
        **shard_options: Any,
    ) -> None:
        super().__init__(
            **shard_options,
            command_prefix=settings.prefix,
            intents=build_intents(message_content=message_content),
            help_command=None,
            allowed_mentions=NO_MENTIONS,
            case_insensitive=True,
            strip_after_prefix=True,
            description="Answers questions about the news, citing the articles it has read.",
        )
        self.settings = settings
        self.engine = engine
        self.conversations = Conversations()
        self.cooldowns = Cooldowns()
        self.ingest_cooldowns = Cooldowns(
            INGESTS_PER_WINDOW, INGEST_WINDOW_SECONDS, error=IngestCooldown
        )
        # Downloads get threads of their own, so slow /ingests never starve questions
        # of the default executor's few workers.
        self._ingest_threads = ThreadPoolExecutor(INGEST_THREADS, thread_name_prefix="ingest")

    async def setup_hook(self) -> None:
        for name in EXTENSIONS:
            await self.load_extension(name)

    def spaces_for(self, guild_id: int | None) -> tuple[str, ...]:
        """The knowledge a question may use: the shared base, plus its server's own."""
        if guild_id is None:
            return (SHARED_SPACE,)
        return (SHARED_SPACE, space_for_guild(guild_id))

    def serves(self, space: str) -> bool:
        """Whether this process answers for the space: the shared one, and the servers of
        its shards (`(guild_id >> 22) % shard_count`, as Discord assigns them)."""
        if not space.startswith(GUILD_PREFIX) or self.settings.shard_count is None:
            return True
        guild_id = space.removeprefix(GUILD_PREFIX)
        if not guild_id.isdigit():
            return True
        shards = self.settings.shards
        shard = (int(guild_id) >> 22) % self.settings.shard_count
        return shards is None or shard in shards

    def space_of(self, guild_id: int) -> str:
        """Where a server's /ingest adds articles and /forget removes them."""
        return space_for_guild(guild_id)

    async def run_engine(self, func: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a (slow, blocking) engine call in a worker thread."""
        return await asyncio.to_thread(func, *args, **kwargs)

    async def run_ingest(self, func: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a download-bound engine call in one of the ingest threads."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._ingest_threads, partial(func, *args, **kwargs))

    async def close(self) -> None:
        await super().close()
        self._ingest_threads.shutdown(wait=False, cancel_futures=True)

    async def on_ready(self) -> None:
        assert self.user is not None
        user = self.user
        log.info("Logged in as %s (id %s) in %d servers.", user, user.id, len(self.guilds))
        log.info("Invite link: %s", invite_url(user.id))


class ShardedNewsBot(NewsBot, commands.AutoShardedBot):
    """The bot as one of several processes: it connects the shards NEWSBOT_SHARD_IDS of
    NEWSBOT_SHARD_COUNT, so it only hears from (and opens the spaces of) their servers."""

    def __init__(self, settings: Settings, engine: Engine, *, message_content: bool = True) -> None:
        assert settings.shard_count is not None
        shards = settings.shards
        super().__init__(
            settings,
            engine,
            message_content=message_content,
            shard_count=settings.shard_count,
            shard_ids=list(shards) if shards is not None else None,
        )


def invite_url(client_id: int) -> str:
    return discord.utils.oauth_url(
        client_id, permissions=INVITE_PERMISSIONS, scopes=("bot", "applications.commands")
    )


def create_bot(
    settings: Settings | None = None, engine: Engine | None = None, *, message_content: bool = True
) -> NewsBot:
    """Build the bot; settings and engine default to the ones built from the environment."""
    settings = settings if settings is not None else Settings()
    if engine is None:
        from retrieval import Engine

        engine = Engine(settings)
    if settings.shard_count is not None:
        return ShardedNewsBot(settings, engine, message_content=message_content)
    return NewsBot(settings, engine, message_content=message_content)


def commands_digest(bot: commands.Bot) -> str:
    """A hash of the slash commands as Discord would receive them."""
    payload = [command.to_dict(bot.tree) for command in bot.tree.get_commands()]
    blob = json.dumps({"app": bot.application_id, "commands": payload}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


async def sync_commands(bot: commands.Bot, state_dir: Path) -> bool:
    """Register the slash commands with Discord when they changed since the last sync.

    Syncing on every start would hit Discord's rate limits; a hash in `state_dir`
    remembers what was last registered. Returns whether a sync happened.
    """
    digest = commands_digest(bot)
    stamp = state_dir / "discord-commands.sha256"
    if stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == digest:
        count = len(bot.tree.get_commands())
        log.info("Slash commands unchanged since the last sync (%d commands).", count)
        return False
    synced = await bot.tree.sync()
    log.info("Registered %d slash commands with Discord.", len(synced))
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(digest + "\n", encoding="utf-8")
    return True


def run_bot(settings: Settings, engine: Engine | None = None) -> None:
    """Log in with DISCORD_TOKEN and serve until interrupted; raises ConfigError without one."""
    secret = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    if not secret:
        raise ConfigError(TOKEN_HELP)
    redact_secret_in_logs(secret)
    if engine is None:
        from retrieval import Engine

        engine = Engine(settings)
    log.info("Loading the embedding model before connecting to Discord…")
    engine.warm_up()
    try:
        with contextlib.suppress(KeyboardInterrupt):  # a second Ctrl-C while closing
            asyncio.run(_serve(settings, engine, secret))
    finally:
        engine.close()  # the index snapshots, so the next start opens in seconds
    log.info("Stopped.")


def stop_on_signals(bot: commands.Bot, loop: asyncio.AbstractEventLoop) -> Callable[[], None]:
    """SIGTERM and Ctrl-C close the bot: the Discord connection closes, `connect()`
    returns, and `asyncio.run` then waits for the engine call in progress (a write
    finishes rather than being cut). Returns a function removing the handlers."""
    installed = []
    closing: set[asyncio.Task[None]] = set()

    def stop(name: str) -> None:
        log.info("%s received; closing the Discord connection.", name)
        task = loop.create_task(bot.close())
        closing.add(task)
        task.add_done_callback(closing.discard)

    for signum in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(signum, stop, signal.Signals(signum).name)
            installed.append(signum)
        except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not main thread
            pass

    def remove() -> None:
        for signum in installed:
            loop.remove_signal_handler(signum)

    return remove


async def _serve(settings: Settings, engine: Engine, token: str) -> None:
    message_content = True
    while True:
        bot = create_bot(settings, engine, message_content=message_content)
        remove_handlers = stop_on_signals(bot, asyncio.get_running_loop())
        try:
            async with bot:
                await _log_in(bot, settings, token)
                try:
                    await bot.connect()
                    return
                except discord.PrivilegedIntentsRequired:
                    if not message_content:
                        raise
                    log.warning(MESSAGE_CONTENT_HELP)
                    message_content = False
        finally:
            remove_handlers()


async def _log_in(bot: commands.Bot, settings: Settings, token: str) -> None:
    try:
        await bot.login(token)
    except discord.LoginFailure:
        raise ConfigError(
            "Discord rejected DISCORD_TOKEN. Reset the token in the developer portal "
            "(https://discord.com/developers/applications -> your app -> Bot) "
            "and try again."
        ) from None
    try:
        await sync_commands(bot, settings.data_dir)
    except discord.HTTPException as exc:
        log.warning("Could not register the slash commands (%s); continuing.", exc.status)
