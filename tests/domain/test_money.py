"""The largest amount oppbot accepts (issue 11): one limit, named with its currency."""

from __future__ import annotations

from decimal import Decimal

import pytest

from oppbot.domain.actions import check_value
from oppbot.domain.errors import DomainError
from oppbot.domain.money import check_amount, format_amount, max_amount
from oppbot.store.orm import Money


@pytest.mark.parametrize(
    ("currency", "largest"),
    [
        ("EUR", "999999999999.99"),
        ("JPY", "999999999999"),
        ("KWD", "999999999999.999"),
        ("CLF", "999999999999.9999"),
    ],
)
def test_max_amount_is_just_under_a_trillion_in_the_minor_unit(currency: str, largest: str) -> None:
    assert max_amount(currency) == Decimal(largest)
    assert check_amount(Decimal(largest), currency) == Decimal(largest)
    with pytest.raises(DomainError) as caught:
        check_amount(Decimal(largest) + Decimal("0.0001"), currency)
    assert caught.value.code == "amount_too_large"


def test_the_limit_fits_the_store_with_room_for_sums() -> None:
    """Money is a signed 64-bit count of ten-thousandths: the limit is far inside it."""
    stored = int(max_amount("CLF").scaleb(Money.scale))
    assert stored * 900 < 2**63 - 1


def test_the_message_names_the_maximum_with_its_currency() -> None:
    with pytest.raises(DomainError) as caught:
        check_value(Decimal("922337203685478"), "EUR")
    assert caught.value.params == {"max": "€999,999,999,999.99"}
    # Rounding comes first: 999,999,999,999.995 EUR is a trillion, refused.
    with pytest.raises(DomainError):
        check_value(Decimal("999999999999.995"), "EUR")
    assert check_value(Decimal("999999999999.994"), "EUR") == Decimal("999999999999.99")


def test_format_amount() -> None:
    assert format_amount(Decimal("999999999999.99"), "EUR", "it") == "999.999.999.999,99\u00a0€"
    assert format_amount(Decimal("999999999999"), "JPY", "en") == "¥999,999,999,999"
    assert format_amount(Decimal("999999999999.99"), None, "it-IT") == "999.999.999.999,99"
    assert format_amount(Decimal("1"), "EUR", "xx") == "€1.00"
