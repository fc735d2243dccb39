"""Real `oppbot serve` processes for the durability, workers and load-balancer tests.

A `Server` is one `oppbot serve` process (optionally `--workers N`) on a real SQLite file or a
throwaway PostgreSQL database, with the fake Slack Web API of the test process behind it. The load
is signed Slack traffic: `opp_next` clicks (each on its own opportunity, with the version its card
showed) and `/opp new` commands, sent by many clients at once; Slack's retries are the same requests
sent again with the same trigger ids.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import sqlalchemy as sa

from oppbot.service.opportunities import OpportunityService
from oppbot.service.setup import load_demo, load_setup
from oppbot.store.engine import make_engine, make_sessionmaker, upgrade_database
from oppbot.store.orm import OpportunityEntryRow, OpportunityRow
from tests.dbfixtures import PG_HOST, PG_PORT, PG_USER, _pg_connect
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_client import SlackRequestSender

SECRET = "durability-secret"
USER = "U0LOAD1"
REP = "LD"
CYCLE = "FIRSTLARGE"  # stage 2 needs no quote; the quote is set anyway


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def throwaway_database(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh SQLite file, or a fresh PostgreSQL database dropped afterwards; its URL."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/oppbot.db"
        return
    admin = await _pg_connect()
    name = f"serve_{uuid.uuid4().hex[:12]}"
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def load_file(count: int) -> str:
    people = [
        {
            "code": REP,
            "name": "Load Rep",
            "email": "load.rep@cronus.example",
            "role": "rep",
            "manager": "JO",
            "slack": [{"team": "T0DEMO", "user": USER}],
        }
    ]
    opportunities = [
        {
            "description": f"Durability {i:05d}",
            "contact": "CT000001",
            "owner": REP,
            "cycle": CYCLE,
            "value": 1000,
            "close": "+60D",
            "quote": f"SQ-D{i:05d}",
        }
        for i in range(count)
    ]
    return json.dumps({"salespeople": people, "opportunities": opportunities})


async def prepare(url: str, count: int) -> dict[str, int]:
    """Migrate, load the demo and `count` opportunities to click; each one's version."""
    engine = make_engine(url)
    try:
        await upgrade_database(engine)
        service = OpportunityService(make_sessionmaker(engine), currency="EUR", stall_default="14D")
        await load_demo(service)
        await load_setup(service, load_file(count), source="durability")
        async with engine.connect() as conn:
            rows = await conn.execute(
                sa.select(OpportunityRow.no, OpportunityRow.version).where(
                    OpportunityRow.salesperson_code == REP
                )
            )
            return {str(no): int(version) for no, version in rows}
    finally:
        await engine.dispose()


async def entries(url: str) -> dict[str, int]:
    """Ledger entries per opportunity of the load rep (1 after creation, 2 once a click moved it)."""
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                sa.select(OpportunityRow.no, sa.func.count(OpportunityEntryRow.entry_no))
                .join(OpportunityEntryRow, OpportunityEntryRow.opportunity_no == OpportunityRow.no)
                .where(OpportunityRow.salesperson_code == REP)
                .group_by(OpportunityRow.no)
            )
            return {str(no): int(n) for no, n in rows}
    finally:
        await engine.dispose()


async def descriptions(url: str, prefix: str) -> dict[str, int]:
    """How many opportunities carry each description starting with `prefix` (created by commands)."""
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                sa.select(OpportunityRow.description, sa.func.count())
                .where(OpportunityRow.description.startswith(prefix))
                .group_by(OpportunityRow.description)
            )
            return {str(d): int(n) for d, n in rows}
    finally:
        await engine.dispose()


async def wait_healthy(
    port: int, proc: subprocess.Popen[Any], log: Callable[[], str], timeout: float, what: str
) -> None:
    """Until http://127.0.0.1:`port`/healthz answers 200; the process dying or `timeout` passing fails
    the test with `log()`."""
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            assert proc.poll() is None, log()
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise AssertionError(f"{what} did not become healthy: {log()}")


