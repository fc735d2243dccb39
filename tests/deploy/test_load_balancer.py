"""The topology as it runs: Debian's HAProxy (deploy/haproxy.cfg itself) on loopback in front of two
`oppbot serve` replicas on one real PostgreSQL database, with signed Slack traffic through it.

- One replica is killed with SIGKILL mid-load and started again: every acknowledged change is in the
  database once and whole, no opportunity, ledger entry or card update is doubled, only requests that
  were in flight may fail, and Slack's retries of them (same trigger ids) all succeed.
- A rolling restart (SIGTERM one replica, start it again, then the other) under load loses no request.

With the schedulers on and an `oppbot scheduler` process beside the replicas: tests/deploy/test_topology.py.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest

from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_client import SlackRequestSender
from tests.serve.cluster import (
    SECRET,
    USER,
    Click,
    NewCommand,
    Request,
    Server,
    descriptions,
    entries,
    free_port,
    prepare,
    retry_until_acked,
    run_load,
    throwaway_database,
    wait_healthy,
)

ROOT = Path(__file__).resolve().parents[2]
CLICKS = 160
COMMANDS = 40
CLIENTS = 12
RETRY_ROUNDS = 10
KILL_AFTER_ACKS = 40
ROLLING_PAUSE = 1.0  # seconds between one client's requests during the rolling restart


def haproxy_binary() -> str:
    found = shutil.which("haproxy", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("haproxy is not installed (.ci/run installs Debian's package)")
        pytest.skip("haproxy is not installed (apt-get install haproxy)")
    return found


@dataclass
class HAProxy:
    backends: list[int]
    workdir: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        env = dict(os.environ) | {
            "LB_BIND": f"127.0.0.1:{self.port}",
            "BACKEND_1": f"127.0.0.1:{self.backends[0]}",
            "BACKEND_2": f"127.0.0.1:{self.backends[1]}",
        }
        with (self.workdir / "haproxy.log").open("wb") as out:
            self.proc = subprocess.Popen(
                [haproxy_binary(), "-db", "-f", str(ROOT / "deploy" / "haproxy.cfg")],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        await wait_healthy(self.port, self.proc, self.log, 30, "haproxy")

    def log(self) -> str:
        return (self.workdir / "haproxy.log").read_text(errors="replace")[-3000:]

    def events_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@dataclass
class Cluster:
    url: str
    fake: FakeSlack
    replicas: list[Server]
    lb: HAProxy


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    haproxy_binary()
    async with throwaway_database("postgresql", tmp_path) as url, FakeSlack() as fake:
        fake.add_user(USER, name="Load Rep", email="load.rep@cronus.example")
        replicas = [Server(url, fake.base_url, tmp_path, name=f"replica-{n}") for n in (1, 2)]
        for replica in replicas:
            replica.port = free_port()
        lb = HAProxy([r.port for r in replicas], tmp_path)
        try:
            for replica in replicas:
                replica.start()
            # Both start on a fresh database at once: the advisory lock lets one of them migrate.
            await asyncio.gather(*(r.healthy() for r in replicas))
            await lb.start()
            yield Cluster(url, fake, replicas, lb)
        finally:
            lb.stop()
            for replica in replicas:
                replica.kill()


def traffic(versions: dict[str, int]) -> list[Request]:
    """Clicks on every prepared opportunity, with a `/opp new` after every fourth one."""
    run = uuid.uuid4().hex[:6]
    clicks = [Click(no, v, f"lb-{run}-{no}") for no, v in sorted(versions.items())]
    requests: list[Request] = []
    for i, click in enumerate(clicks):
        requests.append(click)
        if i % 4 == 3 and len(requests) < CLICKS + COMMANDS:
            requests.append(NewCommand(f"LB {run} {i:04d}", f"lbc-{run}-{i:04d}"))
    return requests


async def check_exactly_once(cluster: Cluster, requests: list[Request]) -> None:
    """Every request in the database exactly once, and no card replaced twice for one click."""
    clicks = [r for r in requests if isinstance(r, Click)]
    commands = [r for r in requests if isinstance(r, NewCommand)]
    ledger = await entries(cluster.url)
    assert all(ledger[c.no] == 2 for c in clicks), "a click is missing from the ledger or doubled"
    prefix = commands[0].description.rsplit(" ", 1)[0]
    created = await descriptions(cluster.url, prefix)
    assert created == {c.description: 1 for c in commands}, "an opportunity is missing or doubled"
    # Opportunities created by the commands got exactly their one creation entry (1) or 2 with start.
    assert set(ledger.values()) <= {1, 2}
    replaced = Counter(
        call.response_url_id
        for call in cluster.fake.calls_to("response_url")
        if call.params.get("replace_original") is True
    )
    assert max(replaced.values(), default=0) <= 1, "a card was updated twice for one click"
    assert set(replaced) <= {c.response_id for c in clicks}


async def test_a_replica_killed_mid_load_loses_no_acknowledged_change(
    cluster: Cluster, tmp_path: Path
) -> None:
    versions = await prepare(cluster.url, CLICKS)
    requests = traffic(versions)
    victim = cluster.replicas[0]
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        sender = SlackRequestSender(cluster.lb.events_url(), SECRET, session=session)
        enough = asyncio.Event()
        load = asyncio.create_task(
            run_load(
                sender,
                cluster.fake,
                requests,
                CLIENTS,
                lambda n: enough.set() if n >= KILL_AFTER_ACKS else None,
            )
        )
        await asyncio.wait_for(enough.wait(), 60)
        assert not load.done(), "the load ended before the kill: nothing was tested"
        await asyncio.to_thread(victim.stop, signal.SIGKILL)
        await asyncio.sleep(1.0)  # the load goes on against the other replica meanwhile
        victim.start()
        await victim.healthy()
        await load

        acked = [r for r in requests if r.status == 200]
        failed = [r for r in requests if r.status != 200]
        # Only what was in flight on the killed replica may fail: one request per client at most.
        assert len(failed) <= CLIENTS, [(type(r).__name__, r.status) for r in failed]
        assert all(r.status in (200, 404, 502, 503, 504, None) for r in requests)
        ledger = await entries(cluster.url)
        assert all(ledger[r.no] == 2 for r in acked if isinstance(r, Click)), "an acknowledged click was lost"

        # Slack retries the failed requests (same trigger ids); and some acknowledged ones again,
        # as it does when an ack arrived late: neither may act twice.
        again = [r for r in requests if r.status == 200][:20]
        await retry_until_acked(sender, cluster.fake, requests, RETRY_ROUNDS, CLIENTS)
        assert all(r.status == 200 for r in requests), victim.tail()
        await run_load(sender, cluster.fake, again, CLIENTS)
        assert all(r.status == 200 for r in again)
    for replica in cluster.replicas:
        assert await asyncio.to_thread(replica.stop) == 0, replica.tail()
    await check_exactly_once(cluster, requests)
    for replica in cluster.replicas:
        assert not replica.errors(), replica.tail()


async def test_metrics_are_scraped_from_the_replicas_not_through_the_balancer(cluster: Cluster) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{cluster.lb.port}/metrics") as resp:
            assert resp.status == 404
        for replica in cluster.replicas:
            async with session.get(f"http://127.0.0.1:{replica.port}/metrics") as resp:
                assert resp.status == 200 and "oppbot_requests" in await resp.text()


async def test_a_rolling_restart_loses_no_request(cluster: Cluster) -> None:
    versions = await prepare(cluster.url, CLICKS)
    requests = traffic(versions)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        sender = SlackRequestSender(cluster.lb.events_url(), SECRET, session=session)
        # A steady load (~20 s) that outlasts both restarts.
        load = asyncio.create_task(run_load(sender, cluster.fake, requests, CLIENTS, pause=ROLLING_PAUSE))
        for replica in cluster.replicas:  # one at a time, while the load runs
            await asyncio.sleep(1.0)
            assert await asyncio.to_thread(replica.stop, signal.SIGTERM) == 0, replica.tail()
            replica.start()
            await replica.healthy()
        assert not load.done(), "the load ended before the restarts: nothing was tested"
        await load
    lost = [(type(r).__name__, r.status) for r in requests if r.status != 200]
    assert not lost, lost
    for replica in cluster.replicas:
        assert await asyncio.to_thread(replica.stop) == 0, replica.tail()
    await check_exactly_once(cluster, requests)
    for replica in cluster.replicas:
        assert not replica.errors(), replica.tail()
