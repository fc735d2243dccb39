"""Database fixtures shared by the service/store tests: every test runs on SQLite and on PostgreSQL.

SQLite uses a real file under the test's tmp_path; PostgreSQL gets a fresh schema per test in the
database `test` (the engine's search_path points at it), dropped again afterwards. Both are brought
to the current schema by the project's own Alembic migrations.

Registered from tests/conftest.py (`pytest_plugins`).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from oppbot.domain.enums import ContactType, ProbabilityCalculation, Role
from oppbot.domain.model import CloseOpportunityCode, Contact, SalesCycle, SalesCycleStage, Salesperson
from oppbot.service.opportunities import OpportunityService
from oppbot.service.uow import UnitOfWork
from oppbot.store.engine import make_engine, make_sessionmaker, upgrade_database
from tests.spec_data import CLOSE_CODE_ROWS, demo_cycles

PG_HOST = os.environ.get("OPPBOT_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("OPPBOT_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("OPPBOT_TEST_PG_USER", "postgres")
PG_DATABASE = os.environ.get("OPPBOT_TEST_PG_DATABASE", "test")
PG_URL = f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{PG_DATABASE}"
CURRENCY = "EUR"
STALL_DEFAULT = "14D"

Sessions = async_sessionmaker[AsyncSession]


# --- where the tests run ---------------------------------------------------------------------------
@dataclass
class DbTarget:
    """One database a test runs against; `new_engine()` opens further engines on it ("replicas")."""

    backend: str
    url: str
    engine_kwargs: dict[str, Any] = field(default_factory=dict)
    schema: str | None = None
    _engines: list[AsyncEngine] = field(default_factory=list)

    def new_engine(self) -> AsyncEngine:
        engine = make_engine(self.url, **self.engine_kwargs)
        self._engines.append(engine)
        return engine

    async def dispose(self) -> None:
        for engine in self._engines:
            await engine.dispose()
        self._engines.clear()


async def _pg_connect() -> asyncpg.Connection:
    try:
        return await asyncpg.connect(
            host=PG_HOST, port=PG_PORT, user=PG_USER, database=PG_DATABASE, timeout=5
        )
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        message = f"PostgreSQL at {PG_HOST}:{PG_PORT}/{PG_DATABASE} is unreachable: {exc!r}"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true: the PostgreSQL tests must run)", pytrace=False)
        pytest.skip(message)


@pytest.fixture(params=["sqlite", "postgresql"], ids=["sqlite", "postgresql"])
async def db_target(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[DbTarget]:
    if request.param == "sqlite":
        target = DbTarget("sqlite", f"sqlite+aiosqlite:///{tmp_path}/oppbot.db")
        yield target
        await target.dispose()
        return
    schema = f"t_{uuid.uuid4().hex}"
    admin = await _pg_connect()
    try:
        await admin.execute(f'CREATE SCHEMA "{schema}"')
    finally:
        await admin.close()
    target = DbTarget(
        "postgresql",
        PG_URL,
        {"connect_args": {"server_settings": {"search_path": schema}}},
        schema=schema,
    )
    try:
        yield target
    finally:
        await target.dispose()
        admin = await _pg_connect()
        try:
            await admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            await admin.close()


@pytest.fixture
def db_url(db_target: DbTarget) -> str:
    return db_target.url


@pytest.fixture
async def engine(db_target: DbTarget) -> AsyncEngine:
    """The migrated database (disposed, and for PostgreSQL dropped, by db_target's teardown)."""
    eng = db_target.new_engine()
    await upgrade_database(eng)
    return eng


@pytest.fixture
def sessions(engine: AsyncEngine) -> Sessions:
    return make_sessionmaker(engine)


# --- time ------------------------------------------------------------------------------------------
class Clock:
    """A settable clock for OpportunityService: `clock.set(date(2026, 10, 1))` → that day, noon UTC."""

    def __init__(self, day: date = date(2026, 10, 1)) -> None:
        self.now = self.set(day)

    def set(self, day: date) -> datetime:
        self.now = datetime.combine(day, time(12, 0), tzinfo=UTC)
        return self.now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_service(sessions: Sessions, clock: Clock) -> OpportunityService:
    return OpportunityService(sessions, currency=CURRENCY, stall_default=STALL_DEFAULT, clock=clock)


@pytest.fixture
def service(sessions: Sessions, clock: Clock) -> OpportunityService:
    return make_service(sessions, clock)


# --- reference data --------------------------------------------------------------------------------
@dataclass(frozen=True)
class People:
    jo: Salesperson
    ah: Salesperson
    ps: Salesperson
    of: Salesperson
    xx: Salesperson


JO = Salesperson("JO", "Jim Olive", "jo@example.com", Role.MANAGER)
AH = Salesperson("AH", "Annette Hill", "ah@example.com", Role.REP, "JO")
PS = Salesperson("PS", "Peter Saddow", "ps@example.com", Role.REP, "JO")
OF = Salesperson("OF", "Otis Falls", "of@example.com", Role.ADMIN)
XX = Salesperson("XX", "Xavier Xu", "xx@example.com", Role.REP)
PEOPLE = People(jo=JO, ah=AH, ps=PS, of=OF, xx=XX)

CONTACTS = (
    Contact("CT000001", ContactType.COMPANY, "Adatum Corporation", "CT000001", "info@adatum.example"),
    Contact("CT000002", ContactType.PERSON, "Robert Townes", "CT000001", "robert@adatum.example"),
)


# (stage, description, completed, chances, activity, quote, skip) for extra cycles a test builds.
StageRow = tuple[int, str, int, int, str | None, bool, bool]


def build_cycle(
    code: str,
    description: str,
    method: ProbabilityCalculation,
    rows: tuple[StageRow, ...],
    formulas: dict[int, str] | None = None,
) -> SalesCycle:
    formulas = formulas or {}
    stages = [
        SalesCycleStage(
            sales_cycle_code=code,
            stage=n,
            description=desc,
            completed_pct=completed,
            chances_pct=chances,
            activity_code=activity,
            quote_required=quote,
            allow_skip=skip,
            date_formula=formulas.get(n, ""),
        )
        for n, desc, completed, chances, activity, quote, skip in rows
    ]
    return SalesCycle(code, description, method, stages=stages)


def existing_cycle() -> SalesCycle:
    return demo_cycles()["EXISTING"]


def new_cycle() -> SalesCycle:
    return demo_cycles()["NEW"]


# --- seeding through the Repository in one write unit of work ------------------------------------------
async def in_write_uow(sessions: Sessions, work: Callable[[UnitOfWork], Awaitable[None]]) -> None:
    async with UnitOfWork(sessions, CURRENCY, write=True) as uow:
        await work(uow)
        await uow.commit()


async def seed_salespeople(sessions: Sessions) -> People:
    async def work(uow: UnitOfWork) -> None:
        for person in (JO, AH, PS, OF, XX):  # the manager first: AH and PS refer to JO
            await uow.repo.upsert_salesperson(person)
            await uow.session.flush()

    await in_write_uow(sessions, work)
    return PEOPLE


async def seed_contacts(sessions: Sessions) -> None:
    async def work(uow: UnitOfWork) -> None:
        for contact in CONTACTS:
            await uow.repo.upsert_contact(contact)

    await in_write_uow(sessions, work)


async def seed_close_codes(sessions: Sessions) -> None:
    async def work(uow: UnitOfWork) -> None:
        for code, kind, description in CLOSE_CODE_ROWS:
            await uow.repo.upsert_close_code(CloseOpportunityCode(code, kind, description))

    await in_write_uow(sessions, work)


async def seed_cycles(sessions: Sessions, *cycles: SalesCycle) -> None:
    async def work(uow: UnitOfWork) -> None:
        for cycle in cycles or (existing_cycle(), new_cycle()):
            await uow.repo.upsert_cycle(cycle)

    await in_write_uow(sessions, work)


async def seed_all(sessions: Sessions) -> People:
    """Salespeople, contacts, the 18 close codes and cycles EXISTING and NEW, in one transaction."""

    async def work(uow: UnitOfWork) -> None:
        repo = uow.repo
        for person in (JO, AH, PS, OF, XX):
            await repo.upsert_salesperson(person)
            await uow.session.flush()
        for contact in CONTACTS:
            await repo.upsert_contact(contact)
        for code, kind, description in CLOSE_CODE_ROWS:
            await repo.upsert_close_code(CloseOpportunityCode(code, kind, description))
        for cycle in (existing_cycle(), new_cycle()):
            await repo.upsert_cycle(cycle)

    await in_write_uow(sessions, work)
    return PEOPLE


@pytest.fixture
async def seeded(sessions: Sessions) -> People:
    return await seed_all(sessions)
