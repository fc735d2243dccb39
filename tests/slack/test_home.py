"""App Home: views.publish with my open opportunities grouped by stage, a team summary for managers."""

from __future__ import annotations

from typing import Any

from tests.slack.conftest import SlackHarness
from tests.slack.validate import action_ids, texts, valid_view


async def open_home(slack: SlackHarness, user: str) -> dict[str, Any]:
    before = len(slack.fake.calls_to("views.publish"))
    resp = await slack.sender.event({"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"})
    assert resp.status == 200
    call = await slack.next_call("views.publish", before)
    assert call.response["ok"], call.response
    assert call.params["user_id"] == user
    return valid_view(call.params["view"])


async def test_rep_home_lists_open_opportunities_with_buttons(slack: SlackHarness) -> None:
    view = await open_home(slack, "U0DEMO1")
    shown = texts(view["blocks"])
    assert "Your open opportunities" in shown and "OP000001" in shown and "OP000003" in shown
    assert "OP000002" not in shown and "Team pipeline" not in shown
    assert {"opp_next", "opp_start", "home_new"} <= set(action_ids(view["blocks"]))


async def test_manager_home_has_team_pipeline(slack: SlackHarness) -> None:
    view = await open_home(slack, "U0DEMO3")
    assert "Team pipeline" in texts(view["blocks"])


async def test_home_paginates_within_100_blocks(slack: SlackHarness) -> None:
    for i in range(40):
        await slack.command(f'new CT000001 "Bulk {i}" value=1k cycle=EXISTING close=2026-12-31')
    view = await open_home(slack, "U0DEMO1")
    assert len(view["blocks"]) <= 100 and "home_page_next" in action_ids(view["blocks"])
    before = len(slack.fake.calls_to("views.publish"))
    await slack.sender.block_action(
        user_id="U0DEMO1", action_id="home_page", value="1", view={"id": "VHOME", "type": "home"}
    )
    page = valid_view((await slack.next_call("views.publish", before)).params["view"])
    assert "26–42 of 42" in texts(page["blocks"])


async def test_home_click_republishes_with_a_notice(slack: SlackHarness) -> None:
    before = len(slack.fake.calls_to("views.publish"))
    await slack.sender.block_action(
        user_id="U0DEMO1", action_id="opp_next", value="OP000001:2", view={"id": "VHOME", "type": "home"}
    )
    view = valid_view((await slack.next_call("views.publish", before)).params["view"])
    assert "OP000001 moved to stage 2" in texts(view["blocks"])


async def test_unknown_user_home_explains(slack: SlackHarness) -> None:
    view = await open_home(slack, "U0STRANGER")
    assert "I don't know you yet" in texts(view["blocks"])


async def test_retried_event_is_handled_once(slack: SlackHarness) -> None:
    event = {"type": "app_home_opened", "user": "U0DEMO1", "channel": "D1", "tab": "home"}
    await slack.sender.event(event, event_id="Ev1")
    await slack.sender.event(event, event_id="Ev1", retry_num=1)
    await slack.fake.wait_for("views.publish")
    await slack.sender.event({**event, "tab": "messages"}, event_id="Ev2")
    await open_home(slack, "U0DEMO2")
    assert len(slack.fake.calls_to("views.publish")) == 2
