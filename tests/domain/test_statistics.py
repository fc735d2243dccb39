"""Spec 6: figures derived from exact totals, with the worked example of 6.3."""

from __future__ import annotations

from dataclasses import astuple
from decimal import Decimal

import pytest

from oppbot.domain.statistics import Figures, SalespersonLedgerFigures, Totals, average_days

D = Decimal

# Totals built by hand from the data set of 6.3 (days to close: OP000001 20, OP000002 30, OP000004 28).
TOTALS: dict[str, Totals] = {
    # OP000003 open (10000/5000), OP000005 open (7500/150), OP000004 won 4200 (28 d), OP000001 lost (20 d)
    "EXISTING": Totals(0, 2, 1, 1, D("17500.00"), D("5150.00"), D("4200.00"), 48),
    # OP000007 not started, OP000006 open (30000/7500), OP000002 lost (30 d)
    "NEW": Totals(1, 1, 0, 1, D("30000.00"), D("7500.00"), D("0.00"), 30),
    # OP000007 not started, OP000003 open, OP000004 won
    "AH": Totals(1, 1, 1, 0, D("10000.00"), D("5000.00"), D("4200.00"), 28),
    # OP000005 open, OP000001 and OP000002 lost
    "PS": Totals(0, 1, 0, 2, D("7500.00"), D("150.00"), D("0.00"), 50),
    # OP000006 open
    "JO": Totals(0, 1, 0, 0, D("30000.00"), D("7500.00"), D("0.00"), 0),
}

# oppbot figures of 6.3: not started, open, won, lost, pipeline est., pipeline calcd, avg est., avg calcd,
# won value, win rate %, avg days to close.
FIGURES: dict[
    str, tuple[int, int, int, int, str, str, str | None, str | None, str, str | None, str | None]
] = {
    "EXISTING": (0, 2, 1, 1, "17500.00", "5150.00", "8750.00", "2575.00", "4200.00", "50.0", "24.00"),
    "NEW": (1, 1, 0, 1, "30000.00", "7500.00", "30000.00", "7500.00", "0.00", "0.0", "30.00"),
    "AH": (1, 1, 1, 0, "10000.00", "5000.00", "10000.00", "5000.00", "4200.00", "100.0", "28.00"),
    "PS": (0, 1, 0, 2, "7500.00", "150.00", "7500.00", "150.00", "0.00", "0.0", "25.00"),
    "JO": (0, 1, 0, 0, "30000.00", "7500.00", "30000.00", "7500.00", "0.00", None, None),
    "TEAM": (1, 3, 1, 2, "47500.00", "12650.00", "15833.33", "4216.67", "4200.00", "33.3", "26.00"),
}


def as_strings(f: Figures) -> tuple[object, ...]:
    return tuple(v if v is None or isinstance(v, int) else str(v) for v in astuple(f)[1:])


@pytest.mark.parametrize("group", ["EXISTING", "NEW", "AH", "PS", "JO"])
def test_figures_of_6_3(group: str) -> None:
    f = Figures.from_totals(group, TOTALS[group], "EUR")
    assert f.label == group
    assert as_strings(f) == FIGURES[group]


def test_team_jo_is_the_sum_of_its_members() -> None:
    team = TOTALS["JO"] + TOTALS["AH"] + TOTALS["PS"]
    assert team == Totals(1, 3, 1, 2, D("47500.00"), D("12650.00"), D("4200.00"), 78)
    # The same opportunities grouped by cycle.
    assert TOTALS["EXISTING"] + TOTALS["NEW"] == team
    f = Figures.from_totals("JO team", team, "EUR")
    assert as_strings(f) == FIGURES["TEAM"]


def test_totals_add_fieldwise_and_zero() -> None:
    a = Totals(1, 2, 3, 4, D("1.10"), D("2.20"), D("3.30"), 5)
    b = Totals(10, 20, 30, 40, D("0.01"), D("0.02"), D("0.03"), 50)
    assert a + b == Totals(11, 22, 33, 44, D("1.11"), D("2.22"), D("3.33"), 55)
    assert a + Totals() == a
    assert Totals() + Totals() == Totals()


