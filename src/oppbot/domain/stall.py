"""The stall rule (spec 7): an open opportunity is stalled once its stage's typical time has passed."""

from __future__ import annotations

from datetime import date, timedelta

from oppbot.domain.dateformula import calc_date, normalize_formula
from oppbot.domain.enums import OpportunityStatus
from oppbot.domain.errors import DomainError
from oppbot.domain.model import Opportunity

DEFAULT_STALL_FORMULA = "14D"
# Search horizon of the cutoff bisection: longer than any stage formula a sales team would use.
_SEARCH_DAYS = 200 * 366


def validate_stall_default(formula: str) -> str:
    """`OPPBOT_STALL_DEFAULT` must be a non-empty, non-negative formula."""
    normalized = normalize_formula(formula, allow_negative=False)
    if not normalized:
        raise DomainError("invalid_date_formula", formula=formula)
    return normalized


def stall_formula(stage_formula: str, default: str) -> str:
    return stage_formula or default


def stall_due(stage_formula: str, default: str, last_change: date) -> date:
    return calc_date(stall_formula(stage_formula, default), last_change)


def days_overdue(opp: Opportunity, stage_formula: str, default: str, as_of: date) -> int | None:
    """Days past the due date when stalled as of `as_of` (strictly after due), else None."""
    if opp.status != OpportunityStatus.IN_PROGRESS or opp.last_change_date is None:
        return None
    due = stall_due(stage_formula, default, opp.last_change_date)
    return (as_of - due).days if as_of > due else None


def stalled_before(formula: str, as_of: date) -> date:
    """The first date of change that is *not* stalled as of `as_of`.

    calc_date is non-decreasing in its base date for formulas without `-` terms, so the stalled
    opportunities of one formula are exactly those whose last change is before this cutoff. That
    turns the stall scan into one indexed range predicate per distinct formula.
    """
    # Near the calendar's start the horizon is cut at date.min (subtracting would overflow).
    low = as_of - timedelta(days=min(_SEARCH_DAYS, (as_of - date.min).days))
    high = as_of
    # Invariant: calc_date(formula, high) >= as_of (formulas are non-negative); find the least such day.
    while low < high:
        mid = low + (high - low) // 2
        if calc_date(formula, mid) >= as_of:
            high = mid
        else:
            low = mid + timedelta(days=1)
    return low
