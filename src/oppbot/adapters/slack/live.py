"""Slack's side of what happens after a change: live cards (record each card message the bot posts,
redraw it with chat.update) and channel feeds (one line per change, with an Open button).

Slack allows about one message update per second per channel: updates to one channel are paced.
A 429 is retried after its Retry-After by slack_sdk's rate-limit handler (see app.web_client).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from oppbot.adapters.slack.blocks import as_dicts, item_blocks, say
from oppbot.adapters.slack.client import web_client
from oppbot.adapters.slack.messages import render_message
from oppbot.adapters.slack.oauth import oauth_settings
from oppbot.domain.feeds import FeedRule
from oppbot.replies.document import Action, Item
from oppbot.replies.format import Formatter
from oppbot.replies.model import CardReply
from oppbot.replies.parts import msg
from oppbot.runtime import Runtime
from oppbot.service.views import OpportunityView
from oppbot.store.cards import PostedCard, PostedCards

log = logging.getLogger(__name__)
PLATFORM = "slack"
CHANNEL_GAP = 1.0  # seconds between two updates in one channel
GONE = frozenset(
    {"message_not_found", "channel_not_found", "cant_update_message", "is_archived", "not_in_channel"}
)


class SlackNotifier:
    """Slack's CardPoster and FeedPoster; also what the listeners call after posting a card."""

    platform = PLATFORM

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.cards = PostedCards(runtime.sessions)
        self._last: dict[str, float] = {}
        self._channel_locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._clients: dict[str, AsyncWebClient] = {}

    async def posted(self, team_id: str, response: Any, view: OpportunityView, locale: str) -> None:
        """A chat.postMessage that carried `view`'s card: keep that message live."""
        channel, ts = str(response.get("channel") or ""), str(response.get("ts") or "")
        if channel and ts:
            await self.cards.record(PLATFORM, team_id, channel, ts, view.no, locale, view.opp.version)

    async def refresh(self, card: PostedCard, view: OpportunityView) -> bool:
        client = await self._client(card.team_id)
        if client is None:
            log.info("no Slack token for team %s: card %s not refreshed", card.team_id, card.no)
            return True  # the installation may come back; keep the record
        message = render_message(CardReply(view), Formatter(card.locale, self.runtime.service.currency))
        async with self._channel_locks[card.channel]:
            wait = self._last.get(card.channel, 0.0) + CHANNEL_GAP - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                await client.chat_update(channel=card.channel, ts=card.message_id, **message.kwargs())
            except SlackApiError as exc:
                if exc.response.get("error") in GONE:
                    return False
                raise
            finally:
                self._last[card.channel] = time.monotonic()
        return True

    async def post(self, rule: FeedRule, line: str, no: str) -> None:
        client = await self._client(rule.where.team_id)
        if client is None:
            log.info("no Slack token for team %s: feed line for %s not posted", rule.where.team_id, no)
            return
        f = Formatter(rule.locale, self.runtime.service.currency)
        line_item = Item(no, (line,), False, Action("show", msg("action_show"), no))
        text = say(line_item.text, f)
        try:
            blocks = as_dicts(item_blocks(line_item, f))
            await client.chat_postMessage(channel=rule.where.channel, text=text, blocks=blocks)
        except SlackApiError as exc:  # the bot left the channel, say: the feed stays until `feed off`
            log.warning(
                "feed line for %s not posted in %s: %s", no, rule.where.channel, exc.response.get("error")
            )

    async def _client(self, team_id: str) -> AsyncWebClient | None:
        """The bot token's client (single workspace) or the installation's (OAuth), cached per team."""
        if team_id in self._clients:
            return self._clients[team_id]
        token = await self.token(team_id)
        if not token:
            return None
        self._clients[team_id] = client = web_client(self.runtime, token)
        return client

    async def token(self, team_id: str) -> str | None:
        """The bot token (single workspace) or the team's installation's (OAuth)."""
        token = self.runtime.settings.slack_bot_token
        oauth = oauth_settings(self.runtime)
        if not token and oauth is not None:
            bot = await oauth.installation_store.async_find_bot(enterprise_id=None, team_id=team_id)
            token = bot.bot_token if bot is not None else None
        return token or None
