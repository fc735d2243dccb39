"""Concurrent writers: one service (one engine) and two "replicas" (two engines on the same database)."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from oppbot.domain.actions import MoveInput
from oppbot.domain.enums import ActionTaken, ActionType
from oppbot.domain.errors import DomainError
from oppbot.domain.model import Salesperson
from oppbot.service.opportunities import OpportunityService
from oppbot.service.views import ActionResult
from oppbot.store.engine import make_sessionmaker
from tests.dbfixtures import Clock, DbTarget, People, Sessions, make_service
from tests.service.ledger import assert_copies_active_entry, read_ledger, read_opportunity

ROUNDS = 10


@pytest.fixture
def replica(db_target: DbTarget, engine: AsyncEngine, clock: Clock) -> OpportunityService:
    """A second service on its own engine (own connection pool) over the same, already migrated database."""
    return make_service(make_sessionmaker(db_target.new_engine()), clock)


async def create(service: OpportunityService, actor: Salesperson, description: str = "Deal") -> str:
    result = await service.create(
        actor, contact="CT000002", description=description, value=Decimal("1000"), cycle="NEW",
        close=date(2026, 12, 31),
    )  # fmt: skip
    return result.view.no


async def double_advance(
    sessions: Sessions, first: OpportunityService, second: OpportunityService, actor: Salesperson
) -> None:
    no = await create(first, actor)
    before = await read_ledger(sessions, no)
    version = (await read_opportunity(sessions, no)).version
    inp = MoveInput(expected_version=version)
    outcomes = await asyncio.gather(
        first.move(actor, no, ActionType.NEXT, inp),
        second.move(actor, no, ActionType.NEXT, inp),
        return_exceptions=True,
    )
    wins = [o for o in outcomes if isinstance(o, ActionResult)]
    losses = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(wins) == 1, outcomes
    assert len(losses) == 1 and isinstance(losses[0], DomainError), outcomes
    assert losses[0].code == "changed_meanwhile"

    entries = await read_ledger(sessions, no)
    assert len(entries) == len(before) + 1
    assert [e.action_taken for e in entries] == [ActionTaken.FIRST, ActionTaken.NEXT]
    assert sum(e.active for e in entries) == 1
    opp = await read_opportunity(sessions, no)
    assert opp.version == version + 1
    assert opp.current_stage == 2
    assert_copies_active_entry(opp, entries)
    assert wins[0].view.opp == opp


async def test_concurrent_double_advance_one_service(
    service: OpportunityService, seeded: People, sessions: Sessions
) -> None:
    for _ in range(ROUNDS):
        await double_advance(sessions, service, service, seeded.ah)


async def test_concurrent_double_advance_two_replicas(
    service: OpportunityService, replica: OpportunityService, seeded: People, sessions: Sessions
) -> None:
    for _ in range(ROUNDS):
        await double_advance(sessions, service, replica, seeded.ah)


async def test_concurrent_moves_without_expected_version_serialize(
    service: OpportunityService, replica: OpportunityService, seeded: People, sessions: Sessions
) -> None:
    """Without a version to check, both moves happen, one after the other: a consistent ledger of three."""
    no = await create(service, seeded.ah)
    version = (await read_opportunity(sessions, no)).version
    await asyncio.gather(
        service.move(seeded.ah, no, ActionType.UPDATE, MoveInput(chances_pct=15)),
        replica.move(seeded.ah, no, ActionType.UPDATE, MoveInput(chances_pct=15)),
    )
    entries = await read_ledger(sessions, no)
    assert [e.action_taken for e in entries] == [ActionTaken.FIRST, ActionTaken.UPDATED, ActionTaken.UPDATED]
    assert [e.active for e in entries] == [False, False, True]
    assert [e.previous_stage for e in entries] == [None, 1, 1]
    opp = await read_opportunity(sessions, no)
    assert opp.version == version + 2
    assert_copies_active_entry(opp, entries)


async def concurrent_creates(
    services: list[OpportunityService], actor: Salesperson, per_service: int
) -> list[str]:
    results = await asyncio.gather(
        *(create(svc, actor, f"Deal {i}-{j}") for i, svc in enumerate(services) for j in range(per_service)),
        return_exceptions=True,
    )
    failures = [r for r in results if isinstance(r, BaseException)]
    assert failures == [], failures
    return [r for r in results if isinstance(r, str)]


async def test_concurrent_creates_get_unique_numbers(
    service: OpportunityService, replica: OpportunityService, seeded: People, sessions: Sessions
) -> None:
    await create(service, seeded.ah)  # the number series exists from here on
    numbers = await concurrent_creates([service, replica], seeded.ah, ROUNDS)
    assert len(numbers) == 2 * ROUNDS
    assert len(set(numbers)) == 2 * ROUNDS
    assert all(n.startswith("OP") and len(n) == 8 for n in numbers)
    assert "OP000001" not in numbers
    for no in numbers:
        assert len(await read_ledger(sessions, no)) == 1


async def test_concurrent_first_creates_on_an_empty_database(
    service: OpportunityService,
    replica: OpportunityService,
    seeded: People,
) -> None:
    numbers = await concurrent_creates([service, replica], seeded.ah, ROUNDS)
    assert len(set(numbers)) == 2 * ROUNDS


async def test_a_retried_request_on_two_replicas_creates_once(
    service: OpportunityService, replica: OpportunityService, seeded: People, sessions: Sessions
) -> None:
    """A platform retry reaching another replica while the first is still working: one create, one no-op."""

    async def attempt(svc: OpportunityService) -> ActionResult:
        return await svc.create(
            seeded.ah, contact="CT000002", description="Retried deal", value=Decimal("1000"), cycle="NEW",
            close=date(2026, 12, 31), request_key="slack:T0DEMO:trigger:123.456",
        )  # fmt: skip

    for _ in range(ROUNDS // 2):
        outcomes = await asyncio.gather(attempt(service), attempt(replica), return_exceptions=True)
        created = [o for o in outcomes if isinstance(o, ActionResult)]
        refused = [o for o in outcomes if isinstance(o, DomainError)]
        assert len(created) + len(refused) == 2, outcomes
        assert all(e.code == "duplicate_request" for e in refused), outcomes
    listing = await service.list_opportunities(seeded.ah, scope="mine", status="all")
    assert [v.opp.description for v in listing.items].count("Retried deal") == 1
