"""The real server (build_app + mount_slack) on loopback, FakeSlack as the Web API, signed requests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from oppbot.adapters.slack import mount_slack
from oppbot.config import load_settings
from oppbot.runtime import Runtime
from oppbot.server import build_app
from oppbot.service.opportunities import OpportunityService
from tests.dbfixtures import Clock, DbTarget
from tests.fakes.fixtures import fake_slack  # noqa: F401
from tests.fakes.loopback import LoopbackServer
from tests.fakes.slack_api import FakeSlack, RecordedCall
from tests.fakes.slack_client import SlackRequestSender
from tests.slack.seed import USERS, seeded_runtime

SECRET = "test-secret"


@dataclass
class SlackHarness:
    fake: FakeSlack
    sender: SlackRequestSender
    runtime: Runtime
    clock: Clock
    url: str

    @property
    def service(self) -> OpportunityService:
        return self.runtime.service

    async def command(self, text: str, user: str = "U0DEMO1", **kwargs: Any) -> RecordedCall:
        """Send `/opp text` and return what the bot posted to the command's response_url."""
        before = len(self.fake.calls_to("response_url"))
        resp = await self.sender.slash_command(text, user_id=user, **kwargs)
        assert resp.status == 200, resp.text
        assert resp.text == ""  # acked at once, the answer follows on the response_url
        return (await self.fake.wait_for("response_url", before + 1))[before]

    async def next_call(self, method: str, before: int) -> RecordedCall:
        return (await self.fake.wait_for(method, before + 1))[before]


@asynccontextmanager
async def running_harness(
    fake: FakeSlack, database_url: str, engine: AsyncEngine | None = None, **settings: Any
) -> AsyncIterator[SlackHarness]:
    """The real server (build_app + mount_slack) on `database_url`, migrated and seeded, on loopback."""
    config = load_settings(
        database_url=database_url,
        slack_signing_secret=SECRET,
        slack_bot_token="xoxb-test",
        slack_api_url=fake.base_url,
        locale="en",
        **settings,
    )
    runtime, clock = await seeded_runtime(config, engine)
    for user_id, (name, email, locale) in USERS.items():
        fake.add_user(user_id, name=name, email=email, locale=locale)
    server = LoopbackServer(build_app(runtime, [mount_slack]))
    url = await server.start()
    sender = SlackRequestSender(f"{url}/slack/events", SECRET, response_url_for=fake.response_url)
    try:
        yield SlackHarness(fake, sender, runtime, clock, url)
    finally:
        await sender.close()
        await server.stop()


@pytest.fixture
async def slack(fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[SlackHarness]:  # noqa: F811
    async with running_harness(fake_slack, f"sqlite+aiosqlite:///{tmp_path}/oppbot.db") as harness:
        yield harness


@pytest.fixture
async def slack_on_db(fake_slack: FakeSlack, db_target: DbTarget) -> AsyncIterator[SlackHarness]:  # noqa: F811
    """The same harness on the database db_target gives (SQLite and PostgreSQL)."""
    async with running_harness(fake_slack, db_target.url, db_target.new_engine()) as harness:
        yield harness
