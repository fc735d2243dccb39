"""Live cards across platforms: every card the bot posts in Teams is redrawn in place (an activity
update) after each change, from Slack too; and a change made in Teams redraws Slack's copy."""

from __future__ import annotations

import asyncio

from tests.teams.harness import AH, CHANNEL, TeamsHarness, card_text

UPDATE_WAIT = 8.0
SLACK_CHANNEL = "C0DEMO"


async def test_a_change_in_slack_updates_the_teams_card(teams_with_slack: TeamsHarness) -> None:
    teams = teams_with_slack
    shown = await teams.say("show OP000001", conversation=CHANNEL, conversation_type="channel")
    await teams.kept_live("OP000001", shown.activity_id)
    assert shown.card is not None and "1 of 4" in card_text(shown.card)
    assert teams.slack is not None and teams.fake_slack is not None
    resp = await teams.slack.slash_command("next OP000001", user_id="U0DEMO1")
    assert resp.status == 200
    update = (await teams.connector.wait_for("update", 1, timeout=UPDATE_WAIT))[0]
    assert (update.conversation, update.activity_id) == (CHANNEL, shown.activity_id)
    assert update.card is not None and "2 of 4" in card_text(update.card)
    assert teams.connector.unauthorized_calls == 0


async def test_a_click_in_teams_updates_the_slack_card(teams_with_slack: TeamsHarness) -> None:
    teams = teams_with_slack
    assert teams.slack is not None and teams.fake_slack is not None
    before = len(teams.fake_slack.calls_to("chat.postMessage"))
    resp = await teams.slack.block_action(user_id="U0DEMO1", action_id="opp_share", value="OP000001:2")
    assert resp.status == 200
    posted = (await teams.fake_slack.wait_for("chat.postMessage", before + 1))[before]
    ts = posted.response["ts"]
    answer = await teams.click("next", {"no": "OP000001", "version": 2, "value": "OP000001:2"}, user=AH)
    assert "moved to stage 2" in card_text(answer["value"])
    update = (await teams.fake_slack.wait_for("chat.update", 1, timeout=UPDATE_WAIT))[0]
    assert (update.params["channel"], update.params["ts"]) == (SLACK_CHANNEL, ts)
    assert "2 of 4" in str(teams.fake_slack.messages[(SLACK_CHANNEL, ts)]["blocks"])


async def test_a_clicked_card_is_updated_for_everyone(teams: TeamsHarness) -> None:
    """The clicker gets the fresh card in the invoke's answer; the message itself (what everyone else
    sees in the channel) is updated after the change event."""
    shown = await teams.say("show OP000001", conversation=CHANNEL, conversation_type="channel")
    await teams.kept_live("OP000001", shown.activity_id)
    answer = await teams.click(
        "next", {"no": "OP000001", "version": 2}, conversation=CHANNEL, conversation_type="channel"
    )
    assert "moved to stage 2" in card_text(answer["value"])
    update = (await teams.connector.wait_for("update", 1, timeout=UPDATE_WAIT))[0]
    assert update.activity_id == shown.activity_id
    assert update.card is not None and "2 of 4" in card_text(update.card)


async def test_a_rate_limited_update_waits_for_retry_after(teams: TeamsHarness) -> None:
    shown = await teams.say("show OP000001", conversation=CHANNEL, conversation_type="channel")
    await teams.kept_live("OP000001", shown.activity_id)
    teams.connector.fail("update", 429, retry_after=1)
    started = asyncio.get_running_loop().time()
    await teams.say("next OP000001")
    await teams.connector.wait_for("update", 1, timeout=UPDATE_WAIT)
    tries = [s for s in teams.connector.sent if s.method == "update"]
    assert [s.status for s in tries] == [429, 200]
    assert asyncio.get_running_loop().time() - started >= 1.0
    assert tries[-1].activity_id == shown.activity_id


async def test_a_deleted_message_is_no_longer_kept_live(teams: TeamsHarness) -> None:
    shown = await teams.say("show OP000001", conversation=CHANNEL, conversation_type="channel")
    await teams.kept_live("OP000001", shown.activity_id)
    teams.connector.fail("update", 404, conversation=CHANNEL)
    await teams.say("next OP000001")
    deadline = asyncio.get_running_loop().time() + UPDATE_WAIT
    while not [s for s in teams.connector.sent if s.method == "update"]:
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.05)
    await teams.say("back OP000001")
    await asyncio.sleep(2.5)  # the dispatcher has had its turn
    updates = [s for s in teams.connector.sent if s.method == "update" and s.conversation == CHANNEL]
    assert [(s.activity_id, s.status) for s in updates] == [(shown.activity_id, 404)]


async def test_replies_are_paced_per_conversation(teams: TeamsHarness) -> None:
    """At most 7 messages a second into one conversation."""
    outbox = teams.adapter.outbox
    started = asyncio.get_running_loop().time()
    await asyncio.gather(
        *(
            outbox.send(teams.connector.service_url, CHANNEL, {"type": "message", "text": str(i)})
            for i in range(15)
        )
    )
    elapsed = asyncio.get_running_loop().time() - started
    assert elapsed >= 14 / 7 - 0.05
    assert len(teams.connector.calls("send")) == 15


async def test_a_change_while_the_card_was_being_posted_is_caught_up(teams: TeamsHarness) -> None:
    """The change event came before the card was recorded: recording it redraws it at once."""
    from oppbot.adapters.teams.activity import Incoming

    await teams.say("list", conversation=CHANNEL, conversation_type="channel")  # the channel is known
    old = await teams.service.shared_card("OP000001")
    await teams.say("next OP000001")  # version 3 now
    act = Incoming.parse(teams.activity(conversation=CHANNEL, conversation_type="channel"))
    await teams.adapter.notifier.posted(act, "1:999", old, "en")
    updates = [s for s in await teams.connector.wait_for("update", 1) if s.activity_id == "1:999"]
    assert updates and updates[0].card is not None and "2 of 4" in card_text(updates[0].card)
