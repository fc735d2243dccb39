"""Opportunity numbers in a channel message get compact cards in its thread."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from tests.slack.conftest import SlackHarness
from tests.slack.validate import action_ids, texts, valid_blocks


def message(text: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "message", "channel": "C0DEMO", "channel_type": "channel", "user": "U0DEMO1",
        "text": text, "ts": "1764480000.000100", **extra,
    }  # fmt: skip


def in_thread(slack: SlackHarness, ts: str) -> list[Any]:
    return [c for c in slack.fake.calls_to("chat.postMessage") if c.params.get("thread_ts") == ts]


_probes = itertools.count(1)


async def thread_replies(
    slack: SlackHarness, event: dict[str, Any], expect: int, event_id: str | None = None
) -> list[Any]:
    """Send `event`; wait for `expect` cards in its thread, then for a later probe message's card
    (so a card that should not come had its chance), and return the thread's cards."""
    resp = await slack.sender.event(event, event_id=event_id)
    assert resp.status == 200
    deadline = asyncio.get_running_loop().time() + 8
    while len(in_thread(slack, event["ts"])) < expect:
        assert asyncio.get_running_loop().time() < deadline, in_thread(slack, event["ts"])
        await asyncio.sleep(0.02)
    probe = message("OP000001", ts=f"1764489999.{next(_probes):06d}")
    await slack.sender.event(probe)
    while not in_thread(slack, probe["ts"]):
        assert asyncio.get_running_loop().time() < deadline, "the probe got no card"
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.1)
    return in_thread(slack, event["ts"])


async def test_two_numbers_get_two_compact_cards_in_the_thread_and_unknown_ones_nothing(
    slack: SlackHarness,
) -> None:
    posted = await thread_replies(slack, message("Can we close OP000001 before OP000002? Not OP999999."), 2)
    assert [("OP000001" in c.params["text"], "OP000002" in c.params["text"]) for c in posted] == [
        (True, False),
        (False, True),
    ]
    blocks = valid_blocks(posted[0].params["blocks"])
    assert action_ids(blocks) == ["opp_show"]  # compact: one line and an Open button
    assert "Office chairs" in texts(blocks)


async def test_no_cards_for_edits_bots_retries_or_more_than_three(slack: SlackHarness) -> None:
    edited = message("OP000001", subtype="message_changed", ts="1764480000.000200")
    assert await thread_replies(slack, edited, 0) == []
    from_bot = message("OP000001", bot_id="B0BOT", ts="1764480000.000300")
    assert await thread_replies(slack, from_bot, 0) == []
    once = message("OP000001", ts="1764480000.000400")
    assert len(await thread_replies(slack, once, 1, event_id="EvOnce1")) == 1
    assert len(await thread_replies(slack, once, 1, event_id="EvOnce2")) == 1  # delivered again: one card
    many = message("OP000001 OP000002 OP000003 OP000001 OP000004", ts="1764480000.000500")
    assert len(await thread_replies(slack, many, 3)) == 3


async def test_a_stranger_gets_no_card(slack: SlackHarness) -> None:
    assert await thread_replies(slack, message("OP000001", user="U0STRANGER"), 0) == []
