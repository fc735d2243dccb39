"""Notifications' reads and writes: enqueue idempotently, claim with a lease, finish.

Enqueueing is INSERT … ON CONFLICT DO NOTHING on the unique (kind, target, period): every scheduler
may compute and insert the same reminder, one row results. Claiming is one UPDATE … RETURNING, as for
change events (store.events): on PostgreSQL the candidates are locked with SKIP LOCKED, so two senders
never claim one row; on SQLite the write transaction (BEGIN IMMEDIATE) makes the statement atomic. A
claim carries a lease: a sender that dies between claim and send leaves its rows to be claimed again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oppbot.store.engine import WRITE
from oppbot.store.orm import NotificationRow

PENDING, SENDING, SENT, UNREACHABLE, CANCELLED = "pending", "sending", "sent", "unreachable", "cancelled"
INSERT_CHUNK = 5000  # rows per INSERT statement


class NewNotification(NamedTuple):
    """A notification to queue (a tuple: a scan makes one per stalled opportunity)."""

    kind: str
    target: str
    period: str
    person: str
    due_at: datetime


@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    target: str
    period: str
    person: str
    due_at: datetime
    attempts: int


class NotificationStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def enqueue(self, items: Sequence[NewNotification], now: datetime) -> int:
        """Insert the ones not there yet (any status); how many were new."""
        if not items:
            return 0
        added = 0
        async with self._sessions() as session:
            conn = await session.connection(execution_options={WRITE: True})
            if conn.dialect.name == "postgresql":
                # Queued rows are derived data: a pass after a crash computes and inserts them again, so
                # this transaction need not wait for its WAL flush (a page of a large scan is many).
                await conn.execute(sa.text("SET LOCAL synchronous_commit TO OFF"))
            for start in range(0, len(items), INSERT_CHUNK):
                chunk = items[start : start + INSERT_CHUNK]
                if conn.dialect.name == "postgresql":
                    result = await conn.execute(_PG_ENQUEUE, _pg_arrays(chunk, now))
                    added += max(int(getattr(result, "rowcount", 0) or 0), 0)
                else:
                    result = await conn.execute(_sqlite_enqueue(), [_row(i, now) for i in chunk])
                    added += len(result.all())
            await session.commit()
        return added

    async def claim(self, claimer: str, *, now: datetime, lease: timedelta, limit: int) -> list[Claimed]:
        """Up to `limit` due notifications, earliest first, now held by `claimer` until the lease ends."""
        n = NotificationRow
        free = sa.or_(
            sa.and_(n.status == PENDING, n.next_try_at <= now),
            sa.and_(n.status == SENDING, n.lease_until < now),
        )
        candidates = (
            sa.select(n.id)
            .where(free)
            .order_by(n.next_try_at, n.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        statement = (
            sa.update(n)
            .where(n.id.in_(candidates.scalar_subquery()), free)
            .values(status=SENDING, claimed_by=claimer, lease_until=now + lease, attempts=n.attempts + 1)
            .returning(n.id, n.kind, n.target, n.period, n.person, n.due_at, n.attempts)
            .execution_options(synchronize_session=False)
        )
        async with self._sessions() as session:
            # Look before taking the write lock: an idle poll must not queue behind writers.
            if await session.scalar(sa.select(n.id).where(free).limit(1)) is None:
                return []
        async with self._sessions() as session:
            await session.connection(execution_options={WRITE: True})
            rows = (await session.execute(statement)).all()
            await session.commit()
        claimed = [Claimed(r[0], r[1], r[2], r[3], r[4], _utc(r[5]), r[6]) for r in rows]
        return sorted(claimed, key=lambda c: (c.due_at, c.id))

    async def finish(
        self,
        claimer: str,
        id: int,
        status: str,
        *,
        now: datetime,
        retry_at: datetime | None = None,
        detail: str | None = None,
    ) -> bool:
        """Record what became of a claimed row; False when the claim was lost (lease ran out, re-claimed)."""
        n = NotificationRow
        values: dict[str, object] = {"status": status, "claimed_by": None, "lease_until": None}
        if status == SENT:
            values["sent_at"] = now
        if retry_at is not None:
            values["next_try_at"] = retry_at
        if detail is not None:
            values["detail"] = detail[:200]
        async with self._sessions() as session:
            await session.connection(execution_options={WRITE: True})
            result = await session.execute(
                sa.update(n)
                .where(n.id == id, n.claimed_by == claimer, n.status == SENDING)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            await session.commit()
        return bool(getattr(result, "rowcount", 0))

    async def last_sent(self, kind: str, person: str, *, before: datetime | None = None) -> datetime | None:
        """When the latest `kind` notification to `person` was sent (a digest's "since")."""
        n = NotificationRow
        query = sa.select(sa.func.max(n.sent_at)).where(n.kind == kind, n.person == person, n.status == SENT)
        if before is not None:
            query = query.where(n.sent_at < before)
        async with self._sessions() as session:
            value = await session.scalar(query)
        return _utc(value) if value is not None else None

    async def sent_periods(self, kind: str, targets: Sequence[str]) -> dict[str, list[str]]:
        """The periods of the `kind` notifications sent about each target (one statement)."""
        n = NotificationRow
        async with self._sessions() as session:
            rows = await session.execute(
                sa.select(n.target, n.period).where(n.kind == kind, n.status == SENT, n.target.in_(targets))
            )
        found: dict[str, list[str]] = {}
        for target, period in rows:
            found.setdefault(target, []).append(period)
        return found

    async def purge(self, before: datetime) -> int:
        """Delete finished rows created before `before`. Safe once no pass can compute their keys again:
        reminders count on (a later repeat is a new key), digests look back a week, to-dos a day."""
        n = NotificationRow
        async with self._sessions() as session:
            await session.connection(execution_options={WRITE: True})
            result = await session.execute(
                sa.delete(n)
                .where(n.status.in_((SENT, UNREACHABLE, CANCELLED)), n.created_at < before.astimezone(UTC))
                .execution_options(synchronize_session=False)
            )
            await session.commit()
        return int(getattr(result, "rowcount", 0) or 0)

    async def backlog_age(self) -> tuple[int, datetime | None]:
        """Notifications due and not yet sent, and when the oldest fell due (for /metrics)."""
        n = NotificationRow
        async with self._sessions() as session:
            row = (
                await session.execute(
                    sa.select(sa.func.count(), sa.func.min(n.due_at)).where(
                        n.status.in_((PENDING, SENDING)), n.next_try_at <= datetime.now(UTC)
                    )
                )
            ).one()
        return int(row[0] or 0), _utc(row[1]) if row[1] is not None else None

    async def counts(self) -> dict[tuple[str, str], int]:
        """(kind, status) → rows: what the tests and `--once` look at."""
        n = NotificationRow
        async with self._sessions() as session:
            rows = await session.execute(
                sa.select(n.kind, n.status, sa.func.count()).group_by(n.kind, n.status)
            )
        return {(kind, status): int(count) for kind, status, count in rows}


# PostgreSQL: a page of rows as five arrays, one statement compiled once (a multi-row VALUES of 500
# rows is a fresh 4,500-parameter statement to compile every page).
_PG_ENQUEUE = sa.text(
    """
    INSERT INTO notification (kind, target, period, person, status, due_at, next_try_at, attempts, created_at)
    SELECT u.kind, u.target, u.period, u.person, 'pending', u.due_at, u.due_at, 0, :now
    FROM unnest(CAST(:kinds AS text[]), CAST(:targets AS text[]), CAST(:periods AS text[]),
                CAST(:persons AS text[]), CAST(:dues AS timestamptz[]))
         AS u(kind, target, period, person, due_at)
    ON CONFLICT (kind, target, period) DO NOTHING
    """
)


def _pg_arrays(items: Sequence[NewNotification], now: datetime) -> dict[str, object]:
    return {
        "now": now,
        "kinds": [i.kind for i in items],
        "targets": [i.target for i in items],
        "periods": [i.period for i in items],
        "persons": [i.person for i in items],
        "dues": [i.due_at.astimezone(UTC) for i in items],
    }


def _sqlite_enqueue() -> sa.Insert:
    # One cached statement executed for many rows (SQLAlchemy batches it into multi-row VALUES).
    n = NotificationRow
    return (
        sqlite.insert(n).on_conflict_do_nothing(index_elements=["kind", "target", "period"]).returning(n.id)
    )


def _row(item: NewNotification, now: datetime) -> dict[str, object]:
    due = item.due_at.astimezone(UTC)
    return {
        "kind": item.kind,
        "target": item.target,
        "period": item.period,
        "person": item.person,
        "status": PENDING,
        "due_at": due,
        "next_try_at": due,
        "attempts": 0,
        "created_at": now,
    }


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)
