"""/feeds and /news, and the posting of new stories (dpytest for what lands in a channel)."""

from __future__ import annotations

from datetime import date
from typing import Any
from unittest.mock import MagicMock

import discord
import discord.ext.test as dpytest
import pytest
from discord import app_commands

from bot.cogs import feeds as feeds_cog
from bot.discord_app import NewsBot, create_bot
from tests.bot.conftest import followup_texts, make_interaction, on_fake_discord, summary

GUILD = 4242


@pytest.fixture
async def slashbot(bot_settings: Any, fake_engine: Any) -> NewsBot:
    bot = create_bot(bot_settings, fake_engine)
    await bot._async_setup_hook()
    await bot.setup_hook()
    bot.get_cog("Feeds").poll_loop.cancel()  # type: ignore[union-attr]  # tests poll by hand
    return bot


async def invoke(bot: NewsBot, name: str, interaction: MagicMock, **options: Any) -> None:
    """Run `/feeds <name>` (or `/news`) as the tree would: errors go to tree.on_error."""
    cog = bot.get_cog("Feeds")
    group = bot.tree.get_command("feeds")
    assert isinstance(group, app_commands.Group)
    command = group.get_command(name) if name != "news" else bot.tree.get_command("news")
    assert isinstance(command, app_commands.Command)
    try:
        await command.callback(cog, interaction, **options)  # type: ignore[arg-type]
    except app_commands.AppCommandError as error:
        await bot.tree.on_error(interaction, error)
    except Exception as error:
        await bot.tree.on_error(interaction, app_commands.CommandInvokeError(command, error))


def texts(interaction: MagicMock) -> str:
    return "\n".join(followup_texts(interaction))


def test_the_feeds_group_is_for_managers_in_servers(slashbot: NewsBot) -> None:
    group = slashbot.tree.get_command("feeds")
    assert isinstance(group, app_commands.Group)
    assert {c.name for c in group.commands} == {"follow", "list", "unfollow"}
    assert group.guild_only and group.default_permissions == discord.Permissions(manage_guild=True)


async def test_members_who_cannot_manage_the_server_may_not_follow(slashbot: NewsBot) -> None:
    interaction = make_interaction(slashbot, guild_id=GUILD, manage_guild=False)
    await invoke(slashbot, "follow", interaction, url="https://harbor.example/feed.xml")
    assert "Manage Server" in texts(interaction) or "permission" in texts(interaction).lower()
    assert slashbot.get_cog("Feeds").poller.registry.feeds() == []  # type: ignore[union-attr]


async def test_local_addresses_and_fast_polls_are_refused(slashbot: NewsBot) -> None:
    interaction = make_interaction(slashbot, guild_id=GUILD, manage_guild=True)
    await invoke(slashbot, "follow", interaction, url="http://127.0.0.1:8080/feed.xml")
    assert "private or local network" in texts(interaction)


async def test_follow_list_unfollow_in_the_servers_own_space(slashbot: NewsBot) -> None:
    cog: Any = slashbot.get_cog("Feeds")
    manager = make_interaction(slashbot, guild_id=GUILD, manage_guild=True)
    await invoke(slashbot, "follow", manager, url="https://harbor.example/feed.xml", every="1m")
    assert "at most every 5m" in texts(manager)
    manager = make_interaction(slashbot, guild_id=GUILD, manage_guild=True)
    await invoke(slashbot, "follow", manager, url="https://harbor.example/feed.xml", every="30m")
    assert "checked every 30m" in texts(manager)
    [feed] = cog.poller.registry.feeds()
    assert (feed.space, feed.every_seconds, feed.followed_by) == (f"guild-{GUILD}", 1800, 77)
    for n in range(19):
        cog.poller.follow(f"https://f{n}.example/rss", space=f"guild-{GUILD}", every_seconds=300)
    manager = make_interaction(slashbot, guild_id=GUILD, manage_guild=True)
    await invoke(slashbot, "follow", manager, url="https://one-too-many.example/rss")
    assert "follows 20 feeds already" in texts(manager)
    listing = make_interaction(slashbot, guild_id=GUILD, manage_guild=True)
    await invoke(slashbot, "list", listing)
    assert "follows 20 of at most 20 feeds" in texts(listing)
    assert "<https://harbor.example/feed.xml>: every 30m, 0 articles, **ok**" in texts(listing)
    other = make_interaction(slashbot, guild_id=999, manage_guild=True)
    await invoke(slashbot, "list", other)
    assert "follows no feeds yet" in texts(other)
    choices = await cog.unfollow_autocomplete(
        make_interaction(slashbot, guild_id=GUILD, manage_guild=True), "harbor"
    )
    assert [c.value for c in choices] == ["https://harbor.example/feed.xml"]
    gone = make_interaction(slashbot, guild_id=GUILD, manage_guild=True)
    await invoke(slashbot, "unfollow", gone, feed="https://harbor.example/feed.xml")
    assert "No longer following" in texts(gone)
    assert len(cog.poller.registry.feeds()) == 19


