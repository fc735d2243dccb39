"""`/opp <anything>`: run through the shared grammar, ack once done, answer ephemerally via response_url."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from oppbot.adapters.slack.identity import PLATFORM
from oppbot.adapters.slack.messages import render_message
from oppbot.adapters.slack.support import Acker, SlackDeps, request_key, send_to_url
from oppbot.domain.feeds import Where


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.command("/opp")
    async def opp_command(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        async def work(acked: Acker) -> None:
            await run_command(deps, client, body, acked)

        await deps.handle("/opp", ack, body, client, work)


async def run_command(deps: SlackDeps, client: AsyncWebClient, body: dict[str, Any], acked: Acker) -> None:
    url = str(body.get("response_url") or "")
    who = await deps.who(client, body)
    if who.ctx is None:
        await acked()
        await send_to_url(url, deps.not_linked(who), response_type="ephemeral")
        return
    text = str(body.get("text") or "").strip() or "help"
    ctx = (
        replace(who.ctx, where=Where(PLATFORM, who.team_id, str(body.get("channel_id") or "")))
        if body.get("channel_id")
        else who.ctx
    )
    reply = await deps.runtime.bot.handle(text, ctx, request_key=request_key(body))
    await acked()  # the change (if any) is committed: only now may Slack hear "received"
    message = render_message(reply, who.f, share=True, source=text)
    await send_to_url(url, message, response_type="ephemeral")
