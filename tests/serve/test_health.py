"""Readiness (/healthz) follows the database and its migrations; liveness (/livez) never touches it."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp

from oppbot.config import load_settings
from oppbot.runtime import Runtime
from oppbot.server import build_app
from oppbot.store.engine import head_revisions, upgrade_database
from tests.fakes.loopback import LoopbackServer


@asynccontextmanager
async def running(database_url: str) -> AsyncIterator[tuple[Runtime, str]]:
    runtime = Runtime.create(load_settings(database_url=database_url))
    server = LoopbackServer(build_app(runtime, []))
    url = await server.start()
    try:
        yield runtime, url
    finally:
        await server.stop()


async def get(url: str) -> tuple[int, dict[str, object]]:
    async with aiohttp.ClientSession() as session, session.get(url) as resp:
        return resp.status, await resp.json()


async def test_ready_only_once_the_schema_is_at_head(tmp_path: Path) -> None:
    async with running(f"sqlite+aiosqlite:///{tmp_path}/h.db") as (runtime, url):
        status, body = await get(f"{url}/healthz")
        assert (status, body["database"]) == (503, "migrations pending")  # an empty database
        await upgrade_database(runtime.engine, "0005")
        status, body = await get(f"{url}/healthz")
        assert (status, body["at"], body["head"]) == (503, ["0005"], sorted(head_revisions()))
        await runtime.migrate()
        assert await get(f"{url}/healthz") == (200, {"status": "ok"})
        status, body = await get(f"{url}/livez")
        assert status == 200 and body["status"] == "ok"


async def test_unreachable_database_is_not_ready_but_alive() -> None:
    # Nothing listens on port 1: every connection attempt is refused at once.
    async with running("postgresql+asyncpg://nobody@127.0.0.1:1/none") as (_runtime, url):
        started = time.monotonic()
        status, body = await get(f"{url}/healthz")
        assert (status, body["database"]) == (503, "unreachable")
        assert time.monotonic() - started < 10
        status, body = await get(f"{url}/livez")
        assert status == 200 and body["status"] == "ok"
