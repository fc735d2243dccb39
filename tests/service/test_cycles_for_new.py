"""Which cycles `new` may use is decided once, by the service; the New opportunity modal asks it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from oppbot.domain.enums import ProbabilityCalculation
from oppbot.domain.errors import DomainError
from oppbot.service.opportunities import OpportunityService
from tests.dbfixtures import People, Sessions, build_cycle, new_cycle, seed_cycles

CLOSE = date(2026, 12, 31)


@pytest.fixture
async def cycles(sessions: Sessions, seeded: People) -> None:
    """EXISTING (usable), NEW blocked, EMPTY without stages."""
    empty = build_cycle("EMPTY", "No stages yet", ProbabilityCalculation.MULTIPLY, ())
    await seed_cycles(sessions, replace(new_cycle(), blocked=True), empty)


async def test_cycles_for_new_are_those_new_accepts(
    service: OpportunityService, seeded: People, cycles: None
) -> None:
    assert [c.code for c in await service.cycles_for_new()] == ["EXISTING"]
    assert [c.code for c in await service.cycles_for_new(start=False)] == ["EMPTY", "EXISTING"]
    # Without cycle=, the one usable cycle is taken (a cycle without stages can't start, so it doesn't count).
    result = await service.create(
        seeded.ah, contact="CT000001", description="Chairs", value=Decimal(1000), close=CLOSE
    )
    assert result.view.opp.sales_cycle_code == "EXISTING"
    for code, error in (("NEW", "cycle_blocked"), ("EMPTY", "cycle_has_no_stages")):
        with pytest.raises(DomainError) as err:
            await service.create(seeded.ah, contact="CT000001", description="x", cycle=code, value=Decimal(1))
        assert err.value.code == error and err.value.params == {"cycle": code}
    later = await service.create(
        seeded.ah, contact="CT000001", description="Later", cycle="EMPTY", start=False
    )
    assert later.view.opp.sales_cycle_code == "EMPTY" and later.view.no == "OP000002"
