"""Channel feeds: every change of a followed opportunity becomes one line in each following channel."""

from __future__ import annotations

import logging
from typing import Protocol

from oppbot.domain.errors import DomainError
from oppbot.domain.events import ChangeEvent
from oppbot.domain.feeds import FeedRule
from oppbot.replies.feed import feed_line
from oppbot.replies.format import Formatter
from oppbot.service.feeds import FeedService

log = logging.getLogger(__name__)


class FeedPoster(Protocol):
    """A platform's way to post one change into a channel."""

    platform: str

    async def post(self, rule: FeedRule, line: str, no: str) -> None: ...


class ChannelFeeds:
    def __init__(self, feeds: FeedService) -> None:
        self.feeds = feeds
        self._posters: dict[str, FeedPoster] = {}

    def add(self, poster: FeedPoster) -> None:
        self._posters[poster.platform] = poster

    async def on_event(self, event: ChangeEvent) -> None:
        if not self._posters:
            return
        try:
            audience = await self.feeds.audience(event.no, event.at)
        except DomainError as exc:
            log.info("no feed for %s: %s", event.no, exc.code)
            return
        if audience is None:
            return
        view, rules = audience
        rules = [r for r in rules if r.where.platform in self._posters]
        if not rules:
            return
        actor = await self.feeds.service.salesperson(event.actor)
        who = actor.name if actor else event.actor
        for rule in rules:
            f = Formatter(rule.locale, self.feeds.service.currency)
            await self._posters[rule.where.platform].post(rule, feed_line(event, view, who, f), view.no)
