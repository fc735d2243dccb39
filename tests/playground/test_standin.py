"""The playground's stand-in never runs beside real credentials, and nothing of it leaves loopback."""

from __future__ import annotations

import ipaddress
import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.request import urlopen

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from oppbot.config import SettingsError, load_settings
from oppbot.playground import PlaygroundRefused, SlackPlayground, wanted
from oppbot.playground.web import add_routes
from tests.playground.conftest import InProcess, clean_env, free_port, start_serve, stop_serve

REAL_SLACK = {"slack_signing_secret": "real-secret", "slack_bot_token": "xoxb-real"}


@pytest.mark.parametrize(
    "settings",
    [
        REAL_SLACK,
        {"slack_bot_token": "xoxb-real"},
        {"slack_client_id": "123.456", "slack_client_secret": "s"},
        {"slack_app_token": "xapp-1"},
        {"teams_app_id": "00000000-0000-4000-8000-00000000000a", "teams_app_password": "p"},
    ],
)
async def test_refused_beside_real_credentials(settings: dict[str, str]) -> None:
    config = load_settings(**settings)
    assert not wanted(config)  # `auto` stays off
    with pytest.raises(PlaygroundRefused):
        await SlackPlayground.start(config)


def test_on_is_refused_beside_credentials_and_off_loopback() -> None:
    with pytest.raises(SettingsError, match="OPPBOT_PLAYGROUND"):
        load_settings(playground="on", **REAL_SLACK)
    with pytest.raises(SettingsError, match="OPPBOT_PLAYGROUND: `on` needs a loopback OPPBOT_HOST"):
        load_settings(playground="on", host="0.0.0.0")
    assert not wanted(load_settings(host="0.0.0.0"))  # auto: off, not an error
    assert not wanted(load_settings(playground="off"))
    assert wanted(load_settings())
    assert wanted(load_settings(host="::1"))


async def test_refused_off_loopback() -> None:
    with pytest.raises(PlaygroundRefused, match="loopback"):
        await SlackPlayground.start(load_settings(host="0.0.0.0"))


async def test_standin_listens_on_loopback_with_a_secret_per_run() -> None:
    first = await SlackPlayground.start(load_settings())
    second = await SlackPlayground.start(load_settings())
    try:
        for pg in (first, second):
            hosts = pg.standin.listening_on
            assert hosts and all(ipaddress.ip_address(h).is_loopback for h in hosts)
            assert pg.settings.slack_api_url == pg.standin.base_url
            assert pg.settings.slack_api_url.startswith("http://127.0.0.1:")
            assert pg.settings.slack_bot_token and pg.settings.slack_bot_token.startswith("xoxb-")
        assert first.settings.slack_signing_secret != second.settings.slack_signing_secret
        assert len(first.settings.slack_signing_secret or "") >= 32
        assert first.settings.slack_bot_token != second.settings.slack_bot_token
    finally:
        await first.stop()
        await second.stop()


async def test_page_answers_loopback_peers_only(in_process: InProcess) -> None:
    app = web.Application()
    add_routes(app, in_process.workspace)

    class Transport:
        def __init__(self, peer: str) -> None:
            self.peer = peer

        def get_extra_info(self, name: str, default: Any = None) -> Any:
            return (self.peer, 50000) if name == "peername" else default

    for peer, status in (("10.1.2.3", 403), ("127.0.0.1", 200)):
        request = make_mocked_request("GET", "/", app=app, transport=Transport(peer))
        match = await app.router.resolve(request)
        response = await match.handler(request)
        assert response.status == status, peer


async def test_a_signed_request_with_another_secret_is_refused(in_process: InProcess) -> None:
    """The bot behind the playground accepts only this run's signature, as it would Slack's."""
    sender = in_process.workspace.sender
    from oppbot.playground.sender import SlackRequestSender

    forged = SlackRequestSender(sender.base_url, "guessed-secret")
    try:
        resp = await forged.slash_command("list", user_id="U0DEMO1")
    finally:
        await forged.close()
    assert resp.status == 401
    good = await sender.slash_command("list", user_id="U0DEMO1")
    assert good.status == 200


