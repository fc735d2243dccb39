"""A card shows what the opportunity allows, whoever shows or shares it; who may press is checked for
the clicker, and a refusal goes to the clicker alone.

The seed: OP000001 (AH, stage 1), OP000002 (PS, stage 1), OP000003 (AH, not started). Everyone reads
everything (OPPBOT_READ_SCOPE=all), so AH sees PS's cards but may not change them.
"""

from __future__ import annotations

from tests.slack.conftest import SlackHarness
from tests.slack.test_buttons import button_value, card, click
from tests.slack.validate import action_ids, texts, valid_blocks

OPPORTUNITY_ACTIONS = ["opp_next", "opp_skip", "opp_update", "opp_win", "opp_lose"]


async def test_a_card_shown_to_a_rep_who_may_not_change_it_still_shows_its_actions(
    slack: SlackHarness,
) -> None:
    owners = await card(slack, "OP000002", user="U0DEMO2")  # PS, its owner
    others = await card(slack, "OP000002", user="U0DEMO1")  # AH, another rep
    assert action_ids(others) == action_ids(owners) == [*OPPORTUNITY_ACTIONS, "opp_share"]
    assert button_value(others, "opp_next") == button_value(owners, "opp_next") == "OP000002:2"


async def test_a_card_shared_by_a_rep_carries_the_opportunitys_actions_and_refuses_only_the_clicker(
    slack: SlackHarness,
) -> None:
    shown = await card(slack, "OP000002", user="U0DEMO1")
    before = len(slack.fake.calls_to("chat.postMessage"))
    await slack.sender.block_action(
        user_id="U0DEMO1", action_id="opp_share", value=button_value(shown, "opp_share")
    )
    shared = valid_blocks((await slack.next_call("chat.postMessage", before)).params["blocks"])
    assert action_ids(shared) == OPPORTUNITY_ACTIONS  # the opportunity's, not the sharer's (none)
    ts = slack.fake.add_message("C0DEMO", text="OP000002", blocks=shared)
    in_channel = {"type": "message", "message_ts": ts, "channel_id": "C0DEMO", "is_ephemeral": False}

    # AH presses Next on the shared card: told, alone, why not; the card stays as it is.
    call = await click(slack, "opp_next", button_value(shared, "opp_next"), container=in_channel)
    assert call.params["response_type"] == "ephemeral" and call.params["replace_original"] is False
    assert "belongs to Peter Saddow" in texts(valid_blocks(call.params["blocks"]))
    assert slack.fake.calls_to("chat.update") == []

    # A button that opens a form refuses before the form: no modal to fill in for nothing.
    call = await click(slack, "opp_update", button_value(shared, "opp_update"), container=in_channel)
    assert "belongs to Peter Saddow" in texts(valid_blocks(call.params["blocks"]))
    assert call.params["replace_original"] is False and slack.fake.calls_to("views.open") == []

    # PS, the owner, presses the same Next: the shared card moves for everyone.
    call = await click(
        slack, "opp_next", button_value(shared, "opp_next"), user="U0DEMO2", container=in_channel
    )
    assert call.params["replace_original"] is True
    moved = valid_blocks(call.params["blocks"])
    assert "OP000002 moved to stage 2" in texts(moved) and "opp_previous" in action_ids(moved)
    assert "opp_share" not in action_ids(moved)  # a public message stays without Share


async def test_a_manager_opens_the_form_on_a_team_members_card(slack: SlackHarness) -> None:
    shown = await card(slack, "OP000002", user="U0DEMO3")  # JO manages PS
    before = len(slack.fake.calls_to("views.open"))
    await slack.sender.block_action(
        user_id="U0DEMO3", action_id="opp_update", value=button_value(shown, "opp_update")
    )
    opened = await slack.next_call("views.open", before)
    assert opened.params["view"]["callback_id"] == "opp_update_modal"
