"""Pipeline figures (spec 6.2) derived from exact totals the store sums in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from oppbot.domain.money import round_half_up, round_money

ZERO = Decimal(0)


@dataclass(frozen=True)
class Totals:
    """Exact counts and sums over a group of opportunities."""

    not_started: int = 0
    open: int = 0
    won: int = 0
    lost: int = 0
    pipeline_estimated_value: Decimal = ZERO
    pipeline_calcd_value: Decimal = ZERO
    won_value: Decimal = ZERO
    days_to_close_sum: int = 0

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            self.not_started + other.not_started,
            self.open + other.open,
            self.won + other.won,
            self.lost + other.lost,
            self.pipeline_estimated_value + other.pipeline_estimated_value,
            self.pipeline_calcd_value + other.pipeline_calcd_value,
            self.won_value + other.won_value,
            self.days_to_close_sum + other.days_to_close_sum,
        )


@dataclass(frozen=True)
class Figures:
    """oppbot's figures for one group (a cycle, a salesperson, a team, everything)."""

    label: str
    not_started: int
    open: int
    won: int
    lost: int
    pipeline_estimated_value: Decimal
    pipeline_calcd_value: Decimal
    avg_estimated_value: Decimal | None
    avg_calcd_value: Decimal | None
    won_value: Decimal
    win_rate_pct: Decimal | None
    avg_days_to_close: Decimal | None

    @classmethod
    def from_totals(cls, label: str, t: Totals, currency: str) -> Figures:
        closed = t.won + t.lost
        return cls(
            label=label,
            not_started=t.not_started,
            open=t.open,
            won=t.won,
            lost=t.lost,
            pipeline_estimated_value=round_money(t.pipeline_estimated_value, currency),
            pipeline_calcd_value=round_money(t.pipeline_calcd_value, currency),
            avg_estimated_value=round_money(t.pipeline_estimated_value / t.open, currency)
            if t.open
            else None,
            avg_calcd_value=round_money(t.pipeline_calcd_value / t.open, currency) if t.open else None,
            won_value=round_money(t.won_value, currency),
            win_rate_pct=round_half_up(Decimal(t.won * 100) / closed, 1) if closed else None,
            avg_days_to_close=round_half_up(Decimal(t.days_to_close_sum) / closed, 2) if closed else None,
        )


@dataclass(frozen=True)
class StageFigures:
    """Per stage of a cycle: open pipeline plus BC's Average No. of Days."""

    stage: int
    description: str
    open: int
    pipeline_estimated_value: Decimal
    pipeline_calcd_value: Decimal
    avg_days: Decimal | None


def average_days(days_sum: int, visits: int) -> Decimal | None:
    """BC's Average No. of Days over inactive entries; None when there are none (BC shows 0)."""
    return round_half_up(Decimal(days_sum) / visits, 2) if visits else None


@dataclass(frozen=True)
class SalespersonLedgerFigures:
    """BC's Salesperson Statistics: active entries including won and lost ones."""

    salesperson_code: str
    count: int
    estimated_value: Decimal
    avg_estimated_value: Decimal | None
    calcd_current_value: Decimal
    avg_calcd_current_value: Decimal | None

    @classmethod
    def from_sums(
        cls, code: str, count: int, est: Decimal, calcd: Decimal, currency: str
    ) -> SalespersonLedgerFigures:
        return cls(
            salesperson_code=code,
            count=count,
            estimated_value=round_money(est, currency),
            avg_estimated_value=round_money(est / count, currency) if count else None,
            calcd_current_value=round_money(calcd, currency),
            avg_calcd_current_value=round_money(calcd / count, currency) if count else None,
        )
