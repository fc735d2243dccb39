"""Modal submissions: parse the fields, run the command, inline field errors, then show the result."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from oppbot import grammar
from oppbot.adapters.slack.blocks import OPTION_TEXT, plain
from oppbot.adapters.slack.home import publish_home
from oppbot.adapters.slack.identity import Who
from oppbot.adapters.slack.labels import label
from oppbot.adapters.slack.messages import render_message
from oppbot.adapters.slack.modal_views import CALLBACKS, CONTACT_ACTION, MAIN_BLOCK, Meta, state_value
from oppbot.adapters.slack.support import Acker, SlackDeps, send_to_url, team_of
from oppbot.replies import forms
from oppbot.replies.i18n import t
from oppbot.replies.model import CardReply, ErrorReply, Reply
from oppbot.replies.text import outcome

log = logging.getLogger(__name__)
MAX_OPTIONS = 100


class Fields:
    """A submitted modal's values by field name (replies.forms reads them into a command)."""

    def __init__(self, values: dict[str, Any], who: Who, today: date) -> None:
        self.values, self.who, self.today, self.errors = values, who, today, dict[str, str]()

    def text(self, block: str) -> str | None:
        return state_value(self.values, block)

    def by_name(self, kind: str) -> dict[str, str]:
        names = forms.LABELS if kind == "new" else forms.LABELS.keys() - {"owner"}
        return {name: value for name in names if (value := self.text(name)) is not None}


async def build_command(
    kind: str, fields: Fields, meta: Meta, deps: SlackDeps, client: AsyncWebClient
) -> grammar.Command:
    """The grammar command a modal stands for (the same one a typed `/opp …` would build); the owner
    is a Slack user, resolved to their salesperson here."""
    values = fields.by_name(kind)
    if user := values.pop("owner", None):
        person = await deps.identities.salesperson_of(client, fields.who.team_id, user)
        if person is None:
            fields.errors["owner"] = label(fields.who.locale, "unknown_owner")
        else:
            values["owner"] = person.code
    who = fields.who
    try:
        command = forms.read_form(
            kind, values, no=meta.no, locale=who.locale, today=fields.today, currency=who.f.currency
        )
    except forms.FormErrors as exc:
        raise forms.FormErrors({**exc.errors, **fields.errors}) from exc
    if fields.errors:
        raise forms.FormErrors(fields.errors)
    return command


async def deliver(deps: SlackDeps, client: AsyncWebClient, who: Who, meta: Meta, reply: Reply) -> None:
    """Show a modal's outcome where the modal came from: the card in place, App Home, or a DM."""
    if meta.home:
        await publish_home(deps, client, who, notice=outcome(reply, who.f))
        return
    message = render_message(reply, who.f, share=meta.share or not meta.url)
    if meta.link and isinstance(reply, CardReply):
        extra = {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": label(who.locale, "from_message", link=meta.link)}],
        }
        message = type(message)(message.text, [*message.blocks, extra][:50])
    if meta.url:
        await send_to_url(meta.url, message, response_type="ephemeral", replace_original=meta.replace)
        return
    posted = await client.chat_postMessage(channel=who.user_id, **message.kwargs())
    if isinstance(reply, CardReply):  # a card in the person's DM is kept live too
        await deps.notifier.posted(who.team_id, posted, reply.view, who.locale)


def register(app: AsyncApp, deps: SlackDeps) -> None:
    for kind, callback in CALLBACKS.items():
        _register_submission(app, deps, kind, callback)

    @app.options(CONTACT_ACTION)
    async def contact_options(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        async def work(acked: Acker) -> None:
            text = str(body.get("value") or "").strip()
            contacts = await deps.runtime.service.contacts(text, limit=MAX_OPTIONS) if text else []
            options = [
                {"text": plain(f"{c.no} · {c.name}", OPTION_TEXT).to_dict(), "value": c.no} for c in contacts
            ]
            await acked(options=options)

        await deps.handle("contact options", ack, body, client, work)


def _register_submission(app: AsyncApp, deps: SlackDeps, kind: str, callback: str) -> None:
    @app.view(callback)
    async def submitted(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        view = body.get("view") or {}
        meta = Meta.load(view.get("private_metadata"))
        main = MAIN_BLOCK[kind]
        present = {b.get("block_id") for b in view.get("blocks") or []}

        async def work(acked: Acker) -> None:
            try:
                who = await deps.who(client, body)
                if who.ctx is None:
                    await acked(response_action="errors", errors={main: t(who.locale, "not_linked")})
                    return
                values = (view.get("state") or {}).get("values") or {}
                fields = Fields(values, who, deps.runtime.service.today(who.tz))
                command = await build_command(kind, fields, meta, deps, client)
            except forms.FormErrors as exc:
                await acked(response_action="errors", errors=exc.errors)
                return
            key = f"slack:{team_of(body)}:view:{view.get('id')}"
            reply = await deps.runtime.bot.run(command, who.ctx, expected_version=meta.v, request_key=key)
            if isinstance(reply, ErrorReply) and reply.code not in ("changed_meanwhile", "duplicate_request"):
                # The error names its input (the domain says which); the modal's blocks are named alike.
                # A view without its blocks in the payload: trust the field.
                block = reply.field if reply.field and (reply.field in present or not present) else main
                errors = {block: reply.message}
                await acked(response_action="errors", errors=errors)
                return
            await acked()  # committed: closes the modal; the result is shown after the HTTP response
            await deliver(deps, client, who, meta, reply)

        await deps.handle(callback, ack, body, client, work)
