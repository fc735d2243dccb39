"""Card buttons: a click runs the move with the card's version and updates the card in place."""

from __future__ import annotations

import json
from typing import Any

from oppbot.replies.codec import page_value
from tests.fakes.slack_api import RecordedCall
from tests.slack.conftest import SlackHarness
from tests.slack.validate import action_ids, texts, valid_blocks, valid_view


def button_value(blocks: list[dict[str, Any]], action_id: str) -> str:
    for block in blocks:
        for el in block.get("elements", []) if block["type"] == "actions" else []:
            if el["action_id"] == action_id:
                return str(el.get("value") or el["options"][0]["value"])
        if block.get("accessory", {}).get("action_id") == action_id:
            return str(block["accessory"]["value"])
    raise AssertionError(f"no {action_id} in {action_ids(blocks)}")


async def click(
    slack: SlackHarness, action_id: str, value: str, user: str = "U0DEMO1", **kwargs: Any
) -> RecordedCall:
    before = len(slack.fake.calls_to("response_url"))
    kind = "static_select" if action_id == "opp_jump" else "button"
    resp = await slack.sender.block_action(
        user_id=user, action_id=action_id, value=value, action_type=kind, **kwargs
    )
    assert resp.status == 200
    return await slack.next_call("response_url", before)


async def card(slack: SlackHarness, no: str, user: str = "U0DEMO1") -> list[dict[str, Any]]:
    return valid_blocks((await slack.command(f"show {no}", user=user)).params["blocks"])


async def test_next_button_updates_the_card_in_place(slack: SlackHarness) -> None:
    value = button_value(await card(slack, "OP000001"), "opp_next")
    assert value == "OP000001:2"  # number and version
    call = await click(
        slack,
        "opp_next",
        value,
        container={"type": "message", "message_ts": "1.2", "channel_id": "C0DEMO", "is_ephemeral": True},
    )
    assert call.params["replace_original"] is True
    blocks = valid_blocks(call.params["blocks"])
    assert "OP000001 moved to stage 2" in texts(blocks)
    assert "opp_share" in action_ids(blocks)  # still the ephemeral copy: can be shared
    assert "opp_previous" in action_ids(blocks)


async def test_stale_card_click_says_changed_meanwhile_and_shows_fresh_card(slack: SlackHarness) -> None:
    old = button_value(await card(slack, "OP000001"), "opp_next")
    await slack.command("update OP000001 value=70k")
    call = await click(slack, "opp_next", old)
    blocks = valid_blocks(call.params["blocks"])
    assert "changed meanwhile" in texts(blocks)
    assert "€70,000.00" in texts(blocks) and "1 of 4" in texts(blocks)  # fresh card, not moved
    assert call.params["replace_original"] is True
    assert button_value(blocks, "opp_next") != old


async def test_start_skip_previous_and_jump(slack: SlackHarness) -> None:
    call = await click(slack, "opp_start", button_value(await card(slack, "OP000003"), "opp_start"))
    assert "OP000003 started" in texts(call.params["blocks"])
    await slack.command("quote OP000001 Q-9")
    call = await click(slack, "opp_skip", button_value(await card(slack, "OP000001"), "opp_skip"))
    assert "skipped" in texts(call.params["blocks"]), texts(call.params["blocks"])
    blocks = await card(slack, "OP000001")
    call = await click(slack, "opp_previous", button_value(blocks, "opp_previous"))
    assert "went back" in texts(call.params["blocks"])
    await slack.command("next OP000001")
    await slack.command("next OP000001")
    blocks = await card(slack, "OP000001")
    jump = button_value(blocks, "opp_jump")
    call = await click(slack, "opp_jump", jump)
    assert "jumped back to stage" in texts(call.params["blocks"]), texts(call.params["blocks"])


async def test_refused_click_is_told_to_the_clicker_only(slack: SlackHarness) -> None:
    value = button_value(await card(slack, "OP000002", user="U0DEMO2"), "opp_next")
    call = await click(slack, "opp_next", value, user="U0DEMO1")  # AH on PS's card
    assert call.params["replace_original"] is False and call.params["response_type"] == "ephemeral"
    assert "belongs to Peter Saddow" in texts(valid_blocks(call.params["blocks"]))
    assert "1 of 4" in texts(await card(slack, "OP000002", user="U0DEMO2"))


