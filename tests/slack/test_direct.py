"""Reminders as Slack DMs over real HTTP: the DirectNotifier, its buttons, rate limits, uploads."""

from __future__ import annotations

import asyncio
import struct
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from oppbot.adapters.slack.direct import SlackDirectNotifier
from oppbot.notify.port import Direct, Image, RetryLater, Unreachable
from oppbot.replies.document import Note
from oppbot.runtime import Runtime
from oppbot.store.cards import PostedCards
from tests.fakes.slack_api import FakeSlack
from tests.slack.conftest import SlackHarness, running_harness
from tests.slack.validate import action_ids, texts, valid_blocks

FRIDAY_NOON = datetime(2026, 10, 16, 12, 0, tzinfo=UTC)  # OP000001 and OP000002: 14D + 1 since 1 Oct


def direct_notifier(slack: SlackHarness) -> SlackDirectNotifier:
    found = [n for n in slack.runtime.direct.notifiers if isinstance(n, SlackDirectNotifier)]
    assert len(found) == 1  # registered once, by slack_deps
    return found[0]


async def reminder_pass(slack: SlackHarness, moment: datetime) -> dict[str, int]:
    slack.clock.now = moment
    notifications = slack.runtime.notifications
    await notifications.scan_reminders(moment)
    return (await notifications.send_due(slack.runtime.direct, "test", now=moment)).sent


def dm_to(slack: SlackHarness, user: str) -> list[dict[str, Any]]:
    channel = slack.fake.dm_channel_for(user)
    posted = [c for c in slack.fake.calls_to("chat.postMessage") if c.response.get("ok")]
    return [c.params for c in posted if c.params.get("channel") == channel]


def option_value(blocks: list[dict[str, Any]], action_id: str, choice: str) -> str:
    for block in blocks:
        for el in block.get("elements", []) if block["type"] == "actions" else []:
            if el["action_id"] == action_id:
                return next(o["value"] for o in el["options"] if o["value"].endswith(f":{choice}"))
    raise AssertionError(f"no {action_id} in {action_ids(blocks)}")


def button(blocks: list[dict[str, Any]], action_id: str) -> str:
    for block in blocks:
        for el in block.get("elements", []) if block["type"] == "actions" else []:
            if el["action_id"] == action_id:
                return str(el["value"])
    raise AssertionError(f"no {action_id} in {action_ids(blocks)}")


async def click(slack: SlackHarness, user: str, action_id: str, value: str, kind: str = "button") -> Any:
    before = len(slack.fake.calls_to("response_url"))
    channel = slack.fake.dm_channel_for(user)
    resp = await slack.sender.block_action(
        user_id=user, action_id=action_id, value=value, action_type=kind, channel_id=channel
    )
    assert resp.status == 200
    return await slack.next_call("response_url", before)


async def test_a_stalled_opportunity_reaches_its_owner_as_a_live_dm_card(slack: SlackHarness) -> None:
    assert await reminder_pass(slack, FRIDAY_NOON) == {"reminder": 2}
    opened = {c.params["users"] for c in slack.fake.calls_to("conversations.open")}
    assert opened == {"U0DEMO1", "U0DEMO2"}
    (annette,) = dm_to(slack, "U0DEMO1")
    blocks = valid_blocks(annette["blocks"])
    assert "OP000001 is stalled in" in texts(blocks)
    ids = action_ids(blocks)
    assert [i for i in ids if i != "opp_skip"] == [
        "opp_next",
        "opp_update",
        "opp_snooze",
        "opp_win",
        "opp_lose",
    ]
    assert "OP000001" in annette["text"]  # the notification's fallback text names it
    # Recorded as a live card: a change redraws the DM
    cards = await PostedCards(slack.runtime.sessions).of_opportunity("OP000001", older_than=99)
    assert [(c.channel, c.platform) for c in cards] == [(slack.fake.dm_channel_for("U0DEMO1"), "slack")]
    # Nothing more the same day
    assert await reminder_pass(slack, FRIDAY_NOON + timedelta(hours=2)) == {}


async def test_reminder_buttons_behave_like_the_cards(slack: SlackHarness) -> None:
    await reminder_pass(slack, FRIDAY_NOON)
    annette = valid_blocks(dm_to(slack, "U0DEMO1")[0]["blocks"])
    peter = valid_blocks(dm_to(slack, "U0DEMO2")[0]["blocks"])
    # Snooze 1 week from the menu: the DM card is replaced, saying until when
    call = await click(
        slack, "U0DEMO1", "opp_snooze", option_value(annette, "opp_snooze", "1w"), "static_select"
    )
    assert call.params["replace_original"] is True
    assert "no reminders about it until 2026-10-23" in texts(call.params["blocks"])
    # Next stage from Peter's reminder: moved like the card's own button
    call = await click(slack, "U0DEMO2", "opp_next", button(peter, "opp_next"))
    assert "OP000002 moved to stage 2" in texts(valid_blocks(call.params["blocks"]))
    # Won… opens the same form as the card's Won…
    before = len(slack.fake.calls_to("views.open"))
    resp = await slack.sender.block_action(
        user_id="U0DEMO1", action_id="opp_win", value=button(annette, "opp_win")
    )
    assert resp.status == 200
    modal = (await slack.next_call("views.open", before)).params["view"]
    assert modal["type"] == "modal" and "OP000001" in modal["private_metadata"]
    # Three days later: Annette snoozed, Peter moved: no reminders
    assert await reminder_pass(slack, FRIDAY_NOON + timedelta(days=3)) == {}
    # After the week Annette's count starts again
    assert await reminder_pass(slack, FRIDAY_NOON + timedelta(days=7, hours=1)) == {"reminder": 1}


