"""A card in a channel refreshes for each viewer (Universal Actions' `refresh` with `userIds`): the
`refresh` invoke answers the card with the actions that viewer may take, as the service decides."""

from __future__ import annotations

from typing import Any

from oppbot.adapters.teams.cards import REFRESH_USERS
from tests.teams.harness import (
    AH,
    CHANNEL,
    JO,
    PS,
    STRANGER,
    TeamsHarness,
    TeamsUser,
    card_actions,
    card_text,
)
from tests.teams.validate import valid_card

UPDATE_WAIT = 8.0
CHANGES = {"start", "next", "back", "skip", "jump", "update", "quote", "win", "lose"}


async def _channel_card(teams: TeamsHarness, no: str) -> dict[str, Any]:
    sent = await teams.say(f"show {no}", conversation=CHANNEL, conversation_type="channel")
    assert sent.card is not None
    await teams.kept_live(no, sent.activity_id)
    return valid_card(dict(sent.card))


async def _refresh(teams: TeamsHarness, card: dict[str, Any], user: TeamsUser) -> dict[str, Any]:
    """What Teams does for a viewer of a card with `refresh`: invoke its action as that viewer."""
    action = card["refresh"]["action"]
    value = {"action": action, "trigger": "automatic"}
    body = teams.activity(
        "invoke",
        user=user,
        name="adaptiveCard/action",
        value=value,
        conversation=CHANNEL,
        conversation_type="channel",
    )
    status, answer = await teams.post(body)
    assert status == 200 and answer["statusCode"] == 200, answer
    return valid_card(dict(answer["value"]))


def _verbs(card: dict[str, Any]) -> set[str]:
    return {a["verb"] for a in card_actions(card)}


async def test_a_channel_card_refreshes_for_the_channels_members(teams: TeamsHarness) -> None:
    card = await _channel_card(teams, "OP000001")
    members = list(teams.connector.roster)
    assert card["refresh"]["userIds"] == members
    assert card["refresh"]["action"]["verb"] == "refresh"
    # A 1:1 chat has one reader, who already sees their own actions: no refresh, which would also
    # replace what a reminder says with the plain card.
    personal = await teams.say("show OP000001")
    assert personal.card is not None and "refresh" not in personal.card


async def test_the_refresh_shows_each_viewer_what_they_may_do(teams: TeamsHarness) -> None:
    card = await _channel_card(teams, "OP000001")  # Annette's
    owner = await _refresh(teams, card, AH)
    assert {"next", "update", "win", "lose"} <= _verbs(owner)
    other_rep = await _refresh(teams, card, PS)
    assert "OP000001 · Office chairs" in card_text(other_rep)
    assert not _verbs(other_rep) & CHANGES  # not his: nothing to press
    manager = await _refresh(teams, card, JO)
    assert "next" in _verbs(manager)
    stranger = await _refresh(teams, card, STRANGER)  # not linked: the card, without actions
    assert "OP000001" in card_text(stranger) and not _verbs(stranger) & CHANGES
    for answer in (owner, other_rep, manager, stranger):  # and it keeps refreshing for everyone
        assert answer["refresh"]["userIds"] == list(teams.connector.roster)


async def test_a_redrawn_channel_card_still_refreshes_per_viewer(teams: TeamsHarness) -> None:
    card = await _channel_card(teams, "OP000001")
    await teams.say("next OP000001")
    update = (await teams.connector.wait_for("update", 1, timeout=UPDATE_WAIT))[0]
    assert update.card is not None and "2 of 4" in card_text(update.card)
    assert update.card["refresh"]["userIds"] == card["refresh"]["userIds"]


async def test_beyond_sixty_viewers_the_card_offers_a_refresh_action(teams: TeamsHarness) -> None:
    for i in range(REFRESH_USERS + 1):
        teams.connector.roster[f"29:extra{i}"] = {"id": f"29:extra{i}", "name": f"Extra {i}"}
    card = await _channel_card(teams, "OP000001")
    assert "refresh" not in card
    assert "refresh" in _verbs(card)
