"""Shortcuts: "New opportunity" (global) and "Create opportunity from message" (message)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from oppbot.adapters.slack.modal_views import Meta, message_modal, new_modal
from oppbot.adapters.slack.support import Acker, SlackDeps
from oppbot.domain.actions import MAX_DESCRIPTION
from oppbot.replies.i18n import t

log = logging.getLogger(__name__)
NEW_SHORTCUT = "new_opportunity"
MESSAGE_SHORTCUT = "opportunity_from_message"


async def permalink(client: AsyncWebClient, body: dict[str, Any]) -> str:
    """chat.getPermalink, else Slack's documented archive URL form."""
    channel = str((body.get("channel") or {}).get("id") or "")
    ts = str(body.get("message_ts") or (body.get("message") or {}).get("ts") or "")
    try:
        resp = await client.chat_getPermalink(channel=channel, message_ts=ts)
        return str(resp["permalink"])
    except (SlackApiError, KeyError) as exc:
        log.info("chat.getPermalink failed (%s); building the link", exc)
    domain = str((body.get("team") or {}).get("domain") or "app")
    return f"https://{domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"


def description_from(text: str) -> str:
    """The message's first line, as much of it as a description holds."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first if len(first) <= MAX_DESCRIPTION else first[: MAX_DESCRIPTION - 1] + "…"


def register(app: AsyncApp, deps: SlackDeps) -> None:
    async def open_new(
        body: dict[str, Any], client: AsyncWebClient, meta: Meta, description: str, acked: Acker
    ) -> None:
        who = await deps.who(client, body)
        if who.ctx is None:
            modal = message_modal(who.f, t(who.locale, "form_new"), t(who.locale, "not_linked"))
        else:
            cycles = await deps.runtime.service.cycles_for_new()
            modal = new_modal(who.f, meta, cycles, description=description)
        await acked()
        await client.views_open(trigger_id=body["trigger_id"], view=modal.to_dict())

    @app.shortcut(NEW_SHORTCUT)
    async def new_opportunity(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        async def work(acked: Acker) -> None:
            await open_new(body, client, Meta(), "", acked)

        await deps.handle(NEW_SHORTCUT, ack, body, client, work)

    @app.shortcut(MESSAGE_SHORTCUT)
    async def from_message(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        async def work(acked: Acker) -> None:
            text = str((body.get("message") or {}).get("text") or "")
            meta = Meta(url=str(body.get("response_url") or ""), link=await permalink(client, body))
            await open_new(body, client, meta, description_from(text), acked)

        await deps.handle(MESSAGE_SHORTCUT, ack, body, client, work)
