"""Slash commands, called through their callbacks with a mocked discord.Interaction."""

from __future__ import annotations

from datetime import date
from typing import Any
from unittest.mock import MagicMock

import discord
import pytest

from bot.cooldown import Cooldowns, IngestCooldown
from bot.discord_app import NewsBot, create_bot
from bot.safe_send import NO_MENTIONS
from retrieval.records import SHARED_SPACE, Answer, IngestReport, Turn
from tests.bot.conftest import (
    FakeKnowledge,
    all_embeds,
    followup_texts,
    invoke,
    make_interaction,
    summary,
)

GUILD = 4242
QUESTION = "How did the Velmora strike end?"


@pytest.fixture
async def slashbot(bot_settings: Any, fake_engine: Any) -> NewsBot:
    """The bot with its cogs loaded; slash commands need no fake gateway."""
    bot = create_bot(bot_settings, fake_engine)
    await bot._async_setup_hook()
    await bot.setup_hook()
    return bot


def ephemeral_notice(interaction: MagicMock) -> str:
    """The one ephemeral message sent straight away (a refusal or a validation error)."""
    call = interaction.response.send_message.call_args
    assert call is not None, "nothing was sent"
    assert call.kwargs["ephemeral"] is True
    assert call.kwargs["allowed_mentions"] is NO_MENTIONS
    return str(call.kwargs["content"])


async def test_ask_defers_first_then_answers_in_a_followup(
    slashbot: NewsBot, fake_engine: Any, knowledge: FakeKnowledge
) -> None:
    interaction = make_interaction(slashbot)
    original = knowledge.answer

    def answer_after_defer(question: str) -> Answer:
        interaction.response.defer.assert_awaited_once_with(thinking=True)
        return original(question)

    knowledge.answer = answer_after_defer
    await invoke(slashbot, "ask", interaction, question=QUESTION)

    [call] = interaction.followup.send.call_args_list
    assert call.kwargs["content"].startswith("The strike at the Port of Velmora ended on Thursday.")
    [embed] = call.kwargs["embeds"]
    assert embed.title == "Sources"
    assert call.kwargs["allowed_mentions"] is NO_MENTIONS
    assert call.kwargs["wait"] is True
    fake_engine.ask.assert_called_once_with(
        QUESTION, spaces=(SHARED_SPACE, f"guild-{GUILD}"), as_of=None, history=()
    )


async def test_ask_in_a_dm_searches_only_the_shared_articles(
    slashbot: NewsBot, fake_engine: Any
) -> None:
    await invoke(slashbot, "ask", make_interaction(slashbot, guild_id=None), question=QUESTION)
    assert fake_engine.ask.call_args.kwargs["spaces"] == (SHARED_SPACE,)


async def test_ask_as_of_a_day(slashbot: NewsBot, fake_engine: Any) -> None:
    await invoke(slashbot, "ask", make_interaction(slashbot), question=QUESTION, as_of="2026-03-01")
    assert fake_engine.ask.call_args.kwargs["as_of"] == date(2026, 3, 1)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"question": "   "}, "Please include a question"),
        ({"question": "why " * 251}, "Your question is 1,003 characters long"),
        ({"question": QUESTION, "as_of": "last week"}, "'last week' is not a date I understand"),
    ],
)
async def test_bad_questions_get_a_clear_private_message(
    slashbot: NewsBot, fake_engine: Any, options: dict[str, Any], message: str
) -> None:
    interaction = make_interaction(slashbot)
    await invoke(slashbot, "ask", interaction, **options)

    assert ephemeral_notice(interaction).startswith(message)
    interaction.response.defer.assert_not_awaited()
    fake_engine.ask.assert_not_called()


async def test_asking_too_often_says_when_to_retry(slashbot: NewsBot, fake_engine: Any) -> None:
    slashbot.cooldowns = Cooldowns(rate=1, per=20)
    await invoke(slashbot, "ask", make_interaction(slashbot), question=QUESTION)
    second = make_interaction(slashbot)
    await invoke(slashbot, "ask", second, question="and who confirmed it?")

    assert ephemeral_notice(second) in (
        "You're asking faster than I can read — try again in 20 s.",
        "You're asking faster than I can read — try again in 19 s.",
    )
    assert fake_engine.ask.call_count == 1


