"""Failures reach the person, never silence: bad signatures, a database that is down, overload."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from oppbot.adapters.admission import ADMIT_WAIT, WORK_SLOTS
from oppbot.adapters.slack import mount_slack
from oppbot.config import load_settings
from oppbot.runtime import Runtime
from oppbot.server import build_app
from oppbot.store.orm import OpportunityEntryRow
from tests.fakes.loopback import LoopbackServer
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_client import SlackRequestSender, sign
from tests.slack.conftest import SECRET, SlackHarness
from tests.slack.seed import USERS

APOLOGY_EN = "Sorry, something went wrong on my side. Nothing was changed"
APOLOGY_IT = "Scusa, qualcosa è andato storto da parte mia. Non è cambiato nulla"


async def test_a_non_numeric_timestamp_is_a_bad_signature(slack: SlackHarness) -> None:
    body = urlencode({"command": "/opp", "text": "list", "user_id": "U0DEMO1", "team_id": "T0DEMO"}).encode()
    for stamp in ("soon", "", "1e9", "-5", "١٢٣"):
        resp = await slack.sender.raw(
            body,
            "application/x-www-form-urlencoded",
            headers={"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": sign(SECRET, 0, body)},
        )
        assert resp.status == 401, (stamp, resp.status, resp.text)
    assert slack.fake.calls_to("response_url") == []


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def dead_db(fake_slack: FakeSlack) -> AsyncIterator[SlackRequestSender]:
    """The real server whose database refuses every connection."""
    settings = load_settings(
        database_url=f"postgresql+asyncpg://postgres@127.0.0.1:{_closed_port()}/test",
        slack_signing_secret=SECRET,
        slack_bot_token="xoxb-test",
        slack_api_url=fake_slack.base_url,
        locale="en",
    )
    for user_id, (name, email, locale) in USERS.items():
        fake_slack.add_user(user_id, name=name, email=email, locale=locale)
    server = LoopbackServer(build_app(Runtime.create(settings), [mount_slack]))
    url = await server.start()
    sender = SlackRequestSender(f"{url}/slack/events", SECRET, response_url_for=fake_slack.response_url)
    try:
        yield sender
    finally:
        await sender.close()
        await server.stop()


def _errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith("oppbot")]


async def test_database_down_slash_command_gets_an_apology_in_the_persons_language(
    dead_db: SlackRequestSender, caplog: pytest.LogCaptureFixture
) -> None:
    resp = await dead_db.slash_command("list", user_id="U0DEMO1")
    assert resp.status == 200
    assert resp.json()["response_type"] == "ephemeral"
    assert APOLOGY_EN in resp.json()["text"]
    assert len(_errors(caplog)) == 1
    resp = await dead_db.slash_command("elenco", user_id="U0DEMO4")  # Otis' Slack speaks Italian
    assert APOLOGY_IT in resp.json()["text"]
    assert len(_errors(caplog)) == 2


async def test_database_down_app_home_and_buttons_get_an_apology(
    dead_db: SlackRequestSender, fake_slack: FakeSlack
) -> None:
    resp = await dead_db.event({"type": "app_home_opened", "user": "U0DEMO1", "channel": "D1", "tab": "home"})
    assert resp.status == 200
    call = (await fake_slack.wait_for("views.publish"))[0]
    assert call.params["user_id"] == "U0DEMO1"
    assert APOLOGY_EN in json.dumps(call.params["view"])

    resp = await dead_db.block_action(user_id="U0DEMO1", action_id="opp_next", value="OP000001:2")
    assert resp.status == 200
    call = (await fake_slack.wait_for("response_url"))[0]
    assert call.params["response_type"] == "ephemeral"
    assert call.params.get("replace_original") is False  # the card stays as it was
    assert APOLOGY_EN in call.params["text"]


async def test_database_down_modal_submission_shows_the_apology_in_the_form(
    dead_db: SlackRequestSender,
) -> None:
    resp = await dead_db.view_submission(
        user_id="U0DEMO1",
        callback_id="opp_update_modal",
        blocks=[{"type": "input", "block_id": "value", "element": {"type": "plain_text_input"}}],
        state_values={"value": {"value": {"type": "plain_text_input", "value": "10"}}},
        private_metadata=json.dumps({"no": "OP000001", "v": 2}),
    )
    assert resp.status == 200
    answer = resp.json()
    assert answer["response_action"] == "errors"
    assert APOLOGY_EN in answer["errors"]["value"]


async def test_overload_is_refused_unacknowledged_and_the_accepted_clicks_all_complete(
    slack: SlackHarness, tmp_path: Path
) -> None:
    """Every work slot waits on the database; the next click gets 503 (no promise), the rest 200."""
    version = 2  # OP000001 as seeded
    async with slack.runtime.engine.connect() as conn:
        entries_before = (
            await conn.execute(sa.select(sa.func.count()).select_from(OpportunityEntryRow))
        ).scalar()
    blocker = sqlite3.connect(tmp_path / "oppbot.db", isolation_level=None, check_same_thread=False)
    # Another writer takes SQLite's write lock (in a thread: the server's own writers share this loop).
    await asyncio.to_thread(blocker.execute, "BEGIN IMMEDIATE")
    try:
        clicks = [
            asyncio.create_task(
                slack.sender.block_action(
                    user_id="U0DEMO1", action_id="opp_next", value=f"OP000001:{version}"
                )
            )
            for _ in range(WORK_SLOTS)
        ]
        await asyncio.sleep(0.3)  # the slots are taken, each click waits for the write lock
        started = time.monotonic()
        refused = await slack.sender.block_action(
            user_id="U0DEMO1", action_id="opp_next", value=f"OP000001:{version}"
        )
        assert refused.status == 503
        assert time.monotonic() - started >= ADMIT_WAIT * 0.9
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    accepted = [r.status for r in await asyncio.gather(*clicks)]
    # Admitted before the refusal, so never refused: each is acknowledged once its work is done, or,
    # when that took past Slack's 3 s (eight writers queued behind SQLite's lock), answered 404 by
    # Bolt (not acknowledged either). That an acknowledgement follows the commit is tests/serve's job.
    assert 503 not in accepted, accepted
    replies = await slack.fake.wait_for("response_url", WORK_SLOTS)
    moved = [c for c in replies if "OP000001 moved to stage 2" in c.params["text"]]
    assert len(moved) == 1  # the same card clicked eight times moves once; the others are told why
    async with slack.runtime.engine.connect() as conn:
        entries_after = (
            await conn.execute(sa.select(sa.func.count()).select_from(OpportunityEntryRow))
        ).scalar()
    assert entries_after == entries_before + 1
