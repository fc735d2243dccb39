"""Teams' side of what happens after a change and of writing first: live cards (every card the bot
posts is recorded and redrawn in place with an activity update), channel feeds, and direct messages
(reminders, digests) through the person's stored 1:1 conversation.

A person who removed the bot answers 403: their conversation is marked unreachable (not retried
until they write again). A 429 is waited out by the Outbox; a longer wait is handed back (RetryLater).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from oppbot.adapters.teams.activity import PERSONAL as PERSONAL_KIND
from oppbot.adapters.teams.activity import Incoming, card_message, channel_of, image_attachment
from oppbot.adapters.teams.cards import document_card, with_refresh, without_refresh
from oppbot.adapters.teams.outbound import Outbox
from oppbot.adapters.teams.sdk import ConnectorError
from oppbot.domain.errors import DomainError
from oppbot.domain.events import ChangeEvent
from oppbot.domain.feeds import FeedRule
from oppbot.notify.port import Direct, RetryLater, Unreachable
from oppbot.replies.build import card_document
from oppbot.replies.document import Action, Group, Item, Listing
from oppbot.replies.format import Formatter
from oppbot.replies.i18n import language
from oppbot.replies.parts import msg
from oppbot.replies.text import render_document
from oppbot.runtime import Runtime
from oppbot.service.views import OpportunityView
from oppbot.store.cards import PostedCard, PostedCards
from oppbot.store.teams import ConversationRef, TeamsConversations

log = logging.getLogger(__name__)
PLATFORM = "teams"
GONE = frozenset({403, 404})  # the message or the conversation is gone (or the bot was removed)
REMEMBER_AGAIN = 300.0  # seconds: a reference seen again is stored again after this
# (service URL, conversation id) → the Teams ids of who sees that conversation's cards.
Viewers = Callable[[str, str], Awaitable[list[str]]]


class TeamsNotifier:
    """Teams' CardPoster, FeedPoster and DirectNotifier; and where the listeners post their replies."""

    platform = PLATFORM

    def __init__(self, runtime: Runtime, outbox: Outbox, viewers: Viewers | None = None) -> None:
        self.runtime, self.outbox = runtime, outbox
        self.viewers = viewers  # who sees a channel's cards (TeamsIdentities.viewers)
        self.cards = PostedCards(runtime.sessions)
        self.conversations = TeamsConversations(runtime.sessions)
        self._known: dict[str, tuple[ConversationRef, float]] = {}

    # --- conversation references ----------------------------------------------------------------------
    async def remember(self, ref: ConversationRef) -> None:
        """Store the reference when it is new or changed, and again now and then (another replica may
        have marked it unreachable meanwhile): not one write per message."""
        known = self._known.get(ref.conversation_id)
        if known is not None and known[0] == ref and time.monotonic() - known[1] < REMEMBER_AGAIN:
            return
        await self.conversations.remember(ref)
        self._known[ref.conversation_id] = (ref, time.monotonic())

    async def unreachable(self, conversation_id: str) -> None:
        await self.conversations.mark_unreachable(conversation_id)
        self._known.pop(conversation_id, None)

    # --- replies ------------------------------------------------------------------------------------
    async def say(self, act: Incoming, activity: dict[str, Any]) -> str | None:
        """Post into the activity's conversation (its thread, in a channel); the new activity's id."""
        try:
            return await self.outbox.send(act.service_url, act.conversation_id, activity)
        except ConnectorError as exc:
            log.warning("Teams reply in %s not delivered: %s", act.conversation_id, exc)
            return None

    async def posted(self, act: Incoming, activity_id: str, view: OpportunityView, locale: str) -> None:
        """A card message the bot posted: keep it live."""
        await self.cards.record(
            PLATFORM, act.tenant_id, act.conversation_id, activity_id, view.no, locale, view.opp.version
        )
        # A change committed while this card was on its way found no record to redraw: catch up now.
        try:
            current = await self.runtime.service.shared_card(view.no)
        except DomainError:
            return
        if current.opp.version > view.opp.version:
            now = datetime.now(UTC)
            await self.runtime.live_cards.on_event(ChangeEvent(0, view.no, current.opp.version, "", "", now))

    # --- live cards (CardPoster) ----------------------------------------------------------------------
    async def refresh(self, card: PostedCard, view: OpportunityView) -> bool:
        ref = await self.conversations.get(channel_of(card.channel)) or await self.conversations.get(
            card.channel
        )
        if ref is None:
            log.info("no Teams conversation %s known: card %s not refreshed", card.channel, card.no)
            return True  # it may be learned again; keep the record
        content = document_card(card_document(view), card.locale, currency=self.runtime.service.currency)
        if ref.kind == PERSONAL_KIND:
            content = without_refresh(content)
        elif self.viewers is not None:  # each viewer sees what they may do
            content = with_refresh(content, await self.viewers(ref.service_url, card.channel))
        try:
            await self.outbox.update(ref.service_url, card.channel, card.message_id, card_message(content))
        except ConnectorError as exc:
            if exc.status in GONE:
                return False
            raise
        return True

    # --- channel feeds (FeedPoster) -------------------------------------------------------------------
    async def post(self, rule: FeedRule, line: str, no: str) -> None:
        ref = await self.conversations.get(rule.where.channel)
        if ref is None:
            log.info("Teams feed channel %s unknown: line for %s not posted", rule.where.channel, no)
            return
        item = Item(no, (line,), False, Action("show", msg("action_show"), no))
        doc = Listing(None, (Group(None, (item,)),), msg("list_empty"))
        f = Formatter(rule.locale, self.runtime.service.currency)
        try:
            await self.outbox.send(ref.service_url, ref.conversation_id, card_message(
                document_card(doc, rule.locale, currency=f.currency), render_document(doc, f)
            ))  # fmt: skip
        except ConnectorError as exc:  # the bot left the team, say: the feed stays until `feed off`
            log.warning("Teams feed line for %s not posted in %s: %s", no, rule.where.channel, exc)

    # --- direct messages (DirectNotifier) -------------------------------------------------------------
    async def send(self, message: Direct) -> None:
        ref = await self.conversations.personal_of(message.person) or await self._open_personal(
            message.person
        )
        if ref is None or ref.unreachable:
            raise Unreachable(message.person)
        locale = await self._locale(message.person, ref.locale)
        f = Formatter(locale, self.runtime.service.currency)
        summary = render_document(message.document, f).split("\n", 1)[0]
        card = without_refresh(document_card(message.document, locale, currency=f.currency))
        activity = card_message(card, summary)
        activity["attachments"] += [image_attachment(i.filename, i.png) for i in message.images]
        try:
            posted = await self.outbox.send(ref.service_url, ref.conversation_id, activity)
        except ConnectorError as exc:
            if exc.status == 403:  # removed the bot, or blocked it
                await self.unreachable(ref.conversation_id)
                raise Unreachable(message.person) from None
            if exc.status == 429 or exc.status == 0 or exc.status >= 500:
                raise RetryLater(exc.retry_after or 60.0) from None
            raise
        if message.live_no and posted:  # a card kept live like any other
            view = await self.runtime.service.shared_card(message.live_no)
            await self.cards.record(
                PLATFORM, ref.tenant_id, ref.conversation_id, posted, view.no, locale, view.opp.version
            )

    async def _locale(self, code: str, platform: str | None) -> str:
        """The person's language: their own setting, else Teams' (from their last activity), else ours."""
        service, default = self.runtime.service, self.runtime.settings.locale
        person = await service.salesperson(code)
        if person is None:
            return language(platform or default)
        return (await service.preferences_of(person)).effective_locale(platform, default)

    async def _open_personal(self, person: str) -> ConversationRef | None:
        """A 1:1 chat with someone who never wrote to the bot: created from their AAD object id (the
        set-up file's `teams:`) in the tenant of a known conversation. None: not reachable in Teams."""
        ids, anchor = await self.conversations.aad_ids_of(person), await self.conversations.anchor()
        if not ids or anchor is None:
            return None
        try:
            conversation_id = await self.outbox.sdk.create_personal(
                anchor.service_url, anchor.tenant_id, ids[0]
            )
        except ConnectorError as exc:  # not in this tenant, or the app isn't installed for them
            log.info("no Teams 1:1 chat with %s: %s", person, exc)
            return None
        ref = ConversationRef(
            conversation_id, "personal", anchor.service_url, anchor.tenant_id, anchor.bot_id,
            user_id=ids[0], aad_object_id=ids[0], salesperson_code=person,
        )  # fmt: skip
        await self.remember(ref)
        return ref
