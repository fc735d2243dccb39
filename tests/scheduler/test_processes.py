"""Exactly once across processes: real `oppbot scheduler --once` processes on one database.

Two schedulers run at the same time against PostgreSQL (a throwaway database) or one SQLite file,
writing to the fake Slack of this process; every reminder and digest must reach Slack once. Then a
sender is killed (SIGKILL) while it holds its claims, before it sent anything: another process sends
nothing while the lease holds, and each message exactly once after it ran out.
"""

from __future__ import annotations

import asyncio
import json
import signal
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from oppbot.service.opportunities import OpportunityService
from oppbot.service.setup import load_setup
from oppbot.store.engine import make_engine, make_sessionmaker, upgrade_database
from oppbot.store.orm import NotificationRow
from tests.fakes.slack_api import FakeSlack
from tests.serve.cluster import Server, throwaway_database

STALLED_PER_REP = 30
REPS = {"R1": "U0REP1", "R2": "U0REP2", "R3": "U0REP3"}
MANAGERS = {"M1": "U0MGR1", "M2": "U0MGR2"}
TIMEOUT = 120  # seconds per process: the machine is shared and loaded


def setup_file() -> str:
    """Reps with any-time working hours (the processes use the real clock), stalled opportunities."""
    today = datetime.now(UTC).date()
    everyone = {"working_hours": "00:00-24:00", "working_days": "all", "timezone": "UTC"}
    people = [
        {"code": code, "name": f"Manager {code}", "role": "manager", "digest": "daily 00:00",
         "slack": [{"team": "T0DEMO", "user": user}], **everyone}
        for code, user in MANAGERS.items()
    ] + [
        {"code": code, "name": f"Rep {code}", "role": "rep", "manager": "M1" if i else "M2",
         "slack": [{"team": "T0DEMO", "user": user}], **everyone}
        for i, (code, user) in enumerate(REPS.items())
    ]  # fmt: skip
    opportunities = [
        {"description": f"Stalled {code} {i}", "contact": "CT000001", "owner": code, "cycle": "NEW",
         "value": 1000, "close": (today + timedelta(days=90)).isoformat(),
         "created": (today - timedelta(days=20 + i % 5)).isoformat()}
        for code in REPS for i in range(STALLED_PER_REP)
    ]  # fmt: skip
    contacts = [{"number": "CT000001", "type": "company", "name": "Cronus"}]
    cycle = {"code": "NEW", "description": "New", "probability_calculation": "multiply",
             "stages": [{"stage": 1, "description": "Initial", "completed": 2, "chances": 10},
                        {"stage": 2, "description": "Proposal", "completed": 50, "chances": 50}]}  # fmt: skip
    return json.dumps(
        {"salespeople": people, "contacts": contacts, "sales_cycles": [cycle], "opportunities": opportunities}
    )


async def prepare(url: str) -> None:
    engine = make_engine(url)
    try:
        await upgrade_database(engine)
        service = OpportunityService(make_sessionmaker(engine), currency="EUR", stall_default="14D")
        await load_setup(service, setup_file(), source="processes")
    finally:
        await engine.dispose()


async def rows(url: str) -> Counter[tuple[str, str]]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            found = await conn.execute(
                sa.select(NotificationRow.kind, NotificationRow.status, sa.func.count()).group_by(
                    NotificationRow.kind, NotificationRow.status
                )
            )
            return Counter({(k, s): int(n) for k, s, n in found})
    finally:
        await engine.dispose()


async def expire_leases(url: str) -> None:
    """What waiting out the lease does (five minutes): the claims are now in the past."""
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            past = datetime.now(UTC) - timedelta(seconds=1)
            await conn.execute(sa.update(NotificationRow).values(lease_until=past))
    finally:
        await engine.dispose()


async def finished(process: Server) -> tuple[int, int]:
    """(reminders, digests) as the `--once` process printed them."""
    assert await asyncio.to_thread(process.wait, TIMEOUT) == 0, process.tail()
    # stdout and stderr share the log: the counts are the one line that is not a log record
    printed = [line for line in process.output().splitlines() if line.startswith("reminders sent")]
    assert len(printed) == 1, process.tail()
    line = printed[0]
    words = line.replace(",", "").split()
    assert words[:2] == ["reminders", "sent"] and words[3:5] == ["digests", "sent"], line
    return int(words[2]), int(words[5])


