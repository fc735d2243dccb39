"""An acknowledgement is a promise: a real `oppbot serve` killed mid-load loses no acknowledged click.

The server runs as its own process on a real SQLite file or a throwaway PostgreSQL database, with the
fake Slack Web API of this process behind it. Signed `opp_next` clicks (each on its own opportunity,
with the version its card showed) arrive from many clients at once; the server is stopped with SIGKILL
or SIGTERM after some of them were acknowledged, then started again. Every click that got HTTP 200 must
be in the ledger exactly once; the clicks sent again afterwards with the same trigger id (what Slack and
a person retrying do) must then all be there exactly once too.
"""

from __future__ import annotations

import asyncio
import signal
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_client import SlackRequestSender
from tests.serve.cluster import (
    SECRET,
    USER,
    Click,
    Server,
    entries,
    prepare,
    retry_until_acked,
    run_load,
    throwaway_database,
)

CLICKS = 300
CLIENTS = 32
RETRY_ROUNDS = 10
STOP_AFTER_ACKS = 40  # acknowledged clicks before the signal: mid-load, most still to come


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    async with throwaway_database(request.param, tmp_path) as url:
        yield url


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["sigkill", "sigterm"])
async def test_every_acknowledged_click_survives_a_stop_mid_load(
    database_url: str, sig: signal.Signals, tmp_path: Path
) -> None:
    versions = await prepare(database_url, CLICKS)
    assert len(versions) == CLICKS
    async with FakeSlack() as fake:
        fake.add_user(USER, name="Load Rep", email="load.rep@cronus.example")
        server = Server(database_url, fake.base_url, tmp_path)
        try:
            server.start()
            await server.healthy()
            clicks = [Click(no, v, f"t-{no}-{uuid.uuid4().hex[:8]}") for no, v in sorted(versions.items())]
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
                sender = SlackRequestSender(server.events_url(), SECRET, session=session)
                enough = asyncio.Event()

                def on_ack(acked: int) -> None:
                    if acked >= STOP_AFTER_ACKS:
                        enough.set()

                load = asyncio.create_task(run_load(sender, fake, clicks, CLIENTS, on_ack))
                await asyncio.wait_for(enough.wait(), 60)
                code = await asyncio.to_thread(server.stop, sig)
                await load
                if sig == signal.SIGTERM:
                    assert code == 0, server.tail()

                acked = [c for c in clicks if c.status == 200]
                assert len(acked) >= STOP_AFTER_ACKS
                assert len(acked) < CLICKS, "the stop came after the load: nothing was tested"
                # Not acknowledged: refused when busy (503), no ack within Slack's 3 s (404), no answer.
                assert all(c.status in (200, 404, 503, None) for c in clicks), {c.status for c in clicks}

                server.start()
                await server.healthy()
                ledger = await entries(database_url)
                lost = [c.no for c in acked if ledger.get(c.no) != 2]
                assert not lost, f"{len(lost)} acknowledged clicks lost or doubled, e.g. {lost[:5]}"
                assert max(ledger.values()) <= 2, "a click was carried out twice"

                # Slack (or the person) sends the unanswered clicks again, with the same trigger ids,
                # until each is acknowledged.
                sender = SlackRequestSender(server.events_url(), SECRET, session=session)
                await retry_until_acked(sender, fake, clicks, RETRY_ROUNDS, CLIENTS)
                assert all(c.status == 200 for c in clicks), server.tail()
            await asyncio.to_thread(server.stop)  # off the loop: the fake Slack still answers replies
            ledger = await entries(database_url)
            assert sorted(set(ledger.values())) == [2], "every click is in the ledger exactly once"
            assert not server.errors(), server.tail()
        finally:
            server.kill()
