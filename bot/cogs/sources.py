"""The articles: `/sources` for everyone; `/ingest` and `/forget` for members who can
manage the server. A server's articles live in its own space; the shared space
(filled from the command line) can't be changed from Discord.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.formatting import (
    SOURCES_PER_PAGE,
    Reply,
    format_forgotten,
    format_ingest_report,
    format_sources_page,
    shorten,
    source_label,
)
from bot.safe_send import respond, send_followups
from bot.validation import clean_ingest_url
from retrieval import SHARED_SPACE, ArticleNotFound, InvalidPage, SourcesPage

if TYPE_CHECKING:
    from bot.discord_app import NewsBot

log = logging.getLogger(__name__)

CHOICE_LIMIT = 25  # Discord shows at most 25 autocomplete choices
CHOICE_NAME_LIMIT = 100
SHARED_ARTICLE = (
    "That article is in the shared knowledge base, which every server sees and which is "
    "managed from the command line, so it can't be removed from here."
)


def require_manager(interaction: discord.Interaction) -> int:
    """The server's id, when the user may change its articles; raises otherwise."""
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    if not interaction.permissions.manage_guild:
        raise app_commands.MissingPermissions(["manage_guild"])
    return interaction.guild_id


Fetch = Callable[[int], Awaitable[SourcesPage]]


class SourcesPaginator(discord.ui.View):
    """Previous/Next buttons over the pages of `/sources`, for the member who ran it. Each
    click reads its one page from the engine (a space may hold 100,000 articles)."""

    def __init__(
        self, fetch: Fetch, listed: SourcesPage, owner_id: int, *, timeout: float = 600
    ) -> None:
        super().__init__(timeout=timeout)
        self.fetch = fetch
        self.listed = listed
        self.owner_id = owner_id
        self.message: discord.Message | None = None
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.previous_page.disabled = self.listed.page <= 1
        self.next_page.disabled = self.listed.page >= self.listed.pages

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await respond(interaction, "Run `/sources` yourself to browse the articles.")
        return False

    async def show(self, interaction: discord.Interaction, page: int) -> None:
        try:
            self.listed = await self.fetch(max(page, 1))
        except InvalidPage as gone:  # articles were removed meanwhile: show the last page
            self.listed = await self.fetch(gone.pages)
        self._update_buttons()
        embed = format_sources_page(self.listed, shared_space=SHARED_SPACE)
        await interaction.response.edit_message(embed=embed, view=self)

    @discord.ui.button(label="Previous", emoji="◀️", style=discord.ButtonStyle.secondary)
    async def previous_page(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        await self.show(interaction, self.listed.page - 1)

    @discord.ui.button(label="Next", emoji="▶️", style=discord.ButtonStyle.secondary)
    async def next_page(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        await self.show(interaction, self.listed.page + 1)

    async def on_timeout(self) -> None:
        if self.message is None:
            return
        with contextlib.suppress(discord.HTTPException):  # gone, or the token expired
            await self.message.edit(view=None)


class Sources(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="sources", description="List the articles I know, newest first.")
    @app_commands.describe(page="Which page to show (1: the newest articles)")
    async def sources(
        self, interaction: discord.Interaction, page: app_commands.Range[int, 1] = 1
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        spaces = self.bot.spaces_for(interaction.guild_id)

        async def fetch(number: int) -> SourcesPage:
            return await self.bot.run_engine(
                self.bot.engine.sources, spaces=spaces, page=number, per_page=SOURCES_PER_PAGE
            )

        listed = await fetch(page)  # a page past the end: InvalidPage, told by the handler
        embed = format_sources_page(listed, shared_space=SHARED_SPACE)
        view = SourcesPaginator(fetch, listed, interaction.user.id) if listed.pages > 1 else None
        sent = await send_followups(
            interaction.followup, Reply(embeds=(embed,)), ephemeral=True, view=view
        )
        if view is not None:
            view.message = sent[-1]

    @app_commands.command(
        name="ingest", description="Add an article or an RSS/Atom feed to this server's articles."
    )
    @app_commands.describe(url="The address of a news article or of an RSS/Atom feed")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def ingest(self, interaction: discord.Interaction, url: str) -> None:
        guild_id = require_manager(interaction)
        address = clean_ingest_url(url, self.bot.settings.private_hosts_allowed)
        self.bot.ingest_cooldowns.hit(guild_id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        # untrusted: every connection (redirects, feed entry pages) stays off private networks
        report = await self.bot.run_ingest(
            self.bot.engine.ingest, [address], space=self.bot.space_of(guild_id), untrusted=True
        )
        log.info(
            "User %s ingested %s into server %s: %s",
            interaction.user.id,
            address,
            guild_id,
            report.summary(),
        )
        await send_followups(
            interaction.followup, format_ingest_report(report, address), ephemeral=True
        )

    @app_commands.command(
        name="forget", description="Remove an article from this server's articles."
    )
    @app_commands.rename(article_id="id")
    @app_commands.describe(article_id="The article's id, as /sources shows it")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def forget(self, interaction: discord.Interaction, article_id: str) -> None:
        guild_id = require_manager(interaction)
        article_id = article_id.strip().strip("`").strip()
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            removed = await self.bot.run_engine(
                self.bot.engine.forget, article_id, space=self.bot.space_of(guild_id)
            )
        except ArticleNotFound:
            shared = await self.bot.run_engine(
                self.bot.engine.source, article_id, space=SHARED_SPACE
            )
            if shared is not None:
                await send_followups(interaction.followup, SHARED_ARTICLE, ephemeral=True)
                return
            raise
        log.info(
            "User %s removed article %s from server %s", interaction.user.id, removed.id, guild_id
        )
        await send_followups(interaction.followup, format_forgotten(removed), ephemeral=True)

    @forget.autocomplete("article_id")
    async def forget_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """This server's articles whose id, title or outlet contains what was typed."""
        if interaction.guild_id is None:
            return []
        articles = await self.bot.run_engine(
            self.bot.engine.find_sources,
            current,
            spaces=(self.bot.space_of(interaction.guild_id),),
            limit=CHOICE_LIMIT,
        )
        choices = []
        for article in articles:
            label = source_label(article.source, article.title, article.published_at)
            choices.append(
                app_commands.Choice(name=shorten(label, CHOICE_NAME_LIMIT), value=article.id)
            )
        return choices


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Sources(bot))