async def test_rate_limit_is_retried_after_retry_after(slack: SlackHarness) -> None:
    slack.fake.fail_next("chat.postMessage", "ratelimited", status=429, retry_after=7)
    sent = await reminder_pass(slack, FRIDAY_NOON)
    assert sent == {"reminder": 1}  # one of the two got through; the other waits 7 s
    counts = await slack.runtime.notifications.store.counts()
    assert counts == {("reminder", "sent"): 1, ("reminder", "pending"): 1}
    notifications = slack.runtime.notifications
    early = await notifications.send_due(slack.runtime.direct, "test", now=FRIDAY_NOON + timedelta(seconds=6))
    assert early.sent == {}
    late = await notifications.send_due(slack.runtime.direct, "test", now=FRIDAY_NOON + timedelta(seconds=8))
    assert late.sent == {"reminder": 1}
    assert len(dm_to(slack, "U0DEMO1")) == len(dm_to(slack, "U0DEMO2")) == 1


async def test_unreachable_people(slack: SlackHarness) -> None:
    notifier = direct_notifier(slack)
    with pytest.raises(Unreachable):  # XX has no Slack identity (never talked to the bot)
        await notifier.send(Direct("XX", Note(("hello",))))
    slack.fake.fail_next("conversations.open", "user_not_found")
    with pytest.raises(Unreachable):
        await notifier.send(Direct("JO", Note(("hello",))))
    slack.fake.fail_next("conversations.open", "ratelimited", status=429, retry_after=3)
    with pytest.raises(RetryLater) as waited:
        await notifier.send(Direct("JO", Note(("hello",))))
    assert waited.value.seconds == 3


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


async def test_images_are_uploaded_into_the_dm_with_files_upload_v2(slack: SlackHarness) -> None:
    png = tiny_png()
    await direct_notifier(slack).send(
        Direct("JO", Note(("Your digest",)), images=(Image("pipeline.png", "Pipeline by stage", png),))
    )
    assert len(dm_to(slack, "U0DEMO3")) == 1
    (stored,) = slack.fake.files.values()
    assert stored["bytes"] == png and stored["title"] == "Pipeline by stage" and stored["complete"]
    assert len(slack.fake.files) == 1
    shared = next(m for m in slack.fake.messages.values() if m.get("files"))
    assert shared["files"][0]["shares"] == {
        "private": {slack.fake.dm_channel_for("U0DEMO3"): [{"ts": shared["ts"]}]}
    }
    assert [c.method for c in slack.fake.calls if c.method.startswith("files.")] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]


async def test_serve_runs_the_scheduler_and_digest_now_arrives_at_once(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/oppbot.db"
    async with running_harness(fake_slack, url, scheduler="on") as slack:
        assert isinstance(slack.runtime, Runtime)
        # The pass at start-up ran on the harness clock (1 October: nothing stalled yet, JO's Monday
        # digest is the one of 28 September); `digest now` wakes the sender without waiting a minute.
        await slack.command("digest now", user="U0DEMO3")
        for _ in range(300):
            if len(dm_to(slack, "U0DEMO3")) >= 2:
                break
            await asyncio.sleep(0.1)
        assert len(dm_to(slack, "U0DEMO3")) == 2  # the scheduled one and the one asked for
        for _ in range(300):  # the row is marked sent just after Slack answered
            counts = await slack.runtime.notifications.store.counts()
            if counts.get(("digest", "sent")) == 2:
                break
            await asyncio.sleep(0.1)
        assert counts[("digest", "sent")] == 2  # (and the seed's to-dos due today went out too)
        # The real digest: its chart went into Jim's DM with files_upload_v2
        charts = [f for f in fake_slack.files.values() if f["name"].endswith(".png") and f["complete"]]
        assert len(charts) == 2 and all(f["bytes"].startswith(b"\x89PNG") for f in charts)


async def test_stopping_serve_lets_the_send_in_hand_finish(fake_slack: FakeSlack, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/oppbot.db"
    fake_slack.hold("conversations.open")  # the start-up pass's first DM waits here
    async with running_harness(fake_slack, url, scheduler="on"):
        for _ in range(300):
            if fake_slack.held["conversations.open"]:
                break
            await asyncio.sleep(0.1)
        assert fake_slack.held["conversations.open"] == 1
        asyncio.get_running_loop().call_later(1.0, fake_slack.release, "conversations.open")
    # The server stopped while a send was in hand: it finished it (and the pass) instead of cancelling.
    opened = [c for c in fake_slack.calls_to("conversations.open") if c.response.get("ok")]
    posted = [c for c in fake_slack.calls_to("chat.postMessage") if c.response.get("ok")]
    assert len(opened) >= 1 and len(posted) == len(opened)
