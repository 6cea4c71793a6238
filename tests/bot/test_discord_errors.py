"""The error-handler cog: friendly messages for known errors, tracebacks in the log for
the rest, and the token never in a log line or a message."""

from __future__ import annotations

import io
import logging
from typing import Any

import discord.ext.test as dpytest
import pytest
from discord import app_commands
from discord.ext import commands

from bot.cogs.errors import STORE_UNREACHABLE, UNEXPECTED, friendly_message
from bot.cooldown import QuestionCooldown
from bot.discord_app import NewsBot
from bot.logsafe import REDACTED, RedactSecret, redact_secret_in_logs
from retrieval.errors import ArticleNotFound, LLMError, SourceError, StoreUnavailable
from retrieval.records import Answer
from tests.bot.conftest import FakeKnowledge, strike_answer

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.fake-token-for-tests-0123456789abcdef"


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (ArticleNotFound("abc"), "No stored article has the id 'abc'."),
        (
            SourceError("https://x.example", "the server answered 404"),
            "https://x.example: the server answered 404",
        ),
        (
            LLMError("The language model did not answer in time."),
            "The language model did not answer in time.",
        ),
        (QuestionCooldown(4.2), "You're asking faster than I can read — try again in 5 s."),
        (commands.CommandInvokeError(ArticleNotFound("x")), "No stored article has the id 'x'."),
        (
            app_commands.MissingPermissions(["manage_guild"]),
            "Sorry, only members with the **Manage Server** permission can add or remove articles. "
            "You can still ask questions and list the sources with `/sources`.",
        ),
        (
            app_commands.MissingPermissions(["ban_members"]),
            "Sorry, you don't have the permission that command needs.",
        ),
        (
            app_commands.BotMissingPermissions(["embed_links"]),
            "I don't have the permission to do that here (embed links); a moderator can grant it.",
        ),
        (
            commands.NoPrivateMessage(),
            "That command works in a server, not in direct messages: "
            "articles added there belong to that server's knowledge.",
        ),
        (commands.CommandInvokeError(StoreUnavailable("down")), STORE_UNREACHABLE),
        (RuntimeError("boom"), None),
        (commands.CommandInvokeError(KeyError("k")), None),
    ],
)
def test_known_errors_have_friendly_messages(error: Exception, message: str | None) -> None:
    assert friendly_message(error) == message


def test_the_redacting_filter_hides_the_token_in_messages_arguments_and_tracebacks() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("tests.redaction")
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    logger.propagate = False
    try:
        redact_secret_in_logs(TOKEN, logger)
        logger.warning("connecting with %s", TOKEN)
        logger.warning(f"token={TOKEN}")
        try:
            raise RuntimeError(f"401 for Bot {TOKEN}")
        except RuntimeError:
            logger.exception("login failed")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True

    output = stream.getvalue()
    assert TOKEN not in output
    assert output.count(REDACTED) == 3
    assert "connecting with [redacted]" in output
    assert "RuntimeError: 401 for Bot [redacted]" in output


async def test_an_unexpected_error_never_echoes_the_token(
    newsbot: NewsBot, knowledge: FakeKnowledge, caplog: pytest.LogCaptureFixture
) -> None:
    def leak(question: str) -> Answer:
        raise RuntimeError(f"could not connect using {TOKEN}")

    knowledge.answer = leak
    for handler in logging.getLogger().handlers:  # as run_bot does, on caplog's handler too
        handler.addFilter(RedactSecret(TOKEN))
    try:
        with caplog.at_level(logging.ERROR):
            await dpytest.message(f"<@{newsbot.user.id}> what happened?")  # type: ignore[union-attr]
    finally:
        for handler in logging.getLogger().handlers:
            handler.filters = [f for f in handler.filters if not isinstance(f, RedactSecret)]

    reply = dpytest.get_message()
    assert reply.content == UNEXPECTED
    assert TOKEN not in caplog.text
    assert "RuntimeError: could not connect using [redacted]" in caplog.text
    assert "Traceback" in caplog.text


async def test_a_failing_prefix_command_is_answered_once(
    newsbot: NewsBot, knowledge: FakeKnowledge, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(question: str) -> Answer:
        raise ValueError("unexpected shape")

    knowledge.answer = broken
    with pytest.raises(commands.CommandInvokeError):  # dpytest re-raises what the handler saw
        await dpytest.message("!ask what happened?")

    assert dpytest.get_message().content == UNEXPECTED
    assert dpytest.verify().message().nothing()
    [record] = [r for r in caplog.records if r.name == "bot.cogs.errors"]
    assert record.levelno == logging.ERROR and "!ask in server" in record.getMessage()


def test_the_error_cog_owns_the_command_trees_error_handler(newsbot: NewsBot) -> None:
    cog: Any = newsbot.get_cog("Errors")
    assert newsbot.tree.on_error == cog.on_app_command_error


async def test_an_unreachable_store_gets_a_clear_reply(
    newsbot: NewsBot, knowledge: FakeKnowledge, caplog: pytest.LogCaptureFixture
) -> None:
    def down(question: str) -> Answer:
        raise StoreUnavailable("The article store at 127.0.0.1:8000 can't be reached.")

    knowledge.answer = down
    await dpytest.message(f"<@{newsbot.user.id}> what happened?")  # type: ignore[union-attr]

    reply = dpytest.get_message().content
    assert reply == STORE_UNREACHABLE and "the article store is unreachable" in reply
    assert "Traceback" not in caplog.text
    assert "unreachable" in caplog.text  # the operator sees it in the log

    knowledge.answer = strike_answer  # the store is back: the next question works
    await dpytest.message(f"<@{newsbot.user.id}> what happened?")  # type: ignore[union-attr]
    assert "[1]" in dpytest.get_message().content