async def test_a_refusal_is_a_sentence_not_an_empty_embed(
    slashbot: NewsBot, knowledge: FakeKnowledge
) -> None:
    knowledge.answer = lambda q: Answer(q, "I couldn't find an answer to that.", refused=True)
    interaction = make_interaction(slashbot)
    await invoke(slashbot, "ask", interaction, question="Who won the chess final?")

    assert followup_texts(interaction) == ["I couldn't find an answer to that."]
    assert all_embeds(interaction) == []


async def test_a_thread_can_be_opened_for_follow_ups(slashbot: NewsBot, fake_engine: Any) -> None:
    assert slashbot.user is None  # not logged in: the thread owner is checked by id below
    slashbot._connection.user = MagicMock(spec=discord.ClientUser, id=999, mention="<@999>")
    interaction = make_interaction(slashbot)
    thread = MagicMock(spec=discord.Thread, id=5555, owner_id=999)
    first_message: list[Any] = []

    def sent(*args: Any, **kwargs: Any) -> Any:
        from tests.bot.conftest import sent_message

        message = sent_message()
        message.create_thread.return_value = thread
        first_message.append(message)
        return message

    interaction.followup.send.side_effect = sent
    await invoke(slashbot, "ask", interaction, question=QUESTION, thread=True)

    create_thread = first_message[0].create_thread
    create_thread.assert_awaited_once_with(name=QUESTION, auto_archive_duration=1440)
    assert "Ask on in this thread" in thread.send.call_args.kwargs["content"]

    follow_up = make_interaction(slashbot, channel=thread)
    await invoke(slashbot, "ask", follow_up, question="and who confirmed it?")
    answer_text = fake_engine.ask.side_effect(QUESTION).text
    assert fake_engine.ask.call_args.kwargs["history"] == (Turn(QUESTION, answer_text),)


