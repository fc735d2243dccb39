"""Seed data for the Slack tests: the shared reference data, Slack identities, a few opportunities."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncEngine

from oppbot.bot import Bot
from oppbot.config import Settings
from oppbot.runtime import Runtime
from oppbot.service.opportunities import OpportunityService
from oppbot.service.uow import UnitOfWork
from oppbot.store.engine import make_engine, make_sessionmaker, upgrade_database
from tests.dbfixtures import AH, PS, Clock, Sessions, seed_all

TEAM = "T0DEMO"
# Slack user → (name, email as Slack knows it, Slack locale). Emails differ from the salespeople's
# on purpose for the linked ones: the stored identity must win.
USERS = {
    "U0DEMO1": ("annette.hill", "annette@slack.example", "en-US"),
    "U0DEMO2": ("peter.saddow", "peter@slack.example", "en-US"),
    "U0DEMO3": ("jim.olive", "jim@slack.example", "en-US"),
    "U0DEMO4": ("otis.falls", "otis@slack.example", "it-IT"),
    "U0XAVIER": ("xavier.xu", "xx@example.com", "en-US"),  # not linked: found by email
    "U0STRANGER": ("stranger", "nobody@elsewhere.example", "en-US"),  # unknown
}
LINKED = {"U0DEMO1": "AH", "U0DEMO2": "PS", "U0DEMO3": "JO", "U0DEMO4": "OF"}

# Every command on the seed, in order, and words its answer holds: the same on every chat surface.
COMMANDS = [
    ("help", "oppbot commands"),
    (
        'new CT000001 "Meeting tables" value=12k cycle=EXISTING close=2026-12-31 chances=30',
        "Created OP000004",
    ),
    ("list", "Your opportunities"),
    ("list all status=all", "All opportunities"),
    ("show OP000001", "OP000001 · Office chairs"),
    ("quote OP000001 Q-100", "sales quote set to Q-100"),
    ("skip OP000001", "OP000001 skipped"),
    ("start OP000003", "OP000003 started"),
    ("next OP000003", "OP000003 moved to stage 2"),
    ("update OP000001 value=60k", "OP000001 updated"),
    ("pipeline", "Pipeline"),
    ("stats", "Statistics"),
    ("cycles", "Sales cycles"),
    ("history OP000001", "History of OP000001"),
    ("contacts adatum", "Adatum Corporation"),
]


async def seeded_runtime(config: Settings, engine: AsyncEngine | None = None) -> tuple[Runtime, Clock]:
    """The runtime a chat adapter test serves: `config`'s database migrated and seeded, the clock on
    1 October 2026 (Slack's and Teams' harnesses alike)."""
    engine = engine or make_engine(config.database_url)
    await upgrade_database(engine)
    sessions = make_sessionmaker(engine)
    clock = Clock(date(2026, 10, 1))
    service = OpportunityService(
        sessions, currency="EUR", stall_default="14D", clock=clock, read_scope=config.read_scope
    )
    await seed(service, sessions)
    return Runtime(config, engine, sessions, service, Bot(service)), clock


async def seed(service: OpportunityService, sessions: Sessions) -> None:
    await seed_all(sessions)
    async with UnitOfWork(sessions, "EUR", write=True) as uow:
        for user, code in LINKED.items():
            await uow.repo.link_identity("slack", TEAM, user, code)
        await uow.commit()
    close = date(2026, 12, 31)
    # OP000001 AH, EXISTING stage 1; OP000002 PS, EXISTING stage 1; OP000003 AH not started.
    await service.create(
        AH,
        contact="CT000001",
        description="Office chairs",
        cycle="EXISTING",
        value=Decimal(50000),
        chances=40,
        close=close,
    )
    await service.create(
        PS,
        contact="CT000002",
        description="Desks for Peter",
        cycle="EXISTING",
        value=Decimal(20000),
        chances=30,
        close=close,
    )
    await service.create(
        AH,
        contact="CT000002",
        description="Lamps",
        cycle="NEW",
        value=Decimal(8000),
        chances=20,
        close=close,
        start=False,
    )
