"""OPPBOT_READ_SCOPE in the service: every read (show, history, list, pipeline, stats) and the changes
whose answer is a card, for each scope and each kind of person, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from oppbot.bot import Bot, Context
from oppbot.domain.enums import ActionType
from oppbot.domain.errors import DomainError
from oppbot.domain.model import Salesperson
from oppbot.replies.model import CardReply, ErrorReply, ListReply, StatsReply
from oppbot.service.auth import ReadScope
from oppbot.service.opportunities import OpportunityService
from tests.dbfixtures import CURRENCY, STALL_DEFAULT, Clock, People, Sessions

EVERYONE = {"JO", "AH", "PS", "OF", "XX"}
JO_TEAM = {"JO", "AH", "PS"}  # JO manages AH and PS; XX has no manager; OF is the admin
SCOPES = list(ReadScope)


def readable(actor: Salesperson, scope: ReadScope) -> set[str]:
    """The rule, restated independently of the code under test."""
    if scope == ReadScope.ALL or actor.code == "OF":
        return EVERYONE
    if scope == ReadScope.TEAM and actor.code == "JO":
        return JO_TEAM
    return {actor.code}


def covered(actor: Salesperson, scope: str) -> set[str]:
    """Whose opportunities `list/pipeline <scope>` asks for."""
    if scope == "mine":
        return {actor.code}
    if scope == "team":
        return {"XX"} if actor.code == "XX" else EVERYONE if actor.code == "OF" else JO_TEAM
    return EVERYONE if scope == "all" else {scope}


def refusal(scope: ReadScope, *, listing: bool = False) -> str:
    code = "scope_not_readable" if listing else "not_readable"
    return code + ("_team" if scope == ReadScope.TEAM else "")


async def outcome(call: Awaitable[Any]) -> str | Any:
    """What the call returned, or the code of the DomainError it raised."""
    try:
        return await call
    except DomainError as exc:
        return exc.code


@pytest.fixture
def scoped(sessions: Sessions, clock: Clock) -> Callable[[ReadScope], OpportunityService]:
    def make(scope: ReadScope) -> OpportunityService:
        return OpportunityService(
            sessions, currency=CURRENCY, stall_default=STALL_DEFAULT, clock=clock, read_scope=scope
        )

    return make


@pytest.fixture
async def portfolio(service: OpportunityService, seeded: People, clock: Clock) -> dict[str, str]:
    """One open opportunity per salesperson but OF: owner code → number."""
    clock.set(date(2026, 10, 1))
    numbers = {}
    for person in (seeded.ah, seeded.ps, seeded.jo, seeded.xx):
        result = await service.create(person, contact="CT000002", description=f"Deal of {person.code}",
                                      cycle="NEW", value=Decimal(1000), close=date(2026, 12, 31))  # fmt: skip
        numbers[person.code] = result.view.no
    return numbers


@pytest.mark.parametrize("scope", SCOPES, ids=[s.value for s in SCOPES])
async def test_show_and_history_of_each_opportunity(
    scoped: Callable[[ReadScope], OpportunityService],
    seeded: People,
    portfolio: dict[str, str],
    scope: ReadScope,
) -> None:
    service = scoped(scope)
    for actor in (seeded.ah, seeded.jo, seeded.of, seeded.xx):
        for owner, no in portfolio.items():
            shown = await outcome(service.show(actor, no))
            history = await outcome(service.history(actor, no))
            if owner in readable(actor, scope):
                assert shown.no == no and history.view.no == no, (actor.code, no)
            else:
                assert shown == history == refusal(scope), (actor.code, no, shown)


@pytest.mark.parametrize("scope", SCOPES, ids=[s.value for s in SCOPES])
async def test_lists_and_pipelines_of_each_scope(
    scoped: Callable[[ReadScope], OpportunityService],
    seeded: People,
    portfolio: dict[str, str],
    scope: ReadScope,
) -> None:
    service = scoped(scope)
    for actor in (seeded.ah, seeded.jo, seeded.of, seeded.xx):
        for asked in ("mine", "team", "all", "AH", "PS", "XX"):
            listing = await outcome(service.list_opportunities(actor, scope=asked))
            pipeline = await outcome(service.pipeline(actor, asked))
            owners = covered(actor, asked)
            if owners <= readable(actor, scope):
                assert {v.owner.code for v in listing.items if v.owner} == owners & set(portfolio), (
                    actor,
                    asked,
                )
                assert pipeline.total.open == len(owners & set(portfolio)), (actor.code, asked)
            else:
                assert listing == pipeline == refusal(scope, listing=True), (actor.code, asked, listing)


@pytest.mark.parametrize("scope", SCOPES, ids=[s.value for s in SCOPES])
async def test_stats_of_each_scope(
    scoped: Callable[[ReadScope], OpportunityService],
    seeded: People,
    portfolio: dict[str, str],
    scope: ReadScope,
) -> None:
    service = scoped(scope)
    for actor in (seeded.ah, seeded.jo, seeded.of, seeded.xx):
        for owner in (None, "AH", "PS", "XX"):
            stats = await outcome(service.stats(actor, owner=owner))
            if owner is None:  # no scope named: the widest the actor may read
                assert {f.label for f in stats.by_salesperson} == readable(actor, scope) & set(portfolio)
            elif owner in readable(actor, scope):
                assert stats.overall.open == 1, (actor.code, owner)
            else:
                assert stats == refusal(scope, listing=True), (actor.code, owner, stats)
        team = await outcome(service.stats(actor, team=True))
        if covered(actor, "team") <= readable(actor, scope):
            assert team.overall.open == len(covered(actor, "team") & set(portfolio))
        else:
            assert team == refusal(scope, listing=True)


@pytest.mark.parametrize("scope", SCOPES, ids=[s.value for s in SCOPES])
async def test_a_change_is_refused_before_its_card_when_the_opportunity_is_hidden(
    scoped: Callable[[ReadScope], OpportunityService],
    seeded: People,
    portfolio: dict[str, str],
    scope: ReadScope,
) -> None:
    service = scoped(scope)
    # AH may never change PS's; under a narrow scope the refusal must not even say whose it is.
    refused = await outcome(service.move(seeded.ah, portfolio["PS"], ActionType.UPDATE))
    assert refused == ("not_allowed" if scope == ReadScope.ALL else refusal(scope))
    # JO may change AH's, but under `own` may not see it, and its answer would be the card.
    moved = await outcome(service.move(seeded.jo, portfolio["AH"], ActionType.NEXT))
    if scope == ReadScope.OWN:
        assert moved == refusal(scope)
        assert (await service.show(seeded.ah, portfolio["AH"])).opp.current_stage == 1  # unchanged
    else:
        assert moved.view.opp.current_stage == 2
    admin = await service.move(seeded.of, portfolio["XX"], ActionType.NEXT)
    assert admin.view.opp.current_stage == 2


async def test_the_refusal_names_the_opportunity_but_not_its_owner(
    scoped: Callable[[ReadScope], OpportunityService], seeded: People, portfolio: dict[str, str]
) -> None:
    ps_no = portfolio["PS"]
    bot = Bot(scoped(ReadScope.TEAM))
    for text in (f"show {ps_no}", f"history {ps_no}", f"next {ps_no}"):
        for locale in ("en", "it"):
            reply = await bot.handle(text, Context(seeded.ah, locale=locale))
            assert isinstance(reply, ErrorReply) and reply.code == "not_readable_team", reply
            assert ps_no in reply.message and "Peter" not in reply.message and "PS" not in reply.message
    en = await bot.handle(f"show {ps_no}", Context(seeded.ah))
    assert isinstance(en, ErrorReply) and en.message == (
        f"{ps_no} isn't visible to you: here everyone sees only their own opportunities, "
        "managers also their team's (admins: all)."
    )
    listing = await bot.handle("list all", Context(seeded.ah))
    assert isinstance(listing, ErrorReply) and "`all`" in listing.message
    own = Bot(scoped(ReadScope.OWN))
    it = await own.handle(f"show {ps_no}", Context(seeded.jo, locale="it"))
    assert isinstance(it, ErrorReply)
    expected = (
        "non è visibile per te: qui ciascuno vede solo le proprie opportunità (gli amministratori tutte)."
    )
    assert it.message == f"{ps_no} {expected}"
    # What the scope allows still works through the same path.
    assert isinstance(await bot.handle(f"show {ps_no}", Context(seeded.jo)), CardReply)
    assert isinstance(await bot.handle("list team", Context(seeded.jo)), ListReply)
    assert isinstance(await bot.handle("stats", Context(seeded.ah)), StatsReply)


async def test_the_default_reads_everything_as_business_central(
    service: OpportunityService, seeded: People, portfolio: dict[str, str]
) -> None:
    assert service.read_scope == ReadScope.ALL
    assert len((await service.list_opportunities(seeded.xx, scope="all")).items) == 4
    assert (await service.show(seeded.xx, portfolio["AH"])).no == portfolio["AH"]
    assert (await service.stats(seeded.ah)).scope == "all"
