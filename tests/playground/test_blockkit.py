"""The page's Block Kit renderer on every kind of message and view the bot sends.

The corpus is what the real bot sent to the stand-in while the playground drove it through every command,
card button, modal and App Home of the four demo people; a guard checks it holds every Block Kit type the
Slack adapter builds, so a new block type without a scenario here fails. Each item is then rendered in
headless Chromium by static/blockkit.js, which must draw no "unsupported" marker.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import slack_sdk.models.blocks as sdk_blocks

from tests.playground.conftest import InProcess

REP, REP2, MANAGER, ADMIN = "U0DEMO1", "U0DEMO2", "U0DEMO3", "U0DEMO4"
CHANNEL = "C0DEMO"
SLACK_ADAPTER = Path(__file__).resolve().parents[2] / "src" / "oppbot" / "adapters" / "slack"

COMMANDS = [
    "help",
    "help new",
    "list",
    "list team",
    "list all status=all",
    "show OP000001",
    "show OP000008",
    "show OP999999",
    "history OP000001",
    "pipeline",
    "pipeline team",
    "stats",
    "stats team cycle=FIRSTLARGE",
    "cycles",
    "contacts rosa",
    "settings",
    "reminders",
    "digest",
    "frobnicate",
    'new CT000002 "Corpus chairs" value=20k cycle=FIRSTLARGE close="in 6 weeks"',
    "next OP000013",
    "quote OP000013 SQ-9",
    "win OP000013 code=PRICE_W amount=21000",
]


def sdk_types_used() -> set[str]:
    """Block Kit types of every slack_sdk block/element/text class the Slack adapter imports."""
    names: set[str] = set()
    for path in SLACK_ADAPTER.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "slack_sdk.models.blocks":
                names.update(alias.name for alias in node.names)
    types = {getattr(getattr(sdk_blocks, n), "type", None) for n in names}
    return {t for t in types if isinstance(t, str)}


def walk_types(value: Any, found: set[str]) -> None:
    if isinstance(value, dict):
        if isinstance(value.get("type"), str):
            found.add(value["type"])
        for v in value.values():
            walk_types(v, found)
    elif isinstance(value, list):
        for v in value:
            walk_types(v, found)


def corpus_of(calls: list[Any]) -> list[dict[str, Any]]:
    """Every message (blocks) and view the bot sent, as recorded by the stand-in."""
    items: list[dict[str, Any]] = []
    for call in calls:
        if call.status != 200:
            continue
        p = call.params
        if call.method in ("chat.postMessage", "chat.postEphemeral", "chat.update", "response_url"):
            if p.get("blocks"):
                items.append({"kind": call.method, "blocks": p["blocks"]})
        elif call.method.startswith("views.") and isinstance(p.get("view"), dict):
            items.append({"kind": f"{call.method}:{p['view'].get('type')}", "blocks": p["view"]["blocks"]})
    return items


def button(workspace: Any, entry_id: int, action_id: str) -> dict[str, Any]:
    """The action a click on the entry's element `action_id` sends (buttons and selects alike)."""
    for block in workspace.entries[entry_id].message.get("blocks") or []:
        elements = block.get("elements") or ([block["accessory"]] if "accessory" in block else [])
        for element in elements:
            if element.get("action_id") == action_id:
                action = {"type": element["type"], "action_id": action_id, "block_id": block["block_id"]}
                if element["type"] == "button":
                    action.update(text=element["text"], value=element.get("value", ""))
                else:
                    option = element["options"][0]
                    action["selected_option"] = {"text": option["text"], "value": option["value"]}
                return action
    raise AssertionError(f"no {action_id} in entry {entry_id}")


def last_entry_with(workspace: Any, user: str, action_id: str) -> int:
    for entry in reversed(list(workspace.entries.values())):
        if entry.visible_to not in (None, user) or entry.deleted:
            continue
        text = json.dumps(entry.message.get("blocks") or [])
        if f'"action_id": "{action_id}"' in text:
            return int(entry.id)
    raise AssertionError(f"no message with {action_id} for {user}")