async def test_news_lists_the_latest_stories_newest_first_with_links(
    slashbot: NewsBot, knowledge: Any
) -> None:
    knowledge.articles = [
        summary("a1", "Ferry fares rise", day=3),
        summary("a2", "Library reopens", day=12, space=f"guild-{GUILD}"),
        summary("a3", "Bridge vote delayed", day=7),
    ]
    interaction = make_interaction(slashbot, guild_id=GUILD, command="news")
    await invoke(slashbot, "news", interaction, since="2026-03-05")
    lines = texts(interaction).splitlines()
    assert lines[0] == "**Latest stories**"
    assert lines[1].startswith("**\\[1\\]** 2026-03-12 · [Library reopens](https://example.org/a2)")
    assert "[Bridge vote delayed](https://example.org/a3) — Harbor Gazette" in lines[2]
    assert len(lines) == 3  # the story of the 3rd is older than `since`


@pytest.fixture
async def newsbot_feeds(bot_settings: Any, fake_engine: Any) -> Any:
    bot = await on_fake_discord(create_bot(bot_settings, fake_engine))
    bot.get_cog("Feeds").poll_loop.cancel()  # type: ignore[union-attr]  # tests poll by hand
    yield bot
    await dpytest.empty_queue()


async def test_new_stories_are_posted_grouped_without_pings(newsbot_feeds: NewsBot) -> None:
    config = dpytest.get_config()
    guild, channel = config.guilds[0], config.guilds[0].text_channels[0]
    cog: Any = newsbot_feeds.get_cog("Feeds")
    registry = cog.poller.registry
    registry.follow("https://harbor.example/rss", f"guild-{guild.id}", 300, channel_id=channel.id)
    for n in range(34):
        registry.add_entry(
            f"guild-{guild.id}", "https://harbor.example/rss", guid=f"g{n}", link_key=f"k{n}",
            text_key=f"t{n}", article_id=f"a{n}", title=f"Story {n} @everyone",
            link=f"https://harbor.example/{n}", outlet="Harbor Gazette",
            published=date(2026, 3, 12), summary=f"What happened in story {n}.", stored=True,
            announce=True, now=0,
        )  # fmt: skip
    assert await cog.post_new_stories() == 3  # at most 3 messages a cycle per channel
    messages = [dpytest.get_message() for _ in range(3)]
    assert [len(m.embeds) for m in messages] == [10, 10, 10]
    first = messages[0].embeds[0]
    assert (first.title, first.url) == ("Story 0 @everyone", "https://harbor.example/0")
    assert first.footer.text == "Harbor Gazette · 2026-03-12"
    assert first.description == "What happened in story 0."
    assert not messages[0].mention_everyone
    assert len(registry.stories_to_announce()) == 4
    assert await cog.post_new_stories() == 1
    assert len(dpytest.get_message().embeds) == 4
    assert registry.stories_to_announce() == []
    assert await cog.post_new_stories() == 0  # nothing is posted twice


def test_story_embeds_have_title_link_outlet_date_and_summary() -> None:
    from retrieval import Story

    embed = feeds_cog.story_embed(Story(
        id=1, space="guild-1", feed_url="u", channel_id=2, title="Ferry fares rise",
        link="https://harbor.example/f", outlet="Harbor Gazette", published_at=None,
        summary="The ferry costs more from Monday.", article_id="a",
    ))  # fmt: skip
    assert embed.to_dict()["title"] == "Ferry fares rise"
    assert embed.footer.text == "Harbor Gazette"
    assert embed.description == "The ferry costs more from Monday."


async def test_a_paused_feed_is_announced_once_in_its_channel(newsbot_feeds: NewsBot) -> None:
    config = dpytest.get_config()
    guild, channel = config.guilds[0], config.guilds[0].text_channels[0]
    cog: Any = newsbot_feeds.get_cog("Feeds")
    registry = cog.poller.registry
    feed = registry.follow("https://gone.example/rss", f"guild-{guild.id}", 300,
                           channel_id=channel.id)  # fmt: skip
    for _ in range(10):
        feed = registry.failed(feed, now=0, error="the server answered HTTP 500", next_due=0)
    await cog.post_pause_notices()
    notice = dpytest.get_message()
    assert "stopped checking <https://gone.example/rss>" in notice.content
    assert "failed 10 times in a row (the server answered HTTP 500)" in notice.content
    await cog.post_pause_notices()
    assert dpytest.verify().message().nothing()


