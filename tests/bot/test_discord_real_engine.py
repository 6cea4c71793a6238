"""The bot over the real engine (bundled model, real chromadb, fictional articles):
what a member sees, and each server keeping its own knowledge."""

from __future__ import annotations

from collections.abc import AsyncIterator
from unittest.mock import patch

import discord
import discord.ext.test as dpytest
import pytest

from bot.discord_app import NewsBot, create_bot
from bot.formatting import Reply, check_reply
from retrieval.config import Settings
from retrieval.engine import Engine, space_for_guild
from retrieval.records import SHARED_SPACE, Turn
from tests.bot.conftest import invoke, make_interaction, on_fake_discord
from tests.bot.test_discord_messages import reply
from tests.stories import PORT_STRIKE, PORT_STRIKE_WIRE, STORM, TRAM_VOTE

STRIKE = "How did the Velmora strike end?"


@pytest.fixture
async def realbot(settings: Settings, engine: Engine) -> AsyncIterator[NewsBot]:
    """Server 0 knows the port strike, server 1 the storm; everyone knows the tram vote."""
    bot = await on_fake_discord(create_bot(settings, engine))
    first, second = dpytest.get_config().guilds
    engine.ingest_articles([PORT_STRIKE, PORT_STRIKE_WIRE], space=space_for_guild(first.id))
    engine.ingest_articles([STORM], space=space_for_guild(second.id))
    engine.ingest_articles([TRAM_VOTE], space=SHARED_SPACE)
    yield bot
    await dpytest.empty_queue()


def channel(index: int) -> discord.TextChannel:
    return dpytest.get_config().guilds[index].text_channels[0]


def member(index: int) -> discord.Member:
    return dpytest.get_config().guilds[index].members[0]


async def ask_in_server(index: int, question: str) -> None:
    await dpytest.message(f"!ask {question}", channel=channel(index), member=member(index))


def sources_of(message: discord.Message) -> str:
    return "\n".join(embed.description or "" for embed in message.embeds)


async def test_a_server_gets_a_cited_answer_from_its_own_articles(realbot: NewsBot) -> None:
    await ask_in_server(0, STRIKE)

    answer = dpytest.get_message()
    assert "[1]" in answer.content
    assert "Velmora" in answer.content
    sources = sources_of(answer)
    assert "](https://harborgazette.example/velmora-strike-ends)" in sources or (
        "](https://coastalledger.example/2026/03/12/velmora)" in sources
    )
    assert "(2026-03-12)" in sources
    quote = next(line for line in sources.split("\n") if line.startswith("> "))
    assert quote[2:] in PORT_STRIKE.body + PORT_STRIKE_WIRE.body  # quoted word for word


async def test_another_server_never_sees_those_articles(realbot: NewsBot) -> None:
    await ask_in_server(1, STRIKE)

    answer = dpytest.get_message()
    assert answer.embeds == []  # a refusal: no sources at all
    assert "couldn't find" in answer.content
    assert "harborgazette" not in answer.content and "Velmora" not in answer.content


async def test_dms_see_the_shared_articles_only(realbot: NewsBot) -> None:
    dm = await member(0).create_dm()
    await dpytest.message("What did Brenholt council decide?", channel=dm, member=member(0))
    tram = dpytest.get_message()
    await dpytest.message(STRIKE, channel=dm, member=member(0))
    strike = dpytest.get_message()

    assert "31 to 12" in tram.content
    title = "Brenholt Courier — Brenholt council approves northern tram line (2026-02-03)"
    assert title in sources_of(tram)
    assert strike.embeds == [] and "couldn't find" in strike.content


async def test_a_reply_passes_the_earlier_exchange_to_the_engine(
    realbot: NewsBot, engine: Engine
) -> None:
    with patch.object(engine, "ask", wraps=engine.ask) as ask:
        await ask_in_server(0, STRIKE)
        first = dpytest.get_message()
        await reply(first, "and who denied selling the terminal?", member(0))
        second = dpytest.get_message()

    assert ask.call_args.kwargs["history"] == (Turn(STRIKE, first.content),)
    assert "denied" in second.content and "[1]" in second.content


async def test_slash_ask_with_the_real_engine_fits_discord(realbot: NewsBot) -> None:
    guild_id = dpytest.get_config().guilds[0].id
    interaction = make_interaction(realbot, guild_id=guild_id)
    await invoke(realbot, "ask", interaction, question="Who denied planning to sell the terminal?")

    [call] = interaction.followup.send.call_args_list
    assert "**Velmora Port Authority** denied" in call.kwargs["content"]  # who: in bold
    check_reply(Reply(content=call.kwargs["content"], embeds=tuple(call.kwargs["embeds"])))
