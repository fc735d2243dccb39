"""Money and percentages as exact decimals (spec 3.2), and the largest amount oppbot accepts."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel.numbers import format_currency, format_decimal, get_currency_precision

from oppbot.domain.errors import DomainError

HUNDRED = Decimal(100)

# Every amount (an estimated value, a won amount) stays below a trillion in the currency's major
# unit: at most 999,999,999,999.99 EUR, 999,999,999,999 JPY. The store keeps money as a signed 64-bit
# integer of ten-thousandths (store.orm.Money), which ends at 922,337,203,685,477.5807; the limit
# keeps every stored amount more than 900 times below that, even for a 4-decimal currency, so a
# value times a probability stays exact, and sums stay exact on both databases however many rows
# there are (store.statistics sums in two parts; Decimal keeps 28 digits in Python).
AMOUNT_LIMIT = Decimal(10) ** 12


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


def max_amount(currency: str | None) -> Decimal:
    """The largest amount accepted: one minor unit below AMOUNT_LIMIT (two decimals if unknown)."""
    return AMOUNT_LIMIT - (_quantum(currency) if currency else Decimal("0.01"))


def format_amount(amount: Decimal, currency: str | None, locale: str = "en") -> str:
    """An amount as a reader of `locale` writes it (`€999,999,999,999.99`); no symbol without currency."""
    lang = "it" if locale.lower().startswith("it") else "en"
    if currency:
        return str(format_currency(amount, currency, locale=lang))
    return str(format_decimal(amount, format="#,##0.00", locale=lang))


def check_amount(amount: Decimal, currency: str) -> Decimal:
    """`amount`, or DomainError("amount_too_large") naming the largest accepted amount."""
    limit = max_amount(currency)
    if amount > limit:
        raise DomainError("amount_too_large", max=format_amount(limit, currency))
    return amount


def round_half_up(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def format_pct(value: Decimal | int) -> str:
    """Up to two decimals, trailing zeros dropped: 13.5, 10.89, 20."""
    text = f"{Decimal(value).quantize(Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
