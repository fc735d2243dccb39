"""One Teams activity: a message runs the grammar, a card click (`adaptiveCard/action`) runs its verb.

Both go through the Bot, as Slack's commands and buttons do: the service authorizes the person who
typed or clicked. A message's reply is sent after the HTTP answer (the change is committed first);
a click is answered in the invoke's own response with the refreshed card, and every other recorded
copy of that card follows through the live cards.
"""

from __future__ import annotations

import logging
import re
import time
from collections import OrderedDict
from dataclasses import replace
from typing import Any

from oppbot import grammar
from oppbot.adapters.teams.activity import (
    Incoming,
    card_invoke_response,
    card_message,
    text_message,
)
from oppbot.adapters.teams.cards import document_card
from oppbot.adapters.teams.identity import PLATFORM, TeamsIdentities, Who
from oppbot.adapters.teams.notifier import TeamsNotifier
from oppbot.adapters.teams.outbound import Outbox
from oppbot.domain.feeds import Where
from oppbot.replies.build import Paging, document
from oppbot.replies.codec import parse_card_value, parse_page_value
from oppbot.replies.document import Document, Error
from oppbot.replies.form_input import FORM_KINDS, FieldErrors, FormInput, form_command
from oppbot.replies.i18n import t
from oppbot.replies.model import CardReply, ErrorReply, Reply
from oppbot.replies.text import render_document
from oppbot.runtime import Runtime
from oppbot.store.teams import ConversationRef

log = logging.getLogger(__name__)

# Teams' 100 KB per message holds far more, but a card this long is already hard to read.
LIST_PAGE = 25
HISTORY_PAGE = 25
MOVES = ("start", "next", "previous", "skip", "jump")
VERBS = {"back": "previous"}  # Action.Execute verbs (conventions.md) → the grammar's
READS = ("show", "refresh")
CODEC = re.compile(r"^[A-Z]{2}\d+:\d+(?::\d+)?$")
RESERVED = frozenset({"no", "version", "verb", "msteams", "form"})
FORM_KEY = "form"  # a form's submission says which form it is
FIELD_PREFIX = "field_"  # a form input's id: its field's name behind this (it can't shadow `value`)
SEEN_TTL = 30 * 60.0  # Teams retries a turn after 15 s, a few times
SEEN_MAX = 20_000


class SeenActivities:
    """Activity ids this process has taken on lately: Teams' retry of one of them is dropped."""

    def __init__(self) -> None:
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first(self, activity_id: str) -> bool:
        now = time.monotonic()
        while self._seen and next(iter(self._seen.values())) < now - SEEN_TTL:
            self._seen.popitem(last=False)
        if activity_id in self._seen:
            return False
        self._seen[activity_id] = now
        if len(self._seen) > SEEN_MAX:
            self._seen.popitem(last=False)
        return True

    def forget(self, activity_id: str) -> None:
        """It failed before its change committed: a retry must run it."""
        self._seen.pop(activity_id, None)


def _paging(source: str, page: int = 0) -> Paging:
    return Paging(page=page, list_size=LIST_PAGE, history_size=HISTORY_PAGE, source=source)


