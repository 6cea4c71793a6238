"""`/help` and `!help`: what the bot does and how to ask it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.formatting import ACCENT, Reply
from bot.safe_send import respond, send_replies

if TYPE_CHECKING:
    from bot.discord_app import NewsBot


def help_embed(prefix: str) -> discord.Embed:
    """The help card; `prefix` is the prefix-command prefix (NEWSBOT_PREFIX)."""
    embed = discord.Embed(
        title="newsbot — answers about the news, with sources",
        description=(
            "Ask a question and I answer from the articles I have read. Every claim carries "
            "a marker like [1] pointing to the article and the exact sentence it came from. "
            "If my articles don't answer it, I say so instead of guessing."
        ),
        colour=ACCENT,
    )
    embed.add_field(
        name="Asking",
        value=(
            "`/ask question:` — add `as_of:` (YYYY-MM-DD) for an earlier day, "
            "`thread:True` to continue in a thread\n"
            f"`{prefix}ask <question>`, or @mention me followed by your question\n"
            "In direct messages, just type the question."
        ),
        inline=False,
    )
    embed.add_field(
        name="Follow-ups",
        value="Reply to one of my answers (or ask in the thread I opened): "
        "I remember what we said, so *and who confirmed it?* works.",
        inline=False,
    )
    embed.add_field(
        name="Articles",
        value=(
            "`/sources` — the articles I know, newest first\n"
            "`/ingest url:` — add an article or an RSS/Atom feed to this server\n"
            "`/forget id:` — remove an article from this server\n"
            "Adding and removing need the **Manage Server** permission. "
            "What a server adds is only used in that server."
        ),
        inline=False,
    )
    embed.set_footer(text="Questions: up to 1,000 characters, a few per half minute.")
    return embed


class Help(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="How to ask newsbot about the news.")
    async def help_slash(self, interaction: discord.Interaction) -> None:
        reply = Reply(embeds=(help_embed(self.bot.settings.prefix),))
        await respond(interaction, reply, ephemeral=True)

    @commands.command(name="help", help="How to ask newsbot about the news.")
    async def help_prefix(self, ctx: commands.Context) -> None:
        reference = ctx.message if ctx.guild is not None else None
        reply = Reply(embeds=(help_embed(self.bot.settings.prefix),))
        await send_replies(ctx.channel, reply, reference=reference)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Help(bot))
