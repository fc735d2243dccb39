"""`stats` shows every figure of spec 6 (the averages too), in the console and the same in Slack."""

from __future__ import annotations

import re

import pytest

from oppbot.service.opportunities import OpportunityService
from tests.dbfixtures import Clock, People
from tests.replies.conftest import Console
from tests.service.dataset import build_dataset


@pytest.fixture
async def dataset(service: OpportunityService, clock: Clock, seeded: People) -> list[str]:
    return await build_dataset(service, clock, seeded)


def line_of(output: str, label: str) -> str:
    """The first output line for one group (`  AH: …`)."""
    found = re.search(rf"^  {label}: .*$", output, re.MULTILINE)
    assert found is not None, output
    return found.group(0)


async def test_stats_shows_the_averages_of_spec_6_3(
    console: Console, dataset: list[str], seeded: People
) -> None:
    out = await console.say(seeded.jo, "stats team")
    # oppbot's figures (6.2): the open pipeline's averages, per group
    assert "avg estimated value €15,833.33 (avg current value €4,216.67)" in line_of(out, "team")
    assert "avg estimated value €8,750.00 (avg current value €2,575.00)" in line_of(out, "EXISTING")
    assert "avg estimated value €7,500.00 (avg current value €150.00)" in line_of(out, "PS")
    # BC's Salesperson Statistics (6.1): active entries, won and lost included
    ledger = out[out.index("Salesperson statistics") :]
    assert line_of(ledger, "AH") == (
        "  AH: opportunities: 2 · estimated value €14,000.00 · avg estimated value €7,000.00 · "
        "current value €9,200.00 · avg current value €4,600.00"
    )
    assert "avg estimated value €7,333.33 · current value €150.00 · avg current value €50.00" in line_of(
        ledger, "PS"
    )


async def test_stats_without_open_opportunities_shows_no_average(console: Console, seeded: People) -> None:
    out = await console.say(seeded.ah, "stats")
    assert "avg estimated value — (avg current value —)" in out
