"""Money and percentages as exact decimals (spec 3.2)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel.numbers import get_currency_precision

HUNDRED = Decimal(100)


@lru_cache(maxsize=32)
def minor_unit(currency: str) -> int:
    """Number of decimals of the currency (CLDR via babel: EUR 2, JPY 0, KWD 3)."""
    return int(get_currency_precision(currency))


@lru_cache(maxsize=32)
def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_unit(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Quantize once to the minor unit, half away from zero (never banker's rounding)."""
    return amount.quantize(_quantum(currency), rounding=ROUND_HALF_UP)


def round_half_up(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def format_pct(value: Decimal | int) -> str:
    """Up to two decimals, trailing zeros dropped: 13.5, 10.89, 20."""
    text = f"{Decimal(value).quantize(Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