async def test_a_retried_click_moves_once(slack: SlackHarness) -> None:
    value = button_value(await card(slack, "OP000001"), "opp_next")
    payload_trigger = slack.sender.new_trigger_id()
    original = slack.sender.new_trigger_id
    slack.sender.new_trigger_id = lambda: payload_trigger  # type: ignore[method-assign]
    try:
        await click(slack, "opp_next", value)
        resp = await slack.sender.block_action(user_id="U0DEMO1", action_id="opp_next", value=value)
        assert resp.status == 200
    finally:
        slack.sender.new_trigger_id = original  # type: ignore[method-assign]
    assert "2 of 4" in texts(await card(slack, "OP000001"))


async def test_share_posts_the_card_publicly(slack: SlackHarness) -> None:
    value = button_value(await card(slack, "OP000001"), "opp_share")
    before = len(slack.fake.calls_to("chat.postMessage"))
    await slack.sender.block_action(user_id="U0DEMO1", action_id="opp_share", value=value)
    posted = await slack.next_call("chat.postMessage", before)
    assert posted.params["channel"] == "C0DEMO"
    blocks = valid_blocks(posted.params["blocks"])
    assert "OP000001 · Office chairs" in texts(blocks)
    assert "opp_share" not in action_ids(blocks) and "opp_next" in action_ids(blocks)


async def test_long_list_paginates_with_more_button(slack: SlackHarness) -> None:
    for i in range(23):
        await slack.command(f'new CT000001 "Bulk {i}" value=1k cycle=EXISTING close=2026-12-31')
    call = await slack.command("list")
    blocks = valid_blocks(call.params["blocks"])
    assert "Showing 1–20 of 25" in texts(blocks)
    more = button_value(blocks, "opp_page")
    assert json.loads(more)["p"] == 1
    call = await click(slack, "opp_page", more)
    blocks = valid_blocks(call.params["blocks"])
    assert "Showing 21–25 of 25" in texts(blocks) and "opp_page" not in action_ids(blocks)
    call = await click(slack, "opp_show", button_value(blocks, "opp_show"))
    assert "opp_share" in action_ids(valid_blocks(call.params["blocks"]))


async def test_modal_buttons_open_valid_modals(slack: SlackHarness) -> None:
    await slack.command("next OP000001")  # stage 2: the next stage needs a quote
    blocks = await card(slack, "OP000001")
    assert "opp_quote" in action_ids(blocks)
    for action, callback in [
        ("opp_update", "opp_update_modal"),
        ("opp_quote", "opp_quote_modal"),
        ("opp_win", "opp_win_modal"),
        ("opp_lose", "opp_lose_modal"),
    ]:
        before = len(slack.fake.calls_to("views.open"))
        await slack.sender.block_action(
            user_id="U0DEMO1", action_id=action, value=button_value(blocks, action)
        )
        opened = await slack.next_call("views.open", before)
        assert opened.response["ok"], opened.response
        view = valid_view(opened.params["view"])
        assert view["callback_id"] == callback
        meta = json.loads(view["private_metadata"])
        assert meta["no"] == "OP000001" and meta["v"] == 3 and meta["url"].startswith(slack.fake.url)


async def test_shared_card_older_than_its_response_url_is_updated_with_chat_update(
    slack: SlackHarness,
) -> None:
    """Slack's response_url expires (30 minutes, 5 uses); a card shared in the channel still updates."""
    blocks = await card(slack, "OP000001")
    ts = slack.fake.add_message("C0DEMO", text="OP000001", blocks=blocks)
    slack.fake.fail_next("response_url", "expired_url", status=404)
    before = len(slack.fake.calls_to("chat.update"))
    resp = await slack.sender.block_action(
        user_id="U0DEMO1",
        action_id="opp_next",
        value=button_value(blocks, "opp_next"),
        message={"ts": ts, "type": "message", "text": "OP000001", "blocks": blocks},
        container={"type": "message", "message_ts": ts, "channel_id": "C0DEMO", "is_ephemeral": False},
    )
    assert resp.status == 200
    update = await slack.next_call("chat.update", before)
    assert update.status == 200 and update.response["ok"], update.response
    assert (update.params["channel"], update.params["ts"]) == ("C0DEMO", ts)
    assert "OP000001 moved to stage 2" in texts(valid_blocks(update.params["blocks"]))


async def test_see_all_answers_beside_the_message_it_was_clicked_in(slack: SlackHarness) -> None:
    """A digest's "See all" (`open`) runs its list as a new reply: the digest it sits in stays as it was,
    where a list's own More (`more`) turns the page in place."""
    value = page_value("list", 0)
    assert value is not None
    call = await click(slack, "opp_open", value)
    assert call.params["replace_original"] is False and call.params["response_type"] == "ephemeral"
    assert "OP000001" in texts(valid_blocks(call.params["blocks"]))
    call = await click(slack, "opp_page", value)
    assert call.params["replace_original"] is True
