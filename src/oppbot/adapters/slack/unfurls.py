"""Opportunity numbers mentioned in a channel get a compact card each, as a threaded reply.

At most three per message; never for the bot's own messages or for edits (Slack sends those with a
subtype); once per message across replicas and retries (the message is claimed in the database first).
The card is shown only if the message's author may read the opportunity: nothing leaks past the read scope.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from oppbot.adapters.admission import Overloaded
from oppbot.adapters.slack.blocks import as_dicts, item_blocks, say
from oppbot.adapters.slack.support import Acker, SlackDeps
from oppbot.domain.errors import DomainError
from oppbot.replies.build import item

log = logging.getLogger(__name__)
MENTIONED = re.compile(r"\bOP\d{6}\b")
MAX_CARDS = 3


def mentioned(text: str) -> list[str]:
    """The distinct opportunity numbers in `text`, in order, at most MAX_CARDS."""
    return list(dict.fromkeys(MENTIONED.findall(text)))[:MAX_CARDS]


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.event("message")
    async def message(event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("subtype") or event.get("bot_id") or event.get("channel_type") == "im":
            return  # edits, deletions, joins, bots (ourselves included), DMs
        numbers = mentioned(str(event.get("text") or ""))
        if not numbers:
            return

        async def work(_acked: Acker) -> None:
            try:
                await unfurl(deps, client, str(body.get("team_id") or ""), event, numbers)
            except Exception:  # nobody asked for it: logged, no apology
                log.exception("unfurl of %s failed", numbers)

        try:  # events are acknowledged by Bolt on arrival
            await deps.handle("unfurl", None, body, client, work)
        except Overloaded:
            log.warning("busy: unfurl of %s skipped", numbers)


async def unfurl(
    deps: SlackDeps, client: AsyncWebClient, team: str, event: dict[str, Any], numbers: list[str]
) -> None:
    channel, ts = str(event.get("channel")), str(event.get("ts"))
    service = deps.runtime.service
    if not await service.claim_once(f"slack:{team}:unfurl:{channel}:{ts}"):
        return  # another replica (or a retry) did it
    who = await deps.identities.who(client, team, str(event.get("user") or ""))
    if who.actor is None:
        return
    for no in numbers:
        try:
            await service.show(who.actor, no)  # exists, and the author may read it
        except DomainError:
            continue
        compact = item(await service.shared_card(no))  # one line and its Open button
        await client.chat_postMessage(
            channel=channel,
            thread_ts=str(event.get("thread_ts") or ts),
            text=say(compact.text, who.f),
            blocks=as_dicts(item_blocks(compact, who.f)),
        )
