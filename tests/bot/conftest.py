"""Discord test helpers: a scripted engine on the real Engine's signatures, a dpytest bot,
and mocked interactions spec'd on discord.py's real classes."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import date
from typing import Any
from unittest.mock import MagicMock, create_autospec

import discord
import discord.ext.test as dpytest
import pytest
from discord import app_commands

from bot.cooldown import Cooldowns
from bot.discord_app import NewsBot, create_bot
from retrieval.config import Settings
from retrieval.engine import Engine
from retrieval.errors import ArticleNotFound, InvalidPage
from retrieval.records import (
    SHARED_SPACE,
    Answer,
    ArticleSummary,
    Citation,
    IngestReport,
    Progress,
    SourcesPage,
    Turn,
)

STRIKE_URL = "https://harborgazette.example/velmora-strike-ends"


def citation(
    n: int,
    *,
    title: str = "Velmora dock workers end nine-day strike",
    source: str = "Harbor Gazette",
    url: str = STRIKE_URL,
    quote: str = "Dock workers at the Port of Velmora returned to work on Thursday.",
    published_at: date | None = date(2026, 3, 12),
) -> Citation:
    return Citation(
        n=n,
        article_id=f"a{n}",
        chunk_id=f"a{n}:0",
        title=title,
        source=source,
        url=url,
        published_at=published_at,
        quote=quote,
    )


def strike_answer(question: str) -> Answer:
    return Answer(
        question=question,
        text="The strike at the Port of Velmora ended on Thursday. [1] The union accepted "
        "a 6 percent pay rise. [2]",
        refused=False,
        citations=[
            citation(1),
            citation(
                2,
                source="Coastal Ledger",
                title="Strike at Velmora port is over",
                url="https://coastalledger.example/2026/03/12/velmora",
                quote="The dockers' union accepted a pay rise of 6 percent over two years.",
            ),
        ],
    )


def refusal(question: str) -> Answer:
    return Answer(
        question=question,
        text="I couldn't find an answer to that in the articles I have.",
        refused=True,
    )


def summary(
    article_id: str,
    title: str,
    *,
    space: str = SHARED_SPACE,
    source: str = "Harbor Gazette",
    day: int = 12,
) -> ArticleSummary:
    return ArticleSummary(
        id=article_id,
        title=title,
        source=source,
        url=f"https://example.org/{article_id}",
        published_at=date(2026, 3, day),
        chunks=3,
        space=space,
    )


class FakeKnowledge:
    """The state behind a fake engine: scripted answers and an in-memory article list."""

    def __init__(self) -> None:
        self.answer: Callable[[str], Answer] = strike_answer
        self.articles: list[ArticleSummary] = []
        self.report = IngestReport(added=1, chunks=4, article_ids=["u1"])

    def ask(
        self,
        question: str,
        *,
        spaces: Sequence[str] = (SHARED_SPACE,),
        as_of: date | None = None,
        history: Sequence[Turn] = (),
    ) -> Answer:
        return self.answer(question)

    def sources(
        self, *, spaces: Sequence[str] = (SHARED_SPACE,), page: int = 1, per_page: int = 20
    ) -> SourcesPage:
        listed = [a for a in self.articles if a.space in spaces]
        begin = (page - 1) * per_page
        found = SourcesPage(listed[begin : begin + per_page], page, per_page, len(listed))
        if page > found.pages:
            raise InvalidPage(page, found.pages)
        return found

    def source(self, article_id: str, *, space: str = SHARED_SPACE) -> ArticleSummary | None:
        return next((a for a in self.articles if (a.id, a.space) == (article_id, space)), None)

    def find_sources(
        self, text: str, *, spaces: Sequence[str] = (SHARED_SPACE,), limit: int = 25
    ) -> list[ArticleSummary]:
        needle = text.strip().casefold()
        found = [
            a for a in self.articles
            if a.space in spaces and needle in f"{a.id} {a.title} {a.source}".casefold()
        ]  # fmt: skip
        return found[:limit]

    def ingest(
        self,
        sources: Sequence[str],
        *,
        space: str = SHARED_SPACE,
        progress: Progress | None = None,
        untrusted: bool = False,
    ) -> IngestReport:
        return self.report

    def forget(self, article_id: str, *, space: str = SHARED_SPACE) -> ArticleSummary:
        for article in self.articles:
            if article.id == article_id and article.space == space:
                self.articles.remove(article)
                return article
        raise ArticleNotFound(article_id)


@pytest.fixture
def knowledge() -> FakeKnowledge:
    return FakeKnowledge()


@pytest.fixture
def fake_engine(knowledge: FakeKnowledge) -> Any:
    """An autospec of the real Engine (wrong names or arguments fail) backed by `knowledge`."""
    engine = create_autospec(Engine, instance=True)
    engine.ask.side_effect = knowledge.ask
    engine.sources.side_effect = knowledge.sources
    engine.source.side_effect = knowledge.source
    engine.find_sources.side_effect = knowledge.find_sources
    engine.ingest.side_effect = knowledge.ingest
    engine.forget.side_effect = knowledge.forget
    return engine


@pytest.fixture
def bot_settings(tmp_path: Any) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data", prefix="!")  # type: ignore[call-arg]


async def on_fake_discord(bot: NewsBot) -> NewsBot:
    """Attach `bot` to dpytest's fake Discord: two servers, each with Ada and Grace."""
    bot.cooldowns = Cooldowns(rate=1000, per=1)
    # dpytest keeps its fake members in the member cache, which needs the members intent;
    # the real bot never asks for it (see test_discord_app.py).
    bot._connection._intents.members = True
    bot._connection.member_cache_flags = discord.MemberCacheFlags.from_intents(bot.intents)
    await bot._async_setup_hook()
    await bot.setup_hook()
    dpytest.configure(bot, guilds=2, members=["Ada", "Grace"])
    bot._connection.loop = asyncio.get_running_loop()  # dpytest's state leaves it unset (typing)
    return bot


