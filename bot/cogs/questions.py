"""Asking: `/ask`, `!ask`, an @mention, a DM, a reply to an answer, a message in a thread
the bot opened. Every path validates the question, applies the per-user cooldown,
runs the engine in a worker thread and sends the answer through safe_send.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.help import help_embed
from bot.formatting import Reply, format_answer, shorten
from bot.safe_send import send_followups, send_replies
from bot.validation import MAX_QUESTION_CHARS, clean_question, parse_as_of
from retrieval import Answer, Turn

if TYPE_CHECKING:
    from bot.discord_app import NewsBot

log = logging.getLogger(__name__)

HELP_WORDS = frozenset({"help", "commands", "what can you do?"})
THREAD_NAME_LIMIT = 100


class Questions(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    # --- the ways to ask ---------------------------------------------------------------

    @app_commands.command(
        name="ask", description="Ask about the news; the answer cites its articles."
    )
    @app_commands.describe(
        question="Your question (up to 1,000 characters)",
        as_of="Answer from articles published up to this day (YYYY-MM-DD)",
        thread="Open a thread for follow-up questions",
    )
    async def ask_slash(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, MAX_QUESTION_CHARS],
        as_of: str | None = None,
        thread: bool = False,
    ) -> None:
        question = clean_question(question)
        day = parse_as_of(as_of)
        self.bot.cooldowns.hit(interaction.user.id)
        await interaction.response.defer(thinking=True)

        thread_id = self._own_thread_id(interaction.channel)
        history = self.bot.conversations.history(thread_id=thread_id)
        answer = await self.ask_engine(question, interaction.guild_id, history, as_of=day)
        sent = await send_followups(interaction.followup, format_answer(answer))
        in_a_thread = isinstance(interaction.channel, discord.Thread)
        if thread and not in_a_thread and interaction.guild is not None and sent:
            thread_id = await self._open_thread(sent[0], question)
        self._remember(history, question, answer, sent, thread_id)

    @commands.command(name="ask", usage="<question>", help="Ask about the news.")
    async def ask_prefix(self, ctx: commands.Context, *, question: str) -> None:
        await self.answer_message(ctx.message, question)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        question = await self.question_in(message)
        if question is None:
            return
        try:
            if question.strip().casefold() in HELP_WORDS:
                embed = help_embed(self.bot.settings.prefix)
                await send_replies(message.channel, Reply(embeds=(embed,)), reference=message)
                return
            await self.answer_message(message, question)
        except Exception as error:
            self.bot.dispatch("question_error", message, error)

    # --- deciding what is a question ---------------------------------------------------

    async def question_in(self, message: discord.Message) -> str | None:
        """The question a plain message asks, or None when it isn't meant for the bot.

        A message starting with an @mention of the bot asks what follows it (even
        nothing, which earns a hint). DMs, replies to the bot's answers and messages in
        a thread the bot opened ask their whole text; empty ones are ignored.
        """
        me = self.bot.user
        if me is None or message.author.bot or message.author.id == me.id:
            return None
        ctx = await self.bot.get_context(message)
        if ctx.prefix is not None and ctx.invoked_with:
            return None  # a prefix command: the commands framework handles it
        text = message.content
        mention = re.match(rf"<@!?{me.id}>\s*", text)
        if mention:
            return text[mention.end() :]
        if not text.strip():
            return None
        if message.guild is None or self._replies_to_me(message):
            return text
        if self._own_thread_id(message.channel) is not None:
            return text
        return None

    def _replies_to_me(self, message: discord.Message) -> bool:
        reference = message.reference
        if reference is None or reference.message_id is None:
            return False
        if self.bot.conversations.knows_message(reference.message_id):
            return True
        resolved = reference.resolved
        me = self.bot.user
        pinged_me = me is not None and any(user.id == me.id for user in message.mentions)
        return isinstance(resolved, discord.Message) and resolved.author == me and pinged_me

    def _own_thread_id(self, channel: object) -> int | None:
        me = self.bot.user
        if isinstance(channel, discord.Thread) and me is not None and channel.owner_id == me.id:
            return channel.id
        return None

    # --- answering ---------------------------------------------------------------------

    async def answer_message(self, message: discord.Message, text: str) -> None:
        """Answer a question asked in a message (prefix command, mention, DM, reply, thread)."""
        question = clean_question(text)
        self.bot.cooldowns.hit(message.author.id)
        thread_id = self._own_thread_id(message.channel)
        reply_to = message.reference.message_id if message.reference else None
        history = self.bot.conversations.history(reply_to=reply_to, thread_id=thread_id)
        guild_id = message.guild.id if message.guild else None
        async with message.channel.typing():
            answer = await self.ask_engine(question, guild_id, history)
        reference = message if message.guild is not None else None
        sent = await send_replies(message.channel, format_answer(answer), reference=reference)
        self._remember(history, question, answer, sent, thread_id)

    async def ask_engine(
        self,
        question: str,
        guild_id: int | None,
        history: tuple[Turn, ...],
        *,
        as_of: date | None = None,
    ) -> Answer:
        engine = self.bot.engine
        spaces = self.bot.spaces_for(guild_id)
        log.debug("asking in %s with %d earlier turns", spaces, len(history))
        return await self.bot.run_engine(
            engine.ask, question, spaces=spaces, as_of=as_of, history=history
        )

    def _remember(
        self,
        history: tuple[Turn, ...],
        question: str,
        answer: Answer,
        sent: list[discord.Message] | list[discord.WebhookMessage],
        thread_id: int | None,
    ) -> None:
        self.bot.conversations.record(
            history,
            Turn(question=question, answer=answer.text),
            message_ids=[m.id for m in sent],
            thread_id=thread_id,
        )

    async def _open_thread(self, message: discord.Message, question: str) -> int | None:
        try:
            thread = await message.create_thread(
                name=shorten(question, THREAD_NAME_LIMIT), auto_archive_duration=1440
            )
        except discord.HTTPException as exc:
            log.info("Could not open a thread for an answer: HTTP %s", exc.status)
            return None
        how = (
            "just type your follow-up questions here"
            if self.bot.intents.message_content
            else f"mention {self.bot.user.mention if self.bot.user else 'me'} with your follow-ups"
        )
        await send_replies(thread, f"Ask on in this thread: {how}; I'll remember what we said.")
        return thread.id


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Questions(bot))
