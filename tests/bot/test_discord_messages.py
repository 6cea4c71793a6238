"""Asking in messages, on dpytest's fake Discord: `!ask`, @mentions, DMs and replies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from unittest.mock import MagicMock

import discord
import discord.ext.test as dpytest
import pytest
from discord.ext import commands
from discord.ext.test import backend, callbacks, factories

from bot.cooldown import Cooldowns
from bot.discord_app import NewsBot, create_bot
from retrieval.errors import InvalidQuestion
from retrieval.records import SHARED_SPACE, Answer, Turn
from tests.bot.conftest import FakeKnowledge, on_fake_discord

ANSWER_TEXT = (
    "The strike at the Port of Velmora ended on Thursday. [1] "
    "The union accepted a 6 percent pay rise. [2]"
)


def guild_channel(index: int = 0) -> discord.TextChannel:
    guild = dpytest.get_config().guilds[index]
    return guild.text_channels[0]


def member(name: str = "Ada", guild: int = 0) -> discord.Member:
    found = dpytest.get_config().guilds[guild].get_member_named(name)
    assert found is not None
    return found


def mention(bot: NewsBot) -> str:
    assert bot.user is not None
    return f"<@{bot.user.id}>"


async def reply(
    target: discord.Message, content: str, author: discord.Member, *, ping: list[Any] | None = None
) -> None:
    """Post a Discord reply to `target` (dpytest has no helper for message references)."""
    channel = target.channel
    data = factories.make_message_dict(
        channel,
        author,
        content=content,
        mentions=ping or [],  # type: ignore[call-overload]
    )
    data["type"] = discord.MessageType.reply.value
    data["message_reference"] = {
        "message_id": target.id,
        "channel_id": channel.id,
        "guild_id": target.guild.id if target.guild else None,
    }
    data["referenced_message"] = factories.dict_from_message(target)
    backend.get_state().parse_message_create(data)
    await dpytest.run_all_events()


@pytest.fixture
def sent_kwargs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """Every keyword argument passed to Messageable.send, to check what could ping."""
    calls: list[dict[str, Any]] = []
    original = discord.abc.Messageable.send

    async def spy(self: discord.abc.Messageable, *args: Any, **kwargs: Any) -> discord.Message:
        calls.append(kwargs)
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(discord.abc.Messageable, "send", spy)
    yield calls


@pytest.fixture
def typing_events() -> Iterator[list[Any]]:
    events: list[Any] = []

    async def on_typing(channel: Any) -> None:
        events.append(channel)

    callbacks.set_callback(on_typing, "send_typing")
    yield events
    callbacks.remove_callback("send_typing")


async def test_prefix_ask_answers_with_text_and_sources(newsbot: NewsBot, fake_engine: Any) -> None:
    await dpytest.message("!ask how did the Velmora strike end?")

    message = dpytest.get_message()
    assert message.content == ANSWER_TEXT
    [embed] = message.embeds
    assert embed.title == "Sources"
    assert "[Harbor Gazette — Velmora dock workers end nine-day strike (2026-03-12)]" in (
        embed.description or ""
    )
    guild_id = guild_channel().guild.id
    fake_engine.ask.assert_called_once_with(
        "how did the Velmora strike end?",
        spaces=(SHARED_SPACE, f"guild-{guild_id}"),
        as_of=None,
        history=(),
    )
    assert dpytest.verify().message().nothing()


async def test_a_typing_indicator_shows_while_the_answer_is_prepared(
    newsbot: NewsBot, typing_events: list[Any]
) -> None:
    await dpytest.message("!ask how did the strike end?")

    assert typing_events == [guild_channel()]
    assert dpytest.get_message().content == ANSWER_TEXT


async def test_the_prefix_comes_from_the_settings(bot_settings: Any, fake_engine: Any) -> None:
    settings = bot_settings.model_copy(update={"prefix": "?"})
    await on_fake_discord(create_bot(settings, fake_engine))

    await dpytest.message("!ask how did the strike end?")
    assert dpytest.verify().message().nothing()
    await dpytest.message("?ask how did the strike end?")
    assert dpytest.get_message().content == ANSWER_TEXT
    await dpytest.empty_queue()


async def test_a_mention_followed_by_a_question_is_answered(
    newsbot: NewsBot, fake_engine: Any
) -> None:
    await dpytest.message(f"{mention(newsbot)} how did the strike end?")

    assert dpytest.get_message().content == ANSWER_TEXT
    assert fake_engine.ask.call_args.args == ("how did the strike end?",)


async def test_a_mention_alone_asks_for_a_question(newsbot: NewsBot, fake_engine: Any) -> None:
    await dpytest.message(mention(newsbot))

    assert dpytest.verify().message().contains().content("Please include a question")
    fake_engine.ask.assert_not_called()


async def test_mention_help_shows_the_help_card(newsbot: NewsBot, fake_engine: Any) -> None:
    await dpytest.message(f"{mention(newsbot)} help")

    embed = dpytest.get_embed()
    assert "/ask" in str(embed.fields[0].value)
    fake_engine.ask.assert_not_called()


async def test_plain_chatter_in_a_server_is_ignored(newsbot: NewsBot, fake_engine: Any) -> None:
    await dpytest.message("how did the strike end?")
    await dpytest.message(f"thanks {mention(newsbot)} that was useful")
    with pytest.raises(commands.CommandNotFound):  # dpytest re-raises what the handler saw
        await dpytest.message("!unknowncommand")

    assert dpytest.verify().message().nothing()
    fake_engine.ask.assert_not_called()


async def test_any_direct_message_is_a_question_searching_only_shared_articles(
    newsbot: NewsBot, fake_engine: Any
) -> None:
    ada = member()
    dm = await ada.create_dm()
    await dpytest.message("what happened at the port?", channel=dm, member=ada)

    answer = dpytest.get_message()
    assert answer.content == ANSWER_TEXT
    assert answer.embeds[0].title == "Sources"
    fake_engine.ask.assert_called_once_with(
        "what happened at the port?", spaces=(SHARED_SPACE,), as_of=None, history=()
    )


async def test_direct_messages_understand_commands_too(newsbot: NewsBot, fake_engine: Any) -> None:
    ada = member()
    dm = await ada.create_dm()
    await dpytest.message("!ask what happened at the port?", channel=dm, member=ada)
    assert dpytest.get_message().content == ANSWER_TEXT

    with pytest.raises(commands.CommandNotFound):
        await dpytest.message("!frobnicate", channel=dm, member=ada)
    assert (
        dpytest.verify().message().content("I don't know that command; try `!help`, or just ask.")
    )
    assert fake_engine.ask.call_count == 1


async def test_each_server_searches_its_own_knowledge(newsbot: NewsBot, fake_engine: Any) -> None:
    await dpytest.message("!ask who?", channel=guild_channel(0), member=member(guild=0))
    await dpytest.message("!ask who?", channel=guild_channel(1), member=member(guild=1))

    spaces = [call.kwargs["spaces"] for call in fake_engine.ask.call_args_list]
    first, second = (guild_channel(i).guild.id for i in (0, 1))
    assert spaces == [(SHARED_SPACE, f"guild-{first}"), (SHARED_SPACE, f"guild-{second}")]


async def test_replying_to_an_answer_continues_the_conversation(
    newsbot: NewsBot, fake_engine: Any, knowledge: FakeKnowledge
) -> None:
    await dpytest.message("!ask how did the strike end?")
    first_answer = dpytest.get_message()

    await reply(first_answer, "and who confirmed it?", member("Grace"))
    second_answer = dpytest.get_message()
    await reply(second_answer, "when?", member("Ada"))

    histories = [call.kwargs["history"] for call in fake_engine.ask.call_args_list]
    first_turn = Turn("how did the strike end?", ANSWER_TEXT)
    second_turn = Turn("and who confirmed it?", ANSWER_TEXT)
    assert histories == [(), (first_turn,), (first_turn, second_turn)]
    assert [call.args[0] for call in fake_engine.ask.call_args_list][1:] == [
        "and who confirmed it?",
        "when?",
    ]


async def test_a_reply_with_a_prefix_command_also_continues(
    newsbot: NewsBot, fake_engine: Any
) -> None:
    await dpytest.message("!ask how did the strike end?")
    await reply(dpytest.get_message(), "!ask and who confirmed it?", member())

    assert fake_engine.ask.call_args.kwargs["history"] == (
        Turn("how did the strike end?", ANSWER_TEXT),
    )


async def test_replies_to_other_people_are_not_questions(
    newsbot: NewsBot, fake_engine: Any
) -> None:
    someone = await dpytest.message("the port is busy today")
    await reply(someone, "indeed it is", member("Grace"))

    assert dpytest.verify().message().nothing()
    fake_engine.ask.assert_not_called()


async def test_a_pinging_reply_to_an_old_answer_is_a_fresh_question(
    newsbot: NewsBot, fake_engine: Any
) -> None:
    await dpytest.message("!ask how did the strike end?")
    answer = dpytest.get_message()
    newsbot.conversations = type(newsbot.conversations)()  # the bot restarted: memory is empty

    await reply(answer, "and the tram vote?", member(), ping=[newsbot.user])

    assert dpytest.get_message().content == ANSWER_TEXT
    assert fake_engine.ask.call_args.kwargs["history"] == ()


async def test_questions_in_a_thread_the_bot_opened_need_no_prefix(newsbot: NewsBot) -> None:
    cog = newsbot.get_cog("Questions")
    assert newsbot.user is not None
    thread = MagicMock(spec=discord.Thread)
    thread.owner_id = newsbot.user.id
    message = MagicMock(spec=discord.Message)
    message.author = member()
    message.content = "and who confirmed it?"
    message.guild = guild_channel().guild
    message.channel = thread
    message.reference = None
    message.mentions = []
    message.webhook_id = None

    assert await cog.question_in(message) == "and who confirmed it?"  # type: ignore[union-attr]
    thread.owner_id = 12345  # someone else's thread
    assert await cog.question_in(message) is None  # type: ignore[union-attr]


async def test_too_long_and_empty_questions_get_a_clear_message(
    newsbot: NewsBot, fake_engine: Any
) -> None:
    await dpytest.message(f"{mention(newsbot)} " + "why " * 300)
    assert (
        dpytest.verify()
        .message()
        .contains()
        .content("Your question is 1,199 characters long; please keep it under 1,000.")
    )

    with pytest.raises(commands.MissingRequiredArgument):
        await dpytest.message("!ask")
    assert dpytest.verify().message().content("Usage: `!ask <question>`")
    fake_engine.ask.assert_not_called()


async def test_asking_too_often_says_when_to_try_again(newsbot: NewsBot, fake_engine: Any) -> None:
    newsbot.cooldowns = Cooldowns(rate=1, per=60)
    await dpytest.message(f"{mention(newsbot)} how did the strike end?")
    assert dpytest.get_message().content == ANSWER_TEXT

    await dpytest.message(f"{mention(newsbot)} and who confirmed it?")
    text = dpytest.get_message().content
    assert text.startswith("You're asking faster than I can read — try again in ")
    assert text.endswith(" s.")
    assert fake_engine.ask.call_count == 1

    # another member is not held back
    await dpytest.message(f"{mention(newsbot)} and who confirmed it?", member=member("Grace"))
    assert dpytest.get_message().content == ANSWER_TEXT


async def test_a_refusal_is_one_friendly_sentence(
    newsbot: NewsBot, knowledge: FakeKnowledge
) -> None:
    knowledge.answer = lambda q: Answer(
        question=q, text="I couldn't find an answer to that in the articles I have.", refused=True
    )
    await dpytest.message("!ask who won the chess final?")

    message = dpytest.get_message()
    assert message.content == "I couldn't find an answer to that in the articles I have."
    assert message.embeds == []


async def test_questions_that_mention_everyone_ping_nobody(
    newsbot: NewsBot, knowledge: FakeKnowledge, sent_kwargs: list[dict[str, Any]]
) -> None:
    role = backend.make_role("dockers", dpytest.get_config().guilds[0], mentionable=True)
    knowledge.answer = lambda q: Answer(question=q, text=f"You asked: {q}", refused=True)
    await dpytest.message(f"!ask @everyone @here <@&{role.id}> what happened?")

    content = dpytest.get_message().content
    assert "@everyone" not in content and "@here" not in content
    assert sent_kwargs, "the answer went through Messageable.send"
    for kwargs in sent_kwargs:
        allowed = kwargs["allowed_mentions"]
        assert allowed.to_dict() == {"parse": []}  # no everyone, roles or users parsed
        assert (allowed.everyone, allowed.roles, allowed.users, allowed.replied_user) == (
            False,
            False,
            False,
            False,
        )
        assert kwargs.get("mention_author") is False


async def test_engine_errors_meant_for_users_are_shown_as_they_are(
    newsbot: NewsBot, knowledge: FakeKnowledge
) -> None:
    def fail(question: str) -> Answer:
        raise InvalidQuestion("That question is too vague: name a place or a person.")

    knowledge.answer = fail
    await dpytest.message(f"{mention(newsbot)} what?")

    assert (
        dpytest.verify().message().content("That question is too vague: name a place or a person.")
    )
