"""`oppbot serve --workers 2`: both workers answer on the one port, a scrape sums them, and SIGTERM
to the parent drains every worker (acknowledged clicks committed and replied to) and exits 0."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_client import SlackRequestSender
from tests.serve.cluster import (
    SECRET,
    USER,
    Click,
    Server,
    entries,
    free_port,
    prepare,
    run_load,
    throwaway_database,
)

CLICKS = 120
CLIENTS = 16


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    async with throwaway_database(request.param, tmp_path) as url:
        yield url


async def worker_pids(port: int, tries: int = 400) -> set[int]:
    """Which processes answer /livez; a new connection each time lets the kernel pick any worker."""
    pids: set[int] = set()
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one() -> None:
            async with session.get(f"http://127.0.0.1:{port}/livez") as resp:
                pids.add(int((await resp.json())["pid"]))

        for _ in range(tries // 8):
            await asyncio.gather(*(one() for _ in range(8)))
            if len(pids) >= 2:
                break
    return pids


async def requests_total(port: int) -> float:
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/metrics") as resp:
        text = await resp.text()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "oppbot_requests_total"
    )


async def test_two_workers_share_the_port_and_drain_on_sigterm(database_url: str, tmp_path: Path) -> None:
    versions = await prepare(database_url, CLICKS)
    async with FakeSlack() as fake:
        fake.add_user(USER, name="Load Rep", email="load.rep@cronus.example")
        server = Server(
            database_url, fake.base_url, tmp_path, args=["--workers", "2"], env={"OPPBOT_LOG_FORMAT": "json"}
        )
        try:
            server.start()
            await server.healthy()
            pids = await worker_pids(server.port)
            assert len(pids) == 2 and server.proc is not None and server.proc.pid not in pids

            clicks = [Click(no, v, f"w-{no}-{uuid.uuid4().hex[:8]}") for no, v in sorted(versions.items())]
            warmup, rest = clicks[:20], clicks[20:]
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as session:
                sender = SlackRequestSender(server.events_url(), SECRET, session=session)
                await run_load(sender, fake, warmup, CLIENTS)
                assert all(c.status == 200 for c in warmup)
                # Each scrape reaches one worker and reports both (multiprocess mode).
                for _ in range(4):
                    assert await requests_total(server.port) == len(warmup)

                started = asyncio.Event()
                load = asyncio.create_task(
                    run_load(sender, fake, rest, CLIENTS, lambda n: started.set() if n >= 10 else None)
                )
                await asyncio.wait_for(started.wait(), 60)
                code = await asyncio.to_thread(server.stop, signal.SIGTERM)
                await load
            assert code == 0, server.tail()

            acked = [c for c in clicks if c.status == 200]
            assert len(acked) >= 30
            # Not acknowledged: only refused connections (the port closed) or 503 while busy.
            assert all(c.status in (200, 503, None) for c in clicks), {c.status for c in clicks}
            ledger = await entries(database_url)
            assert all(ledger[c.no] == 2 for c in acked), "an acknowledged click was lost"
            assert max(ledger.values()) <= 2
            # The post-ack work drained too: every acknowledged click's card was replaced.
            replaced = {
                call.response_url_id
                for call in fake.calls_to("response_url")
                if call.params.get("replace_original") is True
            }
            assert {c.response_id for c in acked} <= replaced

            log = server.logs[0].read_text()
            lines = [json.loads(line) for line in log.splitlines() if line.strip()]
            assert {line["pid"] for line in lines} >= pids
            assert not [line for line in lines if line["level"] in ("ERROR", "CRITICAL")], log[-3000:]
            assert any(line["message"] == "oppbot stopped" for line in lines)
        finally:
            server.kill()


async def test_a_dead_worker_is_replaced(tmp_path: Path) -> None:
    async with throwaway_database("sqlite", tmp_path) as url, FakeSlack() as fake:
        server = Server(url, fake.base_url, tmp_path, args=["--workers", "2"])
        try:
            server.start()
            await server.healthy()
            pids = await worker_pids(server.port)
            assert len(pids) == 2
            dead = min(pids)
            os.kill(dead, signal.SIGKILL)
            deadline = time.monotonic() + 60
            now: set[int] = set()
            while time.monotonic() < deadline:
                await asyncio.sleep(0.5)
                now = await worker_pids(server.port)
                if len(now) == 2 and dead not in now:
                    break
            assert len(now) == 2 and dead not in now, server.tail()
            assert pids - {dead} <= now  # the other worker went on serving
            assert await asyncio.to_thread(server.stop, signal.SIGTERM) == 0, server.tail()
        finally:
            server.kill()


def test_workers_refuse_the_single_process_playground(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPPBOT_", "PROMETHEUS_"))}
    env["OPPBOT_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path}/p.db"
    result = subprocess.run(
        [sys.executable, "-m", "oppbot", "serve", "--workers", "2", "--port", str(free_port())],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "--workers needs Slack or Teams credentials" in result.stderr
