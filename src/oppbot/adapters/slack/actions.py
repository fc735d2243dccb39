"""Card buttons: run the move with the version the card showed and update the card in place."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from oppbot import grammar
from oppbot.adapters.slack.home import publish_home
from oppbot.adapters.slack.identity import Who
from oppbot.adapters.slack.labels import label
from oppbot.adapters.slack.messages import Message, render_message
from oppbot.adapters.slack.modal_views import Meta, close_modal, new_modal, quote_modal, update_modal
from oppbot.adapters.slack.support import Acker, SlackDeps, request_key, send_to_url, team_of
from oppbot.replies.codec import parse_card_value, parse_choice_value, parse_page_value
from oppbot.replies.model import CardReply, ErrorReply, Reply
from oppbot.replies.text import outcome

log = logging.getLogger(__name__)


def _from_home(body: dict[str, Any]) -> bool:
    return (body.get("view") or {}).get("type") == "home"


def _ephemeral(body: dict[str, Any]) -> bool:
    return bool((body.get("container") or {}).get("is_ephemeral"))


async def show_result(
    deps: SlackDeps, client: AsyncWebClient, body: dict[str, Any], who: Who, reply: Reply
) -> None:
    """A click's outcome: the fresh card replaces the clicked one; a refusal is told only to the clicker."""
    if _from_home(body):
        await publish_home(deps, client, who, notice=outcome(reply, who.f))
        return
    url = str(body.get("response_url") or "")
    share = _ephemeral(body)
    message = render_message(reply, who.f, share=share)
    if isinstance(reply, CardReply) or (isinstance(reply, ErrorReply) and reply.card is not None):
        if not await send_to_url(url, message, replace_original=True) and not share:
            await _update_in_channel(client, body, message)
    else:  # refused: the card stays as it is, the clicker alone reads why
        await send_to_url(url, message, response_type="ephemeral", replace_original=False)


async def _update_in_channel(client: AsyncWebClient, body: dict[str, Any], message: Message) -> None:
    """A shared card outlives its response_url (30 minutes, 5 uses): update it with chat.update instead."""
    container = body.get("container") or {}
    channel = str(container.get("channel_id") or (body.get("channel") or {}).get("id") or "")
    ts = str(container.get("message_ts") or (body.get("message") or {}).get("ts") or "")
    if channel and ts:
        await client.chat_update(channel=channel, ts=ts, **message.kwargs())


async def _who_or_explain(
    deps: SlackDeps, client: AsyncWebClient, body: dict[str, Any], acked: Acker
) -> Who | None:
    who = await deps.who(client, body)
    if who.ctx is not None:
        return who
    await acked()
    if _from_home(body):
        await publish_home(deps, client, who)
    elif body.get("response_url"):
        await send_to_url(
            str(body["response_url"]), deps.not_linked(who), response_type="ephemeral", replace_original=False
        )
    return None


