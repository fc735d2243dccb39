"""App Home reaches every open opportunity: pages of the service's order, with a true total."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from oppbot.service.setup import load_setup
from tests.slack.conftest import SlackHarness
from tests.slack.test_buttons import button_value
from tests.slack.test_home import open_home
from tests.slack.validate import action_ids, texts, valid_view

TODAY = date(2026, 10, 1)  # the harness's clock
HOME = {"id": "VHOME", "type": "home"}


async def add_open(slack: SlackHarness, count: int, *, stalled_last: bool, owner: str = "AH") -> None:
    """`count` open opportunities in one set-up load; the last one 108 days overdue if asked."""
    items: list[dict[str, Any]] = [
        {"description": f"Bulk {i}", "contact": "CT000001", "owner": owner, "cycle": "NEW", "value": 1000,
         "chances": 40, "close": "2027-06-30", "created": TODAY.isoformat()}
        for i in range(count)
    ]  # fmt: skip
    if stalled_last:
        items[-1]["created"] = (TODAY - timedelta(days=14 + 108)).isoformat()
    await load_setup(slack.service, {"opportunities": items}, today=TODAY)


def items_of(view: dict[str, Any]) -> list[str]:
    return [
        b["block_id"].removeprefix("item:")
        for b in view["blocks"]
        if b.get("block_id", "").startswith("item:")
    ]


async def click_page(slack: SlackHarness, action_id: str, value: str) -> dict[str, Any]:
    before = len(slack.fake.calls_to("views.publish"))
    resp = await slack.sender.block_action(user_id="U0DEMO1", action_id=action_id, value=value, view=HOME)
    assert resp.status == 200
    return valid_view((await slack.next_call("views.publish", before)).params["view"])


async def test_every_one_of_508_open_opportunities_is_reachable_stalled_first(slack: SlackHarness) -> None:
    # The seed gives AH OP000001 (started) and OP000003 (not started); 506 more make 508.
    await add_open(slack, 506, stalled_last=True)  # OP000004 … OP000509, the last one stalled
    view = await open_home(slack, "U0DEMO1")
    shown = texts(view["blocks"])
    assert "1–25 of 508" in shown
    assert "Stalled (1), most overdue first" in shown and "The others (507)" in shown
    assert items_of(view)[0] == "OP000509" and "108 days" not in shown  # the ⚠ summary line, no card

    seen, pages = items_of(view), 1
    while "home_page_next" in action_ids(view["blocks"]):
        assert len(view["blocks"]) <= 100
        view = await click_page(slack, "home_page_next", button_value(view["blocks"], "home_page_next"))
        seen += items_of(view)
        pages += 1
    assert pages == 21 and "501–508 of 508" in texts(view["blocks"])
    expected = ["OP000509", "OP000001", "OP000003", *(f"OP{n:06d}" for n in range(4, 509))]
    assert seen == expected

    back = await click_page(slack, "home_page_prev", button_value(view["blocks"], "home_page_prev"))
    assert "476–500 of 508" in texts(back["blocks"]) and items_of(back) == expected[475:500]
    assert "Stalled" not in texts(back["blocks"])  # one group on this page: only "The others"


async def test_a_page_past_the_end_shows_the_last_one(slack: SlackHarness) -> None:
    await add_open(slack, 48, stalled_last=False)  # 50 open for AH: two pages
    last = await click_page(slack, "home_page", "7")  # a Home published before (bare `home_page`)
    assert "26–50 of 50" in texts(last["blocks"]) and len(items_of(last)) == 25
    assert "home_page_next" not in action_ids(last["blocks"])
    first = await click_page(slack, "home_page_prev", "-1")  # not a page number: the first page
    assert "1–25 of 50" in texts(first["blocks"])


async def test_a_manager_home_with_team_summary_and_a_full_page_stays_within_100_blocks(
    slack: SlackHarness,
) -> None:
    await add_open(slack, 30, stalled_last=True, owner="JO")
    before = len(slack.fake.calls_to("views.publish"))
    await slack.sender.event({"type": "app_home_opened", "user": "U0DEMO3", "channel": "D1", "tab": "home"})
    view = valid_view((await slack.next_call("views.publish", before)).params["view"])
    shown = texts(view["blocks"])
    assert "Team pipeline" in shown and "Σ 32 open" in shown  # AH's OP000001, PS's OP000002, JO's 30
    assert "1–25 of 30" in shown and "Stalled (1)" in shown and len(items_of(view)) == 25
