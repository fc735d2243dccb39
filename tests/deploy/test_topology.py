"""The whole topology as it runs (issue 16): HAProxy in front of two `oppbot serve` replicas, each with
its scheduler on, and one `oppbot scheduler` process, all on one real PostgreSQL database.

The three schedulers compete for the same notifications (stalled opportunities of owners whose
working hours cover any time, and a manager's daily digest) while signed Slack traffic goes through
the balancer. A replica holding claimed notifications is killed with SIGKILL mid-load; its claims wait
for their lease (the test lets it run out rather than waiting five minutes) and it is started again.
Then every reminder and the digest reached Slack exactly once, one notification row per key, sent,
and every click and command acted exactly once (tests.deploy.test_load_balancer); owners then move a
few reminded opportunities on, and each reminder's DM card is redrawn once (live cards).
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
import sqlalchemy as sa

from oppbot.service.opportunities import OpportunityService
from oppbot.service.setup import load_setup
from oppbot.store.engine import make_engine, make_sessionmaker
from oppbot.store.orm import NotificationRow, OpportunityRow
from tests.deploy.test_load_balancer import (
    CLIENTS,
    RETRY_ROUNDS,
    Cluster,
    HAProxy,
    check_exactly_once,
    haproxy_binary,
    traffic,
)
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_client import SlackRequestSender
from tests.serve.cluster import (
    SECRET,
    USER,
    Server,
    free_port,
    prepare,
    retry_until_acked,
    run_load,
    throwaway_database,
)

STALLED_PER_REP = 80
REPS = {"TR1": "U0TOPO1", "TR2": "U0TOPO2", "TR3": "U0TOPO3"}
MANAGER = ("TM", "U0TOPOM")
CLICKS = 120
KILL_AFTER_ACKS = 10
LOAD_PAUSE = 0.2  # seconds between one client's requests: the load outlasts the kill
LIVE_CLICKS = 12  # reminded opportunities moved on afterwards: their DM cards are redrawn once each
KILL_AFTER_DMS = 20  # the victim is killed once this many DMs went out after the hold was released
TIMEOUT = 75.0  # seconds for the notifications to settle: the machine is shared and loaded
ANY_TIME = {"working_hours": "00:00-24:00", "working_days": "mon-sun", "timezone": "UTC"}
NUMBER = re.compile(r"OP\d{6}")


def stalled_file() -> str:
    """Reps (any-time hours) with opportunities untouched for 20+ days; their manager's daily digest."""
    today = datetime.now(UTC).date()
    code, user = MANAGER
    people = [
        {"code": code, "name": "Topology Manager", "role": "manager", "digest": "daily 00:00",
         "slack": [{"team": "T0DEMO", "user": user}], **ANY_TIME}
    ] + [
        {"code": code, "name": f"Topology Rep {code}", "role": "rep", "manager": MANAGER[0],
         "slack": [{"team": "T0DEMO", "user": user}], **ANY_TIME}
        for code, user in REPS.items()
    ]  # fmt: skip
    cycle = {"code": "TOPO", "description": "Topology", "probability_calculation": "multiply",
             "stages": [{"stage": 1, "description": "Initial", "completed": 2, "chances": 10},
                        {"stage": 2, "description": "Proposal", "completed": 50, "chances": 50}]}  # fmt: skip
    opportunities = [
        {"description": f"Topology {code} {i:03d}", "contact": "CT000001", "owner": code, "cycle": "TOPO",
         "value": 1000, "close": (today + timedelta(days=90)).isoformat(),
         "created": (today - timedelta(days=20 + i % 5)).isoformat()}
        for code in REPS for i in range(STALLED_PER_REP)
    ]  # fmt: skip
    return json.dumps({"salespeople": people, "sales_cycles": [cycle], "opportunities": opportunities})


async def prepare_stalled(url: str) -> dict[str, str]:
    """Load the stalled opportunities (after `prepare`); each one's number → its owner's Slack user."""
    engine = make_engine(url)
    try:
        service = OpportunityService(make_sessionmaker(engine), currency="EUR", stall_default="14D")
        await load_setup(service, stalled_file(), source="topology")
        async with engine.connect() as conn:
            rows = await conn.execute(
                sa.select(OpportunityRow.no, OpportunityRow.salesperson_code).where(
                    OpportunityRow.salesperson_code.in_(list(REPS))
                )
            )
            return {str(no): REPS[str(owner)] for no, owner in rows}
    finally:
        await engine.dispose()


async def notifications(url: str) -> list[tuple[str, str, str, str, str | None]]:
    """(kind, target, period, status, claimed_by) of every notification row."""
    n = NotificationRow
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(sa.select(n.kind, n.target, n.period, n.status, n.claimed_by))
            return [(str(k), str(t), str(p), str(s), c) for k, t, p, s, c in rows]
    finally:
        await engine.dispose()


