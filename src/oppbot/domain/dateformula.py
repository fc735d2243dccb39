"""Business Central date formulas, the subset of spec section 5 (`10D`, `2W`, `1M+10D`)."""

from __future__ import annotations

import re
from datetime import date

from dateutil.relativedelta import relativedelta

from oppbot.domain.errors import DomainError

_TERM = re.compile(r"([+-]?)(\d{1,4})([DWMQY])")
MAX_TERMS = 3
MAX_LENGTH = 20


def parse_formula(text: str) -> tuple[tuple[int, str], ...]:
    """Validate a formula and return its terms as (signed amount, unit)."""
    raw = (text or "").strip()
    if raw.startswith("<") and raw.endswith(">"):
        raw = raw[1:-1]
    compact = re.sub(r"\s+", "", raw).upper()
    if not compact:
        return ()
    if len(compact) > MAX_LENGTH:
        raise DomainError("invalid_date_formula", formula=text)
    terms: list[tuple[int, str]] = []
    pos = 0
    while pos < len(compact):
        match = _TERM.match(compact, pos)
        # A term after the first must carry its sign: `1M10D` is not BC syntax.
        if match is None or (terms and not match.group(1)):
            raise DomainError("invalid_date_formula", formula=text)
        sign = -1 if match.group(1) == "-" else 1
        terms.append((sign * int(match.group(2)), match.group(3)))
        pos = match.end()
    if len(terms) > MAX_TERMS:
        raise DomainError("invalid_date_formula", formula=text)
    return tuple(terms)


def normalize_formula(text: str, *, allow_negative: bool = True) -> str:
    """Stored form: upper case, no spaces, no leading `+` (`+2w` -> `2W`)."""
    terms = parse_formula(text)
    if not allow_negative and any(n < 0 for n, _ in terms):
        raise DomainError("invalid_date_formula", formula=text)
    parts = [f"{'-' if n < 0 else '+'}{abs(n)}{unit}" for n, unit in terms]
    return "".join(parts).lstrip("+")


def calc_date(formula: str, base: date) -> date:
    """Apply the terms one at a time, left to right (BC's CalcDate; month ends clamp).

    Never raises for a valid formula: a result beyond the calendar's ends (years 1 and 9999)
    saturates to date.max or date.min, which every caller reads as "never" or "always".
    """
    result = base
    for amount, unit in parse_formula(formula):
        if unit == "D":
            delta = relativedelta(days=amount)
        elif unit == "W":
            delta = relativedelta(days=7 * amount)
        elif unit == "M":
            delta = relativedelta(months=amount)
        elif unit == "Q":
            delta = relativedelta(months=3 * amount)
        else:
            delta = relativedelta(years=amount)
        try:
            result += delta
        except (OverflowError, ValueError):  # timedelta overflows; replace() refuses year 10000
            return date.max if amount > 0 else date.min
    return result