async def test_unexpected_failures_apologise_and_log_the_traceback(
    slashbot: NewsBot, knowledge: FakeKnowledge, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(question: str) -> Answer:
        raise RuntimeError("index file is corrupt")

    knowledge.answer = broken
    interaction = make_interaction(slashbot)
    await invoke(slashbot, "ask", interaction, question=QUESTION)

    [text] = followup_texts(interaction)
    assert text.startswith("Sorry, something went wrong on my side")
    assert "corrupt" not in text
    [record] = [r for r in caplog.records if r.name == "bot.cogs.errors"]
    assert record.exc_info is not None and "index file is corrupt" in str(record.exc_info[1])
    assert f"/ask in server {GUILD}" in record.getMessage()


# --- /sources --------------------------------------------------------------------------


async def test_sources_lists_shared_and_this_servers_articles_in_pages(
    slashbot: NewsBot, knowledge: FakeKnowledge
) -> None:
    knowledge.articles = [summary(f"s{i:02d}", f"Shared story {i}") for i in range(12)]
    knowledge.articles += [summary("mine", "Our story", space=f"guild-{GUILD}")]
    knowledge.articles += [summary("theirs", "Their story", space="guild-1")]
    interaction = make_interaction(slashbot, command="sources")
    await invoke(slashbot, "sources", interaction)

    interaction.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
    call = interaction.followup.send.call_args
    assert call.kwargs["ephemeral"] is True
    [page] = call.kwargs["embeds"]
    assert page.title == "Articles I know (13)"
    assert page.footer.text == "Page 1/2 · newest first"
    view = call.kwargs["view"]
    assert view.previous_page.disabled and not view.next_page.disabled

    click = make_interaction(slashbot, command="sources")
    click.user = interaction.user
    assert await view.interaction_check(click)
    await view.next_page.callback(click)
    second = click.response.edit_message.call_args.kwargs["embed"]
    assert second.footer.text == "Page 2/2 · newest first"
    everything = (page.description or "") + (second.description or "")
    assert "Our story" in everything and "Their story" not in everything


async def test_sources_opens_at_a_page_and_each_click_reads_one_page(
    slashbot: NewsBot, fake_engine: Any, knowledge: FakeKnowledge
) -> None:
    knowledge.articles = [summary(f"s{i:02d}", f"Story {i}") for i in range(35)]
    interaction = make_interaction(slashbot, command="sources")
    await invoke(slashbot, "sources", interaction, page=3)

    [page] = interaction.followup.send.call_args.kwargs["embeds"]
    assert page.footer.text == "Page 3/4 · newest first" and "Story 20" in (page.description or "")
    view = interaction.followup.send.call_args.kwargs["view"]
    assert not view.previous_page.disabled and not view.next_page.disabled

    click = make_interaction(slashbot, command="sources")
    click.user = interaction.user
    await view.next_page.callback(click)
    last = click.response.edit_message.call_args.kwargs["embed"]
    assert last.footer.text == "Page 4/4 · newest first" and view.next_page.disabled
    assert fake_engine.sources.call_args.kwargs == {
        "spaces": (SHARED_SPACE, f"guild-{GUILD}"), "page": 4, "per_page": 10
    }  # fmt: skip


async def test_a_page_past_the_end_is_explained(
    slashbot: NewsBot, knowledge: FakeKnowledge
) -> None:
    knowledge.articles = [summary(f"s{i:02d}", f"Story {i}") for i in range(12)]
    interaction = make_interaction(slashbot, command="sources")
    await invoke(slashbot, "sources", interaction, page=9)

    assert followup_texts(interaction) == ["There is no page 9: the articles fill 2 pages."]


async def test_only_the_member_who_asked_can_turn_the_pages(
    slashbot: NewsBot, knowledge: FakeKnowledge
) -> None:
    knowledge.articles = [summary(f"s{i:02d}", f"Story {i}") for i in range(25)]
    interaction = make_interaction(slashbot, command="sources")
    await invoke(slashbot, "sources", interaction)
    view = interaction.followup.send.call_args.kwargs["view"]

    stranger = make_interaction(slashbot, user_id=1, command="sources")
    assert not await view.interaction_check(stranger)
    assert "Run `/sources` yourself" in ephemeral_notice(stranger)


async def test_sources_in_a_dm_and_when_empty(slashbot: NewsBot, fake_engine: Any) -> None:
    interaction = make_interaction(slashbot, guild_id=None, command="sources")
    await invoke(slashbot, "sources", interaction)

    fake_engine.sources.assert_called_once_with(spaces=(SHARED_SPACE,), page=1, per_page=10)
    [page] = all_embeds(interaction)
    assert "I don't know any articles yet" in (page.description or "")
    assert "view" not in interaction.followup.send.call_args.kwargs


# --- /ingest and /forget ---------------------------------------------------------------


async def test_ingest_adds_to_this_servers_articles(slashbot: NewsBot, fake_engine: Any) -> None:
    interaction = make_interaction(slashbot, manage_guild=True, command="ingest")
    await invoke(slashbot, "ingest", interaction, url="<http://93.184.216.34/feed.xml>")

    interaction.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
    fake_engine.ingest.assert_called_once_with(
        ["http://93.184.216.34/feed.xml"], space=f"guild-{GUILD}", untrusted=True
    )
    assert followup_texts(interaction) == [
        "Done: added 1 article from <http://93.184.216.34/feed.xml> (4 passages)."
    ]


async def test_ingest_reports_what_could_not_be_read(
    slashbot: NewsBot, knowledge: FakeKnowledge
) -> None:
    knowledge.report = IngestReport(errors=["http://93.184.216.34/x: the server answered 404"])
    interaction = make_interaction(slashbot, manage_guild=True, command="ingest")
    await invoke(slashbot, "ingest", interaction, url="http://93.184.216.34/x")

    assert followup_texts(interaction) == [
        "I couldn't add anything from <http://93.184.216.34/x>.\nWhat went wrong:\n"
        "- <http://93.184.216.34/x>: the server answered 404"  # no link previews
    ]


async def test_ingest_has_a_cooldown_per_server(slashbot: NewsBot, fake_engine: Any) -> None:
    slashbot.ingest_cooldowns = Cooldowns(rate=1, per=60, error=IngestCooldown)
    url = "http://93.184.216.34/feed.xml"
    await invoke(slashbot, "ingest", make_interaction(slashbot, manage_guild=True), url=url)
    again = make_interaction(slashbot, manage_guild=True)
    await invoke(slashbot, "ingest", again, url=url)
    other_server = make_interaction(slashbot, guild_id=GUILD + 1, manage_guild=True)
    await invoke(slashbot, "ingest", other_server, url=url)

    assert ephemeral_notice(again) in (
        f"This server is adding articles faster than I can fetch them — try again in {s} s."
        for s in (60, 59)
    )
    assert fake_engine.ingest.call_count == 2  # this server once, the other server once


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", "only web addresses starting with http:// or https://"),
        ("http://127.0.0.1:8000/admin", "that address is on a private or local network"),
    ],
)
async def test_ingest_refuses_addresses_that_are_not_public_web_pages(
    slashbot: NewsBot, fake_engine: Any, url: str, message: str
) -> None:
    interaction = make_interaction(slashbot, manage_guild=True, command="ingest")
    await invoke(slashbot, "ingest", interaction, url=url)

    assert message in ephemeral_notice(interaction)
    fake_engine.ingest.assert_not_called()