async def expire_leases_of(url: str, pid: int) -> None:
    """What waiting out the lease (five minutes) does to the claims of the killed process `pid`."""
    n = NotificationRow
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                sa.update(n)
                .where(n.status == "sending", n.claimed_by.like(f"%:{pid}:%"))
                .values(lease_until=datetime.now(UTC) - timedelta(seconds=1))
            )
    finally:
        await engine.dispose()


def held_by(rows: list[tuple[str, str, str, str, str | None]], pid: int) -> list[str]:
    return [t for _k, t, _p, s, c in rows if s == "sending" and c is not None and f":{pid}:" in c]


def dms(fake: FakeSlack) -> Counter[tuple[str, str]]:
    """Delivered direct messages: (channel, what they name: an opportunity number or the first words)."""
    found: Counter[tuple[str, str]] = Counter()
    for call in fake.calls_to("chat.postMessage"):
        channel = str(call.params.get("channel"))
        if call.response.get("ok") and channel.startswith("D"):
            text = str(call.params.get("text") or "")
            match = NUMBER.search(text)
            found[(channel, match.group(0) if match else text[:30])] += 1
    return found


@dataclass
class Topology:
    cluster: Cluster
    scheduler: Server
    stalled: dict[str, str]  # opportunity number → owner's Slack user
    versions: dict[str, int]  # the load rep's opportunities to click, each one's version


@pytest.fixture
async def topology(tmp_path: Path) -> AsyncIterator[Topology]:
    haproxy_binary()
    async with throwaway_database("postgresql", tmp_path) as url, FakeSlack() as fake:
        fake.add_user(USER, name="Load Rep", email="load.rep@cronus.example")
        for user in [*REPS.values(), MANAGER[1]]:
            fake.add_user(user, name=user.lower(), email=None)
        # The data is there before anything starts: each process's first pass finds it all due. The
        # DMs wait until the test lets them go: each process claims a batch first.
        fake.hold("chat.postMessage")
        versions = await prepare(url, CLICKS)
        stalled = await prepare_stalled(url)
        on = {"OPPBOT_SCHEDULER": "on"}
        replicas = [Server(url, fake.base_url, tmp_path, name=f"replica-{n}", env=on) for n in (1, 2)]
        for replica in replicas:
            replica.port = free_port()
        scheduler = Server(url, fake.base_url, tmp_path, name="scheduler", command="scheduler")
        lb = HAProxy([r.port for r in replicas], tmp_path)
        try:
            for process in [*replicas, scheduler]:
                process.start()
            await asyncio.gather(*(r.healthy() for r in replicas))
            await lb.start()
            yield Topology(Cluster(url, fake, replicas, lb), scheduler, stalled, versions)
        finally:
            lb.stop()
            for process in [*replicas, scheduler]:
                process.kill()


