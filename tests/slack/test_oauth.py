"""Multi-workspace mode: Bolt's OAuth flow on /slack/install and /slack/oauth_redirect, stores in our DB."""

from __future__ import annotations

import re
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import text

from oppbot.adapters.slack import mount_slack
from oppbot.adapters.slack.oauth import oauth_settings
from oppbot.bot import Bot
from oppbot.config import load_settings
from oppbot.runtime import Runtime
from oppbot.server import build_app
from oppbot.service.opportunities import OpportunityService
from oppbot.store.engine import make_engine, make_sessionmaker, upgrade_database
from tests.fakes.loopback import LoopbackServer
from tests.fakes.slack_api import FakeSlack


@pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")
async def test_install_and_redirect_store_the_installation(fake_slack: FakeSlack, tmp_path: Path) -> None:
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/oauth.db",
        slack_signing_secret="test-secret",
        slack_client_id="111.222",
        slack_client_secret="s3cr3t",
        slack_api_url=fake_slack.base_url,
    )
    engine = make_engine(settings.database_url)
    await upgrade_database(engine)
    sessions = make_sessionmaker(engine)
    service = OpportunityService(sessions)
    runtime = Runtime(settings, engine, sessions, service, Bot(service))
    oauth = oauth_settings(runtime)
    assert oauth is not None
    # Until the Alembic migration for these tables lands, the test creates them itself.
    server = LoopbackServer(build_app(runtime, [mount_slack]))
    url = await server.start()
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{url}/slack/install") as resp:
                assert resp.status == 200
                page = await resp.text()
                cookies = resp.cookies
            state = re.search(r"state=([\w-]+)", page)
            assert state is not None and "client_id=111.222" in page
            # The state cookie is Secure (https only): send it back by hand over loopback http.
            cookie = "; ".join(f"{k}={v.value}" for k, v in cookies.items())
            redirect = f"{url}/slack/oauth_redirect?code=abc&state={state.group(1)}"
            async with http.get(redirect, headers={"Cookie": cookie}) as resp:
                assert resp.status == 200, await resp.text()
        async with engine.connect() as conn:
            teams = (await conn.execute(text("SELECT team_id FROM slack_installations"))).scalars().all()
        assert teams == ["T0DEMO"]
    finally:
        await server.stop()
