"""`new`: a not-started opportunity and its planned values (spec 4.7)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from oppbot.domain.actions import check_chances, check_description, check_value
from oppbot.domain.dates import check_date
from oppbot.domain.enums import Priority
from oppbot.domain.errors import DomainError
from oppbot.domain.model import Contact, Opportunity, SalesCycle


def new_opportunity(
    *,
    description: str,
    contact: Contact,
    salesperson_code: str,
    cycle: SalesCycle,
    creation_date: date,
    priority: Priority,
    value: Decimal | None,
    chances: int | None,
    close_date: date | None,
    currency: str,
) -> Opportunity:
    """A not-started opportunity with its planned values checked; the caller gives it a number."""
    check_date(creation_date)
    opp = Opportunity(
        no="",
        description=check_description(description),
        contact_no=contact.no,
        contact_company_no=contact.company_no,
        salesperson_code=salesperson_code,
        sales_cycle_code=cycle.code,
        creation_date=creation_date,
        priority=priority,
    )
    validate_planned(opp, value=value, chances=chances, close_date=close_date, currency=currency)
    return opp


def validate_planned(
    opp: Opportunity, *, value: Decimal | None, chances: int | None, close_date: date | None, currency: str
) -> None:
    """`new`: planned values, when given, pass 4.1's checks with dc = creation date."""
    checked_value = check_value(value, currency) if value is not None else None
    checked_chances = check_chances(chances) if chances is not None else None
    if close_date is not None:
        check_date(close_date)
    if close_date is not None and close_date < opp.creation_date:
        raise DomainError("close_date_before_change", close=close_date, dc=opp.creation_date)
    opp.estimated_value, opp.chances_pct, opp.estimated_close_date = (
        checked_value,
        checked_chances,
        close_date,
    )