class TeamsBot:
    def __init__(
        self,
        runtime: Runtime,
        identities: TeamsIdentities,
        outbox: Outbox,
        notifier: TeamsNotifier,
    ) -> None:
        self.runtime, self.identities, self.outbox, self.notifier = runtime, identities, outbox, notifier
        self.seen = SeenActivities()

    async def on_activity(self, body: dict[str, Any]) -> tuple[int, Any] | None:
        """The turn: None, or an invoke's (HTTP status, body)."""
        act = Incoming.parse(body)
        if act.type == "message":
            if act.id and not self.seen.first(act.id):
                log.info("dropping a repeated Teams activity %s", act.id)
                return None
            try:
                await self.on_message(act)
            except Exception:
                log.exception("Teams message failed")
                self.seen.forget(act.id)  # a retry runs it again (a committed change is claimed by key)
                self.outbox.later(self._apologize(act), "apology")
            return None
        if act.type == "invoke":
            if act.name == "adaptiveCard/action":
                return 200, await self.on_card_action(act)
            return 200, {}  # other invokes (task modules, link unfurls…) are not offered
        if act.type == "installationUpdate" and str(act.raw.get("action") or "").startswith("remove"):
            if act.personal:  # the person removed the bot: write to them no more until they add it again
                await self.notifier.unreachable(act.conversation_id)
            return None
        if act.type in ("conversationUpdate", "installationUpdate"):
            await self.remember(act, await self.identities.who(act) if act.personal else None)
        return None

    # --- messages -----------------------------------------------------------------------------------
    async def on_message(self, act: Incoming) -> None:
        who = await self.identities.who(act)
        await self.remember(act, who)
        if who.ctx is None:
            self.outbox.later(self._say(act, t(who.locale, "not_linked")), "not linked")
            return
        text = act.text or "help"
        ctx = replace(who.ctx, where=Where(PLATFORM, act.tenant_id, act.channel))
        reply = await self.runtime.bot.handle(text, ctx, request_key=self._key(act))
        # Committed: the HTTP answer may go; the reply follows it.
        doc = document(reply, _paging(text))
        self.outbox.later(self._answer(act, who, doc, reply), "reply")

    async def _answer(self, act: Incoming, who: Who, doc: Document, reply: Reply) -> None:
        card = document_card(doc, who.locale, currency=who.f.currency)
        summary = render_document(doc, who.f).split("\n", 1)[0]
        posted = await self.notifier.say(act, card_message(card, summary))
        if isinstance(reply, CardReply) and posted:  # every card the bot posts is kept live
            await self.notifier.posted(act, posted, reply.view, who.locale)

    async def _say(self, act: Incoming, text: str) -> None:
        await self.notifier.say(act, text_message(text))

    async def _apologize(self, act: Incoming) -> None:
        await self._say(act, t(act.locale or self.runtime.settings.locale, "internal_error"))

    # --- card clicks ----------------------------------------------------------------------------------
    async def on_card_action(self, act: Incoming) -> dict[str, Any]:
        who = await self.identities.who(act)
        try:
            await self.remember(act, who)
            doc = await self._click(act, who)
        except Exception:
            log.exception("Teams card action failed")
            doc = Error("internal_error", t(who.locale, "internal_error"))
        return card_invoke_response(document_card(doc, who.locale, currency=who.f.currency))

    async def _click(self, act: Incoming, who: Who) -> Document:
        if who.ctx is None:
            return Error("not_linked", t(who.locale, "not_linked"))
        raw_action = act.value.get("action")
        action: dict[str, Any] = raw_action if isinstance(raw_action, dict) else {}
        verb = str(action.get("verb") or "")
        raw_data = action.get("data")
        data: dict[str, Any] = raw_data if isinstance(raw_data, dict) else {}
        verb = VERBS.get(verb, verb)
        no, version, stage = _target(data)
        bot, ctx = self.runtime.bot, who.ctx
        if verb == "more":
            return await self._page(str(data.get("value") or ""), who)
        if not no and verb != "new":
            return Error("action_unavailable", t(who.locale, "action_unavailable"))
        if verb in READS:
            return await self._fresh(no, who) or Error(
                "action_unavailable", t(who.locale, "action_unavailable")
            )
        if verb in MOVES:
            command: grammar.Command = grammar.Move(
                action=verb, no=no, value=None, chances=None, close=None, to_stage=stage, date=None
            )
        elif verb in FORM_KINDS:
            inputs = form_inputs(data)
            if FORM_KEY not in data and not inputs:  # the card's "Update…": the form first
                return await self._open_form(verb, no, who)
            form = FormInput(
                inputs, locale=who.locale, currency=who.f.currency, today=self.runtime.service.today(who.tz)
            )
            try:
                owner = inputs.get("owner") or None  # a salesperson code (the form's choice)
                command = form_command(verb, form, no if verb != "new" else "", owner=owner)
            except FieldErrors as exc:
                field, message = next(iter(exc.errors.items()))
                return await self._refused(ErrorReply("bad_input", message, None, field), no, who)
        else:
            return await self._refused(
                ErrorReply("action_unavailable", t(who.locale, "action_unavailable")), no, who
            )
        reply = await bot.run(command, ctx, expected_version=version, request_key=self._key(act))
        if isinstance(reply, ErrorReply):
            if reply.code == "duplicate_request":  # Teams sent the click twice: show where it stands
                return await self._fresh(no, who) or document(reply)
            return await self._refused(reply, no, who)
        return document(reply)

    async def _open_form(self, verb: str, no: str, who: Who) -> Document:
        """A form opens only for who may change the opportunity (Bot.form, as Slack's modals).

        MERGE POINT: the `cards` branch renders the form itself (adapters.teams.forms.form_card of
        replies.forms.form_for); until then the clicker gets the card as it stands.
        """
        assert who.ctx is not None
        if verb != "new":
            view = await self.runtime.bot.form(no, who.ctx)
            if isinstance(view, ErrorReply):  # not theirs to change (or to see): told to them alone
                return await self._refused(view, no, who)
            return document(CardReply(view))
        return Error("action_unavailable", t(who.locale, "action_unavailable"))

    async def _fresh(self, no: str, who: Who) -> Document | None:
        assert who.ctx is not None
        reply = await self.runtime.bot.run(grammar.Show(no=no), who.ctx)
        return document(reply) if isinstance(reply, CardReply) else None

    async def _refused(self, reply: ErrorReply, no: str, who: Who) -> Document:
        """Told to the clicker alone (the invoke's answer), above the card as it stands now."""
        if reply.card is None and no and who.ctx is not None:
            shown = await self.runtime.bot.run(grammar.Show(no=no), who.ctx)
            if isinstance(shown, CardReply):
                reply = ErrorReply(reply.code, reply.message, shown.view, reply.field)
        return document(reply)

    async def _page(self, value: str, who: Who) -> Document:
        """A "More" click: the same read command again, one page further."""
        assert who.ctx is not None
        text, page = parse_page_value(value)
        try:
            command = grammar.parse(text, today=self.runtime.service.today(who.tz), locale=who.locale)
        except grammar.ParseError as exc:
            return Error(exc.code, exc.message(who.locale))
        if not isinstance(command, grammar.ListOpportunities | grammar.History):
            return Error("action_unavailable", t(who.locale, "action_unavailable"))  # pages are for reads
        return document(await self.runtime.bot.run(command, who.ctx), _paging(text, page))

    # --- conversation references ----------------------------------------------------------------------
    async def remember(self, act: Incoming, who: Who | None) -> None:
        """Where the bot may write first later: this person's 1:1 chat, or this channel."""
        if not act.conversation_id or not act.service_url:
            return
        personal = act.personal
        code = who.actor.code if personal and who and who.actor else None
        ref = ConversationRef(
            conversation_id=act.conversation_id if personal else act.channel,
            kind=act.conversation_type,
            service_url=act.service_url,
            tenant_id=act.tenant_id,
            bot_id=act.bot_id,
            user_id=act.user_id if personal else None,
            aad_object_id=act.aad_object_id if personal else None,
            salesperson_code=code,
            locale=act.locale if personal else None,  # Teams' own: a set preference wins when sending
        )
        await self.notifier.remember(ref)

    @staticmethod
    def _key(act: Incoming) -> str | None:
        """The key the service claims with a change: a retried activity never acts twice."""
        return f"teams:{act.id}" if act.id else None


