"""The dates oppbot accepts: one range, checked wherever a date comes in."""

from __future__ import annotations

from datetime import date

from oppbot.domain.errors import DomainError

# Wide enough for any real opportunity (and for history loaded from an old system), yet far from
# the ends of the calendar (years 1 and 9999): a stage's date formula added to an accepted date,
# or the stall rule's arithmetic, never has to leave it for any formula a sales team would use.
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2999, 12, 31)


def date_in_range(value: date) -> bool:
    return MIN_DATE <= value <= MAX_DATE


def check_date(value: date) -> date:
    """`value`, or DomainError("date_out_of_range") naming the range."""
    if not date_in_range(value):
        raise DomainError(
            "date_out_of_range", date=value.isoformat(), min=MIN_DATE.isoformat(), max=MAX_DATE.isoformat()
        )
    return value
