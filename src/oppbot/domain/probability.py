"""Probability % and calculated current value (spec 3.1)."""

from __future__ import annotations

from decimal import Decimal

from oppbot.domain.enums import ProbabilityCalculation
from oppbot.domain.money import HUNDRED, round_money


def probability_pct(method: ProbabilityCalculation, chances: int, completed: int) -> Decimal:
    """Exact: with whole-number inputs the result has at most two decimals, so it is never rounded."""
    c, p = Decimal(chances), Decimal(completed)
    if method == ProbabilityCalculation.MULTIPLY:
        return c * p / HUNDRED
    if method == ProbabilityCalculation.ADD:
        return (c + p) / 2
    if method == ProbabilityCalculation.CHANCES:
        return c
    return p


def calcd_current_value(estimated_value: Decimal, probability: Decimal, currency: str) -> Decimal:
    """Round the exact product once (never the probability first)."""
    return round_money(estimated_value * probability / HUNDRED, currency)