def test_figures_of_nothing() -> None:
    f = Figures.from_totals("empty", Totals(), "EUR")
    assert as_strings(f) == (0, 0, 0, 0, "0.00", "0.00", None, None, "0.00", None, None)


def test_figures_rounding_half_up() -> None:
    # 2 won of 3 closed: 66.666… → 66.7; 1 of 8: 12.5 exactly; avg days 1/8 = 0.125 → 0.13.
    f = Figures.from_totals("x", Totals(won=2, lost=1, days_to_close_sum=5), "EUR")
    assert (str(f.win_rate_pct), str(f.avg_days_to_close)) == ("66.7", "1.67")
    g = Figures.from_totals("y", Totals(won=1, lost=7, days_to_close_sum=1), "EUR")
    assert (str(g.win_rate_pct), str(g.avg_days_to_close)) == ("12.5", "0.13")
    # Money averages half up to the minor unit: 0.05 / 2 = 0.025 → 0.03 (HALF_EVEN would give 0.02).
    h = Figures.from_totals("z", Totals(open=2, pipeline_estimated_value=D("0.05")), "EUR")
    assert str(h.avg_estimated_value) == "0.03"
    j = Figures.from_totals("j", Totals(open=3, pipeline_estimated_value=D("100")), "JPY")
    assert (str(j.pipeline_estimated_value), str(j.avg_estimated_value)) == ("100", "33")


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ([20, 7, 5], "10.67"),  # EXISTING stage 1
        ([10, 7], "8.50"),  # NEW stage 1
        ([10], "10.00"),
        ([13], "13.00"),
        ([20], "20.00"),
        ([0, 0, 1], "0.33"),
        ([1, 1, 0, 0, 0, 0, 0, 0], "0.25"),
        ([1] + [0] * 7, "0.13"),
    ],
)
def test_average_days(days: list[int], expected: str) -> None:
    result = average_days(sum(days), len(days))
    assert result is not None
    assert str(result) == expected


def test_average_days_none_without_entries() -> None:
    assert average_days(0, 0) is None


@pytest.mark.parametrize(
    ("code", "count", "est", "calcd", "expected"),
    [
        ("AH", 2, "14000.00", "9200.00", ("AH", 2, "14000.00", "7000.00", "9200.00", "4600.00")),
        ("PS", 3, "22000.00", "150.00", ("PS", 3, "22000.00", "7333.33", "150.00", "50.00")),
        ("JO", 1, "30000.00", "7500.00", ("JO", 1, "30000.00", "30000.00", "7500.00", "7500.00")),
    ],
)
def test_salesperson_ledger_figures(
    code: str, count: int, est: str, calcd: str, expected: tuple[object, ...]
) -> None:
    f = SalespersonLedgerFigures.from_sums(code, count, D(est), D(calcd), "EUR")
    assert tuple(v if isinstance(v, int) else str(v) for v in astuple(f)) == expected


def test_salesperson_ledger_figures_built_from_entries() -> None:
    # PS's active entries E3 (lost, 2500.00/0.00), E9 (7500.00/150.00), E10 (lost, 12000.00/0.00).
    entries = [(D("2500.00"), D("0.00")), (D("7500.00"), D("150.00")), (D("12000.00"), D("0.00"))]
    est = sum((e for e, _ in entries), D(0))
    calcd = sum((c for _, c in entries), D(0))
    f = SalespersonLedgerFigures.from_sums("PS", len(entries), est, calcd, "EUR")
    assert (str(f.avg_estimated_value), str(f.avg_calcd_current_value)) == ("7333.33", "50.00")


def test_salesperson_ledger_figures_none() -> None:
    f = SalespersonLedgerFigures.from_sums("XX", 0, D(0), D(0), "EUR")
    assert (f.count, f.avg_estimated_value, f.avg_calcd_current_value) == (0, None, None)
    assert (str(f.estimated_value), str(f.calcd_current_value)) == ("0.00", "0.00")
