"""Spec 6.3 (statistics) and 7 (the stall rule) on the data set built through the service."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from oppbot.domain.actions import MoveInput
from oppbot.domain.enums import ActionType, ProbabilityCalculation
from oppbot.domain.statistics import Figures
from oppbot.service.opportunities import OpportunityService
from tests.dbfixtures import Clock, People, Sessions, build_cycle, seed_cycles
from tests.service.dataset import build_dataset
from tests.service.ledger import read_all_entries, read_opportunity

D = date


def dec(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


@pytest.fixture
async def dataset(service: OpportunityService, clock: Clock, seeded: People) -> list[str]:
    return await build_dataset(service, clock, seeded)


# --- the ledger the data set produces (precondition of every figure below) ------------------------------
# E opp owner cycle stage taken dc value c p prob calcd act days code — spec 6.3, "-" for none
LEDGER = """
1  OP000001 PS EXISTING 1 first 2026-09-01  2500.00  10  2  2   50.00   no  20 -
2  OP000002 PS NEW      1 first 2026-09-15 12000.00  10  2  10  1200.00 no  10 -
3  OP000001 PS EXISTING - lost  2026-09-21  2500.00   0 100 0   0.00    yes 0  WALKED_L
4  OP000002 PS NEW      2 next  2026-09-25 12000.00  20  5  20  2400.00 no  20 -
5  OP000003 AH EXISTING 1 first 2026-10-01 10000.00  10  2  2   200.00  no  7  -
6  OP000004 AH EXISTING 1 first 2026-10-05  4000.00  10  2  2   80.00   no  5  -
7  OP000003 AH EXISTING 2 next  2026-10-08 10000.00  40 50  50  5000.00 yes 0  -
8  OP000004 AH EXISTING 2 next  2026-10-10  4000.00  40 50  50  2000.00 no  10 -
9  OP000005 PS EXISTING 1 first 2026-10-12  7500.00  10  2  2   150.00  yes 0  -
10 OP000002 PS NEW      - lost  2026-10-15 12000.00   0 100 0   0.00    yes 0  PRICE_L
11 OP000004 AH EXISTING 3 next  2026-10-20  4000.00  80 80  80  3200.00 no  13 -
12 OP000006 JO NEW      1 first 2026-10-20 30000.00  10  2  10  3000.00 no  7  -
13 OP000006 JO NEW      2 next  2026-10-27 30000.00  25  5  25  7500.00 yes 0  -
14 OP000004 AH EXISTING - won   2026-11-02  4000.00 100 100 100 4200.00 yes 0  PRICE_W
"""


def _text(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


async def test_dataset_ledger_is_the_spec_ledger(dataset: list[str], sessions: Sessions) -> None:
    entries = await read_all_entries(sessions, dataset)
    assert entries[0].entry_no is not None
    first = entries[0].entry_no
    got = [
        [
            _text(v)
            for v in (
                (e.entry_no or 0) - first + 1, e.opportunity_no, e.salesperson_code, e.sales_cycle_code,
                e.stage, e.action_taken.value, e.date_of_change, f"{e.estimated_value:.2f}", e.chances_pct,
                e.completed_pct, e.probability_pct, f"{e.calcd_current_value:.2f}", e.active, e.days_open,
                e.close_code,
            )
        ]
        for e in entries
    ]  # fmt: skip
    assert got == [line.split() for line in LEDGER.strip().splitlines()]
    op7 = await read_opportunity(sessions, "OP000007")
    assert (op7.status.value, op7.estimated_value, op7.salesperson_code) == (
        "not_started",
        Decimal("5000"),
        "AH",
    )
    op4 = await read_opportunity(sessions, "OP000004")
    assert (op4.quote_ref, op4.calcd_current_value, op4.estimated_value) == (
        "SQ-4",
        Decimal("4200"),
        Decimal("4000"),
    )


# --- oppbot's figures (spec 6.2) ----------------------------------------------------------------------
# group: not started, open, won, lost, win rate %, avg days to close
COUNTS = {
    "EXISTING": (0, 2, 1, 1, "50.0", "24.00"),
    "NEW": (1, 1, 0, 1, "0.0", "30.00"),
    "AH": (1, 1, 1, 0, "100.0", "28.00"),
    "PS": (0, 1, 0, 2, "0.0", "25.00"),
    "JO": (0, 1, 0, 0, None, None),
    "team": (1, 3, 1, 2, "33.3", "26.00"),
}
# group: pipeline est., pipeline calcd, avg est., avg calcd, won value
MONEY = {
    "EXISTING": ("17500.00", "5150.00", "8750.00", "2575.00", "4200.00"),
    "NEW": ("30000.00", "7500.00", "30000.00", "7500.00", "0.00"),
    "AH": ("10000.00", "5000.00", "10000.00", "5000.00", "4200.00"),
    "PS": ("7500.00", "150.00", "7500.00", "150.00", "0.00"),
    "JO": ("30000.00", "7500.00", "30000.00", "7500.00", "0.00"),
    "team": ("47500.00", "12650.00", "15833.33", "4216.67", "4200.00"),
}


def counts(f: Figures) -> tuple[object, ...]:
    return (f.not_started, f.open, f.won, f.lost, f.win_rate_pct, f.avg_days_to_close)


def expected_counts(group: str) -> tuple[object, ...]:
    *numbers, rate, days = COUNTS[group]
    return (*numbers, dec(rate), dec(days))


def money(f: Figures) -> tuple[object, ...]:
    return (f.pipeline_estimated_value, f.pipeline_calcd_value, f.avg_estimated_value, f.avg_calcd_value,
            f.won_value)  # fmt: skip


def expected_money(group: str) -> tuple[object, ...]:
    return tuple(dec(v) for v in MONEY[group])


async def _groups(service: OpportunityService, people: People) -> dict[str, Figures]:
    everything = await service.stats(people.of)
    groups = {f.label: f for f in everything.by_cycle + everything.by_salesperson}
    assert set(groups) == {"EXISTING", "NEW", "AH", "PS", "JO"}
    groups["team"] = (await service.stats(people.jo, team=True)).overall
    return groups


async def test_counts_win_rate_and_days_to_close(
    dataset: list[str], service: OpportunityService, seeded: People
) -> None:
    groups = await _groups(service, seeded)
    for name in COUNTS:
        assert counts(groups[name]) == expected_counts(name), name
    # the team of JO is everyone here; a rep's team is their manager's team
    team = await service.stats(seeded.jo, team=True)
    assert {f.label for f in team.by_salesperson} == {"AH", "JO", "PS"}
    assert counts((await service.stats(seeded.ah, team=True)).overall) == counts(team.overall)
    # restricted to one cycle
    view = await service.stats(seeded.of, cycle="existing")
    assert counts(view.overall) == expected_counts("EXISTING")
    assert [f.label for f in view.by_cycle] == ["EXISTING"]
    # BC's Salesperson Statistics: No. of Opportunities over active entries, won and lost included
    assert {f.salesperson_code: f.count for f in team.ledger} == {"AH": 2, "PS": 3, "JO": 1}


async def test_pipeline_and_won_value_sums(
    dataset: list[str], service: OpportunityService, seeded: People
) -> None:
    groups = await _groups(service, seeded)
    for name in MONEY:
        assert money(groups[name]) == expected_money(name), name


# --- BC's Salesperson Statistics ---------------------------------------------------------------------
async def test_salesperson_statistics_values(
    dataset: list[str], service: OpportunityService, seeded: People
) -> None:
    ledger = {f.salesperson_code: f for f in (await service.stats(seeded.of)).ledger}
    got = {
        code: (f.estimated_value, f.avg_estimated_value, f.calcd_current_value, f.avg_calcd_current_value)
        for code, f in ledger.items()
    }
    assert got == {
        "AH": (Decimal("14000.00"), Decimal("7000.00"), Decimal("9200.00"), Decimal("4600.00")),
        "PS": (Decimal("22000.00"), Decimal("7333.33"), Decimal("150.00"), Decimal("50.00")),
        "JO": (Decimal("30000.00"), Decimal("30000.00"), Decimal("7500.00"), Decimal("7500.00")),
    }


# --- pipeline per stage (Sales Cycle / Sales Cycle Stage Statistics) -------------------------------------
AVG_DAYS = {
    "EXISTING": ["10.67", "10.00", "13.00", None],
    "NEW": ["8.50", "20.00", None, None, None],
}
OPEN_PER_STAGE = {
    "EXISTING": [(1, "7500.00", "150.00"), (1, "10000.00", "5000.00"), (0, "0", "0"), (0, "0", "0")],
    "NEW": [(0, "0", "0"), (1, "30000.00", "7500.00"), (0, "0", "0"), (0, "0", "0"), (0, "0", "0")],
}


async def test_pipeline_average_days_and_open_counts(
    dataset: list[str], service: OpportunityService, seeded: People
) -> None:
    view = await service.pipeline(seeded.of, "all")
    cycles = {part.cycle.code: part for part in view.cycles}
    assert set(cycles) == {"EXISTING", "NEW"}
    for code, part in cycles.items():
        assert [s.stage for s in part.stages] == list(range(1, len(AVG_DAYS[code]) + 1))
        assert [s.avg_days for s in part.stages] == [dec(d) for d in AVG_DAYS[code]], code
        assert [s.open for s in part.stages] == [n for n, _, _ in OPEN_PER_STAGE[code]], code
    assert (cycles["EXISTING"].figures.open, cycles["NEW"].figures.open) == (2, 1)
    assert (view.total.open, view.total.not_started, view.total.won, view.total.lost) == (3, 1, 1, 2)
    # a rep's own pipeline
    mine = await service.pipeline(seeded.ps, "mine")
    assert (mine.total.open, mine.total.lost, mine.total.won, mine.total.not_started) == (1, 2, 0, 0)
    existing = next(p for p in mine.cycles if p.cycle.code == "EXISTING")
    assert [s.open for s in existing.stages] == [1, 0, 0, 0]


async def test_pipeline_stage_and_cycle_sums(
    dataset: list[str], service: OpportunityService, seeded: People
) -> None:
    view = await service.pipeline(seeded.of, "all")
    cycles = {part.cycle.code: part for part in view.cycles}
    for code, part in cycles.items():
        got = [(s.open, s.pipeline_estimated_value, s.pipeline_calcd_value) for s in part.stages]
        assert got == [(n, Decimal(e), Decimal(c)) for n, e, c in OPEN_PER_STAGE[code]], code
    # BC's Sales Cycle Statistics: No. / Estimated / Calcd.
    ex, new = cycles["EXISTING"].figures, cycles["NEW"].figures
    assert (ex.open, ex.pipeline_estimated_value, ex.pipeline_calcd_value) == (
        2,
        Decimal("17500"),
        Decimal("5150"),
    )
    assert (new.open, new.pipeline_estimated_value, new.pipeline_calcd_value) == (
        1,
        Decimal("30000"),
        Decimal("7500"),
    )


# --- the stall rule (spec 7) --------------------------------------------------------------------------
STALLED_BY_DATE: list[tuple[date, list[tuple[str, int]]]] = [
    (D(2026, 10, 22), []),  # OP000003's due date itself: not yet stalled (strictly after)
    (D(2026, 10, 23), [("OP000003", 1)]),
    (D(2026, 10, 26), [("OP000003", 4)]),
    (D(2026, 10, 27), [("OP000003", 5), ("OP000005", 1)]),
    (D(2026, 11, 10), [("OP000003", 19), ("OP000005", 15)]),
    (D(2026, 11, 11), [("OP000003", 20), ("OP000005", 16), ("OP000006", 1)]),
]


async def test_stall_rule_on_the_dataset(dataset: list[str], service: OpportunityService) -> None:
    items = await service.stalled_opportunities(D(2026, 11, 24))
    assert [(i.no, i.stall_due, i.days_overdue) for i in items] == [
        ("OP000003", D(2026, 10, 22), 33),
        ("OP000005", D(2026, 10, 26), 29),
        ("OP000006", D(2026, 11, 10), 14),
    ]
    # nothing stalls before its due date
    for as_of, expected in STALLED_BY_DATE:
        items = await service.stalled_opportunities(as_of)
        assert [(i.no, i.days_overdue) for i in items] == expected, as_of
    # scoped to owners
    items = await service.stalled_opportunities(D(2026, 11, 24), owners=["PS", "JO"])
    assert [i.no for i in items] == ["OP000005", "OP000006"]


async def test_stage_date_formula_1w_stalls_after_seven_days(
    service: OpportunityService, seeded: People, sessions: Sessions, clock: Clock
) -> None:
    rows = ((1, "Call", 2, 10, None, False, False), (2, "Demo", 50, 50, None, False, False))
    await seed_cycles(
        sessions, build_cycle("WEEKLY", "Weekly", ProbabilityCalculation.MULTIPLY, rows, {1: "1W"})
    )
    clock.set(D(2026, 11, 10))
    created = await service.create(seeded.ah, contact="CT000002", description="Quick", value=Decimal("100"),
                                   cycle="WEEKLY")  # fmt: skip
    # Rule E: no close date given, the stage's formula gives dc + 1W.
    assert created.view.opp.estimated_close_date == D(2026, 11, 17)
    assert await service.stalled_opportunities(D(2026, 11, 17)) == []  # spec 7 row 1
    items = await service.stalled_opportunities(D(2026, 11, 18))  # row 2
    assert [(i.no, i.stall_due, i.days_overdue) for i in items] == [(created.view.no, D(2026, 11, 17), 1)]
    # Stage 2 has no formula: the default 14D applies from the new date of change.
    clock.set(D(2026, 11, 18))
    await service.move(
        seeded.ah, created.view.no, ActionType.NEXT, MoveInput(estimated_close_date=D(2026, 12, 31))
    )
    assert await service.stalled_opportunities(D(2026, 12, 2)) == []
    assert [i.days_overdue for i in await service.stalled_opportunities(D(2026, 12, 3))] == [1]


async def test_future_date_of_change_is_not_stalled_before_its_due_date(
    service: OpportunityService, seeded: People, clock: Clock
) -> None:
    clock.set(D(2026, 11, 10))
    no = (await service.create(seeded.ah, contact="CT000002", description="Later", value=Decimal("100"),
                               cycle="NEW", close=D(2027, 1, 31))).view.no  # fmt: skip
    await service.move(seeded.ah, no, ActionType.UPDATE, MoveInput(date_of_change=D(2026, 12, 1)))
    assert await service.stalled_opportunities(D(2026, 11, 24)) == []  # spec 7 row 9
    assert await service.stalled_opportunities(D(2026, 12, 15)) == []
    assert [(i.no, i.days_overdue) for i in await service.stalled_opportunities(D(2026, 12, 16))] == [(no, 1)]


async def test_configured_stall_default(sessions: Sessions, seeded: People, clock: Clock) -> None:
    service = OpportunityService(sessions, currency="EUR", stall_default="3W", clock=clock)
    clock.set(D(2026, 11, 1))
    no = (await service.create(seeded.ah, contact="CT000002", description="Slow", value=Decimal("100"),
                               cycle="NEW", close=D(2027, 1, 31))).view.no  # fmt: skip
    assert await service.stalled_opportunities(D(2026, 11, 22)) == []
    items = await service.stalled_opportunities(D(2026, 11, 24))  # spec 7 row 7
    assert [(i.no, i.stall_due, i.days_overdue) for i in items] == [(no, D(2026, 11, 22), 2)]