def form_inputs(data: dict[str, Any]) -> dict[str, str]:
    """A submission's values by field name: the `field_…` inputs; without any, the other plain keys
    (the card's own codec `value` is not the form's amount)."""
    prefixed = {
        k.removeprefix(FIELD_PREFIX): str(v).strip()
        for k, v in data.items()
        if k.startswith(FIELD_PREFIX) and v is not None and str(v).strip()
    }
    if prefixed:
        return prefixed
    return {
        k: str(v).strip()
        for k, v in data.items()
        if k not in RESERVED and v is not None and str(v).strip() and not (k == "value" and _is_codec(v))
    }


def _is_codec(value: Any) -> bool:
    return isinstance(value, str) and CODEC.match(value) is not None


def _target(data: dict[str, Any]) -> tuple[str, int | None, int | None]:
    """The opportunity, the version its card showed and a chosen stage: from the codec value, else
    from `no`/`version` (and a stage input `to`)."""
    no, version, stage = "", None, None
    value = data.get("value")
    if _is_codec(value):
        no, version, stage = parse_card_value(str(value))
    no = str(data.get("no") or no or "")
    if version is None and str(data.get("version") or "").isdigit():
        version = int(str(data["version"]))
    to = data.get("to") or data.get("stage")
    if stage is None and to is not None:
        if _is_codec(to):
            stage = parse_card_value(str(to))[2]
        elif str(to).isdigit():
            stage = int(str(to))
    return no, version, stage
