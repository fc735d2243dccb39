"""The Teams flows that write (a message, a click, a live card, a reference) on SQLite and PostgreSQL."""

from __future__ import annotations

from tests.teams.harness import AH, CHANNEL, PS, TeamsHarness, card_actions, card_text


async def test_message_click_and_live_card(teams_on_db: TeamsHarness) -> None:
    teams = teams_on_db
    sent = await teams.say('new CT000001 "Both DBs" value=5k cycle=EXISTING close=2026-12-31')
    assert sent.card is not None and "Created OP000004" in card_text(sent.card)
    shown = await teams.say("show OP000004", conversation=CHANNEL, conversation_type="channel")
    assert shown.card is not None
    await teams.kept_live("OP000004", shown.activity_id)
    data = next(a["data"] for a in card_actions(shown.card) if a["verb"] == "next")
    refused = await teams.click("next", data, user=PS)
    assert "belongs to Annette Hill" in card_text(refused["value"])
    answer = await teams.click("next", data, user=AH)
    assert "moved to stage 2" in card_text(answer["value"])
    updates = await teams.connector.wait_for("update", 2, timeout=8.0)  # both cards of OP000004
    update = next(u for u in updates if u.activity_id == shown.activity_id)
    assert update.card is not None and "2 of 4" in card_text(update.card)
    assert await teams.adapter.notifier.conversations.get(CHANNEL) is not None
