"""A claim takes at most `limit` rows, on both databases: the outbox (change events) and notifications.

On PostgreSQL a plain `UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)` may run the
subquery once per row (a nested-loop semi-join on a table without statistics yet) and claim every free
row; a second sender then finds nothing, and a crash of the first leaves everything to its lease.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from oppbot.store.events import EventStore, new_event_row
from oppbot.store.notifications import NewNotification, NotificationStore
from tests.dbfixtures import Sessions

ROWS = 250
LIMIT = 100
LEASE = timedelta(minutes=5)


async def test_an_outbox_claim_takes_at_most_its_limit(sessions: Sessions) -> None:
    async with sessions() as session:
        session.add_all(new_event_row(f"OP{i:06d}", 1, "next", "AH") for i in range(ROWS))
        await session.commit()
    store = EventStore(sessions)
    first = await store.claim("first", lease=LEASE, limit=LIMIT)
    second = await store.claim("second", lease=LEASE, limit=LIMIT)
    assert len(first) == len(second) == LIMIT
    assert not {e.id for e in first} & {e.id for e in second}
    assert await store.backlog() == ROWS  # all still pending or claimed; none lost
    third = await store.claim("third", lease=LEASE, limit=LIMIT)
    assert len(third) == ROWS - 2 * LIMIT


async def test_a_notification_claim_takes_at_most_its_limit(sessions: Sessions) -> None:
    store = NotificationStore(sessions)
    now = datetime.now(UTC)
    items = [NewNotification("reminder", f"OP{i:06d}", "2026-10-01#1", "AH", now) for i in range(ROWS)]
    assert await store.enqueue(items, now) == ROWS
    first = await store.claim("first", now=now, lease=LEASE, limit=LIMIT)
    second = await store.claim("second", now=now, lease=LEASE, limit=LIMIT)
    assert len(first) == len(second) == LIMIT
    assert not {c.id for c in first} & {c.id for c in second}
    assert await store.counts() == {
        ("reminder", "sending"): 2 * LIMIT,
        ("reminder", "pending"): ROWS - 2 * LIMIT,
    }
