"""One Teams activity: a message runs the grammar, a card click (`adaptiveCard/action`) runs its verb.

Both go through the Bot, as Slack's commands and buttons do: the service authorizes the person who
typed or clicked. A message's reply is sent after the HTTP answer (the change is committed first);
a click is answered in the invoke's own response with the refreshed card, and every other recorded
copy of that card follows through the live cards. Update…, Set quote…, Won…, Lost… (and `new` alone)
answer with the form as a card (replies.forms decides it; adapters.teams.forms draws it); its
submission runs through the Bot, and a value it can't take comes back on the form under its field.
In a channel an opportunity's card refreshes for each viewer: the `refresh` invoke answers the card
with the actions the service lets that viewer take.
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
    message_invoke_response,
    text_message,
)
from oppbot.adapters.teams.cards import (
    MAX_CHOICES,
    REFRESH_VERB,
    document_card,
    with_refresh,
    without_refresh,
)
from oppbot.adapters.teams.forms import FORM_KEY, form_card, read_inputs
from oppbot.adapters.teams.identity import PLATFORM, TeamsIdentities, Who
from oppbot.adapters.teams.notifier import TeamsNotifier
from oppbot.adapters.teams.outbound import Outbox
from oppbot.domain.errors import DomainError
from oppbot.domain.feeds import Where
from oppbot.grammar.usage import VERB_ALIASES
from oppbot.replies import forms
from oppbot.replies.build import Paging, card_document, document
from oppbot.replies.codec import parse_card_value, parse_page_value
from oppbot.replies.document import Document, Error
from oppbot.replies.forms import Form
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
READS = ("show",)
CODEC = re.compile(r"^[A-Z]{2}\d+:\d+(?::\d+)?$")
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
        if _asks_for_form(text):  # `new` alone: the New opportunity form, to fill in on the card
            form = await self._form("new", "", None, who)
            if isinstance(form, Form):
                card = form_card(form, who.locale, currency=who.f.currency)
                self.outbox.later(self._post(act, card_message(card)), "form")
                return
        ctx = replace(who.ctx, where=Where(PLATFORM, act.tenant_id, act.channel))
        reply = await self.runtime.bot.handle(text, ctx, request_key=self._key(act))
        # Committed: the HTTP answer may go; the reply follows it.
        doc = document(reply, _paging(text))
        self.outbox.later(self._answer(act, who, doc, reply), "reply")

    async def _answer(self, act: Incoming, who: Who, doc: Document, reply: Reply) -> None:
        card = await self._for_viewers(act, self._card(doc, who))
        summary = render_document(doc, who.f).split("\n", 1)[0]
        posted = await self.notifier.say(act, card_message(card, summary))
        if isinstance(reply, CardReply) and posted:  # every card the bot posts is kept live
            await self.notifier.posted(act, posted, reply.view, who.locale)

    async def _post(self, act: Incoming, activity: dict[str, Any]) -> None:
        await self.notifier.say(act, activity)

    async def _say(self, act: Incoming, text: str) -> None:
        await self.notifier.say(act, text_message(text))

    async def _apologize(self, act: Incoming) -> None:
        await self._say(act, t(act.locale or self.runtime.settings.locale, "internal_error"))

    # --- card clicks ----------------------------------------------------------------------------------
    async def on_card_action(self, act: Incoming) -> dict[str, Any]:
        who = await self.identities.who(act)
        try:
            await self.remember(act, who)
            if _verb_of(act) == "open" and who.ctx is not None:
                # A digest's "See all": the list comes as a new message, the digest stays as it was.
                doc = await self._page(str(_data_of(act).get("value") or ""), who)
                self.outbox.later(self._post(act, card_message(self._card(doc, who))), "open")
                return message_invoke_response(t(who.locale, "sent_below"))
            shown = await self._click(act, who)
            card = shown if isinstance(shown, dict) else self._card(shown, who)
            card = await self._for_viewers(act, card)
        except Exception:
            log.exception("Teams card action failed")
            card = self._card(Error("internal_error", t(who.locale, "internal_error")), who)
        return card_invoke_response(card)

    @staticmethod
    def _card(doc: Document, who: Who) -> dict[str, Any]:
        return document_card(doc, who.locale, currency=who.f.currency)

    async def _for_viewers(self, act: Incoming, card: dict[str, Any]) -> dict[str, Any]:
        """In a channel or group chat an opportunity's card refreshes for each viewer, so each sees the
        actions they may take (the `refresh` invoke answers them one by one)."""
        if act.personal:
            return without_refresh(card)
        if not card.get("refresh"):
            return card
        return with_refresh(card, await self.identities.viewers(act.service_url, act.conversation_id))

    async def _click(self, act: Incoming, who: Who) -> Document | dict[str, Any]:
        """The clicked verb's answer: a document, or a form card."""
        verb, data = _verb_of(act), _data_of(act)
        no, version, stage = _target(data)
        if verb == REFRESH_VERB:  # a viewer's copy of a channel card, whoever they are
            return await self._viewer_card(no, who)
        if who.ctx is None:
            return Error("not_linked", t(who.locale, "not_linked"))
        if verb == "more":
            return await self._page(str(data.get("value") or ""), who)
        if verb in forms.KINDS:
            if FORM_KEY in data:  # a form's submission
                return await self._submit(act, verb, data, no, version, who)
            if no or verb == "new":  # the card's "Update…" (or "New opportunity"): the form first
                return await self._open_form(verb, no, version, who)
        if not no:
            return Error("action_unavailable", t(who.locale, "action_unavailable"))
        if verb in READS:
            return await self._fresh(no, who) or Error(
                "action_unavailable", t(who.locale, "action_unavailable")
            )
        if verb not in MOVES:
            return await self._refused(
                ErrorReply("action_unavailable", t(who.locale, "action_unavailable")), no, who
            )
        command = grammar.Move(
            action=verb, no=no, value=None, chances=None, close=None, to_stage=stage, date=None
        )
        reply = await self.runtime.bot.run(
            command, who.ctx, expected_version=version, request_key=self._key(act)
        )
        if isinstance(reply, ErrorReply):
            if reply.code == "duplicate_request":  # Teams sent the click twice: show where it stands
                return await self._fresh(no, who) or document(reply)
            return await self._refused(reply, no, who)
        return document(reply)

    async def _viewer_card(self, no: str, who: Who) -> Document:
        """The card as this viewer may act on it (the service's view for them); someone it can't be
        read for (not linked, or beyond their read scope) sees the channel's card without actions."""
        if not no:
            return Error("action_unavailable", t(who.locale, "action_unavailable"))
        if who.ctx is not None:
            reply = await self.runtime.bot.run(grammar.Show(no=no), who.ctx)
            if isinstance(reply, CardReply):
                return card_document(reply.view, viewer=True)
        try:
            view = await self.runtime.service.shared_card(no)
        except DomainError:
            return Error("action_unavailable", t(who.locale, "action_unavailable"))
        return replace(card_document(view), actions=())

    # --- forms ----------------------------------------------------------------------------------------
    async def _form(self, kind: str, no: str, version: int | None, who: Who) -> Form | ErrorReply:
        """The form of `kind` with the service's choices; for an opportunity, only for who may change
        it (Bot.form, as Slack's modals), holding the version the clicked card showed."""
        assert who.ctx is not None
        service = self.runtime.service
        if kind == "new":
            contacts = await service.contacts("", limit=MAX_CHOICES + 1)
            return forms.form_for(
                "new",
                cycles=await service.cycles_for_new(),
                # More than a menu holds: typed instead (a number or a name, as in chat).
                contacts=contacts if len(contacts) <= MAX_CHOICES else (),
                people=await service.salespeople(),
            )
        view = await self.runtime.bot.form(no, who.ctx)
        if isinstance(view, ErrorReply):  # not theirs to change (or to see): told to them alone
            return view
        codes = await service.close_codes() if kind in ("win", "lose") else ()
        form = forms.form_for(kind, view, codes=codes)
        return replace(form, version=version) if version is not None else form

    async def _open_form(
        self, kind: str, no: str, version: int | None, who: Who
    ) -> Document | dict[str, Any]:
        form = await self._form(kind, no, version, who)
        if isinstance(form, ErrorReply):
            return await self._refused(form, no, who)
        return form_card(form, who.locale, currency=who.f.currency)

    async def _submit(
        self, act: Incoming, kind: str, data: dict[str, Any], no: str, version: int | None, who: Who
    ) -> Document | dict[str, Any]:
        """A submitted form runs as the command it stands for; a value it can't take, or a refusal
        naming a field, comes back on the form under that field with what was typed kept."""
        assert who.ctx is not None
        values = read_inputs(data)
        today = self.runtime.service.today(who.tz)
        try:
            command = forms.read_form(
                kind, values, no=no, locale=who.locale, today=today, currency=who.f.currency
            )
        except forms.FormErrors as exc:
            return await self._form_again(kind, no, version, who, values, errors=exc.errors)
        reply = await self.runtime.bot.run(
            command, who.ctx, expected_version=version, request_key=self._key(act)
        )
        if isinstance(reply, ErrorReply):
            if reply.code == "duplicate_request":
                fresh = await self._fresh(no, who) if no else None
                return fresh or document(reply)
            if reply.code == "changed_meanwhile":  # the fresh card, and why nothing was saved
                return document(reply)
            error = document(reply)
            assert isinstance(error, Error)
            return await self._form_again(kind, no, version, who, values, error=error)
        shown = str(act.raw.get("replyToId") or "")
        if kind == "new" and shown and isinstance(reply, CardReply):
            # The form's message now shows the new opportunity: kept live like every card the bot posts.
            self.outbox.later(self.notifier.posted(act, shown, reply.view, who.locale), "keep live")
        return document(reply)

    async def _form_again(
        self,
        kind: str,
        no: str,
        version: int | None,
        who: Who,
        values: dict[str, str],
        *,
        errors: dict[str, str] | None = None,
        error: Error | None = None,
    ) -> Document | dict[str, Any]:
        form = await self._form(kind, no, version, who)
        if isinstance(form, ErrorReply):
            return await self._refused(form, no, who)
        return form_card(form, who.locale, currency=who.f.currency, values=values, errors=errors, error=error)

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


def _action_of(act: Incoming) -> dict[str, Any]:
    raw = act.value.get("action")
    return raw if isinstance(raw, dict) else {}


def _verb_of(act: Incoming) -> str:
    verb = str(_action_of(act).get("verb") or "")
    return VERBS.get(verb, verb)


def _data_of(act: Incoming) -> dict[str, Any]:
    raw = _action_of(act).get("data")
    return raw if isinstance(raw, dict) else {}


def _asks_for_form(text: str) -> bool:
    """`new` (or `opp new`, or an alias) with nothing after it."""
    words = text.split()
    if words and words[0].casefold() == "opp":
        words = words[1:]
    return len(words) == 1 and VERB_ALIASES.get(words[0].casefold(), words[0].casefold()) == "new"


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
