"""Spec 7: the stall rule."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from oppbot.domain.dateformula import calc_date
from oppbot.domain.enums import OpportunityStatus
from oppbot.domain.errors import DomainError
from oppbot.domain.model import Opportunity
from oppbot.domain.stall import (
    DEFAULT_STALL_FORMULA,
    days_overdue,
    stall_due,
    stall_formula,
    stalled_before,
    validate_stall_default,
)


def d(text: str) -> date:
    return date.fromisoformat(text)


def opp(status: OpportunityStatus = OpportunityStatus.IN_PROGRESS, last: date | None = None) -> Opportunity:
    o = Opportunity("OP000001", "Deal", "CT000002", "AH", "NEW", d("2026-01-01"), status=status)
    o.last_change_date = last
    o.closed = status in (OpportunityStatus.WON, OpportunityStatus.LOST)
    return o


# Rows of the table of section 7: (#, stage formula, default, last dc, due, as of, overdue or None)
ROWS: list[tuple[int, str, str, str, str, str, int | None]] = [
    (1, "1W", "14D", "2026-11-10", "2026-11-17", "2026-11-17", None),
    (2, "1W", "14D", "2026-11-10", "2026-11-17", "2026-11-18", 1),
    (3, "2W", "14D", "2026-11-03", "2026-11-17", "2026-11-24", 7),
    (4, "", "14D", "2026-11-10", "2026-11-24", "2026-11-24", None),
    (5, "", "14D", "2026-11-10", "2026-11-24", "2026-11-25", 1),
    (6, "1M", "14D", "2026-01-31", "2026-02-28", "2026-03-01", 1),
    (7, "", "3W", "2026-11-01", "2026-11-22", "2026-11-24", 2),
    (9, "", "14D", "2026-12-01", "2026-12-15", "2026-11-24", None),
]


@pytest.mark.parametrize(
    ("row", "formula", "default", "last", "due", "as_of", "overdue"), ROWS, ids=[f"row{r[0]}" for r in ROWS]
)
def test_stall_table(
    row: int, formula: str, default: str, last: str, due: str, as_of: str, overdue: int | None
) -> None:
    assert stall_due(formula, default, d(last)) == d(due)
    assert days_overdue(opp(last=d(last)), formula, default, d(as_of)) == overdue


@pytest.mark.parametrize(
    "status", [OpportunityStatus.WON, OpportunityStatus.LOST, OpportunityStatus.NOT_STARTED], ids=str
)
@pytest.mark.parametrize("formula", ["1W", "", "1M"])
def test_row_8_closed_or_not_started_never_stalled(status: OpportunityStatus, formula: str) -> None:
    o = opp(status, last=d("2026-01-01") if status != OpportunityStatus.NOT_STARTED else None)
    assert days_overdue(o, formula, "14D", d("2027-06-01")) is None
    # Even with a stale last change date left behind.
    o.last_change_date = d("2026-01-01")
    assert days_overdue(o, formula, "14D", d("2027-06-01")) is None


def test_in_progress_without_last_change_is_not_stalled() -> None:
    assert days_overdue(opp(last=None), "", "14D", d("2027-06-01")) is None


def test_demo_data_set_as_of_2026_11_24() -> None:
    # Spec 7: demo stages have no formulas, so the default 14D applies.
    as_of = d("2026-11-24")
    for last, due, overdue in [
        ("2026-10-08", "2026-10-22", 33),
        ("2026-10-12", "2026-10-26", 29),
        ("2026-10-27", "2026-11-10", 14),
    ]:
        assert stall_due("", DEFAULT_STALL_FORMULA, d(last)) == d(due)
        assert days_overdue(opp(last=d(last)), "", DEFAULT_STALL_FORMULA, as_of) == overdue


def test_stall_formula_and_default() -> None:
    assert DEFAULT_STALL_FORMULA == "14D"
    assert stall_formula("", "14D") == "14D"
    assert stall_formula("2W", "14D") == "2W"


@pytest.mark.parametrize(
    ("text", "stored"), [("14D", "14D"), ("3w", "3W"), ("<1M+10D>", "1M+10D"), ("0D", "0D")]
)
def test_validate_stall_default_accepts(text: str, stored: str) -> None:
    assert validate_stall_default(text) == stored


@pytest.mark.parametrize("text", ["", "  ", "-1W", "1M-10D", "CM", "14", "D14", "1D+1D+1D+1D"])
def test_validate_stall_default_rejects(text: str) -> None:
    with pytest.raises(DomainError) as err:
        validate_stall_default(text)
    assert err.value.code == "invalid_date_formula"


def as_of_dates() -> list[date]:
    days: list[date] = []
    for year in (2026, 2027, 2028):
        for month in range(1, 13):
            first = date(year, month, 1)
            days += [first + timedelta(days=k) for k in range(-4, 3)]
            days.append(date(year, month, 15))
    return sorted(set(days))


@pytest.mark.parametrize("formula", ["1W", "2W", "1M", "1Q", "1M+10D", "14D", "1Y", "0D", ""])
def test_stalled_before_matches_brute_force(formula: str) -> None:
    for as_of in as_of_dates():
        cutoff = stalled_before(formula, as_of)
        for k in range(-40, 41):
            day = cutoff + timedelta(days=k)
            stalled = calc_date(formula, day) < as_of
            assert stalled == (day < cutoff), (formula, as_of, cutoff, day)


def test_stalled_before_examples() -> None:
    # 14D as of 2026-11-24: a last change on 11-10 is due 11-24 (not stalled), 11-09 is due 11-23 (stalled).
    assert stalled_before("14D", d("2026-11-24")) == d("2026-11-10")
    # 1M as of 2026-03-01: 01-31 and 01-29 are due 02-28 (stalled); 02-01 is due 03-01 (not).
    assert stalled_before("1M", d("2026-03-01")) == d("2026-02-01")


# --- far dates (issue 11): the stall rule never overflows -------------------------------------------------
@pytest.mark.parametrize("last", [date(9999, 12, 25), date.max, date(2999, 12, 31)])
@pytest.mark.parametrize("formula", ["", "1Y", "9999Y", "9999D"])
def test_far_last_change_is_not_stalled_and_does_not_raise(last: date, formula: str) -> None:
    assert stall_due(formula, "14D", last) >= last
    assert days_overdue(opp(last=last), formula, "14D", d("2026-11-24")) is None


@pytest.mark.parametrize("as_of", [date.min, date(1, 1, 20), date.max, date(9999, 12, 25)])
@pytest.mark.parametrize("formula", ["14D", "1M+10D", "9999Y"])
def test_stall_cutoff_at_the_calendars_ends(as_of: date, formula: str) -> None:
    cutoff = stalled_before(formula, as_of)
    assert cutoff <= as_of
    assert calc_date(formula, cutoff) >= as_of
    if cutoff > date.min:
        assert calc_date(formula, cutoff - timedelta(days=1)) < as_of or formula == "9999Y"


def test_overdue_days_from_the_first_date_ever() -> None:
    assert (
        days_overdue(opp(last=date.min), "", "14D", date(1900, 1, 1))
        == (date(1900, 1, 1) - date(1, 1, 15)).days
    )