def dms(fake: FakeSlack) -> Counter[str]:
    """Messages that reached each person's DM (successful chat.postMessage calls per channel)."""
    return Counter(
        str(c.params["channel"]) for c in fake.calls_to("chat.postMessage") if c.response.get("ok")
    )


def posted_texts(fake: FakeSlack) -> Counter[str]:
    return Counter(
        str(c.params["text"])[:60] for c in fake.calls_to("chat.postMessage") if c.response.get("ok")
    )


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    async with throwaway_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as slack:
        for user in [*REPS.values(), *MANAGERS.values()]:
            slack.add_user(user, name=user.lower(), email=None)
        yield slack


@pytest.fixture
def scheduler(fake: FakeSlack, tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """`scheduler(url)` starts an `oppbot scheduler --once` writing to `fake` (`once=False`: the
    long-running one); none is left running after the test."""
    started: list[Server] = []

    def start(url: str, *, once: bool = True) -> Server:
        process = Server(
            url,
            fake.base_url,
            tmp_path,
            args=["--once"] if once else [],
            env={"OPPBOT_REMIND_EVERY": "3D"},
            name=f"scheduler-{len(started)}",
            command="scheduler",
        )
        process.start()
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()


async def test_two_schedulers_send_every_reminder_and_digest_once(
    database_url: str, fake: FakeSlack, scheduler: Callable[..., Server]
) -> None:
    await prepare(database_url)
    first, second = scheduler(database_url), scheduler(database_url)
    (r1, d1), (r2, d2) = await asyncio.gather(finished(first), finished(second))
    assert r1 + r2 == STALLED_PER_REP * len(REPS)
    assert d1 + d2 == len(MANAGERS)
    per_person = dms(fake)
    assert sorted(per_person.values()) == [1, 1] + [STALLED_PER_REP] * len(REPS)
    assert max(posted_texts(fake).values()) == 1  # every reminder names its own opportunity: no repeats
    assert await rows(database_url) == Counter({("reminder", "sent"): 90, ("digest", "sent"): 2})
    # Again: nothing is due twice
    again = scheduler(database_url)
    assert await finished(again) == (0, 0)


async def test_a_sender_killed_between_claim_and_send_sends_once_after_the_lease(
    database_url: str, fake: FakeSlack, scheduler: Callable[..., Server]
) -> None:
    await prepare(database_url)
    fake.hold("conversations.open")  # the first send waits here: claims are taken, nothing sent
    victim = scheduler(database_url)
    for _ in range(TIMEOUT * 10):
        if fake.held["conversations.open"]:
            break
        await asyncio.sleep(0.1)
    else:
        victim.kill()
        raise AssertionError(victim.tail())
    await asyncio.to_thread(victim.stop, signal.SIGKILL, TIMEOUT)
    fake.release("conversations.open")
    claimed = await rows(database_url)
    assert claimed[("reminder", "sending")] + claimed[("digest", "sending")] > 0
    assert dms(fake) == Counter()
    # Another process while the lease holds: the claimed rows are not its to send
    during = scheduler(database_url)
    reminders, digests = await finished(during)
    held = claimed[("reminder", "sending")] + claimed[("digest", "sending")]
    assert reminders + digests == STALLED_PER_REP * len(REPS) + len(MANAGERS) - held
    await expire_leases(database_url)
    after = scheduler(database_url)
    reminders2, digests2 = await finished(after)
    assert reminders2 + digests2 == held
    assert sorted(dms(fake).values()) == [1, 1] + [STALLED_PER_REP] * len(REPS)
    assert max(posted_texts(fake).values()) == 1


async def test_the_scheduler_alone_sends_and_stops_cleanly_on_sigterm(
    fake: FakeSlack, tmp_path: Path, scheduler: Callable[..., Server]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/oppbot.db"
    await prepare(url)
    process = scheduler(url, once=False)
    expected = STALLED_PER_REP * len(REPS) + len(MANAGERS)
    for _ in range(TIMEOUT * 10):  # the pass at start-up sends everything due
        if sum(dms(fake).values()) >= expected:
            break
        await asyncio.sleep(0.1)
    assert sum(dms(fake).values()) == expected
    assert await asyncio.to_thread(process.stop, signal.SIGTERM, TIMEOUT) == 0, process.tail()
    assert await rows(url) == Counter({("reminder", "sent"): 90, ("digest", "sent"): 2})
