"""Lists are ordered and cut in the store: stalled first (most overdue first), then by number, paged.

Every test runs on SQLite and on PostgreSQL (db_target through the `service` fixture).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from oppbot.bot import Bot, Context
from oppbot.domain.actions import CloseInput
from oppbot.domain.enums import ProbabilityCalculation
from oppbot.domain.model import Salesperson
from oppbot.replies.format import Formatter
from oppbot.replies.text import render
from oppbot.service.opportunities import OpportunityService
from oppbot.service.setup import load_setup
from oppbot.service.views import ListView
from tests.dbfixtures import Clock, People, Sessions, build_cycle, seed_cycles

D = date
TODAY = D(2026, 10, 1)
CLOSE = D(2027, 6, 30)


def planned(i: int, owner: str, created: date, **extra: Any) -> dict[str, Any]:
    """One opportunity of a set-up file: the bulk path that writes a real ledger in one transaction."""
    return {"description": f"Bulk {i}", "contact": "CT000002", "owner": owner, "cycle": "NEW",
            "value": 1000, "chances": 40, "close": CLOSE.isoformat(), "created": created.isoformat(),
            **extra}  # fmt: skip


async def new(
    service: OpportunityService, clock: Clock, actor: Salesperson, day: date, cycle: str = "NEW", **kw: Any
) -> str:
    clock.set(day)
    result = await service.create(actor, contact="CT000002", description=f"Deal {day}", cycle=cycle,
                                  value=Decimal(1000), close=CLOSE, **kw)  # fmt: skip
    return result.view.no


def shown(listing: ListView) -> list[tuple[str, int | None]]:
    return [(v.no, v.days_overdue) for v in listing.items]


async def test_a_stalled_opportunity_past_the_first_hundred_leads_the_list(
    service: OpportunityService, seeded: People, clock: Clock
) -> None:
    """The defect: the store cut at 100 by number before "stalled first" was applied."""
    clock.set(TODAY)
    opportunities = [planned(i, "AH", TODAY) for i in range(100)]
    opportunities.append(planned(100, "AH", TODAY - timedelta(days=14 + 108)))  # OP000101, 108 days overdue
    await load_setup(service, {"opportunities": opportunities}, today=TODAY)

    listing = await service.list_opportunities(seeded.ah)
    assert shown(listing)[0] == ("OP000101", 108)
    assert [no for no, _ in shown(listing)[1:]] == [f"OP{n:06d}" for n in range(1, 100)]
    assert (listing.total, listing.stalled, listing.offset, listing.truncated) == (101, 1, 0, True)

    rest = await service.list_opportunities(seeded.ah, offset=100)
    assert shown(rest) == [("OP000100", None)]
    assert (rest.total, rest.offset, rest.truncated) == (101, 100, False)

    # The chat answer says how many there are in all, and how to narrow the list.
    reply = render(await Bot(service).handle("list", Context(seeded.ah, "en")), Formatter("en", "EUR"))
    assert reply.splitlines()[1].startswith("  OP000101")
    assert reply.splitlines()[-1] == (
        "Showing the first 100 of 101 (stalled first); narrow it with stage=, status= or cycle=."
    )


async def test_stalled_are_ordered_most_overdue_first_across_stall_formulas(
    service: OpportunityService, seeded: People, sessions: Sessions, clock: Clock
) -> None:
    """Most overdue first means by due date, which is not by last change when formulas differ."""
    rows = ((1, "Call", 2, 10, None, False, False), (2, "Demo", 50, 50, None, False, False))
    await seed_cycles(
        sessions, build_cycle("MONTHLY", "Monthly", ProbabilityCalculation.MULTIPLY, rows, {1: "1M"})
    )
    ah = seeded.ah
    fresh = await new(service, clock, ah, D(2026, 9, 25))  # due 10-09: not stalled on 10-01
    monthly = await new(service, clock, ah, D(2026, 6, 1), "MONTHLY")  # oldest change, due 07-01: 92
    late = await new(service, clock, ah, D(2026, 6, 20))  # due 07-04: 89
    worst = await new(service, clock, ah, D(2026, 6, 10))  # due 06-24: 99
    tie = await new(service, clock, ah, D(2026, 6, 10))  # same due as `worst`: by number after it
    planned_ = await new(service, clock, ah, D(2026, 1, 5), start=False)  # not started: never stalled
    won = await new(service, clock, ah, D(2026, 1, 6))
    await service.close(ah, won, CloseInput(won=True, close_code="PRICE_W"))  # closed: never stalled
    clock.set(TODAY)

    listing = await service.list_opportunities(ah)
    assert shown(listing) == [
        (worst, 99),
        (tie, 99),
        (monthly, 92),
        (late, 89),
        (fresh, None),
        (planned_, None),
    ]
    assert (listing.total, listing.stalled, listing.truncated) == (6, 4, False)
    everything = await service.list_opportunities(ah, status="all")
    assert [no for no, _ in shown(everything)] == [worst, tie, monthly, late, fresh, planned_, won]
    assert (await service.list_opportunities(ah, status="won")).stalled == 0


async def test_pages_follow_one_order_without_gaps_or_repeats(
    service: OpportunityService, seeded: People, clock: Clock
) -> None:
    clock.set(TODAY)
    # Owners AH and PS; last changes spread over 40 days (stalled after 14); every fifth not started.
    opportunities = [
        planned(i, "AH" if i % 3 else "PS", TODAY - timedelta(days=(i * 7) % 40), start=i % 5 != 0)
        for i in range(23)
    ]
    await load_setup(service, {"opportunities": opportunities}, today=TODAY)
    cases = [(seeded.of, {"scope": "all"}), (seeded.ah, {"scope": "mine"}),
             (seeded.jo, {"scope": "team", "stage": 1, "cycle": "new"})]  # fmt: skip
    for actor, filters in cases:
        whole = await service.list_opportunities(actor, **filters)
        paged: list[str] = []
        for offset in range(0, whole.total + 2, 4):
            page = await service.list_opportunities(actor, offset=offset, limit=4, **filters)
            assert (page.total, page.stalled, page.offset) == (whole.total, whole.stalled, offset)
            assert page.truncated == (offset + 4 < whole.total)
            paged += [v.no for v in page.items]
        assert paged == [v.no for v in whole.items], filters
        assert len(set(paged)) == whole.total
        overdue = [v.days_overdue for v in whole.items]
        stalled = [d for d in overdue if d is not None]
        assert stalled == sorted(stalled, reverse=True) and overdue[: len(stalled)] == stalled
        assert 0 < whole.stalled == len(stalled) < whole.total, filters
        rest = [v.no for v in whole.items[len(stalled) :]]
        assert rest == sorted(rest)
