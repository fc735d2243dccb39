"""Modals: submissions run the command; field errors come back inline (response_action: errors)."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from typing import Any

from oppbot.domain.enums import ProbabilityCalculation
from tests.dbfixtures import build_cycle, new_cycle, seed_cycles
from tests.fakes.slack_client import SlackResponse
from tests.slack.conftest import SlackHarness
from tests.slack.validate import texts, valid_blocks, valid_view

VIEW_IDS = itertools.count(100)


def text_input(value: str | None) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def select(action: str, value: str | None, kind: str = "static_select") -> dict[str, Any]:
    return {
        action: {
            "type": kind,
            "selected_option": {"value": value, "text": {"type": "plain_text", "text": str(value)}}
            if value
            else None,
        }
    }


def date_input(block: str, value: str | None) -> dict[str, Any]:
    return {block: {block: {"type": "datepicker", "selected_date": value}}}


def meta(slack: SlackHarness, no: str = "OP000001", v: int = 2, **extra: Any) -> str:
    return json.dumps({"no": no, "v": v, "url": slack.fake.response_url("modal-1"), "replace": True, **extra})


async def submit(
    slack: SlackHarness,
    callback: str,
    values: dict[str, Any],
    private: str,
    user: str = "U0DEMO1",
    view_id: str | None = None,
) -> SlackResponse:
    """Each submission comes from its own modal (Slack's view ids are unique) unless view_id says so."""
    view_id = view_id or f"V{next(VIEW_IDS):04d}"
    resp = await slack.sender.view_submission(
        user_id=user, callback_id=callback, state_values=values, private_metadata=private, view_id=view_id
    )
    assert resp.status == 200
    return resp


def update_values(value: str | None, chances: str | None = None, close: str | None = None) -> dict[str, Any]:
    return {
        "value": {"value": text_input(value)},
        "chances": {"chances": {"type": "number_input", "value": chances}},
        **date_input("close", close),
        **date_input("date", None),
    }


async def test_update_modal_success_updates_the_card(slack: SlackHarness) -> None:
    resp = await submit(slack, "opp_update_modal", update_values("65k", "45", "2026-11-30"), meta(slack))
    assert resp.text == ""  # closes the modal
    call = await slack.next_call("response_url", 0)
    assert call.response_url_id == "modal-1" and call.params["replace_original"] is True
    blocks = valid_blocks(call.params["blocks"])
    assert "OP000001 updated" in texts(blocks) and "€65,000.00" in texts(blocks)


async def test_update_modal_inline_errors(slack: SlackHarness) -> None:
    resp = await submit(slack, "opp_update_modal", update_values("lots"), meta(slack))
    assert resp.json()["response_action"] == "errors" and "value" in resp.json()["errors"]
    resp = await submit(slack, "opp_update_modal", update_values("0"), meta(slack))
    assert resp.json() == {"response_action": "errors", "errors": {"value": resp.json()["errors"]["value"]}}
    assert "more than zero" in resp.json()["errors"]["value"]
    resp = await submit(slack, "opp_update_modal", update_values("10k", "0"), meta(slack))
    assert "chances" in resp.json()["errors"]
    resp = await submit(slack, "opp_update_modal", update_values("10k", "20", "2020-01-01"), meta(slack))
    assert "close" in resp.json()["errors"], resp.json()
    assert slack.fake.calls_to("response_url") == []  # nothing changed, nothing said


async def test_update_modal_on_a_stale_version_shows_changed_meanwhile(slack: SlackHarness) -> None:
    await slack.command("update OP000001 value=70k")
    before = len(slack.fake.calls_to("response_url"))
    resp = await submit(slack, "opp_update_modal", update_values("65k"), meta(slack))
    assert resp.text == ""
    call = await slack.next_call("response_url", before)
    assert "changed meanwhile" in texts(valid_blocks(call.params["blocks"]))


async def test_quote_win_and_lose_modals(slack: SlackHarness) -> None:
    resp = await submit(slack, "opp_quote_modal", {"quote": {"quote": text_input("Q-77")}}, meta(slack))
    assert resp.text == ""
    call = await slack.next_call("response_url", 0)
    assert "Q-77" in texts(call.params["blocks"])
    win = {
        "code": select("code", "PRICE_L"),
        "amount": {"amount": text_input("48k")},
        "reason": {"reason": text_input("Good fit")},
        **date_input("date", None),
    }
    resp = await submit(slack, "opp_win_modal", win, meta(slack, v=3))
    assert "code" in resp.json()["errors"]  # a lost code on a win
    win["code"] = select("code", "PRICE_W")
    resp = await submit(slack, "opp_win_modal", win, meta(slack, v=3))
    assert resp.text == "", resp.text
    call = await slack.next_call("response_url", 1)
    assert "won" in texts(call.params["blocks"])
    lose = {"code": select("code", "PRICE_L"), "reason": {"reason": text_input("x" * 300)}}
    resp = await submit(slack, "opp_lose_modal", lose, meta(slack, no="OP000003", v=1))
    assert "reason" in resp.json()["errors"] or "code" in resp.json()["errors"], resp.json()


async def new_values(**over: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "contact": select("contact_search", "CT000001", "external_select"),
        "description": {"description": text_input("Conference room")},
        "cycle": select("cycle", "EXISTING"),
        "owner": {"owner": {"type": "users_select", "selected_user": None}},
        "value": {"value": text_input("30k")},
        "chances": {"chances": {"type": "number_input", "value": "35"}},
        **date_input("close", "2026-12-15"),
        "priority": select("priority", "high"),
    }
    values.update(over)
    return values


async def test_new_modal_creates_and_dms_the_card(slack: SlackHarness) -> None:
    resp = await submit(slack, "opp_new_modal", await new_values(), "{}")
    assert resp.text == ""
    posted = await slack.next_call("chat.postMessage", 0)
    assert posted.response["channel"].startswith("D")  # a user id lands in the app DM
    assert "Created OP000004" in texts(valid_blocks(posted.params["blocks"]))


async def test_new_modal_errors_are_inline_and_nothing_is_created(slack: SlackHarness) -> None:
    cases = {
        "value": await new_values(value={"value": text_input("-3")}),
        "contact": await new_values(contact=select("contact_search", "CT999999", "external_select")),
        "owner": await new_values(owner={"owner": {"type": "users_select", "selected_user": "U0STRANGER"}}),
        "description": await new_values(description={"description": text_input("")}),
    }
    for block, values in cases.items():
        resp = await submit(slack, "opp_new_modal", values, "{}")
        assert resp.json()["response_action"] == "errors", (block, resp.text)
        assert block in resp.json()["errors"], (block, resp.json())
    resp = await submit(
        slack,
        "opp_new_modal",
        await new_values(owner={"owner": {"type": "users_select", "selected_user": "U0DEMO2"}}),
        "{}",
    )
    assert "owner" in resp.json()["errors"]  # AH may not create for PS
    assert slack.fake.calls_to("chat.postMessage") == []


async def test_new_modal_double_submit_creates_once(slack: SlackHarness) -> None:
    values = await new_values()
    await submit(slack, "opp_new_modal", values, "{}", view_id="V77")
    await submit(slack, "opp_new_modal", values, "{}", view_id="V77")
    await slack.fake.wait_for("chat.postMessage")
    jo = await slack.service.salesperson("OF")
    assert jo is not None
    items = (await slack.service.list_opportunities(jo, scope="all")).items
    assert [v.opp.description for v in items].count("Conference room") == 1


async def test_contact_type_ahead(slack: SlackHarness) -> None:
    resp = await slack.sender.block_suggestion(user_id="U0DEMO1", action_id="contact_search", value="adat")
    options = resp.json()["options"]
    assert options[0]["value"] == "CT000001" and "Adatum" in options[0]["text"]["text"]
    resp = await slack.sender.block_suggestion(user_id="U0DEMO1", action_id="contact_search", value="zzz")
    assert resp.json()["options"] == []


async def test_shortcuts_open_the_new_modal(slack: SlackHarness) -> None:
    await slack.sender.shortcut(user_id="U0DEMO1", callback_id="new_opportunity")
    (opened,) = await slack.fake.wait_for("views.open")
    view = valid_view(opened.params["view"])
    assert view["callback_id"] == "opp_new_modal"
    await slack.sender.message_shortcut(
        user_id="U0DEMO1", callback_id="opportunity_from_message", message_text="Adatum wants 40 chairs\nsoon"
    )
    opened = await slack.next_call("views.open", 1)
    view = valid_view(opened.params["view"])
    desc = next(b for b in view["blocks"] if b.get("block_id") == "description")
    assert desc["element"]["initial_value"] == "Adatum wants 40 chairs"
    assert "slack.com/archives/C0DEMO/p1700000000000100" in texts(view["blocks"])
    private = json.loads(view["private_metadata"])
    assert private["url"] and private["link"]
    await slack.sender.shortcut(user_id="U0STRANGER", callback_id="new_opportunity")
    opened = await slack.next_call("views.open", 2)
    assert "I don't know you yet" in texts(valid_view(opened.params["view"])["blocks"])


async def test_a_bad_date_is_not_a_date_under_its_field(slack: SlackHarness) -> None:
    for bad in ("2026-02-30", "soon-ish"):
        resp = await submit(slack, "opp_update_modal", update_values("10k", "20", bad), meta(slack))
        errors = resp.json()["errors"]
        assert resp.json()["response_action"] == "errors" and list(errors) == ["close"], errors
        assert f"“{bad}” is not a date" in errors["close"] and "required" not in errors["close"], errors
        resp = await submit(slack, "opp_new_modal", await new_values(**date_input("close", bad)), "{}")
        assert f"“{bad}” is not a date" in resp.json()["errors"]["close"], resp.json()
    lose = {"code": select("code", "PRICE_L"), **date_input("date", "2026-13-01")}
    resp = await submit(slack, "opp_lose_modal", lose, meta(slack))
    assert "“2026-13-01” is not a date" in resp.json()["errors"]["date"], resp.json()
    assert slack.fake.calls_to("response_url") == [] and slack.fake.calls_to("chat.postMessage") == []


async def test_new_modal_offers_exactly_the_cycles_the_service_accepts(slack: SlackHarness) -> None:
    empty = build_cycle("EMPTY", "No stages yet", ProbabilityCalculation.MULTIPLY, ())
    await seed_cycles(slack.runtime.sessions, replace(new_cycle(), blocked=True), empty)
    await slack.sender.shortcut(user_id="U0DEMO1", callback_id="new_opportunity")
    (opened,) = await slack.fake.wait_for("views.open")
    cycle = next(b for b in valid_view(opened.params["view"])["blocks"] if b.get("block_id") == "cycle")
    offered = [o["value"] for o in cycle["element"]["options"]]
    assert offered == [c.code for c in await slack.service.cycles_for_new()] == ["EXISTING"]
    assert cycle["element"]["initial_option"]["value"] == "EXISTING"  # the only choice is made