def test_serve_with_real_credentials_has_no_playground(tmp_path: Path) -> None:
    port = free_port()
    env = clean_env(
        OPPBOT_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/real.db",
        OPPBOT_PORT=str(port),
        OPPBOT_SLACK_SIGNING_SECRET="real-secret",
        OPPBOT_SLACK_BOT_TOKEN="xoxb-real",
        OPPBOT_SLACK_API_URL="http://127.0.0.1:9/api/",  # nothing there: no call may leave this machine
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "oppbot", "serve"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
                    assert resp.status == 200
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, "serve did not start"
                time.sleep(0.3)
        with pytest.raises(HTTPError) as page:
            urlopen(f"http://127.0.0.1:{port}/", timeout=5)
        assert page.value.code == 404
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=30)
    assert "playground" not in out


def test_serve_refuses_playground_on_off_loopback(tmp_path: Path) -> None:
    env = clean_env(OPPBOT_PLAYGROUND="on", OPPBOT_HOST="0.0.0.0")
    command = [sys.executable, "-m", "oppbot", "serve"]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "OPPBOT_PLAYGROUND" in done.stderr and "loopback" in done.stderr


def test_serve_refuses_playground_on_beside_credentials(tmp_path: Path) -> None:
    env = clean_env(
        OPPBOT_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/real.db",
        OPPBOT_PLAYGROUND="on",
        OPPBOT_SLACK_SIGNING_SECRET="real-secret",
        OPPBOT_SLACK_BOT_TOKEN="xoxb-real",
    )
    done = subprocess.run(
        [sys.executable, "-m", "oppbot", "serve"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "OPPBOT_PLAYGROUND" in done.stderr


def test_serve_prints_the_playground_address(tmp_path: Path) -> None:
    served = start_serve(tmp_path)
    try:
        assert served.url.startswith("http://127.0.0.1:")
        with urlopen(served.url, timeout=10) as resp:
            assert b"oppbot playground" in resp.read()
        with urlopen(f"{served.url}playground/api/state?user=U0DEMO1", timeout=10) as resp:
            assert b'"Annette Hill"' in resp.read()
    finally:
        stop_serve(served)


async def test_file_upload_steps_are_checked_like_slacks() -> None:
    from slack_sdk.errors import SlackApiError
    from slack_sdk.web.async_client import AsyncWebClient

    from oppbot.playground.standin import FakeSlack

    async with FakeSlack() as fake, aiohttp.ClientSession() as http:
        fake.add_user("U0DEMO1", name="annette.hill", email=None)
        client = AsyncWebClient(token="xoxb-test", base_url=fake.base_url)
        url = await client.files_getUploadURLExternal(filename="chart.png", length=4)
        with pytest.raises(SlackApiError, match="file_not_found"):  # nothing uploaded yet
            await client.files_completeUploadExternal(files=[{"id": url["file_id"]}], channel_id="U0DEMO1")
        async with http.post(url["upload_url"], data=b"too long") as resp:
            assert resp.status == 400
        async with http.post(url["upload_url"], data=b"\x89PNG") as resp:
            assert resp.status == 200
        async with http.get(fake.file_url(url["file_id"])) as resp:
            assert resp.status == 404  # not shared until completed
        done = await client.files_completeUploadExternal(files=[{"id": url["file_id"]}], channel_id="U0DEMO1")
        shared = done["files"][0]
        dm = fake.dm_channel_for("U0DEMO1")
        (ts,) = [s["ts"] for s in shared["shares"]["private"][dm]]
        assert fake.messages[(dm, ts)]["files"][0]["id"] == url["file_id"]
        async with http.get(shared["url_private"]) as resp:
            assert (resp.status, resp.content_type, await resp.read()) == (200, "image/png", b"\x89PNG")


def test_an_open_page_does_not_hold_the_shutdown_up(tmp_path: Path) -> None:
    """A browser's long poll is answered at SIGTERM: serve stops in seconds, not after the 15 s drain."""
    served = start_serve(tmp_path)
    try:
        with urlopen(f"{served.url}playground/api/state?user=U0DEMO1", timeout=10) as resp:
            rev = json.loads(resp.read())["rev"]
        waiting: list[int] = []

        def poll() -> None:
            with urlopen(f"{served.url}playground/api/state?user=U0DEMO1&after={rev}", timeout=40) as r:
                waiting.append(r.status)

        thread = threading.Thread(target=poll)
        thread.start()
        time.sleep(1.0)  # the poll is waiting now
        started = time.monotonic()
        served.process.terminate()
        served.process.wait(30)
        assert time.monotonic() - started < 10
        thread.join(10)
        assert waiting == [200]
    finally:
        if served.process.poll() is None:
            stop_serve(served)
