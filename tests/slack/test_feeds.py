"""Channel feeds: a manager turns one on in a channel; every matching change is posted there once."""

from __future__ import annotations

from oppbot.bot import Bot, Context
from oppbot.replies.format import Formatter
from oppbot.replies.text import render
from tests.dbfixtures import PS
from tests.slack.conftest import SlackHarness
from tests.slack.test_live_cards import settled
from tests.slack.validate import action_ids, valid_blocks

FEED = "C0FEED"


def posted_in(slack: SlackHarness, channel: str) -> list[str]:
    return [
        c.params["text"] for c in slack.fake.calls_to("chat.postMessage") if c.params["channel"] == channel
    ]


async def in_channel(slack: SlackHarness, text: str, user: str, channel: str = FEED) -> str:
    call = await slack.command(text, user=user, channel_id=channel)
    return str(call.params["text"])


async def test_a_team_feed_gets_each_change_once_from_every_surface(slack_on_db: SlackHarness) -> None:
    slack = slack_on_db
    assert "the team of Jim Olive" in await in_channel(slack, "feed on team", "U0DEMO3")
    assert "the team of Jim Olive" in await in_channel(slack, "feed", "U0DEMO3")
    await slack.command("next OP000001", user="U0DEMO1")  # Annette, in Slack (another channel)
    await Bot(slack.service).handle("next OP000002", Context(PS, "en"))  # Peter, in the console
    await settled(slack)
    lines = posted_in(slack, FEED)
    assert len(lines) == 2, lines
    assert any(line.startswith("*OP000001* · Office chairs: moved to stage 2") for line in lines), lines
    assert any("OP000002" in line and "Peter Saddow" in line for line in lines), lines
    feed_calls = [c for c in slack.fake.calls_to("chat.postMessage") if c.params["channel"] == FEED]
    assert action_ids(valid_blocks(feed_calls[0].params["blocks"])) == ["opp_show"]

    assert "no longer" in await in_channel(slack, "feed off", "U0DEMO3")
    await slack.command("back OP000001", user="U0DEMO1")
    await settled(slack)
    assert len(posted_in(slack, FEED)) == 2  # stopped


async def test_a_rep_may_not_turn_a_feed_on_and_the_console_has_no_channel(slack: SlackHarness) -> None:
    answer = await in_channel(slack, "feed on team", "U0DEMO1")
    assert "Only managers and admins" in answer
    assert "no feed" in await in_channel(slack, "feed", "U0DEMO1")
    reply = await Bot(slack.service).handle("feed on team", Context(PS, "en"))
    assert "Feeds belong to a channel" in render(reply, Formatter("en", "EUR"))


async def test_a_cycle_feed_follows_only_that_cycle_and_two_matching_feeds_post_once(
    slack: SlackHarness,
) -> None:
    await in_channel(slack, "feed on cycle=EXISTING", "U0DEMO4")  # Otis, admin (Italian Slack)
    await in_channel(slack, "feed on all", "U0DEMO4")
    await slack.command("next OP000001", user="U0DEMO1")
    await settled(slack)
    lines = posted_in(slack, FEED)
    assert len(lines) == 1, lines  # both feeds match: the channel hears it once
    assert "passata alla fase 2" in lines[0]  # in the language the feed was set up in
