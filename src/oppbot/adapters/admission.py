"""How many requests a chat adapter works on at once, and waiting for them on shutdown.

Shared by Slack and Teams: a request that gets no work slot within ADMIT_WAIT is refused before
anything is done or acknowledged (the adapter answers 503, and the platform tells the person or
retries); one that got a slot is finished, and a shutdown waits for it (drain).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

log = logging.getLogger(__name__)

# Requests worked on at once. More only lengthens every event-loop turn (the CPU is the limit).
WORK_SLOTS = 8
# How long a request may wait for a slot. Past it the request is refused unacknowledged (HTTP 503).
# Well under Slack's 3 s (and Teams' 15 s), leaving room for the work itself before the ack.
ADMIT_WAIT = 1.0
# How long SIGTERM waits for accepted requests to finish before the process exits anyway.
DRAIN_WAIT = 20.0


class Overloaded(Exception):
    """No work slot came free within ADMIT_WAIT: the request is refused, not acknowledged."""


class Admission:
    """Work slots for one adapter's requests, and the requests in progress (for drain)."""

    def __init__(self, name: str, slots: int = WORK_SLOTS, wait: float = ADMIT_WAIT) -> None:
        self.name, self.wait = name, wait
        self.slots = asyncio.Semaphore(slots)
        self.active: set[asyncio.Task[Any]] = set()

    @asynccontextmanager
    async def admitted(self, what: str) -> AsyncIterator[None]:
        """Hold a work slot for the block; Overloaded when none came free within `wait`. The current
        task counts as in progress from its arrival, so a drain waits for it even while it queues."""
        task = asyncio.current_task()
        if task is not None:
            self.active.add(task)
        try:
            try:
                async with asyncio.timeout(self.wait):
                    await self.slots.acquire()
            except TimeoutError:
                raise Overloaded(what) from None
            try:
                yield
            finally:
                self.slots.release()
        finally:
            if task is not None:
                self.active.discard(task)

    async def drain(self, timeout: float = DRAIN_WAIT) -> None:
        """Wait for the requests already accepted (on shutdown, once no new ones are taken)."""
        pending = {t for t in self.active if t is not asyncio.current_task()}
        if pending:
            log.info("draining %d %s request(s)", len(pending), self.name)
            _done, late = await asyncio.wait(pending, timeout=timeout)
            if late:
                log.error(
                    "%d %s request(s) still running after %.0f s; exiting", len(late), self.name, timeout
                )
