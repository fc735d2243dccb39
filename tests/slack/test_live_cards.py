"""Live cards: a card the bot posted follows every later change, whoever made it and wherever."""

from __future__ import annotations

import asyncio

from oppbot.bot import Bot, Context
from oppbot.replies.format import Formatter
from oppbot.replies.text import render
from oppbot.store.engine import make_sessionmaker
from tests.dbfixtures import AH, DbTarget, make_service
from tests.fakes.slack_api import RecordedCall
from tests.slack.conftest import SlackHarness
from tests.slack.validate import texts, valid_blocks

CHANNEL = "C0DEMO"
UPDATE_WAIT = 8.0  # another replica's change arrives within the dispatcher's 1 s poll


async def share(slack: SlackHarness, no: str = "OP000001", user: str = "U0DEMO1") -> RecordedCall:
    """Click Share on `no`'s card: the card is posted in the channel."""
    before = len(slack.fake.calls_to("chat.postMessage"))
    resp = await slack.sender.block_action(user_id=user, action_id="opp_share", value=f"{no}:2")
    assert resp.status == 200
    posted = await slack.next_call("chat.postMessage", before)
    assert posted.response["ok"], posted.response
    return posted


async def settled(slack: SlackHarness) -> None:
    """Every change event so far has been delivered."""
    deadline = asyncio.get_running_loop().time() + UPDATE_WAIT
    while await slack.runtime.dispatcher.store.backlog():
        assert asyncio.get_running_loop().time() < deadline, "change events still waiting"
        await asyncio.sleep(0.05)


def shown_in_channel(slack: SlackHarness, posted: RecordedCall) -> list[dict[str, object]]:
    return valid_blocks(slack.fake.messages[(CHANNEL, posted.response["ts"])]["blocks"])


async def test_a_shared_card_follows_a_move_made_by_another_replica(
    slack_on_db: SlackHarness, db_target: DbTarget
) -> None:
    slack = slack_on_db
    posted = await share(slack)
    assert "1 of 4" in texts(shown_in_channel(slack, posted))
    # A second replica (its own engine, its own process-level state) moves it through the console.
    replica = make_service(make_sessionmaker(db_target.new_engine()), slack.clock)
    reply = await Bot(replica).handle("next OP000001", Context(AH, "en"))
    assert "moved to stage 2" in render(reply, Formatter("en", "EUR"))
    update = (await slack.fake.wait_for("chat.update", 1, timeout=UPDATE_WAIT))[0]
    assert (update.params["channel"], update.params["ts"]) == (CHANNEL, posted.response["ts"])
    assert "2 of 4" in texts(shown_in_channel(slack, posted))


async def test_changes_in_a_burst_update_the_message_to_the_latest_state(slack: SlackHarness) -> None:
    posted = await share(slack)
    for text in ("quote OP000001 Q-1", "next OP000001", "next OP000001"):
        await slack.command(text)
    deadline = asyncio.get_running_loop().time() + UPDATE_WAIT
    while "3 of 4" not in texts(shown_in_channel(slack, posted)):
        assert asyncio.get_running_loop().time() < deadline, "the card never showed the last move"
        await asyncio.sleep(0.05)
    assert len(slack.fake.calls_to("chat.update")) <= 3  # at most one per change, fewer when coalesced


async def test_a_rate_limited_update_still_lands_once(slack: SlackHarness) -> None:
    posted = await share(slack)
    slack.fake.fail_next("chat.update", "ratelimited", status=429, retry_after=1)
    await slack.command("next OP000001")
    calls = await slack.fake.wait_for("chat.update", 2, timeout=UPDATE_WAIT)
    assert [c.status for c in calls] == [429, 200]
    assert "2 of 4" in texts(shown_in_channel(slack, posted))


async def test_a_deleted_message_is_no_longer_kept_live(slack: SlackHarness) -> None:
    posted = await share(slack)
    del slack.fake.messages[(CHANNEL, posted.response["ts"])]  # someone deleted it in Slack
    await slack.command("next OP000001")
    gone = (await slack.fake.wait_for("chat.update", 1, timeout=UPDATE_WAIT))[0]
    assert gone.response["error"] == "message_not_found"
    await slack.command("back OP000001")
    await settled(slack)
    assert len(slack.fake.calls_to("chat.update")) == 1  # not tried again
