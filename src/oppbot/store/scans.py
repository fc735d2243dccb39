"""The scheduler's reads: stalled opportunities and due to-dos, a bounded page at a time.

Keyset pagination (after the last row's key, not OFFSET): each page is one indexed range scan, so a
pass over a million opportunities holds one page in memory and never rereads what it has passed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from oppbot.domain.enums import OpportunityStatus, TaskStatus
from oppbot.domain.model import Salesperson
from oppbot.domain.preferences import STORED_FIELDS, Preferences
from oppbot.store.orm import (
    ActivityRow,
    OpportunityRow,
    SalesCycleStageRow,
    SalespersonPreferenceRow,
    SalespersonRow,
    SnoozeRow,
    TaskRow,
)

# (no, owner, last change, stall formula, snoozed until, stalled)
StalledRow = tuple[str, str, date, str, datetime | None, bool]
# (task id, opportunity, owner, due date, activity description)
TodoRow = tuple[int, str, str, date, str]


async def stalled_page(
    session: AsyncSession,
    cutoffs: Mapping[str, date],
    after: tuple[date, str] | None,
    limit: int,
) -> Sequence[StalledRow]:
    """The next `limit` stall candidates in (last change, number) order after `after`, each flagged
    whether it is stalled under its own stage's formula.

    The page is cut on the index alone (in progress, last change before the latest cutoff, after the
    previous page's last key: one range of ix_opportunity_stall_keyset, no sort); the formula test comes
    after, on that page only. Cutting after the formula test instead made PostgreSQL sort every
    remaining candidate for every page. The caller pages on with the last row's key, flagged or not.
    """
    if not cutoffs:
        return []
    o, stage = OpportunityRow, SalesCycleStageRow
    candidates = sa.select(
        o.no, o.salesperson_code, o.last_change_date, o.sales_cycle_code, o.current_stage
    ).where(o.status == OpportunityStatus.IN_PROGRESS, o.last_change_date < max(cutoffs.values()))
    if after is not None:
        # The whole index key in the row comparison, so PostgreSQL starts the index range right there.
        key = sa.tuple_(o.status, o.last_change_date, o.no)
        start = sa.tuple_(
            sa.literal(OpportunityStatus.IN_PROGRESS.value), sa.literal(after[0]), sa.literal(after[1])
        )
        candidates = candidates.where(key > start)
    page = candidates.order_by(o.status, o.last_change_date, o.no).limit(limit).subquery()
    formula = sa.func.coalesce(stage.date_formula, "")
    stalled = sa.or_(*(sa.and_(formula == f, page.c.last_change_date < cut) for f, cut in cutoffs.items()))
    query = (
        sa.select(
            page.c.no, page.c.salesperson_code, page.c.last_change_date, formula, SnoozeRow.until, stalled
        )
        .select_from(page)
        .outerjoin(
            stage,
            sa.and_(stage.sales_cycle_code == page.c.sales_cycle_code, stage.stage == page.c.current_stage),
        )
        .outerjoin(SnoozeRow, SnoozeRow.opportunity_no == page.c.no)
        .order_by(page.c.last_change_date, page.c.no)
    )
    # Core execution on the session's connection: plain tuples, none of the ORM's result machinery.
    connection = await session.connection()
    return (await connection.execute(query)).all()


async def due_todos(
    session: AsyncSession, first: date, last: date, after: int, limit: int
) -> Sequence[TodoRow]:
    """Open to-dos due between `first` and `last`, by id after `after`."""
    t = TaskRow
    query = (
        sa.select(
            t.id,
            t.opportunity_no,
            t.salesperson_code,
            t.date,
            sa.func.coalesce(ActivityRow.description, t.activity_code),
        )
        .outerjoin(ActivityRow, ActivityRow.code == t.activity_code)
        .where(t.status == TaskStatus.OPEN, t.date >= first, t.date <= last, t.id > after)
        .order_by(t.id)
        .limit(limit)
    )
    return (await session.execute(query)).all()


async def snooze_of(session: AsyncSession, no: str) -> datetime | None:
    return await session.scalar(sa.select(SnoozeRow.until).where(SnoozeRow.opportunity_no == no))


async def save_snooze(session: AsyncSession, no: str, until: datetime, by: str) -> None:
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(SnoozeRow).values(opportunity_no=no, until=until, snoozed_by=by)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["opportunity_no"], set_={"until": until, "snoozed_by": by}
        )
    )


async def task(session: AsyncSession, id: int) -> TodoRow | None:
    t = TaskRow
    row = (
        await session.execute(
            sa.select(
                t.id,
                t.opportunity_no,
                t.salesperson_code,
                t.date,
                sa.func.coalesce(ActivityRow.description, t.activity_code),
                t.status,
            )
            .outerjoin(ActivityRow, ActivityRow.code == t.activity_code)
            .where(t.id == id)
        )
    ).first()
    if row is None or row[5] != TaskStatus.OPEN:
        return None
    return (row[0], row[1], row[2], row[3], row[4])


async def people(session: AsyncSession) -> dict[str, tuple[Salesperson, Preferences]]:
    """Every salesperson with what they set, in one statement (a team of hundreds, not millions)."""
    s, p = SalespersonRow, SalespersonPreferenceRow
    columns = [getattr(p, name) for name in STORED_FIELDS]
    rows = await session.execute(
        sa.select(s.code, s.name, s.email, s.role, s.manager_code, *columns).outerjoin(
            p, p.salesperson_code == s.code
        )
    )
    found: dict[str, tuple[Salesperson, Preferences]] = {}
    for code, name, email, role, manager, *values in rows:
        prefs = Preferences.stored(
            {k: v for k, v in zip(STORED_FIELDS, values, strict=True) if v is not None}
        )
        found[code] = (Salesperson(code, name, email, role, manager), prefs)
    return found
