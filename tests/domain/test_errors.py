"""A domain error names the input it concerns, so every form shows it under that input."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from tests.spec_data import demo_cycles

from oppbot.domain.creation import new_opportunity
from oppbot.domain.enums import ContactType, Priority
from oppbot.domain.errors import DomainError
from oppbot.domain.model import Contact

CONTACT = Contact("CT000001", ContactType.COMPANY, "Adatum Corporation", "CT000001")


@pytest.mark.parametrize(
    ("values", "code", "field"),
    [
        ({"description": ""}, "description_required", "description"),
        ({"value": Decimal(0)}, "value_not_positive", "value"),
        ({"chances": 0}, "chances_not_positive", "chances"),
        ({"close_date": date(2026, 9, 1)}, "close_date_before_change", "close"),
    ],
)
def test_a_raised_error_names_its_input(values: dict[str, object], code: str, field: str) -> None:
    args: dict[str, object] = {
        "description": "Chairs", "contact": CONTACT, "salesperson_code": "AH", "cycle": demo_cycles()["NEW"],
        "creation_date": date(2026, 10, 1), "priority": Priority.NORMAL, "value": None, "chances": None,
        "close_date": None, "currency": "EUR",
    }  # fmt: skip
    with pytest.raises(DomainError) as info:
        new_opportunity(**{**args, **values})  # type: ignore[arg-type]
    assert (info.value.code, info.value.field) == (code, field)


def test_an_error_about_no_single_input_names_none_and_a_raiser_may_say_which() -> None:
    assert DomainError("not_allowed", no="OP000001", owner="Peter").field is None
    assert DomainError("amount_too_large", max="€1").field == "value"
    assert DomainError("amount_too_large", field="amount", max="€1").field == "amount"
    assert DomainError("amount_too_large", field="amount", max="€1").params == {"max": "€1"}
