"""Statistics queries: exact sums and counts in SQL, one statement per figure set (spec 6)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from oppbot.domain.enums import OpportunityStatus
from oppbot.domain.statistics import Totals
from oppbot.store.orm import OpportunityEntryRow, OpportunityRow

# What figures can be grouped by, by name, so the service needs no table knowledge.
GROUPS: dict[str, sa.ColumnElement[Any]] = {
    "cycle": OpportunityRow.__table__.c.sales_cycle_code,
    "stage": OpportunityRow.__table__.c.current_stage,
    "salesperson": OpportunityRow.__table__.c.salesperson_code,
}


def _dec(value: Any) -> Decimal:
    """SUM() keeps the column's ScaledDecimal type, so sums arrive already unscaled; NULL means none."""
    return Decimal(0) if value is None else Decimal(value)


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
            sa.func.sum(OpportunityRow.estimated_value).filter(is_open),
            sa.func.sum(OpportunityRow.calcd_current_value).filter(is_open),
            sa.func.sum(OpportunityRow.calcd_current_value).filter(status == OpportunityStatus.WON),
            sa.func.sum(self._days_to_close()).filter(closed),
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
                pipeline_estimated_value=_dec(v[4]),
                pipeline_calcd_value=_dec(v[5]),
                won_value=_dec(v[6]),
                days_to_close_sum=int(v[7] or 0),
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
                sa.func.sum(e.estimated_value),
                sa.func.sum(e.calcd_current_value),
            )
            .join(o, o.no == e.opportunity_no)
            .where(e.active.is_(True))
            .group_by(o.salesperson_code)
        )
        if owners is not None:
            query = query.where(o.salesperson_code.in_(owners))
        rows = await self.session.execute(query)
        return {code: (int(n), _dec(est), _dec(calcd)) for code, n, est, calcd in rows}
