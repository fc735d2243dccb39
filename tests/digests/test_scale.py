"""A digest at scale: a constant number of statements whatever the team's size (counted on the engine,
SQLite and PostgreSQL), and a team of 200 people with 20,000 open opportunities within Block Kit's
limits, with the top items and the way to the rest."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from oppbot.adapters.slack.blocks import FIELD_TEXT, HEADER_TEXT, SECTION_FIELDS, SECTION_TEXT
from oppbot.adapters.slack.messages import document_message
from oppbot.replies.codec import parse_page_value
from oppbot.replies.format import Formatter
from oppbot.service.digests import TOP_ITEMS, TOP_REPS, DigestService
from oppbot.service.opportunities import OpportunityService
from tests.dbfixtures import People, Sessions
from tests.digests.bulk import bulk_team
from tests.slack.validate import action_ids, texts, valid_blocks

TODAY = date(2026, 11, 18)
NOW = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every statement the engine sends while inside (executemany counts once)."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


async def _count(engine: AsyncEngine, service: OpportunityService, manager: str) -> int:
    digests = DigestService(service)
    await digests.view(manager, since=None, now=NOW)  # connections opened, dialect warmed up
    with statements(engine) as seen:
        await digests.view(manager, since=None, now=NOW)
    return len(seen)


async def test_constant_number_of_statements(
    engine: AsyncEngine, sessions: Sessions, service: OpportunityService, seeded: People
) -> None:
    """2 people or 200, 10 or 2,000 opportunities: the same statements; an admin's (everyone) too."""
    await bulk_team(sessions, reps=2, open_per_rep=5, today=TODAY)
    small = await _count(engine, service, "MG")
    small_view = await DigestService(service).view("MG", since=None, now=NOW)
    assert small_view.people == 3 and small_view.pipeline.total.open == 10
    # 198 more people in MG's team: the same manager, a hundred times the rows.
    await bulk_team(sessions, reps=198, open_per_rep=10, today=TODAY, first=2)
    large_view = await DigestService(service).view("MG", since=None, now=NOW)
    assert large_view.people == 201 and large_view.pipeline.total.open == 10 + 198 * 10
    assert large_view.stalled > TOP_ITEMS and len(large_view.top_stalled) == TOP_ITEMS
    assert large_view.changes["won"].count == 400 and len(large_view.top_changes["won"]) == TOP_ITEMS
    large = await _count(engine, service, "MG")
    assert small == large, (small, large)
    assert small <= 20, small  # a handful of statements, not one per person
    assert await _count(engine, service, "OF") == await _count(engine, service, "OF")


def _within_block_kit(blocks: list[dict[str, Any]]) -> None:
    valid_blocks(blocks)  # ≤ 50 blocks, unique ids, each parses and validates in slack_sdk
    for block in blocks:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= HEADER_TEXT
        if block["type"] == "section":
            assert len(block.get("text", {}).get("text", "")) <= SECTION_TEXT
            fields = block.get("fields", [])
            assert len(fields) <= SECTION_FIELDS
            assert all(len(f["text"]) <= FIELD_TEXT for f in fields)
        if block["type"] == "context":
            assert all(len(e["text"]) <= SECTION_TEXT for e in block["elements"])


# The message is the same on both databases (their figures are compared above and in test_figures).
@pytest.mark.parametrize("db_target", ["sqlite"], indirect=True)
async def test_two_hundred_people_and_twenty_thousand_open_opportunities(
    sessions: Sessions, service: OpportunityService, seeded: People
) -> None:
    await bulk_team(sessions, reps=200, open_per_rep=100, today=TODAY)
    started = time.perf_counter()
    direct = await DigestService(service).build("MG", since=None, now=NOW)
    took = time.perf_counter() - started
    view = await DigestService(service).view("MG", since=None, now=NOW)
    assert view.pipeline.total.open == 20_000 and view.people == 201
    assert len(view.reps) == TOP_REPS and view.stalled > 6000
    for locale in ("en", "it"):
        message = document_message(direct.document, Formatter(locale, "EUR"))
        _within_block_kit(message.blocks)
        assert 0 < len(message.text) <= 3000
        shown = texts(message.blocks)
        # The top items and what is left: counts, and the commands that show the rest.
        assert f"{view.stalled}" in shown
        assert "list team" in shown and "stats team" in shown and "list team status=won" in shown
        assert shown.count("BK") >= 4 * TOP_ITEMS  # changes, stalled and closing lists are filled
        assert "&lt;desks&gt;" in shown and "<desks>" not in shown  # user data escaped
    (image,) = direct.images
    assert image.png.startswith(b"\x89PNG\r\n\x1a\n")
    # "See all" runs `list team` (stalled first) again, as a new reply beside the digest.
    message = document_message(direct.document, Formatter("en", "EUR"))
    more = [e for b in message.blocks if b["type"] == "actions" for e in b["elements"]]
    assert [parse_page_value(e["value"]) for e in more] == [("list team", 0)]
    assert action_ids(message.blocks) == ["opp_open"]  # a new reply: the digest stays
    assert took < 20, took  # the whole digest, chart included, on a loaded machine
