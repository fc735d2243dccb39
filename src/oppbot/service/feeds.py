"""Channel feeds (`feed`, `feed on …`, `feed off`): managers and admins choose what a channel follows."""

from __future__ import annotations

from datetime import datetime

from oppbot.domain.enums import Role
from oppbot.domain.errors import DomainError
from oppbot.domain.feeds import FeedRule, Where, feeds_for
from oppbot.domain.model import Salesperson
from oppbot.service.auth import ReadScope
from oppbot.service.opportunities import OpportunityService
from oppbot.service.views import OpportunityView
from oppbot.store.feeds import Feeds


class FeedService:
    def __init__(self, service: OpportunityService) -> None:
        self.service = service

    async def feeds(self, where: Where) -> list[FeedRule]:
        async with self.service.uow() as uow:
            return await Feeds(uow.repo).of_channel(where)

    async def turn_on(
        self,
        actor: Salesperson,
        where: Where,
        *,
        scope: str | None,
        cycle: str | None,
        owner: str | None,
        locale: str,
    ) -> tuple[FeedRule, bool]:
        """The feed, and whether it is new (False: the channel already had it)."""
        _require_feed_rights(actor)
        async with self.service.uow(write=True) as uow:
            repo = uow.repo
            if cycle is not None:
                found = await repo.cycle(cycle)
                if found is None:
                    raise DomainError("unknown_cycle", cycle=cycle)
                rule = FeedRule(where, "cycle", found.code, locale)
            elif owner is not None:
                person = await repo.salesperson(owner)
                if person is None:
                    raise DomainError("unknown_salesperson", code=owner)
                if actor.role != Role.ADMIN and person.code != actor.code and not actor.manages(person):
                    raise DomainError("feed_not_your_team", owner=person.name)
                rule = FeedRule(where, "owner", person.code, locale)
            elif scope == "all" or actor.role == Role.ADMIN:
                if actor.role != Role.ADMIN and self.service.read_scope != ReadScope.ALL:
                    raise DomainError("feed_all_not_allowed")
                rule = FeedRule(where, "all", "", locale)
            else:  # a manager's team: their reports and themselves
                rule = FeedRule(where, "team", actor.code, locale)
            added = await Feeds(repo).add(rule, actor.code)
            await uow.commit()
        return rule, added

    async def turn_off(self, actor: Salesperson, where: Where) -> int:
        _require_feed_rights(actor)
        async with self.service.uow(write=True) as uow:
            removed = await Feeds(uow.repo).remove_all(where)
            await uow.commit()
        return removed

    async def audience(self, no: str, at: datetime) -> tuple[OpportunityView, list[FeedRule]] | None:
        """The opportunity as a channel sees it and the channels that followed it at `at`; None when
        none did (most changes: the card is then not even built)."""
        async with self.service.uow() as uow:
            followed = await Feeds(uow.repo).turned_on_before(at)
        if not followed:
            return None
        view = await self.service.shared_card(no)
        manager = view.owner.manager_code if view.owner else None
        rules = feeds_for(followed, view.cycle.code, view.opp.salesperson_code, manager)
        return (view, rules) if rules else None


def _require_feed_rights(actor: Salesperson) -> None:
    if actor.role not in (Role.MANAGER, Role.ADMIN):
        raise DomainError("feed_not_allowed")
