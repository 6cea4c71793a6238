"""The one place errors become replies: known errors get a friendly sentence, unexpected
ones a short apology while their traceback goes to the log.

It handles prefix-command errors (`on_command_error`), slash-command errors (the
command tree's `on_error`) and errors while answering a plain message — a mention,
a DM, a reply — which the questions cog reports as the `question_error` event.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.safe_send import respond, send_replies
from retrieval import NewsbotError, StoreUnavailable

if TYPE_CHECKING:
    from bot.discord_app import NewsBot

log = logging.getLogger(__name__)

UNEXPECTED = (
    "Sorry, something went wrong on my side while doing that. "
    "It has been logged; please try again in a little while."
)
MANAGE_SERVER_ONLY = (
    "Sorry, only members with the **Manage Server** permission can add or remove articles. "
    "You can still ask questions and list the sources with `/sources`."
)
MISSING_PERMISSION = "Sorry, you don't have the permission that command needs."
SERVER_ONLY = (
    "That command works in a server, not in direct messages: "
    "articles added there belong to that server's knowledge."
)
STORE_UNREACHABLE = (
    "Sorry, the article store is unreachable right now, so I can't look anything up. "
    "Please try again in a little while."
)
BOT_MISSING_PERMISSION = (
    "I don't have the permission to do that here ({perms}); a moderator can grant it."
)


def unwrap(error: BaseException) -> BaseException:
    """The error a command raised, without discord.py's wrappers."""
    while isinstance(
        error,
        commands.CommandInvokeError | commands.HybridCommandError | app_commands.CommandInvokeError,
    ):
        error = error.original
    return error


def friendly_message(error: BaseException) -> str | None:
    """The reply for a known error, or None when the error is unexpected."""
    error = unwrap(error)
    if isinstance(error, StoreUnavailable):
        return STORE_UNREACHABLE
    if isinstance(error, NewsbotError):
        return str(error)
    if isinstance(error, commands.MissingPermissions | app_commands.MissingPermissions):
        missing = error.missing_permissions
        return MANAGE_SERVER_ONLY if "manage_guild" in missing else MISSING_PERMISSION
    if isinstance(error, commands.BotMissingPermissions | app_commands.BotMissingPermissions):
        perms = ", ".join(p.replace("_", " ") for p in error.missing_permissions)
        return BOT_MISSING_PERMISSION.format(perms=perms)
    if isinstance(error, commands.NoPrivateMessage | app_commands.NoPrivateMessage):
        return SERVER_ONLY
    if isinstance(error, commands.CommandOnCooldown | app_commands.CommandOnCooldown):
        return f"Slow down a little — try again in {max(1, math.ceil(error.retry_after))} s."
    if isinstance(error, commands.UserInputError):
        return str(error)
    return None


def _where(guild: discord.Guild | None, user: discord.abc.User | None) -> str:
    place = f"server {guild.id}" if guild else "a DM"
    return f"{place}, user {user.id if user else '?'}"


class Errors(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self._previous_tree_handler: Any = None

    async def cog_load(self) -> None:
        self._previous_tree_handler = self.bot.tree.on_error
        self.bot.tree.error(self.on_app_command_error)

    async def cog_unload(self) -> None:
        self.bot.tree.on_error = self._previous_tree_handler  # type: ignore[method-assign]

    def message_for(self, error: BaseException, context: str) -> str:
        text = friendly_message(error)
        if text is None:
            original = unwrap(error)
            log.error("Unexpected error (%s)", context, exc_info=original)
            return UNEXPECTED
        if isinstance(unwrap(error), StoreUnavailable):
            log.warning("The article store is unreachable (%s): %s", context, unwrap(error))
        log.debug("Refused (%s): %s", context, text)
        return text

    @commands.Cog.listener()
    async def on_command_error(self, ctx: commands.Context, error: commands.CommandError) -> None:
        if ctx.command is not None and ctx.command.has_error_handler():
            return
        if isinstance(error, commands.CommandNotFound):
            if ctx.guild is None:  # in a server, another bot may share the prefix
                hint = f"I don't know that command; try `{ctx.clean_prefix}help`, or just ask."
                await self._reply(ctx.message, hint)
            return
        if isinstance(error, commands.MissingRequiredArgument) and ctx.command is not None:
            usage = f"{ctx.clean_prefix}{ctx.command.qualified_name} {ctx.command.signature}"
            await self._reply(ctx.message, f"Usage: `{usage.strip()}`")
            return
        context = f"!{ctx.command.qualified_name if ctx.command else '?'} in " + _where(
            ctx.guild, ctx.author
        )
        await self._reply(ctx.message, self.message_for(error, context))

    @commands.Cog.listener()
    async def on_question_error(self, message: discord.Message, error: BaseException) -> None:
        context = "question in " + _where(message.guild, message.author)
        await self._reply(message, self.message_for(error, context))

    async def on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        name = interaction.command.qualified_name if interaction.command else "?"
        text = self.message_for(error, f"/{name} in " + _where(interaction.guild, interaction.user))
        try:
            await respond(interaction, text, ephemeral=True)
        except discord.HTTPException as exc:
            log.warning("Could not report an error for /%s: HTTP %s", name, exc.status)

    async def _reply(self, message: discord.Message, text: str) -> None:
        reference = message if message.guild is not None else None
        try:
            await send_replies(message.channel, text, reference=reference)
        except discord.HTTPException as exc:
            channel_id = message.channel.id
            log.warning("Could not send an error reply in %s: HTTP %s", channel_id, exc.status)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Errors(bot))
