"""The workspace behind the page: who sees what, and how the bot's Web API calls land (no browser)."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from tests.playground.conftest import InProcess
from tests.playground.test_blockkit import button, last_entry_with

REP, MANAGER = "U0DEMO1", "U0DEMO3"
CHANNEL = "C0DEMO"


def texts(state: dict[str, Any], channel: str) -> list[str]:
    return [e["text"] + json.dumps(e["blocks"]) for e in state["messages"][channel]]


async def step(pg: InProcess, coro: Any) -> Any:
    before = len(pg.playground.standin.calls)
    result = await coro
    await pg.settle(before)
    return result


async def test_private_replies_shared_cards_and_live_updates(in_process: InProcess) -> None:
    ws = in_process.workspace
    new = '/opp new CT000002 "Workspace desks" value=9k cycle=FIRSTLARGE close="in 6 weeks"'
    await step(in_process, ws.say(REP, ws.dm(REP), new))
    assert "Created OP000013" in json.dumps(ws.state(REP)["messages"][ws.dm(REP)])
    await step(in_process, ws.say(REP, CHANNEL, "/opp show OP000013"))
    mine = ws.state(REP)["messages"][CHANNEL]
    assert [e["author"] for e in mine] == [REP, "bot"]  # the typed command, then the private card
    assert all(e["ephemeral"] for e in mine)
    assert ws.state(MANAGER)["messages"][CHANNEL] == []  # nobody else sees either

    card = last_entry_with(ws, REP, "opp_share")
    await step(in_process, ws.act(REP, button(ws, card, "opp_share"), entry_id=card))
    shared = [e for e in ws.state(MANAGER)["messages"][CHANNEL] if not e["ephemeral"]]
    assert len(shared) == 1 and "OP000013" in json.dumps(shared[0]["blocks"])
    assert "1 Initial" in json.dumps(shared[0]["blocks"])

    # Next stage on the private card: it is replaced in place, and the channel's live copy is redrawn.
    rev = ws.entries[card].rev
    await step(in_process, ws.act(REP, button(ws, card, "opp_next"), entry_id=card))
    assert ws.entries[card].rev > rev
    assert "2 Qualification" in json.dumps(ws.entries[card].message["blocks"])
    # The channel's copy is redrawn by the dispatcher (paced per channel): wait for its chat.update.
    await in_process.playground.standin.wait_for("chat.update", 1, timeout=30)
    live = ws.state(MANAGER)["messages"][CHANNEL]
    assert [e["id"] for e in live] == [shared[0]["id"]]  # the same message, not a new one
    assert live[0]["edited"] and live[0]["rev"] > shared[0]["rev"]
    assert "2 Qualification" in json.dumps(live[0]["blocks"])


async def test_a_channel_message_is_unfurled_in_a_thread(in_process: InProcess) -> None:
    ws = in_process.workspace
    await step(in_process, ws.say(MANAGER, CHANNEL, "what about OP000002?"))
    seen = ws.state(REP)["messages"][CHANNEL]
    assert seen[0]["author"] == MANAGER and seen[0]["text"] == "what about OP000002?"
    reply = seen[1]
    assert reply["author"] == "bot" and reply["thread_ts"] == seen[0]["ts"]
    assert "OP000002" in json.dumps(reply["blocks"])


async def test_modal_errors_come_back_and_the_modal_stays(in_process: InProcess) -> None:
    ws = in_process.workspace
    await step(in_process, ws.open_home(REP))
    home = await in_process.home_of(REP)
    new = {"type": "button", "action_id": "home_new", "block_id": "home_top", "value": "new"}
    await step(in_process, ws.act(REP, new, view_id=home["id"]))
    view_id = ws.modals[REP][-1]
    state = {
        "contact": {"contact_search": {"type": "external_select", "selected_option": None}},
        "description": {"description": {"type": "plain_text_input", "value": "Desks"}},
        "value": {"value": {"type": "plain_text_input", "value": "lots"}},
    }
    answer = await ws.submit(REP, view_id, state)
    assert answer["status"] == 200 and answer["errors"]
    assert ws.modals[REP] == [view_id]
    ws.close(REP, view_id)
    assert ws.modals[REP] == []


async def test_bad_requests_from_the_page_are_400(in_process: InProcess) -> None:
    api = f"{in_process.url}playground/api"
    async with aiohttp.ClientSession() as http:
        for path, body in (
            ("say", {"user": "U0NOBODY", "channel": CHANNEL, "text": "/opp list"}),
            ("say", {"user": REP, "channel": "C0SECRET", "text": "/opp list"}),
            ("say", {"user": REP, "channel": CHANNEL, "text": "/giphy cats"}),
            ("submit", {"user": REP, "view": "V9999", "state": {}}),
            ("action", {"user": REP, "action": {}, "entry": 12345}),
        ):
            async with http.post(f"{api}/{path}", json=body) as resp:
                assert resp.status == 400, (path, body, await resp.text())
        async with http.post(f"{api}/say", data="not json") as resp:
            assert resp.status == 400
        async with http.get(f"{api}/state?user=U0NOBODY") as resp:
            assert resp.status == 400