async def _card_for(
    deps: SlackDeps, client: AsyncWebClient, body: dict[str, Any], action: dict[str, Any], acked: Acker
) -> tuple[Who, Reply] | None:
    """The clicked card's opportunity, freshly shown to the clicker (None: not linked, already told)."""
    who = await _who_or_explain(deps, client, body, acked)
    if who is None or who.ctx is None:
        return None
    no, _, _ = parse_card_value(str(action.get("value") or ""))
    reply = await deps.runtime.bot.run(grammar.Show(no=no), who.ctx)
    await acked()
    return who, reply


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.action(re.compile(r"^opp_(start|next|previous|skip|jump)$"))
    async def move(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        async def work(acked: Acker) -> None:
            who = await _who_or_explain(deps, client, body, acked)
            if who is None or who.ctx is None:
                return
            verb = str(action["action_id"]).removeprefix("opp_")
            raw = action.get("value") or (action.get("selected_option") or {}).get("value") or ""
            no, version, stage = parse_card_value(str(raw))
            command = grammar.Move(
                action=verb, no=no, value=None, chances=None, close=None, to_stage=stage, date=None
            )
            reply = await deps.runtime.bot.run(
                command, who.ctx, expected_version=version, request_key=request_key(body, "act:")
            )
            await acked()  # committed: only now is the click acknowledged
            await show_result(deps, client, body, who, reply)

        await deps.handle("card button", ack, body, client, work)

    @app.action("opp_snooze")
    async def snooze(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        async def work(acked: Acker) -> None:
            who = await _who_or_explain(deps, client, body, acked)
            if who is None or who.ctx is None:
                return
            raw = (action.get("selected_option") or {}).get("value") or action.get("value") or ""
            no, _, duration = parse_choice_value(str(raw))
            command = grammar.Snooze(no=no, duration=duration or "1d")
            reply = await deps.runtime.bot.run(command, who.ctx, request_key=request_key(body, "act:"))
            await acked()
            await show_result(deps, client, body, who, reply)

        await deps.handle("snooze", ack, body, client, work)

    @app.action(re.compile(r"^opp_(update|quote|win|lose)$"))
    async def open_modal(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        async def work(acked: Acker) -> None:
            who = await _who_or_explain(deps, client, body, acked)
            if who is None or who.ctx is None:
                return
            verb = str(action["action_id"]).removeprefix("opp_")
            no, version, _ = parse_card_value(str(action.get("value") or ""))
            view = await deps.runtime.bot.form(no, who.ctx)
            if isinstance(view, ErrorReply):  # not theirs to change (or to see): told to them alone
                await acked()
                log.info("modal for %s refused: %s", no, view.code)
                await show_result(deps, client, body, who, view)
                return
            meta = Meta(
                no=view.no,
                v=version if version is not None else view.opp.version,
                url=str(body.get("response_url") or ""),
                replace=True,
                share=_ephemeral(body),
                home=_from_home(body),
            )
            if verb == "update":
                modal = update_modal(view, who.f, meta)
            elif verb == "quote":
                modal = quote_modal(view, who.f, meta)
            else:
                codes = await deps.runtime.service.close_codes()
                modal = close_modal(view, who.f, meta, won=verb == "win", codes=codes)
            await acked()
            await client.views_open(trigger_id=body["trigger_id"], view=modal.to_dict())

        await deps.handle("open modal", ack, body, client, work)

    @app.action("home_new")
    async def home_new(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        async def work(acked: Acker) -> None:
            who = await deps.who(client, body)
            cycles = await deps.runtime.service.cycles_for_new()
            modal = new_modal(who.f, Meta(home=_from_home(body)), cycles)
            await acked()
            await client.views_open(trigger_id=body["trigger_id"], view=modal.to_dict())

        await deps.handle("new modal", ack, body, client, work)

    @app.action("opp_share")
    async def share(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        async def work(acked: Acker) -> None:
            shown = await _card_for(deps, client, body, action, acked)
            if shown is None:
                return
            who, reply = shown
            url = str(body.get("response_url") or "")
            if not isinstance(reply, CardReply):  # refused (not readable, say): the sharer alone is told
                message = render_message(reply, who.f, share=False)
                await send_to_url(url, message, response_type="ephemeral", replace_original=False)
                return
            # A card shows what the opportunity allows, not the sharer's rights (replies.build); the
            # channel's copy is kept live: every later change redraws it.
            view = reply.view
            message = render_message(reply, who.f, share=False)
            channel = str((body.get("channel") or {}).get("id") or "")
            try:
                posted = await client.chat_postMessage(channel=channel, **message.kwargs())
            except SlackApiError as exc:  # not a member of a private channel, say
                log.info("share in %s failed: %s", channel, exc.response.get("error"))
                failed = Message.plain_text(label(who.locale, "share_failed"))
                await send_to_url(url, failed, response_type="ephemeral", replace_original=False)
                return
            await deps.notifier.posted(team_of(body), posted, view, who.locale)

        await deps.handle("share", ack, body, client, work)

    @app.action("opp_show")
    async def show(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        async def work(acked: Acker) -> None:
            shown = await _card_for(deps, client, body, action, acked)
            if shown is None:
                return
            who, reply = shown
            message = render_message(reply, who.f, share=True)
            url = str(body.get("response_url") or "")
            await send_to_url(url, message, response_type="ephemeral", replace_original=False)

        await deps.handle("show", ack, body, client, work)

    async def read_again(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, *, replace: bool
    ) -> None:
        """Run the read command a button carries: a page of it in place of the message clicked
        (`more`), or the whole of it as a new reply beside that message (`open`, e.g. a digest's)."""

        async def work(acked: Acker) -> None:
            who = await _who_or_explain(deps, client, body, acked)
            if who is None or who.ctx is None:
                return
            text, number = parse_page_value(str(action.get("value") or ""))
            try:
                command = grammar.parse(text, today=deps.runtime.service.today(who.tz), locale=who.locale)
            except grammar.ParseError:
                return
            if not isinstance(command, grammar.ListOpportunities | grammar.History):
                return  # pages are for reads only
            reply = await deps.runtime.bot.run(command, who.ctx)
            await acked()
            message = render_message(reply, who.f, share=True, source=text, page=number)
            url = str(body.get("response_url") or "")
            if replace:
                await send_to_url(url, message, replace_original=True)
            else:
                await send_to_url(url, message, response_type="ephemeral", replace_original=False)

        await deps.handle("page" if replace else "open", ack, body, client, work)

    @app.action("opp_page")
    async def page(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await read_again(ack, body, action, client, replace=True)

    @app.action("opp_open")
    async def open_read(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await read_again(ack, body, action, client, replace=False)
