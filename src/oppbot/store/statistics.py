"""Statistics queries: exact sums and counts in SQL, one statement per figure set (spec 6)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from oppbot.domain.enums import OpportunityStatus
from oppbot.domain.statistics import Totals
from oppbot.store.orm import Money, OpportunityEntryRow, OpportunityRow

# What figures can be grouped by, by name, so the service needs no table knowledge.
GROUPS: dict[str, sa.ColumnElement[Any]] = {
    "cycle": OpportunityRow.__table__.c.sales_cycle_code,
    "stage": OpportunityRow.__table__.c.current_stage,
    "salesperson": OpportunityRow.__table__.c.salesperson_code,
}


# Money is a BIGINT of ten-thousandths, and SQLite's SUM() of integers fails with "integer overflow"
# past 2**63 (two amounts of 5e14 do it). So every money sum is taken in two parts, quotient and
# remainder by _SPLIT (each part of any BIGINT is below 10**10, so their sums stay below 2**63 up
# to 900 million rows), and the parts are joined in Python as exact Decimals. PostgreSQL would sum
# BIGINT as NUMERIC anyway; one query for both keeps the two databases answering alike.
_SPLIT = 10**9


def _money_sum(column: Any, where: sa.ColumnElement[bool] | None = None) -> list[sa.ColumnElement[Any]]:
    """The two SQL aggregates of an exact money sum (see _SPLIT); `_joined` puts them back together."""
    raw = sa.type_coerce(column, sa.BigInteger)  # the stored integer, not the ScaledDecimal
    parts = [
        sa.func.sum(raw.op("/", return_type=sa.BigInteger)(_SPLIT)),  # integer division on both
        sa.func.sum(raw % _SPLIT),
    ]
    return [p if where is None else p.filter(where) for p in parts]


def _joined(high: Any, low: Any) -> Decimal:
    """The exact sum from its two parts, unscaled; NULL (no rows) means none."""
    if high is None:
        return Decimal(0)
    return (Decimal(int(high)) * _SPLIT + Decimal(int(low))).scaleb(-Money.scale)


class StatisticsQueries:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _days_to_close(self) -> sa.ColumnElement[Any]:
        if self.session.get_bind().dialect.name == "sqlite":
            return sa.func.julianday(OpportunityRow.date_closed) - sa.func.julianday(
                OpportunityRow.creation_date
            )
        return OpportunityRow.date_closed - OpportunityRow.creation_date

    async def totals_by(
        self, *groups: str, owners: Sequence[str] | None = None, cycle: str | None = None
    ) -> dict[tuple[Any, ...], Totals]:
        """oppbot's figures (spec 6.2) per combination of `groups` (none: one overall group `()`)."""
        status = OpportunityRow.status
        is_open = status == OpportunityStatus.IN_PROGRESS
        closed = status.in_((OpportunityStatus.WON, OpportunityStatus.LOST))
        keys = [GROUPS[g] for g in groups]
        query = sa.select(
            *keys,
            sa.func.count().filter(status == OpportunityStatus.NOT_STARTED),
            sa.func.count().filter(is_open),
            sa.func.count().filter(status == OpportunityStatus.WON),
            sa.func.count().filter(status == OpportunityStatus.LOST),
            sa.func.sum(self._days_to_close()).filter(closed),
            *_money_sum(OpportunityRow.estimated_value, is_open),
            *_money_sum(OpportunityRow.calcd_current_value, is_open),
            *_money_sum(OpportunityRow.calcd_current_value, status == OpportunityStatus.WON),
        )
        if owners is not None:
            query = query.where(OpportunityRow.salesperson_code.in_(owners))
        if cycle is not None:
            query = query.where(OpportunityRow.sales_cycle_code == cycle)
        if keys:
            query = query.group_by(*keys)
        result: dict[tuple[Any, ...], Totals] = {}
        for row in await self.session.execute(query):
            group, v = tuple(row[: len(keys)]), row[len(keys) :]
            result[group] = Totals(
                not_started=v[0],
                open=v[1],
                won=v[2],
                lost=v[3],
                days_to_close_sum=int(v[4] or 0),
                pipeline_estimated_value=_joined(v[5], v[6]),
                pipeline_calcd_value=_joined(v[7], v[8]),
                won_value=_joined(v[9], v[10]),
            )
        return result

    async def stage_days(self) -> dict[tuple[str, int], tuple[int, int]]:
        """BC's Average No. of Days inputs per (cycle, stage): (sum of days_open, count), inactive entries."""
        e = OpportunityEntryRow
        rows = await self.session.execute(
            sa.select(e.sales_cycle_code, e.stage, sa.func.sum(e.days_open), sa.func.count())
            .where(e.active.is_(False), e.stage.is_not(None))
            .group_by(e.sales_cycle_code, e.stage)
        )
        return {
            (cycle, stage): (int(days or 0), int(n)) for cycle, stage, days, n in rows if stage is not None
        }

    async def salesperson_ledger(
        self, owners: Sequence[str] | None = None
    ) -> dict[str, tuple[int, Decimal, Decimal]]:
        """BC's Salesperson Statistics over active entries (won and lost included), by current owner."""
        e, o = OpportunityEntryRow, OpportunityRow
        query = (
            sa.select(
                o.salesperson_code,
                sa.func.count(),
                *_money_sum(e.estimated_value),
                *_money_sum(e.calcd_current_value),
            )
            .join(o, o.no == e.opportunity_no)
            .where(e.active.is_(True))
            .group_by(o.salesperson_code)
        )
        if owners is not None:
            query = query.where(o.salesperson_code.in_(owners))
        rows = await self.session.execute(query)
        return {
            code: (int(n), _joined(est_high, est_low), _joined(calcd_high, calcd_low))
            for code, n, est_high, est_low, calcd_high, calcd_low in rows
        }