@dataclass
class Server:
    """One `oppbot serve` process; `start()` again after a stop reuses its port (a replica restarts)."""

    url: str
    api_url: str
    workdir: Path
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None
    port: int = 0
    name: str = "serve"
    logs: list[Path] = field(default_factory=list)
    command: str = "serve"  # or "scheduler": the topology's third process (no port, no /healthz)

    def start(self) -> None:
        if not self.port and self.command == "serve":
            self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPPBOT_", "PROMETHEUS_"))}
        env |= {
            "OPPBOT_DATABASE_URL": self.url,
            "OPPBOT_SLACK_SIGNING_SECRET": SECRET,
            "OPPBOT_SLACK_BOT_TOKEN": "xoxb-durability",
            "OPPBOT_SLACK_API_URL": self.api_url,
            # Requests are what is measured; the load's to-dos fall due today (tests/scheduler covers DMs).
            "OPPBOT_SCHEDULER": "off",
        } | self.env
        log = self.workdir / f"{self.name}-{len(self.logs)}.log"
        self.logs.append(log)
        with log.open("wb") as out:
            port = ["--port", str(self.port)] if self.command == "serve" else []
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "oppbot", self.command, *port, *self.args],
                env=env,
                cwd=self.workdir,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    async def healthy(self, timeout: float = 60) -> None:
        assert self.proc is not None
        await wait_healthy(self.port, self.proc, self.tail, timeout, "oppbot serve")

    def events_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 90) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.wait(timeout)

    def wait(self, timeout: float = 90) -> int:
        """The exit status once the process ends (by itself, as `scheduler --once` does, or stopped)."""
        assert self.proc is not None
        return self.proc.wait(timeout=timeout)

    def output(self) -> str:
        """Everything the current run wrote (stdout and stderr), e.g. what `scheduler --once` printed."""
        return self.logs[-1].read_text(errors="replace")

    def kill(self) -> None:
        """However the test ends, no server is left running."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def tail(self) -> str:
        return "\n".join(log.read_text(errors="replace")[-3000:] for log in self.logs)

    def errors(self) -> list[str]:
        text = "\n".join(log.read_text(errors="replace") for log in self.logs)
        return [line for line in text.splitlines() if " ERROR " in line or "Traceback" in line]


@dataclass
class Click:
    no: str
    version: int
    trigger_id: str
    status: int | None = None  # HTTP status of the last send; None: no answer (connection failed)

    @property
    def response_id(self) -> str:
        return f"r-{self.trigger_id}"


@dataclass
class NewCommand:
    """`/opp new` creating one opportunity named `description`."""

    description: str
    trigger_id: str
    status: int | None = None

    @property
    def response_id(self) -> str:
        return f"c-{self.trigger_id}"


Request = Click | NewCommand


async def send(sender: SlackRequestSender, fake: FakeSlack, request: Request) -> None:
    try:
        if isinstance(request, Click):
            resp = await sender.block_action(
                user_id=USER,
                action_id="opp_next",
                value=f"{request.no}:{request.version}",
                trigger_id=request.trigger_id,
                response_url=fake.response_url(request.response_id),
            )
        else:
            resp = await sender.slash_command(
                f'new CT000001 "{request.description}" value=2500 cycle={CYCLE} close="in 8 weeks"',
                user_id=USER,
                trigger_id=request.trigger_id,
                response_url=fake.response_url(request.response_id),
            )
        request.status = resp.status
    except (aiohttp.ClientError, TimeoutError):
        request.status = None


async def run_load(
    sender: SlackRequestSender,
    fake: FakeSlack,
    requests: list[Request] | list[Click],
    clients: int,
    on_ack: Callable[[int], None] | None = None,
    pause: float = 0.0,
) -> None:
    """Send every request once from `clients` concurrent clients; `on_ack(n)` after the n-th 200;
    each client waits `pause` seconds between its requests (a steady load rather than a burst)."""
    queue = list(reversed(requests))
    acked = 0

    async def client() -> None:
        nonlocal acked
        while queue:
            request = queue.pop()
            await send(sender, fake, request)
            if request.status == 200:
                acked += 1
                if on_ack is not None:
                    on_ack(acked)
            if pause:
                await asyncio.sleep(pause)

    await asyncio.gather(*(client() for _ in range(clients)))


async def retry_until_acked(
    sender: SlackRequestSender,
    fake: FakeSlack,
    requests: list[Request] | list[Click],
    rounds: int,
    clients: int,
) -> None:
    """Slack (or the person) sends the unanswered requests again, same trigger ids, until acked."""
    for _ in range(rounds):
        if unanswered := [r for r in requests if r.status != 200]:
            await run_load(sender, fake, unanswered, clients)
