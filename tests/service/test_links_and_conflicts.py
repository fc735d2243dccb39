"""Concurrent first requests link a chat account once and all succeed; only races say "changed meanwhile".

The unit of work reports a real concurrent change (a stale version, or a lost race on a key that
guards concurrency) as `changed_meanwhile`; any other integrity error is a defect and propagates.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from oppbot.domain.enums import ContactType
from oppbot.domain.errors import DomainError
from oppbot.service.opportunities import OpportunityService
from oppbot.service.uow import UnitOfWork
from oppbot.store.conflicts import CONCURRENCY_GUARDS, SQLITE_GUARDS
from oppbot.store.engine import make_sessionmaker
from oppbot.store.orm import ChatIdentityRow, ContactRow, OpportunityRow, ProcessedRequestRow
from tests.dbfixtures import CURRENCY, Clock, DbTarget, People, Sessions, make_service

CONCURRENT = 20
ROUNDS = 3


@pytest.fixture
def replica(db_target: DbTarget, engine: AsyncEngine, clock: Clock) -> OpportunityService:
    """A second service on its own engine over the same database, as a second process would be."""
    return make_service(make_sessionmaker(db_target.new_engine()), clock)


async def identities(service: OpportunityService, code: str) -> list[tuple[str, str, str]]:
    async with service.uow() as uow:
        return await uow.repo.identities(code)


# --- the identity link ------------------------------------------------------------------------------
async def test_concurrent_first_requests_all_succeed_and_link_once(
    service: OpportunityService, replica: OpportunityService, seeded: People
) -> None:
    for n in range(ROUNDS):
        user = f"U0FRESH{n}"
        calls = [
            (service if i % 2 else replica).identify("slack", "T0DEMO", user, "XX@example.com")
            for i in range(CONCURRENT)
        ]
        found = await asyncio.gather(*calls, return_exceptions=True)
        assert [getattr(p, "code", p) for p in found] == ["XX"] * CONCURRENT
    assert sorted(await identities(service, "XX")) == [
        ("slack", "T0DEMO", f"U0FRESH{n}") for n in range(ROUNDS)
    ]


async def test_a_stored_link_wins_over_the_email(service: OpportunityService, seeded: People) -> None:
    await service.link(seeded.of, "slack", "T0DEMO", "U0XAVIER", "PS")
    found = await service.identify("slack", "T0DEMO", "U0XAVIER", "xx@example.com")
    assert found is not None and found.code == "PS"
    assert await identities(service, "XX") == []


async def test_an_admin_moves_a_link(service: OpportunityService, seeded: People) -> None:
    assert await service.identify("slack", "T0DEMO", "U0XAVIER", "xx@example.com") == seeded.xx
    await service.link(seeded.of, "slack", "T0DEMO", "U0XAVIER", "AH")
    assert await identities(service, "XX") == []
    assert await identities(service, "AH") == [("slack", "T0DEMO", "U0XAVIER")]
    assert await service.identify("slack", "T0DEMO", "U0XAVIER", "xx@example.com") == seeded.ah


async def test_no_email_match_links_nothing(service: OpportunityService, seeded: People) -> None:
    assert await service.identify("slack", "T0DEMO", "U0NOBODY", "nobody@example.com") is None
    assert await service.identify("slack", "T0DEMO", "U0NOBODY", None) is None
    for person in await service.salespeople():
        assert ("slack", "T0DEMO", "U0NOBODY") not in await identities(service, person.code)


# --- what the unit of work calls "changed meanwhile" ------------------------------------------------
Work = Callable[[UnitOfWork], Awaitable[None]]


async def run(sessions: Sessions, work: Work) -> None:
    async with UnitOfWork(sessions, CURRENCY, write=True) as uow:
        await work(uow)
        await uow.commit()


async def an_opportunity(service: OpportunityService, people: People) -> str:
    result = await service.create(
        people.ah, contact="CT000002", description="Chairs", cycle="NEW", value=Decimal(100),
        close=date(2026, 12, 31),
    )  # fmt: skip
    return result.view.no


async def claim_a_request(uow: UnitOfWork) -> None:
    assert await uow.repo.claim_request("slack:T0DEMO:view:V1")


async def second_active_entry(uow: UnitOfWork) -> None:
    active = await uow.repo.active_entry("OP000001")
    assert active is not None
    await uow.repo.add_entry(dataclasses.replace(active, entry_no=None))  # flushes: fails in the block


async def same_opportunity_number(uow: UnitOfWork) -> None:
    row = await uow.session.get(OpportunityRow, "OP000001")
    assert row is not None
    copy = {c.key: getattr(row, c.key) for c in sa.inspect(OpportunityRow).column_attrs}
    uow.session.expunge(row)
    uow.session.add(OpportunityRow(**copy))  # fails at commit


async def same_chat_account(uow: UnitOfWork) -> None:
    uow.session.add(
        ChatIdentityRow(platform="slack", team_id="T0DEMO", user_id="U0LINKED", salesperson_code="PS")
    )


async def same_request_key(uow: UnitOfWork) -> None:
    uow.session.add(ProcessedRequestRow(key="slack:T0DEMO:view:V1"))


async def stale_version(uow: UnitOfWork) -> None:
    row = await uow.session.get(OpportunityRow, "OP000001")
    assert row is not None
    # Another writer's committed change, as this transaction's UPDATE will find it.
    await uow.session.execute(
        sa.update(OpportunityRow.__table__).where(OpportunityRow.no == "OP000001").values(version=99)
    )
    row.description = "Mine"
    row.version += 1


@pytest.mark.parametrize(
    "work", [second_active_entry, same_opportunity_number, same_chat_account, same_request_key, stale_version]
)
async def test_a_lost_race_is_changed_meanwhile(
    service: OpportunityService, seeded: People, sessions: Sessions, work: Work
) -> None:
    await an_opportunity(service, seeded)
    await service.identify("slack", "T0DEMO", "U0LINKED", "ah@example.com")
    await run(sessions, claim_a_request)
    with pytest.raises(DomainError) as err:
        await run(sessions, work)
    assert err.value.code == "changed_meanwhile"
    assert isinstance(err.value.__cause__, Exception)


async def missing_name(uow: UnitOfWork) -> None:
    uow.session.add(ContactRow(no="CT000099", type=ContactType.PERSON, name=None))  # NOT NULL, at commit


async def unknown_salesperson(uow: UnitOfWork) -> None:
    uow.session.add(ChatIdentityRow(platform="slack", team_id="T0DEMO", user_id="U0X", salesperson_code="ZZ"))
    await uow.session.flush()  # foreign key, in the block


async def same_contact_number(uow: UnitOfWork) -> None:
    uow.session.add(ContactRow(no="CT000001", type=ContactType.COMPANY, name="Adatum again"))  # unguarded key


@pytest.mark.parametrize("work", [missing_name, unknown_salesperson, same_contact_number])
async def test_other_integrity_errors_are_defects(seeded: People, sessions: Sessions, work: Work) -> None:
    with pytest.raises(IntegrityError):
        await run(sessions, work)


def test_every_guard_names_a_key_of_the_schema() -> None:
    assert len(SQLITE_GUARDS) == len(CONCURRENCY_GUARDS)