async def drive(pg: InProcess) -> None:
    """Every command in the DM and the channel, every card button, every modal, App Home for each person."""
    ws = pg.workspace
    calls = pg.playground.standin.calls

    async def step(coro: Any) -> None:
        before = len(calls)
        await coro
        await pg.settle(before)

    for user in (REP, MANAGER, ADMIN, REP2):
        await step(ws.open_home(user))
    for text in COMMANDS:
        await step(ws.say(REP, ws.dm(REP), f"/opp {text}"))
    await step(ws.say(MANAGER, CHANNEL, "/opp feed on team"))
    await step(ws.say(MANAGER, CHANNEL, "/opp feed"))
    await step(ws.say(ADMIN, ws.dm(ADMIN), "/opp link @U0DEMO2 PS"))
    # Card buttons on the rep's private card: share it (a live card in the channel), then each modal.
    await step(ws.say(REP, CHANNEL, "/opp show OP000005"))
    card = last_entry_with(ws, REP, "opp_share")
    await step(ws.act(REP, button(ws, card, "opp_share"), entry_id=card))
    for action_id in ("opp_update", "opp_quote", "opp_win", "opp_lose"):
        await step(ws.act(REP, button(ws, card, action_id), entry_id=card))
        view_id = ws.modals[REP][-1]
        ws.close(REP, view_id)
    await step(ws.act(REP, button(ws, card, "opp_next"), entry_id=card))  # the shared copy is redrawn
    shared = last_entry_with(ws, MANAGER, "opp_next")
    await step(ws.act(MANAGER, button(ws, shared, "opp_previous"), entry_id=shared))
    # A jump back from a select, the modal of App Home's New button.
    await step(ws.say(REP, ws.dm(REP), "/opp show OP000001"))
    jump = last_entry_with(ws, REP, "opp_jump")
    await step(ws.act(REP, button(ws, jump, "opp_jump"), entry_id=jump))
    home = await pg.home_of(REP)
    new = {"type": "button", "action_id": "home_new", "block_id": "home_top", "value": "new"}
    await step(ws.act(REP, new, view_id=home["id"]))
    # A channel message naming an opportunity: the bot unfurls it in a thread.
    await step(ws.say(REP2, CHANNEL, "have a look at OP000002"))
    # Live copies are redrawn by the dispatcher, paced per channel: they may come a little later.
    await pg.playground.standin.wait_for("chat.update", 1, timeout=30)


async def test_renderer_draws_every_message_and_view_the_bot_sends(
    browser: Any, in_process: InProcess
) -> None:
    await drive(in_process)
    corpus = corpus_of(in_process.playground.standin.calls)
    kinds = {item["kind"] for item in corpus}
    for kind in ("response_url", "chat.postMessage", "chat.update", "views.publish:home", "views.open:modal"):
        assert kind in kinds, f"no {kind} in the corpus: {sorted(kinds)}"
    found: set[str] = set()
    walk_types(corpus, found)
    missing = sdk_types_used() - found
    assert not missing, f"the adapter builds {sorted(missing)} but no scenario here made the bot send them"

    page = await browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(f"{in_process.url}?as={REP}")
    result = await page.evaluate(
        """(corpus) => corpus.map((item, i) => {
            const ctx = { userNames: { U0DEMO1: "Annette Hill" }, onAction: () => {},
                          onSuggest: async () => ({ options: [] }) };
            const root = BlockKit.render(item.blocks, ctx);
            document.body.appendChild(root);
            const drawn = root.querySelectorAll(":scope > .bk-block").length;
            const unsupported = [...root.querySelectorAll(".bk-unsupported")].map((n) => n.textContent);
            const text = root.innerText;
            root.remove();
            return { i, kind: item.kind, blocks: item.blocks.length, drawn, unsupported, text };
        })""",
        corpus,
    )
    assert errors == []
    for item in result:
        assert item["unsupported"] == [], item
        assert item["drawn"] == item["blocks"], item
        assert item["text"].strip(), item
    # Markup in the bot's mrkdwn is drawn, not shown raw: no "*Contact*" left in a card.
    cards = [r for r in result if "Contact" in r["text"]]
    assert cards
    assert all("*Contact*" not in r["text"] for r in cards)