async def click_reminded(topology: Topology, sender: SlackRequestSender) -> dict[tuple[str, str], int]:
    """Owners move a few reminded opportunities on (through the balancer); the chat.update calls that
    reached each reminder's DM message (a live card), once they stop coming."""
    fake = topology.cluster.fake
    reminded: dict[str, tuple[str, str]] = {}  # number → (DM channel, ts) of its reminder
    for call in fake.calls_to("chat.postMessage"):
        match = NUMBER.search(str(call.params.get("text") or ""))
        if call.response.get("ok") and match and match.group(0) in topology.stalled:
            reminded[match.group(0)] = (str(call.response["channel"]), str(call.response["ts"]))
    chosen = sorted(reminded)[:: max(len(reminded) // LIVE_CLICKS, 1)][:LIVE_CLICKS]
    engine = make_engine(topology.cluster.url)
    try:
        async with engine.connect() as conn:
            found = await conn.execute(
                sa.select(OpportunityRow.no, OpportunityRow.version).where(OpportunityRow.no.in_(chosen))
            )
            versions = {str(no): int(v) for no, v in found}
    finally:
        await engine.dispose()
    for no in chosen:
        resp = await sender.block_action(
            user_id=topology.stalled[no],
            action_id="opp_next",
            value=f"{no}:{versions[no]}",
            response_url=fake.response_url(f"live-{no}"),
        )
        assert resp.status == 200
    targets = {reminded[no] for no in chosen}

    def updates() -> dict[tuple[str, str], int]:
        calls = [c for c in fake.calls_to("chat.update") if c.response.get("ok")]
        seen = Counter((str(c.params.get("channel")), str(c.params.get("ts"))) for c in calls)
        return {key: n for key, n in seen.items() if key in set(reminded.values())}

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and set(updates()) != targets:
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)  # a second redraw of one of them would arrive meanwhile
    replaced = Counter(
        c.response_url_id for c in fake.calls_to("response_url") if c.params.get("replace_original") is True
    )
    assert all(replaced[f"live-{no}"] <= 1 for no in chosen), "a clicked card was replaced twice"
    return updates()


async def settled(url: str, timeout: float = TIMEOUT) -> list[tuple[str, str, str, str, str | None]]:
    """The notification rows once none is waiting or being sent (or the timeout passed)."""
    deadline = time.monotonic() + timeout
    while True:
        rows = await notifications(url)
        if all(s not in ("pending", "sending") for _k, _t, _p, s, _c in rows) or time.monotonic() > deadline:
            return rows
        await asyncio.sleep(0.5)


async def test_two_replicas_and_a_scheduler_send_every_reminder_once_through_a_replica_kill(
    topology: Topology,
) -> None:
    cluster, fake = topology.cluster, topology.cluster.fake
    requests = traffic(topology.versions)
    pids = [r.proc.pid for r in cluster.replicas if r.proc is not None]
    assert topology.scheduler.proc is not None
    scheduler_pid = topology.scheduler.proc.pid
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        sender = SlackRequestSender(cluster.lb.events_url(), SECRET, session=session)
        acks = 0

        def on_ack(n: int) -> None:
            nonlocal acks
            acks = n

        load = asyncio.create_task(run_load(sender, fake, requests, CLIENTS, on_ack, pause=LOAD_PAUSE))
        # Every process holds a batch of claims, stopped at its first DM, while the load is under way.
        victim = cluster.replicas[0]
        assert victim.proc is not None
        pid = victim.proc.pid
        deadline = time.monotonic() + 60
        claimers: list[list[str]] = []
        while time.monotonic() < deadline and not load.done():
            await asyncio.sleep(0.1)
            rows = await notifications(cluster.url)
            claimers = [held_by(rows, p) for p in [*pids, scheduler_pid]]
            if acks >= KILL_AFTER_ACKS and all(claimers):
                break
        assert all(claimers), (
            pids,
            scheduler_pid,
            Counter((s, c) for _k, _t, _p, s, c in await notifications(cluster.url)),
            victim.tail(),
        )
        # The DMs go out; the victim is killed mid-batch (maybe between a DM and marking it sent).
        fake.release("chat.postMessage")
        posted = len(fake.calls_to("chat.postMessage"))
        while (
            time.monotonic() < deadline and len(fake.calls_to("chat.postMessage")) < posted + KILL_AFTER_DMS
        ):
            await asyncio.sleep(0.01)
        held = held_by(await notifications(cluster.url), pid)
        await asyncio.to_thread(victim.stop, signal.SIGKILL)
        assert held, "the victim had sent its whole batch already: nothing was tested"
        assert not load.done(), "the load ended before the kill: nothing was tested"
        # Its claims are nobody else's while the lease holds; then they are free again.
        await asyncio.sleep(1.0)
        still = held_by(await notifications(cluster.url), pid)
        assert still and set(still) <= set(held)
        await expire_leases_of(cluster.url, pid)
        victim.start()
        await victim.healthy()
        await load
        await retry_until_acked(sender, fake, requests, RETRY_ROUNDS, CLIENTS)
        assert all(r.status == 200 for r in requests), victim.tail()

        rows = await settled(cluster.url)
        await check_exactly_once(cluster, requests)  # before the clicks below, which are not the load's
        updates = await click_reminded(topology, sender)
    # One row per key (the unique key), and every one of ours sent.
    keys = Counter((k, t, p) for k, t, p, _s, _c in rows)
    assert max(keys.values()) == 1
    ours = {t: s for k, t, _p, s, _c in rows if k == "reminder" and t in topology.stalled}
    assert ours == {no: "sent" for no in topology.stalled}, Counter(ours.values())
    digest = [s for k, t, _p, s, _c in rows if k == "digest" and t == MANAGER[0]]
    assert digest == ["sent"]
    # Every reminder reached its owner's DM once, and nobody else's.
    delivered = dms(fake)
    channel = {user: fake.dm_channel_for(user) for user in [*REPS.values(), MANAGER[1]]}
    reps = {channel[user] for user in REPS.values()}
    reminders = {key: n for key, n in delivered.items() if key[0] in reps}
    assert reminders == {(channel[owner], no): 1 for no, owner in topology.stalled.items()}, [
        (key, n) for key, n in reminders.items() if n != 1
    ]
    assert sum(n for (c, _what), n in delivered.items() if c == channel[MANAGER[1]]) == 1
    # Each clicked reminder's DM card was redrawn once, whichever replica's dispatcher took the change.
    assert updates == {ts: 1 for ts in updates} and len(updates) == LIVE_CLICKS, updates
    for process in [*cluster.replicas, topology.scheduler]:
        assert await asyncio.to_thread(process.stop) == 0, process.tail()
    for process in [*cluster.replicas, topology.scheduler]:
        assert not process.errors(), process.tail()
