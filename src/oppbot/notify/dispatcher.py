"""Delivers committed change events to subscribers, each event once across every replica.

Events are rows written in the change's own transaction (store/events.py). The dispatcher claims a
batch with a lease, hands each event to every subscriber in order, and deletes what it delivered. A
dispatcher that dies between claim and delete leaves its events to be claimed again when the lease
runs out: a crash means "at least once", never "lost". Subscribers are plain async functions
registered at start-up; a failing subscriber is logged and does not hold up the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta

from oppbot.domain.events import ChangeEvent
from oppbot.store.events import EventStore

log = logging.getLogger(__name__)

Subscriber = Callable[[ChangeEvent], Awaitable[None]]
LEASE = timedelta(seconds=60)  # far longer than one batch takes; only a dead claimer's rows wait this long
BATCH = 50
IDLE_POLL = 1.0  # seconds between looks when idle: other replicas' changes arrive within this
MAX_BACKOFF = 30.0
STOP_WAIT = 10.0  # seconds for the batch in hand to finish before a stop cancels it


class Dispatcher:
    def __init__(self, store: EventStore, *, name: str | None = None, poll: float = IDLE_POLL) -> None:
        self.store = store
        self.name = name or f"dispatcher-{uuid.uuid4().hex[:12]}"
        self.poll = poll
        self._subscribers: list[tuple[str, Subscriber]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def subscribe(self, name: str, subscriber: Subscriber) -> None:
        self._subscribers.append((name, subscriber))

    def wake(self) -> None:
        """A change committed in this process: look now rather than at the next poll."""
        self._wake.set()

    async def run_once(self) -> int:
        """Claim one batch, deliver it, finish it; how many events were delivered."""
        events = await self.store.claim(self.name, lease=LEASE, limit=BATCH)
        for event in events:
            for name, subscriber in self._subscribers:
                try:
                    await subscriber(event)
                except Exception:
                    log.exception(
                        "subscriber %s failed on event %s (%s %s)", name, event.id, event.verb, event.no
                    )
        await self.store.finish(self.name, [e.id for e in events])
        return len(events)

    async def run(self) -> None:
        failures = 0
        while not self._stopping:
            self._wake.clear()  # a change committed from here on wakes the wait below at once
            try:
                delivered = await self.run_once()
                failures = 0
            except Exception as exc:  # the database is away: the events wait in it, try again later
                failures += 1
                if failures == 1:
                    log.warning("change events cannot be claimed (%r); retrying", exc)
                delivered = 0
            if delivered >= BATCH or self._stopping:
                continue  # a full batch: more may be waiting
            # A partial batch took all there was when it was claimed: look again when woken or polled.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(self.poll * 2**failures, MAX_BACKOFF)):
                    await self._wake.wait()

    def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self.run(), name=self.name)

    async def stop(self, timeout: float = STOP_WAIT) -> None:
        """Stop after the batch in hand. Cancelling a query midway would leave its pooled connection
        half-reset, so the loop is asked to finish first; only a batch stuck past `timeout` is
        cancelled (its events stay claimed until their lease runs out, then are delivered again)."""
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        _done, late = await asyncio.wait({self._task}, timeout=timeout)
        if late:
            log.error("change events: the batch in hand did not finish within %.0f s; cancelled", timeout)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None
