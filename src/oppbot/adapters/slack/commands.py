"""`/opp <anything>`: ack at once, run through the shared grammar, answer ephemerally via response_url."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from oppbot.adapters.slack.messages import render_message
from oppbot.adapters.slack.support import SlackDeps, request_key, send_to_url
from oppbot.replies.model import ErrorReply


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.command("/opp")
    async def opp_command(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()  # the HTTP 200 goes out now; the work below runs after it

        async def work() -> None:
            await run_command(deps, client, body)

        await deps.safely("/opp", work)


async def run_command(deps: SlackDeps, client: AsyncWebClient, body: dict[str, Any]) -> None:
    url = str(body.get("response_url") or "")
    who = await deps.who(client, body)
    if who.ctx is None:
        await send_to_url(url, deps.not_linked(who), response_type="ephemeral")
        return
    text = str(body.get("text") or "").strip() or "help"
    reply = await deps.runtime.bot.handle(text, who.ctx, request_key=request_key(body))
    if isinstance(reply, ErrorReply) and reply.code == "duplicate_request":
        return  # a retry of something already done: the first answer stands
    message = render_message(reply, who.f, share=True, source=text)
    await send_to_url(url, message, response_type="ephemeral")
