"""The only way messages leave the bot: no mentions ever ping, every message fits Discord.

`send_replies` posts to a channel (prefix commands, @mentions, DMs), `send_followups`
answers a deferred interaction, `respond` sends a short notice to an interaction
whether or not it was deferred.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import discord

from bot.formatting import Reply, check_reply, neutralize_mentions, text_replies

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()


def prepare(replies: str | Reply | Sequence[Reply]) -> list[Reply]:
    """Normalise to a list of replies that fit Discord's limits (text is split as needed)."""
    if isinstance(replies, str):
        prepared = text_replies(replies)
    elif isinstance(replies, Reply):
        prepared = [replies]
    else:
        prepared = list(replies)
    out = []
    for reply in prepared:
        reply = Reply(content=neutralize_mentions(reply.content), embeds=reply.embeds)
        check_reply(reply)
        out.append(reply)
    return out


async def send_replies(
    destination: discord.abc.Messageable,
    replies: str | Reply | Sequence[Reply],
    *,
    reference: discord.Message | None = None,
    view: discord.ui.View | None = None,
) -> list[discord.Message]:
    """Send to a channel; the first message replies to `reference` (without pinging it)."""
    sent: list[discord.Message] = []
    prepared = prepare(replies)
    for i, reply in enumerate(prepared):
        kwargs: dict = {}
        if i == 0 and reference is not None:
            kwargs["reference"] = reference.to_reference(fail_if_not_exists=False)
            kwargs["mention_author"] = False
        if i == len(prepared) - 1 and view is not None:
            kwargs["view"] = view
        message = await destination.send(
            content=reply.content or None,
            embeds=list(reply.embeds),
            allowed_mentions=NO_MENTIONS,
            **kwargs,
        )
        sent.append(message)
    return sent


async def send_followups(
    followup: discord.Webhook,
    replies: str | Reply | Sequence[Reply],
    *,
    ephemeral: bool = False,
    view: discord.ui.View | None = None,
) -> list[discord.WebhookMessage]:
    """Send as follow-ups of a deferred interaction; returns the messages sent."""
    sent: list[discord.WebhookMessage] = []
    prepared = prepare(replies)
    for i, reply in enumerate(prepared):
        kwargs: dict = {}
        if i == len(prepared) - 1 and view is not None:
            kwargs["view"] = view
        message = await followup.send(
            content=reply.content or discord.utils.MISSING,
            embeds=list(reply.embeds),
            allowed_mentions=NO_MENTIONS,
            ephemeral=ephemeral,
            wait=True,
            **kwargs,
        )
        sent.append(message)
    return sent


async def respond(
    interaction: discord.Interaction,
    replies: str | Reply | Sequence[Reply],
    *,
    ephemeral: bool = True,
) -> None:
    """Reply to an interaction whether or not it was deferred (notices, refusals, errors)."""
    prepared = prepare(replies)
    if not interaction.response.is_done():
        first, prepared = prepared[0], prepared[1:]
        await interaction.response.send_message(
            content=first.content or None,
            embeds=list(first.embeds),
            allowed_mentions=NO_MENTIONS,
            ephemeral=ephemeral,
        )
    if prepared:
        await send_followups(interaction.followup, prepared, ephemeral=ephemeral)
