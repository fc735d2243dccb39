"""`oppbot serve` mounts Teams at /api/messages exactly when a Teams app id is set; a real server process
validates tokens, answers through the Connector, and stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

from oppbot.adapters.teams import mount_teams
from oppbot.config import load_settings
from oppbot.serve import adapter_mounts
from oppbot.service.opportunities import OpportunityService
from oppbot.service.setup import load_demo
from oppbot.store.engine import make_engine, make_sessionmaker, upgrade_database
from tests.fakes.teams_connector import (
    APP_ID,
    APP_PASSWORD,
    BOT_ID,
    TENANT,
    FakeConnector,
    KeyServer,
    TokenSigner,
)
from tests.serve.cluster import wait_healthy

ANNETTE_AAD = "00000000-0000-4000-8000-000000000001"  # the demo's (conventions.md)


def test_teams_is_mounted_only_when_configured() -> None:
    assert mount_teams not in adapter_mounts(load_settings(teams_app_id=None))
    configured = load_settings(teams_app_id=APP_ID, teams_app_password="x")
    assert mount_teams in adapter_mounts(configured)


async def _demo(url: str) -> None:
    engine = make_engine(url)
    try:
        await upgrade_database(engine)
        await load_demo(OpportunityService(make_sessionmaker(engine), currency="EUR", stall_default="14D"))
    finally:
        await engine.dispose()


def _activity(service_url: str, text: str) -> dict[str, object]:
    return {
        "type": "message", "id": f"act-{time.monotonic_ns()}", "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": "29:annette", "aadObjectId": ANNETTE_AAD},
        "conversation": {"id": "a:personal-annette", "conversationType": "personal", "tenantId": TENANT},
        "recipient": {"id": BOT_ID}, "text": text, "locale": "en-US",
        "channelData": {"tenant": {"id": TENANT}},
    }  # fmt: skip


async def test_a_real_server_process(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/oppbot.db"
    await _demo(url)
    signer = TokenSigner()
    async with FakeConnector() as connector:
        with KeyServer(signer) as keys, socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
            s.close()
            env = {k: v for k, v in os.environ.items() if not k.startswith("OPPBOT_")}
            env |= {
                "OPPBOT_DATABASE_URL": url,
                "OPPBOT_TEAMS_APP_ID": APP_ID,
                "OPPBOT_TEAMS_APP_PASSWORD": APP_PASSWORD,
                "OPPBOT_TEAMS_OPENID_METADATA_URL": keys.metadata_url,
                "OPPBOT_TEAMS_TOKEN_URL": connector.token_url,
                "OPPBOT_SCHEDULER": "off",
            }
            log = tmp_path / "serve.log"
            with log.open("wb") as out:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "oppbot", "serve", "--port", str(port)],
                    env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT,
                )  # fmt: skip
            base = f"http://127.0.0.1:{port}"
            try:
                await wait_healthy(port, proc, log.read_text, 60, "oppbot serve")
                async with aiohttp.ClientSession() as http:
                    body = _activity(connector.service_url, "show OP000001")
                    async with http.post(f"{base}/api/messages", json=body) as resp:
                        assert resp.status == 401
                    token = signer.token(connector.service_url)
                    headers = {"Authorization": f"Bearer {token}"}
                    async with http.post(f"{base}/api/messages", json=body, headers=headers) as resp:
                        assert resp.status == 200, log.read_text()
                    sent = (await connector.wait_for("send", 1, timeout=20))[0]
                    assert sent.conversation == "a:personal-annette"
                    assert "OP000001" in sent.text
                proc.send_signal(signal.SIGTERM)
                assert await asyncio.to_thread(proc.wait, 60) == 0, log.read_text()
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()


def test_a_half_configured_bot_does_not_start(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPPBOT_")}
    env |= {"OPPBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/oppbot.db", "OPPBOT_TEAMS_APP_ID": APP_ID}
    for extra, says in (
        ({}, "OPPBOT_TEAMS_APP_PASSWORD"),
        (
            {"OPPBOT_TEAMS_APP_PASSWORD": "x", "OPPBOT_TEAMS_APP_TYPE": "SingleTenant"},
            "OPPBOT_TEAMS_TENANT_ID",
        ),
    ):
        result = subprocess.run(
            [sys.executable, "-m", "oppbot", "serve", "--port", "0"],
            env={**env, **extra}, cwd=tmp_path, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and says in lines[0], result.stderr
