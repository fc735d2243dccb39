"""Digest queries: a team's changes and closing dates as sets, a constant number of statements whatever
the team's size (sums exact, as the statistics' are; the top items ranked in SQL, not in Python)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVarTuple

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from oppbot.domain.enums import ActionTaken, OpportunityStatus, Role
from oppbot.domain.model import Salesperson
from oppbot.store.orm import OpportunityEntryRow, OpportunityRow, SalespersonRow

# The statistics' exact money sums (two BIGINT parts, joined as a Decimal): one rule for both modules.
from oppbot.store.statistics import _joined, _money_sum

Ts = TypeVarTuple("Ts")

NEW, ADVANCED, WON, LOST = "new", "advanced", "won", "lost"
KINDS = (NEW, ADVANCED, WON, LOST)


@dataclass(frozen=True)
class Sums:
    """How many, and their estimated and calculated current (won: the won amount) values, exact."""

    count: int = 0
    estimated: Decimal = Decimal(0)
    calcd: Decimal = Decimal(0)

    def __add__(self, other: Sums) -> Sums:
        return Sums(self.count + other.count, self.estimated + other.estimated, self.calcd + other.calcd)


@dataclass(frozen=True)
class Change:
    """One opportunity that changed in the period, as its latest change of that kind left it."""

    kind: str  # new | advanced | won | lost
    no: str
    description: str
    salesperson_code: str
    sales_cycle_code: str
    from_stage: int | None  # advanced: the stage it left first in the period
    stage: int | None  # advanced: the stage it reached last; new: its current stage
    day: date
    estimated_value: Decimal | None
    calcd_current_value: Decimal | None  # won: the won amount
    close_code: str | None = None
    close_reason: str | None = None
    status: OpportunityStatus = OpportunityStatus.IN_PROGRESS  # the opportunity's, now


@dataclass(frozen=True)
class Closing:
    no: str
    description: str
    salesperson_code: str
    sales_cycle_code: str
    stage: int | None
    estimated_close_date: date
    estimated_value: Decimal
    calcd_current_value: Decimal


def _owned(query: sa.Select[*Ts], owners: Sequence[str] | None) -> sa.Select[*Ts]:
    return query if owners is None else query.where(OpportunityRow.salesperson_code.in_(owners))


def _sums(row: Sequence[Any]) -> Sums:
    """(count, estimated high, low, calcd high, low) → Sums."""
    return Sums(int(row[0]), _joined(row[1], row[2]), _joined(row[3], row[4]))


class DigestQueries:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def people(self, manager: str | None) -> list[Salesperson]:
        """A manager's team (the manager and direct reports, spec 2.5), or everyone (None): one statement."""
        p = SalespersonRow
        query = sa.select(p.code, p.name, p.email, p.role, p.manager_code).order_by(p.code)
        if manager is not None:
            query = query.where(sa.or_(p.code == manager, p.manager_code == manager))
        rows = await self.session.execute(query)
        return [Salesperson(code, name, email, Role(role), boss) for code, name, email, role, boss in rows]

    # --- what changed in a period -------------------------------------------------------------------------
    def _moves(self, owners: Sequence[str] | None, start: date, end: date) -> sa.Subquery:
        """Each opportunity's latest won, lost or forward move (stage > previous stage) dated in the period,
        with the stage its first forward move left."""
        e, o = OpportunityEntryRow, OpportunityRow
        kind = sa.case(
            (e.action_taken == ActionTaken.WON, WON),
            (e.action_taken == ActionTaken.LOST, LOST),
            else_=ADVANCED,
        )
        moves = (
            sa.select(
                kind.label("kind"),
                e.opportunity_no.label("no"),
                e.entry_no,
                e.previous_stage,
                e.stage,
                e.date_of_change,
                e.estimated_value,
                e.calcd_current_value,
                e.close_code,
                e.close_reason,
            )
            .join(o, o.no == e.opportunity_no)
            .where(
                e.date_of_change.between(start, end),
                sa.or_(
                    e.action_taken.in_((ActionTaken.WON, ActionTaken.LOST)),
                    sa.and_(e.previous_stage.is_not(None), e.stage > e.previous_stage),
                ),
            )
        )
        m = _owned(moves, owners).subquery("moves").c
        per_opp = (m.no, m.kind)
        ranked = sa.select(
            *m,
            sa.func.row_number().over(partition_by=per_opp, order_by=m.entry_no.desc()).label("latest"),
            sa.func.first_value(m.previous_stage)
            .over(partition_by=per_opp, order_by=m.entry_no)
            .label("from_stage"),
        ).subquery("ranked")
        return sa.select(ranked).where(ranked.c.latest == 1).subquery("changes")

    def _created(self, owners: Sequence[str] | None, start: date, end: date) -> sa.Subquery:
        """Opportunities created in the period (started or not), in the same columns as `_moves`."""
        o = OpportunityRow
        query = sa.select(
            sa.literal(NEW).label("kind"),
            o.no.label("no"),
            sa.null().label("from_stage"),
            o.current_stage.label("stage"),
            o.creation_date.label("date_of_change"),
            o.estimated_value,
            o.calcd_current_value,
            sa.null().label("close_code"),
            sa.null().label("close_reason"),
        ).where(o.creation_date.between(start, end))
        return _owned(query, owners).subquery("created")

    async def change_sums(
        self, owners: Sequence[str] | None, start: date, end: date
    ) -> dict[tuple[str, str], Sums]:
        """Per (kind, current owner): how many opportunities and their values. Two statements."""
        result: dict[tuple[str, str], Sums] = {}
        o = OpportunityRow
        for changes in (self._moves(owners, start, end), self._created(owners, start, end)):
            query = (
                sa.select(
                    changes.c.kind,
                    o.salesperson_code,
                    sa.func.count(),
                    *_money_sum(changes.c.estimated_value),
                    *_money_sum(changes.c.calcd_current_value),
                )
                .join(o, o.no == changes.c.no)
                .group_by(changes.c.kind, o.salesperson_code)
            )
            for kind, owner, *sums in await self.session.execute(query):
                result[(str(kind), str(owner))] = _sums(sums)
        return result

    async def top_changes(
        self, owners: Sequence[str] | None, start: date, end: date, limit: int
    ) -> list[Change]:
        """Per kind, the `limit` largest (won: by won amount; others by estimated value), then by number.
        Two statements."""
        o = OpportunityRow
        out: list[Change] = []
        for changes in (self._moves(owners, start, end), self._created(owners, start, end)):
            c = changes.c
            value = sa.case((c.kind == WON, c.calcd_current_value), else_=c.estimated_value)
            rank = sa.func.row_number().over(
                partition_by=changes.c.kind,
                order_by=(sa.func.coalesce(sa.type_coerce(value, sa.BigInteger), -1).desc(), changes.c.no),
            )
            ranked = (
                sa.select(
                    changes,
                    o.description,
                    o.salesperson_code,
                    o.sales_cycle_code,
                    o.status,
                    rank.label("rank"),
                )
                .join(o, o.no == changes.c.no)
                .subquery("top")
            )
            r = ranked.c
            columns = (
                r.kind, r.no, r.description, r.salesperson_code, r.sales_cycle_code, r.from_stage, r.stage,
                r.date_of_change, r.estimated_value, r.calcd_current_value, r.close_code, r.close_reason,
                r.status,
            )  # fmt: skip
            query = sa.select(*columns).where(r.rank <= limit).order_by(r.kind, r.rank)
            for row in await self.session.execute(query):
                out.append(Change(*row))
        return out

    # --- open opportunities closing in a period -----------------------------------------------------------
    def _closing(self, owners: Sequence[str] | None, start: date, end: date) -> sa.ColumnElement[bool]:
        o = OpportunityRow
        where = sa.and_(o.status == OpportunityStatus.IN_PROGRESS, o.estimated_close_date.between(start, end))
        return where if owners is None else sa.and_(where, o.salesperson_code.in_(owners))

    async def closing_sums(self, owners: Sequence[str] | None, start: date, end: date) -> dict[str, Sums]:
        """Per owner: open opportunities whose estimated close date is in the period, and their values."""
        o = OpportunityRow
        query = (
            sa.select(
                o.salesperson_code,
                sa.func.count(),
                *_money_sum(o.estimated_value),
                *_money_sum(o.calcd_current_value),
            )
            .where(self._closing(owners, start, end))
            .group_by(o.salesperson_code)
        )
        return {str(owner): _sums(sums) for owner, *sums in await self.session.execute(query)}

    async def top_closing(
        self, owners: Sequence[str] | None, start: date, end: date, limit: int
    ) -> list[Closing]:
        """The `limit` largest by calculated current value (the likeliest money), then by number."""
        o = OpportunityRow
        columns = (
            o.no, o.description, o.salesperson_code, o.sales_cycle_code, o.current_stage,
            o.estimated_close_date, o.estimated_value, o.calcd_current_value,
        )  # fmt: skip
        query = (
            sa.select(*columns)
            .where(self._closing(owners, start, end))
            .order_by(sa.type_coerce(o.calcd_current_value, sa.BigInteger).desc(), o.no)
            .limit(limit)
        )
        # The filter makes the close date and both values present: in progress, close date in range.
        return [Closing(*row) for row in await self.session.execute(query)]  # type: ignore[arg-type]
