"""The digest's document: every sentence in English and Italian, the same parts in plain text and in
Block Kit, and Slack's rules (one id per block, escaped user data) on a small team."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from oppbot.adapters.slack.messages import document_message
from oppbot.domain.actions import CloseInput
from oppbot.replies.document import Note, Report, Table
from oppbot.replies.format import Formatter
from oppbot.replies.i18n import EN, IT
from oppbot.replies.parts import Msg
from oppbot.replies.text import render_document
from oppbot.service.digests import DigestService
from oppbot.service.opportunities import OpportunityService
from tests.dbfixtures import Clock, People
from tests.service.dataset import build_dataset
from tests.slack.validate import texts, valid_blocks

NOW = datetime(2026, 11, 5, 12, tzinfo=UTC)


def messages(node: Any) -> list[Msg]:
    """Every catalog sentence in a document, parameters included."""
    if isinstance(node, Msg):
        return [node, *(m for _k, v in node.params for m in messages(v))]
    if isinstance(node, tuple | list):
        return [m for x in node for m in messages(x)]
    if hasattr(node, "__dataclass_fields__"):
        return [m for name in node.__dataclass_fields__ for m in messages(getattr(node, name))]
    return []


def test_every_digest_sentence_in_both_languages() -> None:
    assert {k for k in EN if k.startswith("digest_")} == {k for k in IT if k.startswith("digest_")}


@pytest.fixture
async def report(service: OpportunityService, clock: Clock, seeded: People) -> Report:
    await build_dataset(service, clock, seeded)
    clock.set(date(2026, 11, 4))
    await service.close(  # a reason with Slack's control characters
        seeded.jo, "OP000005", CloseInput(won=False, close_code="WALKED_L", close_reason="<!channel> & co")
    )
    direct = await DigestService(service).build("JO", since=None, now=NOW)
    assert isinstance(direct.document, Report)
    return direct.document


async def test_its_sentences_are_in_the_catalogs(report: Report) -> None:
    used = {m.key for m in messages(report)}
    assert {"digest_title_team", "digest_summary", "digest_lost", "digest_stalled_title"} <= used
    assert all(key in EN and key in IT for key in used), used - (EN.keys() & IT.keys())


async def test_plain_text_and_slack_say_the_same_parts(report: Report) -> None:
    assert isinstance(report.parts[0], Note)
    titles = [p.title for p in report.parts if isinstance(p, Table)]
    assert [t.key for t in titles] == [
        "digest_pipeline_title", "digest_changes_title", "digest_stalled_title", "digest_closing_title",
        "digest_reps_title",
    ]  # fmt: skip
    for locale in ("en", "it"):
        f = Formatter(locale, "EUR")
        text = render_document(report, f)
        message = document_message(report, f)
        blocks = valid_blocks(message.blocks)
        headers = [b["text"]["text"] for b in blocks if b["type"] == "header"]
        assert headers == [f.say(report.title), *(f.say(t) for t in titles)]
        for header in headers:
            assert header in text
        shown = texts(blocks)
        assert "&lt;!channel&gt; &amp; co" in shown and "<!channel>" not in shown
        assert "<!channel> & co" in text  # plain text is not mrkdwn
        assert message.text.startswith(f.say(report.title))


async def test_no_see_all_when_everything_fits(report: Report) -> None:
    """Two stalled opportunities of a team of three: no pager, no button, no footnote."""
    message = document_message(report, Formatter("en", "EUR"))
    assert not [b for b in message.blocks if b["type"] == "actions"]
    assert "Showing" not in texts(message.blocks)


@pytest.mark.parametrize("who", ["MG", "OF"])
async def test_the_commands_it_names_are_real(
    service: OpportunityService, seeded: People, sessions: Any, who: str
) -> None:
    """Every `command` a digest names for the rest parses; "See all" re-runs a list (the only command a
    More button runs again), for a manager's team and an admin's everyone."""
    import re

    from oppbot import grammar
    from oppbot.replies.codec import parse_page_value
    from tests.digests.bulk import bulk_team

    await bulk_team(sessions, reps=20, open_per_rep=8, today=date(2026, 11, 18))
    direct = await DigestService(service).build(who, since=None, now=datetime(2026, 11, 18, 9, tzinfo=UTC))
    text = render_document(direct.document, Formatter("en", "EUR"))
    named = set(re.findall(r"`([^`]+)`", text))
    scope = "team" if who == "MG" else "all"
    assert {f"list {scope}", f"list {scope} status=won", f"pipeline {scope}"} <= named
    assert ("stats team" if who == "MG" else "stats") in named
    for command in named:
        assert grammar.parse(command, today=date(2026, 11, 18)) is not None
    message = document_message(direct.document, Formatter("en", "EUR"))
    (button,) = [e for b in message.blocks if b["type"] == "actions" for e in b["elements"]]
    again, page = parse_page_value(button["value"])
    assert isinstance(grammar.parse(again, today=date(2026, 11, 18)), grammar.ListOpportunities)
    assert (again, page) == (f"list {scope}", 0)
