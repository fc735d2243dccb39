"""The playground's Teams chats: signed activities to the real /api/messages, the bot's replies and live
cards through the Bot Framework stand-in, and one ledger with the Slack workspace."""

from __future__ import annotations

import asyncio
import ipaddress
import re
import time
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from oppbot.config import load_settings
from oppbot.playground import SlackPlayground
from oppbot.playground.teams_chat import AAD_IDS, personal_chat, teams_user_id
from oppbot.playground.workspace import PEOPLE
from tests.playground.conftest import InProcess

REP, MANAGER = "U0DEMO1", "U0DEMO3"
TIMEOUT = 30.0


async def until(check: Any, what: str, timeout: float = TIMEOUT) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := check():
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"{what} within {timeout}s")


def card_of(entry: Any) -> dict[str, Any]:
    (attachment,) = entry.activity["attachments"]
    content: dict[str, Any] = attachment["content"]
    return content


def facts(card: dict[str, Any]) -> dict[str, str]:
    for block in card["body"]:
        if block["type"] == "FactSet":
            return {f["title"]: f["value"] for f in block["facts"]}
    raise AssertionError("no FactSet")


def execute_of(card: dict[str, Any], title: str) -> dict[str, Any]:
    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if node.get("type") == "Action.Execute" and node.get("title") == title:
                return node
            nodes: list[Any] = list(node.values())
        elif isinstance(node, list):
            nodes = node
        else:
            return None
        for child in nodes:
            if (found := walk(child)) is not None:
                return found
        return None

    action = walk(card["body"])
    assert action is not None, f"no {title} on the card"
    return dict(action)


async def test_teams_settings_point_at_loopback_stand_ins_made_up_per_run() -> None:
    first = await SlackPlayground.start(load_settings())
    second = await SlackPlayground.start(load_settings())
    try:
        for pg in (first, second):
            s = pg.settings
            assert s.teams_configured and s.teams_app_password
            for url in (s.teams_openid_metadata_url, s.teams_token_url, pg.teams.connector.service_url):
                host = urlsplit(url).hostname
                assert host is not None and ipaddress.ip_address(host).is_loopback, url
        assert first.settings.teams_app_id != second.settings.teams_app_id
        assert first.settings.teams_app_password != second.settings.teams_app_password
        assert first.teams.signer.jwk()["n"] != second.teams.signer.jwk()["n"]
    finally:
        await first.stop()
        await second.stop()


async def test_a_message_is_signed_and_the_reply_comes_back_as_a_card(in_process: InProcess) -> None:
    teams = in_process.playground.teams
    chat = personal_chat(PEOPLE[REP])
    answer = await teams.say(REP, "show OP000001")
    assert answer == {"status": 200}
    reply = await until(
        lambda: next((e for e in teams.entries.values() if e.author == "bot" and e.conversation == chat), 0),
        "no reply in the rep's chat",
    )
    card = card_of(reply)
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    assert "OP000001" in str(card)
    state = teams.state(REP)
    assert [m["author"] for m in state["messages"]] == [REP, "bot"]
    assert state["me"]["aad"] == AAD_IDS["AH"]
    assert teams.state(MANAGER)["messages"] == []  # her chat is hers
    # The bot wrote through the stand-in's Connector with a token from its token endpoint.
    assert teams.connector.token_requests >= 1 and teams.connector.unauthorized_calls == 0


async def test_an_unsigned_activity_is_refused(in_process: InProcess) -> None:
    teams = in_process.playground.teams
    body = teams.activity(PEOPLE[REP], "message", text="list")
    async with aiohttp.ClientSession() as http:
        async with http.post(teams.messages_url, json=body) as resp:
            assert resp.status == 401
        forged = teams.signer.token(teams.connector.service_url, audience="another-bot")
        headers = {"Authorization": f"Bearer {forged}"}
        async with http.post(teams.messages_url, json=body, headers=headers) as resp:
            assert resp.status == 401


async def test_a_click_in_teams_moves_the_deal_and_slacks_live_card_follows(in_process: InProcess) -> None:
    pg = in_process.playground
    teams, ws = pg.teams, in_process.workspace
    # Slack: the rep creates a deal and shares its card in #sales (a live card there).
    before = len(pg.standin.calls)
    await ws.say(REP, "C0DEMO", '/opp new CT000002 "Two panes" value=18k cycle=FIRSTLARGE close=2027-03-31')
    await in_process.settle(before)
    found = re.search(r"OP\d{6}", str([e.message for e in ws.entries.values()]))
    assert found is not None
    no = found.group(0)
    before = len(pg.standin.calls)
    await ws.say(REP, "C0DEMO", f"/opp show {no}")
    await in_process.settle(before)
    private = next(e for e in reversed(ws.entries.values()) if "opp_share" in str(e.message.get("blocks")))
    share = next(
        {"type": "button", "action_id": "opp_share", "block_id": b["block_id"], "value": el["value"]}
        for b in private.message["blocks"]
        for el in b.get("elements") or []
        if el.get("action_id") == "opp_share"
    )
    before = len(pg.standin.calls)
    await ws.act(REP, share, entry_id=private.id)
    await in_process.settle(before)
    shared = next(e for e in ws.entries.values() if e.visible_to is None and no in str(e.message))
    rev = shared.rev
    # Teams: the same deal's card, and its Next stage.
    chat = personal_chat(PEOPLE[REP])
    await teams.say(REP, f"show {no}")
    entry = await until(
        lambda: next((e for e in teams.entries.values() if e.author == "bot" and e.conversation == chat), 0),
        "no card in Teams",
    )
    stage = facts(card_of(entry))["Stage"]
    nxt = execute_of(card_of(entry), "Next stage")
    answer = await teams.execute(REP, entry.id, nxt["verb"], nxt["data"])
    assert answer == {"status": 200}
    assert stage.startswith("1 ")
    assert facts(card_of(entry))["Stage"].startswith("2 "), card_of(entry)["body"][:2]  # in place
    assert entry.rev >= 1
    # Slack's shared copy is redrawn with chat.update.
    await until(lambda: shared.rev > rev, "Slack's shared card was not updated")
    assert "2 Qualification" in str(shared.message["blocks"])
    assert teams_user_id(PEOPLE[REP]) in teams.connector.roster


async def test_the_teams_pane_answers_loopback_peers_only(in_process: InProcess) -> None:
    from aiohttp import web
    from aiohttp.test_utils import make_mocked_request

    from oppbot.playground.web import add_routes

    app = web.Application()
    add_routes(app, in_process.workspace, in_process.playground.teams)

    class Transport:
        def get_extra_info(self, name: str, default: Any = None) -> Any:
            return ("10.1.2.3", 50000) if name == "peername" else default

    for method, path in (
        ("GET", "/playground/api/teams/state?user=U0DEMO1"),
        ("POST", "/playground/api/teams/say"),
    ):
        request = make_mocked_request(method, path, app=app, transport=Transport())
        match = await app.router.resolve(request)
        response = await match.handler(request)
        assert response.status == 403, path