@pytest.fixture
async def newsbot(bot_settings: Settings, fake_engine: Any) -> AsyncIterator[NewsBot]:
    """The bot (with the fake engine) on dpytest's fake Discord."""
    yield await on_fake_discord(create_bot(bot_settings, fake_engine))
    await dpytest.empty_queue()


# --- interactions ----------------------------------------------------------------------

_ids = itertools.count(1_100_000_000_000_000_000)


class FakeResponse:
    """Builds an InteractionResponse mock that remembers whether it was used."""

    @staticmethod
    def make() -> MagicMock:
        response = MagicMock(spec=discord.InteractionResponse)
        done = {"value": False}

        def finish(*args: Any, **kwargs: Any) -> None:
            done["value"] = True

        response.is_done.side_effect = lambda: done["value"]
        for name in ("defer", "send_message", "edit_message", "autocomplete"):
            getattr(response, name).side_effect = finish
        return response


def sent_message() -> MagicMock:
    message = MagicMock(spec=discord.WebhookMessage)
    message.id = next(_ids)
    return message


def make_interaction(
    bot: NewsBot,
    *,
    guild_id: int | None = 4242,
    user_id: int = 77,
    manage_guild: bool = False,
    channel: Any = None,
    command: str = "ask",
) -> MagicMock:
    """A discord.Interaction mock: a stateful response, follow-ups that return messages."""
    interaction = MagicMock(spec=discord.Interaction)
    interaction.client = bot
    interaction.guild_id = guild_id
    if guild_id is None:
        interaction.guild = None
    else:
        interaction.guild = MagicMock(spec=discord.Guild)
        interaction.guild.id = guild_id
    interaction.user = MagicMock(spec=discord.Member)
    interaction.user.id = user_id
    interaction.channel = channel or MagicMock(spec=discord.TextChannel)
    interaction.permissions = discord.Permissions(manage_guild=manage_guild)
    interaction.command = bot.tree.get_command(command)
    interaction.response = FakeResponse.make()
    interaction.followup = MagicMock(spec=discord.Webhook)
    interaction.followup.send.side_effect = lambda *a, **k: sent_message()
    return interaction


async def invoke(bot: NewsBot, name: str, interaction: MagicMock, **options: Any) -> None:
    """Run a slash command's callback as the command tree would: errors go to tree.on_error."""
    command = bot.tree.get_command(name)
    assert isinstance(command, app_commands.Command), name
    try:
        await command.callback(command.binding, interaction, **options)  # type: ignore[arg-type]
    except app_commands.AppCommandError as error:
        await bot.tree.on_error(interaction, error)
    except Exception as error:
        await bot.tree.on_error(interaction, app_commands.CommandInvokeError(command, error))


def followup_texts(interaction: MagicMock) -> list[str]:
    """Everything the interaction sent: response messages and follow-ups, in order."""
    return [call.kwargs.get("content") or "" for call in _sends(interaction)]


def all_embeds(interaction: MagicMock) -> list[discord.Embed]:
    return [embed for call in _sends(interaction) for embed in call.kwargs.get("embeds") or []]


def _sends(interaction: MagicMock) -> list[Any]:
    response = interaction.response.send_message.call_args_list
    return [*response, *interaction.followup.send.call_args_list]
