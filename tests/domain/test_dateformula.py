"""Spec 5: the supported subset of Business Central date formulas."""

from __future__ import annotations

from datetime import date

import pytest

from oppbot.domain.dateformula import calc_date, normalize_formula, parse_formula
from oppbot.domain.errors import DomainError

# Examples 1–12 of section 5.
EXAMPLES: list[tuple[int, str, date, date]] = [
    (1, "10D", date(2026, 11, 24), date(2026, 12, 4)),
    (2, "2W", date(2026, 11, 24), date(2026, 12, 8)),
    (3, "-1W", date(2026, 11, 24), date(2026, 11, 17)),
    (4, "1M", date(2026, 1, 31), date(2026, 2, 28)),
    (5, "1M", date(2028, 1, 31), date(2028, 2, 29)),
    (6, "1M", date(2026, 6, 30), date(2026, 7, 30)),
    (7, "1Q", date(2026, 11, 30), date(2027, 2, 28)),
    (8, "1Y", date(2028, 2, 29), date(2029, 2, 28)),
    (9, "1M+1Y", date(2027, 1, 31), date(2028, 2, 28)),
    (10, "1Y+1M", date(2027, 1, 31), date(2028, 2, 29)),
    (11, "1M+10D", date(2026, 1, 31), date(2026, 3, 10)),
    (12, "0D", date(2026, 11, 24), date(2026, 11, 24)),
    (12, "", date(2026, 11, 24), date(2026, 11, 24)),
]


@pytest.mark.parametrize(
    ("n", "formula", "base", "expected"), EXAMPLES, ids=[f"ex{e[0]}-{e[1] or 'empty'}" for e in EXAMPLES]
)
def test_calc_date_examples(n: int, formula: str, base: date, expected: date) -> None:
    assert calc_date(formula, base) == expected


@pytest.mark.parametrize("text", ["2w", "<2W>", "+2W", " 2 W ", "<2w>", "+2w"])
def test_example_13_stored_as_2w(text: str) -> None:
    assert normalize_formula(text) == "2W"
    assert calc_date(text, date(2026, 11, 24)) == date(2026, 12, 8)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("1m + 10d", "1M+10D"),
        ("<1M+10D>", "1M+10D"),
        ("-1w", "-1W"),
        ("1M-10D", "1M-10D"),
        ("10d", "10D"),
        ("1y+1m+1d", "1Y+1M+1D"),
        ("9999D", "9999D"),
        ("", ""),
        ("  ", ""),
    ],
)
def test_normalize(text: str, stored: str) -> None:
    assert normalize_formula(text) == stored


@pytest.mark.parametrize(
    "text",
    [
        "CD",
        "CW",
        "CM",
        "CQ",
        "CY",
        "WD2",
        "D10",
        "P",
        "D",
        "W",
        "10000D",
        "1D+1D+1D+1D",
        "1M10D",
        "1X",
        "+",
        "1M+",
        "<>1D",
        "1.5D",
        "CM+1D",
    ],
)
def test_rejected(text: str) -> None:
    with pytest.raises(DomainError) as err:
        parse_formula(text)
    assert err.value.code == "invalid_date_formula"
    with pytest.raises(DomainError) as err2:
        normalize_formula(text)
    assert err2.value.code == "invalid_date_formula"
    with pytest.raises(DomainError) as err3:
        calc_date(text, date(2026, 11, 24))
    assert err3.value.code == "invalid_date_formula"


def test_three_terms_accepted() -> None:
    assert parse_formula("1D+1D+1D") == ((1, "D"), (1, "D"), (1, "D"))
    assert calc_date("1D+1D+1D", date(2026, 11, 24)) == date(2026, 11, 27)


def test_parse_terms_signed() -> None:
    assert parse_formula("1M-10D") == ((1, "M"), (-10, "D"))
    assert parse_formula("-2W") == ((-2, "W"),)
    assert parse_formula("") == ()


def test_disallow_negative() -> None:
    with pytest.raises(DomainError) as err:
        normalize_formula("-1W", allow_negative=False)
    assert err.value.code == "invalid_date_formula"
    with pytest.raises(DomainError) as err2:
        normalize_formula("1M-10D", allow_negative=False)
    assert err2.value.code == "invalid_date_formula"
    assert normalize_formula("+2W", allow_negative=False) == "2W"
    assert normalize_formula("1M+10D", allow_negative=False) == "1M+10D"


def test_no_stick_to_month_end() -> None:
    # 30 June + 1M = 30 July, not 31 July; 28 Feb + 1M = 28 March.
    assert calc_date("1M", date(2026, 6, 30)) == date(2026, 7, 30)
    assert calc_date("1M", date(2026, 2, 28)) == date(2026, 3, 28)


def test_terms_applied_in_order_not_merged() -> None:
    # Merged into one relativedelta, 1M+1Y from 2027-01-31 would give 2028-02-29 (example 9).
    assert calc_date("1M+1Y", date(2027, 1, 31)) != calc_date("1Y+1M", date(2027, 1, 31))


def test_quarter_and_year_negative() -> None:
    assert calc_date("-1Q", date(2026, 5, 31)) == date(2026, 2, 28)
    assert calc_date("-1Y", date(2028, 2, 29)) == date(2027, 2, 28)


# --- the calendar's ends (issue 11): arithmetic saturates instead of raising ----------------------------
@pytest.mark.parametrize(
    ("formula", "base", "expected"),
    [
        ("14D", date(9999, 12, 25), date.max),
        ("1Y", date(9999, 1, 1), date.max),
        ("9999Y", date(2999, 12, 31), date.max),
        ("1Q", date(9999, 11, 30), date.max),
        ("9999W", date(9900, 1, 1), date.max),
        ("-1D", date.min, date.min),
        ("-9999Y", date(2026, 1, 1), date.min),
        ("-1M", date(1, 1, 31), date.min),
        ("1D+9999Y-9999Y", date(9000, 1, 1), date.max),  # saturated is final: "beyond the calendar"
        ("1D", date(9999, 12, 30), date(9999, 12, 31)),  # the last real day is still computed
    ],
)
def test_calc_date_never_raises_at_the_calendars_ends(formula: str, base: date, expected: date) -> None:
    assert calc_date(formula, base) == expected
