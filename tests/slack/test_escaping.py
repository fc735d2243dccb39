"""User text never notifies or links: every outgoing Slack call carries it escaped (`&lt;!channel&gt;`)."""

from __future__ import annotations

import re
from typing import Any

from tests.slack.conftest import SlackHarness
from tests.slack.test_buttons import button_value, card
from tests.slack.test_home import open_home
from tests.slack.test_modals import new_values, submit, text_input
from tests.slack.validate import valid_blocks

EVIL = "<!channel> <@U0DEMO2> <https://evil.example|click>"
ESCAPED = "&lt;!channel&gt; &lt;@U0DEMO2&gt; &lt;https://evil.example|click&gt;"
# What Slack would turn into a notification or a link, if it came through raw.
RAW = re.compile(r"<!channel>|<@U0DEMO2>|<https://evil\.example\|click>")
OUTGOING = ("response_url", "chat.postMessage", "chat.update", "views.publish", "views.open")
# Not rendered as text: button values and metadata; a modal's initial values are what the person edits.
NOT_TEXT = {"value", "private_metadata", "initial_value"}


def strings(node: Any, key: str = "") -> list[str]:
    if isinstance(node, dict):
        return [s for k, v in node.items() if k not in NOT_TEXT for s in strings(v, k)]
    if isinstance(node, list):
        return [s for item in node for s in strings(item, key)]
    return [node] if isinstance(node, str) else []


async def test_user_text_is_escaped_in_every_outgoing_call(slack: SlackHarness) -> None:
    # A description from the New opportunity modal (a message shortcut prefills it with real markup).
    values = await new_values(description={"description": text_input(EVIL)})
    assert (await submit(slack, "opp_new_modal", values, "{}")).text == ""
    dm = await slack.next_call("chat.postMessage", 0)
    assert ESCAPED in dm.params["text"]  # the fallback text, where it once went raw
    shown = await card(slack, "OP000004")
    assert any(ESCAPED in s for s in strings(shown))
    await slack.command("list")
    await slack.command("history OP000004")
    await slack.command(f'quote OP000004 "{EVIL[:40]}"')  # the notice echoes the reference
    await slack.command(f"contacts {EVIL}")  # the refusal echoes the query
    await slack.command(f'new "{EVIL}" "Chairs" value=1k cycle=EXISTING')  # unknown contact, echoed
    await slack.command(f'new CT000001 "{EVIL}" value=1k cycle=EXISTING close=2026-12-31')
    # The share button posts the card in the channel; App Home lists it; a click there republishes.
    before = len(slack.fake.calls_to("chat.postMessage"))
    await slack.sender.block_action(
        user_id="U0DEMO1", action_id="opp_share", value=button_value(shown, "opp_share")
    )
    shared = await slack.next_call("chat.postMessage", before)
    assert ESCAPED in shared.params["text"] and valid_blocks(shared.params["blocks"])
    home = await open_home(slack, "U0DEMO1")
    assert any(ESCAPED in s for s in strings(home))
    await slack.sender.block_action(
        user_id="U0DEMO1", action_id="opp_update", value=button_value(shown, "opp_update")
    )
    await slack.fake.wait_for("views.open")
    await slack.command(f'lose OP000005 code=PRICE_L "{EVIL}"')  # the reason is on the card
    await slack.fake.wait_for("chat.update")
    calls = [c for c in slack.fake.calls if c.method in OUTGOING]
    # chat.update: the DM'd and shared cards are live, redrawn after the quote and the lose above.
    assert {c.method for c in calls} == set(OUTGOING)
    leaks = [(c.method, s) for c in calls for s in strings(c.params) if RAW.search(s)]
    assert leaks == []
