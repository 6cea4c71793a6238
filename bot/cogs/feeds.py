"""Followed feeds in Discord: `/feeds follow|list|unfollow` for server managers, `/news`
for everyone, and the background poller that posts new stories to their channels.

A server's feeds fill that server's space only. With several bot processes (Discord
shards) each posts the stories of its own servers; any of them may poll (NEWSBOT_POLL_FEEDS),
a due feed being leased to one poller at a time. The loop only decides what is due and
what to post; polling, fetching and storing run in a worker thread.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.cogs.sources import CHOICE_LIMIT, CHOICE_NAME_LIMIT, require_manager
from bot.formatting import masked_link, shorten
from bot.safe_send import NO_MENTIONS, send_followups
from bot.validation import clean_ingest_url, parse_as_of
from retrieval import GUILD_PREFIX, FeedError, FeedPoller, Story, format_every, parse_every

if TYPE_CHECKING:
    from bot.discord_app import NewsBot

log = logging.getLogger(__name__)

MAX_FEEDS_PER_SERVER = 20
MIN_EVERY_SECONDS = 300  # at least 5 minutes between polls of a Discord-followed feed
DEFAULT_EVERY = "15m"
POLL_SECONDS = 60.0
MESSAGES_PER_CHANNEL = 3  # per poll cycle (a minute): never more than a few a minute
EMBEDS_PER_MESSAGE = 10
NEWS_LINES = 10


def story_embed(story: Story) -> discord.Embed:
    """One story: the title as a link, the outlet, the date, a one-line summary."""
    embed = discord.Embed(
        title=shorten(story.title or "Untitled story", 256),
        url=story.link or None,
        description=shorten(story.summary, 300) or None,
    )
    footer = " · ".join(p for p in (story.outlet, _day(story.published_at)) if p)
    if footer:
        embed.set_footer(text=shorten(footer, 200))
    return embed


def _day(day: date | None) -> str:
    return day.isoformat() if day else ""


def news_lines(articles: list[Any]) -> list[str]:
    """`[n] date · [title](url) — outlet`, newest first."""
    lines = []
    for n, article in enumerate(articles, 1):
        title = masked_link(shorten(article.title or "Untitled", 150), article.url)
        outlet = f" — {shorten(article.source, 60)}" if article.source else ""
        day = _day(article.published_at) or "undated"
        lines.append(f"**\\[{n}\\]** {day} · {title}{outlet}")
    return lines


class Feeds(commands.Cog):
    feeds = app_commands.Group(
        name="feeds",
        description="Follow RSS/Atom feeds: new stories are read, and posted to a channel.",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self.poller = FeedPoller(bot.engine, settings=bot.settings)

    async def cog_load(self) -> None:
        self.poll_loop.start()  # posts this process's stories; polls if NEWSBOT_POLL_FEEDS

    async def cog_unload(self) -> None:
        self.poll_loop.cancel()

    # -- commands -------------------------------------------------------------------------

    @feeds.command(name="follow", description="Follow a feed; new stories can go to a channel.")
    @app_commands.describe(
        url="The address of an RSS or Atom feed",
        channel="Where to post its new stories (none: only read them)",
        every="How often to check it: 5m, 30m, 2h (default 15m, at least 5m)",
    )
    async def follow(
        self,
        interaction: discord.Interaction,
        url: str,
        channel: discord.TextChannel | None = None,
        every: str | None = None,
    ) -> None:
        guild_id = require_manager(interaction)
        address = clean_ingest_url(url)
        try:
            seconds = parse_every(every or DEFAULT_EVERY)
        except ValueError as exc:
            raise FeedError(str(exc)) from None
        await interaction.response.defer(ephemeral=True, thinking=True)
        feed = await self.bot.run_engine(
            self.poller.follow, address, space=self.bot.space_of(guild_id),
            every_seconds=seconds, channel_id=channel.id if channel else None,
            followed_by=interaction.user.id, min_every=MIN_EVERY_SECONDS,
            max_feeds=MAX_FEEDS_PER_SERVER,
        )  # fmt: skip
        text = f"Following <{feed.url}>, checked every {format_every(feed.every_seconds)}."
        if channel is not None:
            text += f" New stories will be posted in {channel.mention}."
            if not self._may_post(channel):
                text += (
                    f"\n⚠️ I may not post in {channel.mention}: give me *Send Messages* and "
                    "*Embed Links* there, or follow again with another channel."
                )
        log.info("User %s followed %s in server %s", interaction.user.id, feed.url, guild_id)
        await send_followups(interaction.followup, text, ephemeral=True)

    @staticmethod
    def _may_post(channel: discord.abc.GuildChannel) -> bool:
        me = channel.guild.me
        if me is None:
            return False
        allowed = channel.permissions_for(me)
        return allowed.send_messages and allowed.embed_links

    @feeds.command(name="list", description="The feeds this server follows, and their health.")
    async def list_feeds(self, interaction: discord.Interaction) -> None:
        guild_id = require_manager(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        feeds = await self.bot.run_engine(self.poller.registry.feeds, self.bot.space_of(guild_id))
        if not feeds:
            text = "This server follows no feeds yet: add one with `/feeds follow`."
        else:
            lines = [f"This server follows {len(feeds)} of at most {MAX_FEEDS_PER_SERVER} feeds:"]
            for feed in feeds:
                where = f" → <#{feed.channel_id}>" if feed.channel_id else ""
                problem = f" ({shorten(feed.last_error or '', 120)})" if feed.last_error else ""
                lines.append(
                    f"• <{feed.url}>{where}: every {format_every(feed.every_seconds)}, "
                    f"{feed.articles} articles, **{feed.status}**{problem}"
                )
            text = "\n".join(lines)
        await send_followups(interaction.followup, text, ephemeral=True)

    @feeds.command(name="unfollow", description="Stop following a feed (its articles stay).")
    @app_commands.describe(feed="The feed's address, as /feeds list shows it")
    async def unfollow(self, interaction: discord.Interaction, feed: str) -> None:
        guild_id = require_manager(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        gone = await self.bot.run_engine(
            self.poller.unfollow, feed.strip().strip("<>"), space=self.bot.space_of(guild_id)
        )
        await send_followups(
            interaction.followup,
            f"No longer following <{gone.url}>; its {gone.articles} articles stay.",
            ephemeral=True,
        )

    @unfollow.autocomplete("feed")
    async def unfollow_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        feeds = await self.bot.run_engine(
            self.poller.registry.feeds, self.bot.space_of(interaction.guild_id)
        )
        needle = current.strip().casefold()
        return [
            app_commands.Choice(name=shorten(f.url, CHOICE_NAME_LIMIT), value=f.url)
            for f in feeds
            if needle in f.url.casefold()
        ][:CHOICE_LIMIT]

    @app_commands.command(name="news", description="The latest stories, or those about a topic.")
    @app_commands.describe(topic="Only stories about this", since="YYYY-MM-DD: only from this day")
    async def news(
        self, interaction: discord.Interaction, topic: str | None = None, since: str | None = None
    ) -> None:
        first_day = parse_as_of(since)
        await interaction.response.defer(ephemeral=False, thinking=True)
        spaces = self.bot.spaces_for(interaction.guild_id)
        if topic and topic.strip():
            passages = await self.bot.run_engine(
                self.bot.engine.search, topic.strip(), spaces=spaces
            )
            seen: dict[str, Any] = {}
            for passage in passages:
                seen.setdefault(passage.chunk.article_id, passage.chunk)
            articles = list(seen.values())
        else:
            newest = await self.bot.run_engine(
                self.bot.engine.sources, spaces=spaces, per_page=NEWS_LINES
            )
            articles = newest.articles  # newest first: the lines shown are among them
        if first_day is not None:
            articles = [a for a in articles if a.published_at and a.published_at >= first_day]
        articles.sort(key=lambda a: a.published_at or date.min, reverse=True)
        lines = news_lines(articles[:NEWS_LINES])
        about = f" about “{shorten(topic.strip(), 80)}”" if topic and topic.strip() else ""
        if not lines:
            text = f"I have no stories{about} yet" + (f" since {first_day}." if first_day else ".")
        else:
            text = f"**Latest stories{about}**\n" + "\n".join(lines)
        await send_followups(interaction.followup, text)

    # -- the poller -----------------------------------------------------------------------

    @tasks.loop(seconds=POLL_SECONDS)
    async def poll_loop(self) -> None:
        try:
            if self.bot.settings.poll_feeds:
                await self.bot.run_engine(self.poller.poll_due)
            await self.post_new_stories()
            await self.post_pause_notices()
        except Exception:  # one bad cycle must not end the loop
            log.exception("feed poll cycle failed")

    @poll_loop.before_loop
    async def before_poll(self) -> None:
        await self.bot.wait_until_ready()

    async def post_new_stories(self) -> int:
        """Post waiting stories, grouped, a few messages per channel; returns messages sent."""
        stories = await self.bot.run_engine(self.poller.registry.stories_to_announce)
        by_channel: dict[int, list[Story]] = defaultdict(list)
        for story in stories:
            if story.channel_id is not None and self.bot.serves(story.space):
                by_channel[story.channel_id].append(story)
        sent = 0
        for channel_id, waiting in by_channel.items():
            batches = [
                waiting[i : i + EMBEDS_PER_MESSAGE]
                for i in range(0, len(waiting), EMBEDS_PER_MESSAGE)
            ][:MESSAGES_PER_CHANNEL]
            for batch in batches:
                if not await self._post(channel_id, batch):
                    break
                sent += 1
        return sent

    async def _post(self, channel_id: int, batch: list[Story]) -> bool:
        channel = self.bot.get_channel(channel_id)
        ids = [story.id for story in batch]
        if not isinstance(channel, discord.abc.Messageable):
            await self._tell_follower(batch[0], f"I can't find the channel <#{channel_id}>")
            await self.bot.run_engine(self.poller.registry.announced, ids)
            return False
        try:
            await channel.send(
                embeds=[story_embed(story) for story in batch], allowed_mentions=NO_MENTIONS
            )
        except discord.Forbidden:
            await self._tell_follower(batch[0], f"I may not post in <#{channel_id}>")
            await self.bot.run_engine(self.poller.registry.announced, ids)
            return False
        await self.bot.run_engine(self.poller.registry.announced, ids)
        return True

    async def _tell_follower(self, story: Story, problem: str) -> None:
        feed = await self.bot.run_engine(self.poller.registry.get, story.feed_url, story.space)
        if feed is None or feed.followed_by is None:
            return
        user = self.bot.get_user(feed.followed_by)
        if user is None:
            return
        try:
            await user.send(
                f"{problem}, so new stories of <{feed.url}> are not posted. Give me *Send "
                "Messages* and *Embed Links* there, or `/feeds follow` it with another channel.",
                allowed_mentions=NO_MENTIONS,
            )
        except discord.HTTPException:
            log.info("could not tell user %s about %s", feed.followed_by, feed.url)

    async def post_pause_notices(self) -> None:
        for feed in await self.bot.run_engine(self.poller.registry.pause_notices):
            if feed.space.startswith(GUILD_PREFIX) and not self.bot.serves(feed.space):
                continue  # another shard's server: that process posts it
            if feed.space.startswith(GUILD_PREFIX) and feed.channel_id is not None:
                channel = self.bot.get_channel(feed.channel_id)
                if isinstance(channel, discord.abc.Messageable):
                    try:
                        await channel.send(
                            f"⚠️ I stopped checking <{feed.url}>: it failed "
                            f"{feed.consecutive_failures} times in a row ({feed.last_error}). "
                            "`/feeds follow` it again to retry.",
                            allowed_mentions=NO_MENTIONS,
                        )
                    except discord.HTTPException:
                        log.info("could not post the pause notice of %s", feed.url)
            await self.bot.run_engine(self.poller.registry.notified, feed)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Feeds(bot))
