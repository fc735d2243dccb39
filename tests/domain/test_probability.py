"""Spec 3: probability % and the calculated current value, with the exact worked examples of 3.3."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

import pytest

from oppbot.domain.actions import CloseInput, MoveInput, close, start
from oppbot.domain.enums import CloseType, ProbabilityCalculation
from oppbot.domain.model import (
    CloseOpportunityCode,
    Opportunity,
    OpportunityEntry,
    SalesCycle,
    SalesCycleStage,
)
from oppbot.domain.money import format_pct, minor_unit, round_money
from oppbot.domain.probability import calcd_current_value, probability_pct

M = ProbabilityCalculation.MULTIPLY
A = ProbabilityCalculation.ADD
CH = ProbabilityCalculation.CHANCES
CO = ProbabilityCalculation.COMPLETED

# Rows 1–13 of table 3.3: (#, method, currency, value, c, p, probability, exact product, calcd)
ROWS: list[tuple[int, ProbabilityCalculation, str, str, int, int, str, str, str]] = [
    (1, M, "EUR", "10000.00", 40, 50, "20", "2000.00", "2000.00"),
    (2, M, "EUR", "1234.57", 33, 33, "10.89", "134.444673", "134.44"),
    (3, M, "EUR", "10.05", 20, 50, "10", "1.005", "1.01"),
    (4, M, "EUR", "10000.00", 10, 2, "0.2", "20.000", "20.00"),
    (5, A, "EUR", "999.99", 25, 2, "13.5", "134.99865", "135.00"),
    (6, A, "EUR", "3.40", 5, 0, "2.5", "0.085", "0.09"),
    (7, CH, "EUR", "7777.77", 45, 80, "45", "3499.9965", "3500.00"),
    (8, CO, "EUR", "5500.00", 100, 95, "95", "5225.00", "5225.00"),
    (9, CO, "EUR", "8000.00", 50, 0, "0", "0", "0.00"),
    (10, M, "EUR", "4321.09", 100, 100, "100", "4321.09", "4321.09"),
    (11, M, "JPY", "1000005", 10, 25, "2.5", "25000.125", "25000"),
    (12, CH, "JPY", "101", 50, 10, "50", "50.5", "51"),
    (13, A, "KWD", "1.005", 60, 40, "50", "0.5025", "0.503"),
]


@pytest.mark.parametrize(
    ("row", "method", "currency", "value", "c", "p", "prob", "product", "calcd"),
    ROWS,
    ids=[f"row{r[0]}" for r in ROWS],
)
def test_table_3_3(
    row: int,
    method: ProbabilityCalculation,
    currency: str,
    value: str,
    c: int,
    p: int,
    prob: str,
    product: str,
    calcd: str,
) -> None:
    probability = probability_pct(method, c, p)
    assert isinstance(probability, Decimal)
    assert probability == Decimal(prob)
    assert Decimal(value) * probability / 100 == Decimal(product)
    result = calcd_current_value(Decimal(value), probability, currency)
    assert isinstance(result, Decimal)
    # The exact string: right value *and* quantized to the currency's minor unit.
    assert str(result) == calcd


def test_probability_has_at_most_two_decimals() -> None:
    for method in ProbabilityCalculation:
        for c in range(0, 101):
            for p in (0, 1, 2, 5, 33, 50, 95, 99, 100):
                probability = probability_pct(method, c, p)
                assert probability == probability.quantize(Decimal("0.01"))
                assert Decimal(0) <= probability <= Decimal(100)


def test_row_3_traps_float_and_half_even() -> None:
    # The spec's reason for row 3: float arithmetic and banker's rounding both give 1.00.
    assert round(10.05 * 10 / 100, 2) == 1.0
    assert Decimal("1.005").quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN) == Decimal("1.00")
    result = calcd_current_value(Decimal("10.05"), probability_pct(M, 20, 50), "EUR")
    assert str(result) == "1.01"


def test_row_6_trap_half_even() -> None:
    assert Decimal("0.085").quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN) == Decimal("0.08")
    result = calcd_current_value(Decimal("3.40"), probability_pct(A, 5, 0), "EUR")
    assert str(result) == "0.09"


def test_probability_is_not_rounded_before_the_product() -> None:
    # 10.89 % of 1234.57: rounding the probability to 10.9 first would give 134.57.
    result = calcd_current_value(Decimal("1234.57"), probability_pct(M, 33, 33), "EUR")
    assert str(result) == "134.44"


@pytest.mark.parametrize(("currency", "units"), [("EUR", 2), ("JPY", 0), ("KWD", 3), ("USD", 2)])
def test_minor_unit(currency: str, units: int) -> None:
    assert minor_unit(currency) == units


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("1.005", "EUR", "1.01"),
        ("0.085", "EUR", "0.09"),
        ("20000", "EUR", "20000.00"),
        ("2.5", "JPY", "3"),
        ("0.0005", "KWD", "0.001"),
        ("1.004999", "EUR", "1.00"),
    ],
)
def test_round_money_half_up(amount: str, currency: str, expected: str) -> None:
    assert str(round_money(Decimal(amount), currency)) == expected


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("13.5"), "13.5"),
        (Decimal("13.50"), "13.5"),
        (Decimal("10.89"), "10.89"),
        (Decimal("20"), "20"),
        (Decimal("20.00"), "20"),
        (20, "20"),
        (Decimal("0.2"), "0.2"),
        (Decimal("100"), "100"),
        (Decimal("0"), "0"),
    ],
)
def test_format_pct(value: Decimal | int, text: str) -> None:
    assert format_pct(value) == text


# Rows 14 and 15: closing overrides the formulas.


def _started(currency: str = "EUR") -> tuple[Opportunity, SalesCycle, OpportunityEntry]:
    cycle = SalesCycle(
        code="C",
        probability_calculation=M,
        stages=[SalesCycleStage("C", 1, "One", completed_pct=10, chances_pct=50)],
    )
    opp = Opportunity("OP000001", "Deal", "CT000002", "AH", "C", date(2026, 10, 1))
    outcome = start(
        opp,
        cycle,
        MoveInput(estimated_value=Decimal("24000.50"), estimated_close_date=date(2026, 12, 31)),
        today=date(2026, 10, 1),
        currency=currency,
        actor="AH",
    )
    return opp, cycle, outcome.entry


CODES = {
    "PRICE_W": CloseOpportunityCode("PRICE_W", CloseType.WON),
    "PRICE_L": CloseOpportunityCode("PRICE_L", CloseType.LOST),
}


def test_row_14_won_calcd_is_won_amount() -> None:
    opp, _, active = _started()
    outcome = close(
        opp,
        active,
        CloseInput(won=True, close_code="PRICE_W", won_amount=Decimal("23500")),
        CODES,
        today=date(2026, 11, 3),
        currency="EUR",
        actor="AH",
    )
    entry = outcome.entry
    assert entry.probability_pct == Decimal(100)
    assert str(entry.calcd_current_value) == "23500.00"
    assert str(entry.estimated_value) == "24000.50"
    assert (entry.chances_pct, entry.completed_pct) == (100, 100)


def test_row_15_lost_calcd_is_zero() -> None:
    opp, _, active = _started()
    outcome = close(
        opp,
        active,
        CloseInput(won=False, close_code="PRICE_L"),
        CODES,
        today=date(2026, 11, 3),
        currency="EUR",
        actor="AH",
    )
    entry = outcome.entry
    assert entry.probability_pct == Decimal(0)
    assert str(entry.calcd_current_value) == "0.00"
    assert str(entry.estimated_value) == "24000.50"
    assert (entry.chances_pct, entry.completed_pct) == (0, 100)
