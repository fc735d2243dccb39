"""OPPBOT_READ_SCOPE=team through the real server: settings → Runtime.create → service, signed requests.

The seed: OP000001 (AH, started), OP000002 (PS, started), OP000003 (AH, not started); JO manages both.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes.slack_api import FakeSlack
from tests.slack.conftest import SlackHarness, running_harness
from tests.slack.test_buttons import click
from tests.slack.test_home import open_home
from tests.slack.validate import action_ids, texts, valid_blocks

REFUSED = "OP000001 isn't visible to you"


@pytest.fixture
async def team_slack(fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[SlackHarness]:
    async with running_harness(
        fake_slack, f"sqlite+aiosqlite:///{tmp_path}/oppbot.db", read_scope="team"
    ) as h:
        yield h


async def test_a_rep_is_refused_another_reps_opportunity_on_every_surface(team_slack: SlackHarness) -> None:
    slack = team_slack
    for text in ("show OP000001", "history OP000001", "next OP000001"):
        reply = await slack.command(text, user="U0DEMO2")
        assert REFUSED in texts(valid_blocks(reply.params["blocks"])), text
        assert "Annette" not in reply.params["text"]
    listing = await slack.command("list all", user="U0DEMO2")
    assert "The opportunities of `all` aren't visible to you" in listing.params["text"]
    # Buttons on a card shared in a channel: Open, Share, and the ones that open a modal.
    for action_id, value in (
        ("opp_show", "OP000001"),
        ("opp_share", "OP000001"),
        ("opp_update", "OP000001:1"),
    ):
        call = await click(slack, action_id, value, user="U0DEMO2")
        assert REFUSED in texts(valid_blocks(call.params["blocks"])), action_id
        assert call.params["replace_original"] is False  # the shared card stays as it was
    assert slack.fake.calls_to("views.open") == [] and slack.fake.calls_to("chat.postMessage") == []


async def test_the_owner_and_the_manager_still_read_it(team_slack: SlackHarness) -> None:
    slack = team_slack
    for user in ("U0DEMO1", "U0DEMO3"):
        card = valid_blocks((await slack.command("show OP000001", user=user)).params["blocks"])
        assert "OP000001" in texts(card) and REFUSED not in texts(card)
    team = await slack.command("list team", user="U0DEMO3")
    assert "OP000001" in team.params["text"] and "OP000002" in team.params["text"]
    home = await open_home(slack, "U0DEMO3")  # the manager's Home keeps the team pipeline
    assert "Team pipeline" in texts(home["blocks"]) and "home_new" in action_ids(home["blocks"])
