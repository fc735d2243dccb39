"""Live cards: after a change, every posted copy of the opportunity's card is refreshed in place.

Platform-neutral: each chat platform registers a `CardPoster` that knows how to re-render one posted
message. Refreshes coalesce: a copy is refreshed to the opportunity's current state, and a later event
about a version it already shows is skipped, so a burst of changes costs one update per message.
"""

from __future__ import annotations

import logging
from typing import Protocol

from oppbot.domain.errors import DomainError
from oppbot.domain.events import ChangeEvent
from oppbot.service.opportunities import OpportunityService
from oppbot.service.views import OpportunityView
from oppbot.store.cards import PostedCard, PostedCards

log = logging.getLogger(__name__)


class CardPoster(Protocol):
    """A platform's way to redraw a card message it posted."""

    platform: str

    async def refresh(self, card: PostedCard, view: OpportunityView) -> bool:
        """Redraw `card` with `view`; False when the message is gone for good (forget it)."""
        ...


class LiveCards:
    def __init__(self, service: OpportunityService, cards: PostedCards) -> None:
        self.service = service
        self.cards = cards
        self._posters: dict[str, CardPoster] = {}

    def add(self, poster: CardPoster) -> None:
        self._posters[poster.platform] = poster

    async def on_event(self, event: ChangeEvent) -> None:
        copies = [
            c
            for c in await self.cards.of_opportunity(event.no, older_than=event.version + 1)
            if c.platform in self._posters
        ]
        if not copies:
            return
        try:
            view = await self.service.shared_card(event.no)
        except DomainError as exc:  # deleted since: nothing to show
            log.info("live card for %s not refreshed: %s", event.no, exc.code)
            return
        for copy in copies:
            if copy.version_shown >= view.opp.version:
                continue
            if await self._posters[copy.platform].refresh(copy, view):
                await self.cards.shown(copy.id, view.opp.version)
            else:
                log.info("card of %s in %s is gone; no longer kept live", copy.no, copy.channel)
                await self.cards.forget(copy.id)