async def test_polling_runs_off_the_event_loop(slashbot: NewsBot) -> None:
    import asyncio
    import time

    from tests.feed_server import FeedServer

    cog: Any = slashbot.get_cog("Feeds")
    with FeedServer() as server:
        server.status["/slow.rss"], server.delay["/slow.rss"] = 500, 0.6
        cog.poller.registry.follow(server.url("/slow.rss"), f"guild-{GUILD}", 300)
        lateness = []

        async def ticker() -> None:
            for _ in range(40):
                before = time.perf_counter()
                await asyncio.sleep(0.02)
                lateness.append(time.perf_counter() - before - 0.02)

        started = time.perf_counter()
        await asyncio.gather(cog.poll_loop.coro(cog), ticker())
        assert time.perf_counter() - started >= 0.6  # the poll did wait for the slow feed
    assert max(lateness) < 0.3  # while the loop kept running
    [feed] = cog.poller.registry.feeds()
    assert feed.consecutive_failures == 1 and "HTTP 500" in (feed.last_error or "")


async def test_the_follower_is_told_once_when_the_channel_cannot_be_posted_in(
    newsbot_feeds: NewsBot,
) -> None:
    config = dpytest.get_config()
    guild, follower = config.guilds[0], config.members[0]
    cog: Any = newsbot_feeds.get_cog("Feeds")
    registry = cog.poller.registry
    gone_channel = 987654321  # deleted since it was followed
    registry.follow("https://harbor.example/rss", f"guild-{guild.id}", 300,
                    channel_id=gone_channel, followed_by=follower.id)  # fmt: skip
    registry.add_entry(
        f"guild-{guild.id}", "https://harbor.example/rss", guid="g1", link_key="k1",
        text_key="t1", article_id="a1", title="Ferry fares rise", link="https://harbor.example/1",
        outlet="Harbor Gazette", published=date(2026, 3, 12), summary="Fares rise.",
        stored=True, announce=True, now=0,
    )  # fmt: skip
    assert await cog.post_new_stories() == 0
    notice = dpytest.get_message()
    assert isinstance(notice.channel, discord.DMChannel)
    assert follower.dm_channel is not None and notice.channel.id == follower.dm_channel.id
    assert f"I can't find the channel <#{gone_channel}>" in notice.content
    assert "new stories of <https://harbor.example/rss> are not posted" in notice.content
    assert registry.stories_to_announce() == []  # told once, not on every poll
    assert await cog.post_new_stories() == 0
    assert dpytest.verify().message().nothing()


def shard_of(guild_id: int, count: int) -> int:
    return (guild_id >> 22) % count


async def test_each_shard_posts_only_the_stories_of_its_own_servers(
    newsbot_feeds: NewsBot, bot_settings: Any
) -> None:
    config = dpytest.get_config()
    guild, channel = config.guilds[0], config.guilds[0].text_channels[0]
    mine = shard_of(guild.id, 2)
    newsbot_feeds.settings = bot_settings.model_validate(
        {**bot_settings.model_dump(), "shard_count": 2, "shard_ids": str(mine)}
    )
    other_guild = (1 - mine) << 22  # a server of the other shard (another process)
    cog: Any = newsbot_feeds.get_cog("Feeds")
    registry = cog.poller.registry
    for n, (space, channel_id) in enumerate(
        [(f"guild-{guild.id}", channel.id), (f"guild-{other_guild}", 5150)]
    ):
        registry.follow(f"https://harbor.example/{n}.rss", space, 300, channel_id=channel_id)
        registry.add_entry(
            space, f"https://harbor.example/{n}.rss", guid=f"g{n}", link_key=f"k{n}",
            text_key=f"t{n}", article_id=f"a{n}", title=f"Story {n}",
            link=f"https://harbor.example/{n}", outlet="Harbor Gazette",
            published=date(2026, 3, 12), summary="What happened.", stored=True,
            announce=True, now=0,
        )  # fmt: skip
    assert await cog.post_new_stories() == 1
    assert dpytest.get_message().embeds[0].title == "Story 0"
    assert dpytest.verify().message().nothing()  # no "can't find the channel" for the other
    [waiting] = registry.stories_to_announce()
    assert waiting.space == f"guild-{other_guild}"  # left for the process that serves it


async def test_a_process_with_polling_off_posts_but_never_polls(
    slashbot: NewsBot, bot_settings: Any
) -> None:
    slashbot.settings = bot_settings.model_validate(
        {**bot_settings.model_dump(), "poll_feeds": False}
    )
    cog: Any = slashbot.get_cog("Feeds")
    cog.poller.registry.follow("http://127.0.0.1:9/never.rss", f"guild-{GUILD}", 300)
    await cog.poll_loop.coro(cog)
    [feed] = cog.poller.registry.feeds()
    assert feed.last_checked is None and feed.consecutive_failures == 0