@pytest.mark.parametrize(
    ("command", "options"),
    [("ingest", {"url": "https://x.example/feed"}), ("forget", {"article_id": "abc"})],
)
async def test_members_without_manage_server_are_politely_refused(
    slashbot: NewsBot, fake_engine: Any, command: str, options: dict[str, str]
) -> None:
    interaction = make_interaction(slashbot, manage_guild=False, command=command)
    await invoke(slashbot, command, interaction, **options)

    assert ephemeral_notice(interaction).startswith(
        "Sorry, only members with the **Manage Server** permission can add or remove articles."
    )
    fake_engine.ingest.assert_not_called()
    fake_engine.forget.assert_not_called()


@pytest.mark.parametrize(
    ("command", "options"),
    [("ingest", {"url": "https://x.example/feed"}), ("forget", {"article_id": "abc"})],
)
async def test_ingest_and_forget_are_refused_in_dms(
    slashbot: NewsBot, command: str, options: dict[str, str]
) -> None:
    interaction = make_interaction(slashbot, guild_id=None, manage_guild=True, command=command)
    await invoke(slashbot, command, interaction, **options)

    assert ephemeral_notice(interaction).startswith("That command works in a server")


def test_ingest_and_forget_are_hidden_from_members_and_dms(slashbot: NewsBot) -> None:
    for name in ("ingest", "forget"):
        command = slashbot.tree.get_command(name)
        assert command is not None
        assert command.default_permissions == discord.Permissions(manage_guild=True)
        assert command.guild_only


async def test_forget_removes_an_article_of_this_server(
    slashbot: NewsBot, fake_engine: Any, knowledge: FakeKnowledge
) -> None:
    knowledge.articles = [summary("mine", "Our story", space=f"guild-{GUILD}")]
    interaction = make_interaction(slashbot, manage_guild=True, command="forget")
    await invoke(slashbot, "forget", interaction, article_id=" `mine` ")

    fake_engine.forget.assert_called_once_with("mine", space=f"guild-{GUILD}")
    assert followup_texts(interaction) == [
        "Forgot Harbor Gazette — Our story (2026-03-12). "
        "It won't be cited in this server's answers any more."
    ]
    assert knowledge.articles == []


async def test_forget_explains_unknown_and_shared_articles(
    slashbot: NewsBot, knowledge: FakeKnowledge
) -> None:
    knowledge.articles = [summary("common", "Everyone's story")]
    unknown = make_interaction(slashbot, manage_guild=True, command="forget")
    await invoke(slashbot, "forget", unknown, article_id="nope")
    shared = make_interaction(slashbot, manage_guild=True, command="forget")
    await invoke(slashbot, "forget", shared, article_id="common")

    assert followup_texts(unknown) == ["No stored article has the id 'nope'."]
    assert followup_texts(shared)[0].startswith("That article is in the shared knowledge base")
    assert len(knowledge.articles) == 1


async def test_forget_suggests_this_servers_articles_as_you_type(
    slashbot: NewsBot, knowledge: FakeKnowledge
) -> None:
    knowledge.articles = [
        summary("t1", "Tram line approved", space=f"guild-{GUILD}"),
        summary("s1", "Strike ends", space=f"guild-{GUILD}"),
        summary("t2", "Tram costs rise", space="guild-1"),
        summary("t3", "Tram shared story"),
    ]
    cog = slashbot.get_cog("Sources")
    interaction = make_interaction(slashbot, manage_guild=True, command="forget")
    choices = await cog.forget_autocomplete(interaction, "tram")  # type: ignore[union-attr]

    assert [(c.name, c.value) for c in choices] == [
        ("Harbor Gazette — Tram line approved (2026-03-12)", "t1")
    ]


# --- /help -----------------------------------------------------------------------------


async def test_help_explains_the_commands_privately(slashbot: NewsBot) -> None:
    interaction = make_interaction(slashbot, command="help")
    await invoke(slashbot, "help", interaction)

    call = interaction.response.send_message.call_args
    assert call.kwargs["ephemeral"] is True
    [embed] = call.kwargs["embeds"]
    text = " ".join(str(f.value) for f in embed.fields)
    for expected in ("/ask", "!ask <question>", "/sources", "/ingest", "/forget", "Manage Server"):
        assert expected in text
