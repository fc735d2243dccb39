"""The outbox's reads and writes: append in a change's transaction, claim after commit, finish.

Claiming is one UPDATE … RETURNING: on PostgreSQL the candidate rows are locked with SKIP LOCKED, so
two dispatchers never claim the same row; on SQLite the write transaction (BEGIN IMMEDIATE) makes the
statement atomic. A claim carries a lease: a dispatcher that dies leaves its rows to be claimed again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oppbot.domain.events import ChangeEvent
from oppbot.store.engine import WRITE
from oppbot.store.orm import ChangeEventRow

PENDING, CLAIMED = "pending", "claimed"


def new_event_row(no: str, version: int, verb: str, actor: str) -> ChangeEventRow:
    return ChangeEventRow(
        opportunity_no=no,
        version=version,
        verb=verb,
        actor_code=actor,
        occurred_at=datetime.now(UTC),
        status=PENDING,
        attempts=0,
    )


class EventStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def claim(self, claimer: str, *, lease: timedelta, limit: int) -> list[ChangeEvent]:
        """Up to `limit` free events, oldest first, now held by `claimer` until the lease ends."""
        now = datetime.now(UTC)
        free = sa.or_(
            ChangeEventRow.status == PENDING,
            sa.and_(ChangeEventRow.status == CLAIMED, ChangeEventRow.lease_until < now),
        )
        candidates = (
            sa.select(ChangeEventRow.id)
            .where(free)
            .order_by(ChangeEventRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        statement = (
            sa.update(ChangeEventRow)
            .where(ChangeEventRow.id.in_(candidates.scalar_subquery()), free)
            .values(
                status=CLAIMED,
                claimed_by=claimer,
                lease_until=now + lease,
                attempts=ChangeEventRow.attempts + 1,
            )
            .returning(
                ChangeEventRow.id,
                ChangeEventRow.opportunity_no,
                ChangeEventRow.version,
                ChangeEventRow.verb,
                ChangeEventRow.actor_code,
                ChangeEventRow.occurred_at,
            )
            .execution_options(synchronize_session=False)
        )
        async with self._sessions() as session:
            # Look before taking the write lock: an idle poll must not queue behind (or block) writers.
            if await session.scalar(sa.select(ChangeEventRow.id).where(free).limit(1)) is None:
                return []
        async with self._sessions() as session:
            await session.connection(execution_options={WRITE: True})
            rows = (await session.execute(statement)).all()
            await session.commit()
        events = [
            ChangeEvent(id=r[0], no=r[1], version=r[2], verb=r[3], actor=r[4], at=_utc(r[5])) for r in rows
        ]
        return sorted(events, key=lambda e: e.id)

    async def finish(self, claimer: str, ids: list[int]) -> int:
        """Delete delivered events this claimer still holds (a row re-claimed by another stays)."""
        if not ids:
            return 0
        async with self._sessions() as session:
            await session.connection(execution_options={WRITE: True})
            result = await session.execute(
                sa.delete(ChangeEventRow)
                .where(ChangeEventRow.id.in_(ids), ChangeEventRow.claimed_by == claimer)
                .execution_options(synchronize_session=False)
            )
            await session.commit()
        return int(getattr(result, "rowcount", 0) or 0)

    async def backlog(self) -> int:
        async with self._sessions() as session:
            return int(await session.scalar(sa.select(sa.func.count()).select_from(ChangeEventRow)) or 0)

    async def backlog_age(self) -> tuple[int, datetime | None]:
        """Events not yet delivered, and when the oldest of them happened (for /metrics)."""
        async with self._sessions() as session:
            row = (
                await session.execute(sa.select(sa.func.count(), sa.func.min(ChangeEventRow.occurred_at)))
            ).one()
        return int(row[0] or 0), _utc(row[1]) if row[1] is not None else None


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)
