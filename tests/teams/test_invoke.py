"""Card clicks: the `adaptiveCard/action` invoke runs the verb for the clicker and answers 200 with
the refreshed card (AdaptiveCardInvokeResponse), never the SDK's 500. The twins of Slack's buttons and
modals tests (the forms: test_forms.py)."""

from __future__ import annotations

from tests.teams.harness import (
    AH,
    JO,
    PS,
    STRANGER,
    TeamsHarness,
    action_data,
    answered_card,
    card_actions,
    card_text,
)


async def _stage(teams: TeamsHarness, no: str) -> int | None:
    return (await teams.opportunity(no)).current_stage


async def test_next_answers_with_the_refreshed_card(teams: TeamsHarness) -> None:
    data = action_data(await teams.shown_card("OP000001"), "next")
    answer = await teams.click("next", data)
    card = answered_card(answer)
    assert "OP000001 moved to stage 2" in card_text(card)
    assert "back" in [a["verb"] for a in card_actions(card)]
    assert await _stage(teams, "OP000001") == 2


async def test_back_is_the_grammars_previous(teams: TeamsHarness) -> None:
    await teams.click("next", action_data(await teams.shown_card("OP000001"), "next"))
    card = answered_card(await teams.click("back", action_data(await teams.shown_card("OP000001"), "back")))
    assert "went back to stage 1" in card_text(card)


async def test_stale_click_says_changed_meanwhile_with_the_fresh_card(teams: TeamsHarness) -> None:
    old = action_data(await teams.shown_card("OP000001"), "next")
    await teams.say("update OP000001 value=70k")
    card = answered_card(await teams.click("next", old))
    assert "changed meanwhile" in card_text(card)
    assert "€70,000.00" in card_text(card)  # the fresh card
    assert await _stage(teams, "OP000001") == 1  # nothing moved


async def test_a_rep_clicking_another_reps_card_is_refused(teams: TeamsHarness) -> None:
    data = action_data(await teams.shown_card("OP000002", user=PS), "next")
    before = len(teams.connector.sent)
    card = answered_card(await teams.click("next", data, user=AH))
    assert "belongs to Peter Saddow" in card_text(card)
    assert "1 of 4" in card_text(card)  # the card as it stands, to the clicker alone
    assert await _stage(teams, "OP000002") == 1
    assert len(teams.connector.sent) == before  # nothing posted for everyone


async def test_the_manager_may_move_a_team_members_card(teams: TeamsHarness) -> None:
    data = action_data(await teams.shown_card("OP000002", user=PS), "next")
    card = answered_card(await teams.click("next", data, user=JO))
    assert "moved to stage 2" in card_text(card)


async def test_an_unknown_clicker_is_told_why(teams: TeamsHarness) -> None:
    data = action_data(await teams.shown_card("OP000001"), "next")
    card = answered_card(await teams.click("next", data, user=STRANGER))
    assert "I don't know you yet" in card_text(card)
    assert await _stage(teams, "OP000001") == 1


async def test_start_and_jump_with_a_chosen_stage(teams: TeamsHarness) -> None:
    card = answered_card(await teams.click("start", action_data(await teams.shown_card("OP000003"), "start")))
    assert "OP000003 started" in card_text(card)
    await teams.say("next OP000001")
    await teams.say("quote OP000001 Q-1")
    await teams.say("next OP000001")
    data = action_data(await teams.shown_card("OP000001"), "jump")
    data["value"] = f"OP000001:{data['version']}:1"  # the chosen stage, as a choice's codec value
    card = answered_card(await teams.click("jump", data))
    assert "jumped back to stage 1" in card_text(card)


async def test_show_refresh_and_unknown_verbs(teams: TeamsHarness) -> None:
    card = answered_card(await teams.click("refresh", {"no": "OP000001"}))
    assert "OP000001 · Office chairs" in card_text(card)
    card = answered_card(await teams.click("frobnicate", {"no": "OP000001", "version": 2}))
    assert "does nothing here" in card_text(card)
    assert await _stage(teams, "OP000001") == 1


async def test_more_pages_a_list(teams: TeamsHarness) -> None:
    from datetime import date
    from decimal import Decimal

    ah = await teams.service.salesperson("AH")
    assert ah is not None
    for i in range(30):
        await teams.service.create(
            ah, contact="CT000001", description=f"Deal {i}", cycle="NEW", value=Decimal(1000),
            chances=20, close=date(2026, 12, 31),
        )  # fmt: skip
    sent = await teams.say("list")
    assert sent.card is not None
    (more,) = [a for a in card_actions(sent.card) if a["verb"] == "more"]
    card = answered_card(await teams.click("more", {"value": more["data"]["value"]}))
    assert "Showing 26" in card_text(card)


async def test_see_all_sends_the_list_as_a_new_message(teams: TeamsHarness) -> None:
    """A digest's See all (`open`): the card clicked stays; the list arrives as a message of its own."""
    from oppbot.replies.codec import page_value

    before = len(teams.connector.calls("send"))
    answer = await teams.click("open", {"value": page_value("list", 0)})
    assert answer["type"] == "application/vnd.microsoft.activity.message"
    assert "new message" in answer["value"]
    sent = (await teams.connector.wait_for("send", before + 1))[before]
    assert sent.card is not None and "OP000001" in card_text(sent.card)


async def test_a_click_sent_twice_acts_once(teams: TeamsHarness) -> None:
    data = action_data(await teams.shown_card("OP000001"), "next")
    body = teams.click_activity("next", data)
    first = await teams.post(body)
    again = await teams.post(body)
    assert first[0] == again[0] == 200
    assert "moved to stage 2" in card_text(answered_card(first[1]))
    assert "OP000001" in card_text(answered_card(again[1]))
    assert await _stage(teams, "OP000001") == 2
