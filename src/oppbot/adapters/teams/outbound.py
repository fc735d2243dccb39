"""Everything the bot writes to Teams goes through here: paced per conversation (Teams allows 7
messages a second in one conversation), a 429 waited out for its Retry-After, and work done after the
HTTP answer tracked so a shutdown lets it finish."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from oppbot.adapters.teams.sdk import ConnectorError, TeamsSdk

log = logging.getLogger(__name__)
T = TypeVar("T")

PER_SECOND = 7  # Teams' limit per bot and conversation
ATTEMPTS = 4  # a call and its retries after 429s (and failed connections)
MAX_RETRY_AFTER = 30.0  # a longer Retry-After is given back to the caller (RetryLater), not slept
DRAIN_WAIT = 20.0


class Outbox:
    def __init__(self, sdk: TeamsSdk, *, per_second: float = PER_SECOND) -> None:
        self.sdk = sdk
        self.gap = 1.0 / per_second
        self._next: dict[str, float] = {}
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._later: set[asyncio.Task[Any]] = set()

    async def _paced(self, conversation_id: str, call: Callable[[], Awaitable[T]]) -> T:
        key = conversation_id.split(";messageid=", 1)[0]
        for attempt in range(1, ATTEMPTS + 1):
            async with self._locks[key]:
                wait = self._next.get(key, 0.0) - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                self._next[key] = time.monotonic() + self.gap
            try:
                return await call()
            except ConnectorError as exc:
                retryable = exc.status == 429 or exc.status == 0 or exc.status >= 500
                if not retryable or attempt == ATTEMPTS:
                    raise
                delay = exc.retry_after if exc.retry_after is not None else min(2.0**attempt * 0.25, 5.0)
                if delay > MAX_RETRY_AFTER:
                    raise
                log.info("Teams %s in %s: retrying in %.1f s", exc.status or "failure", key, delay)
                async with self._locks[key]:  # the whole conversation waits, not only this call
                    self._next[key] = max(self._next.get(key, 0.0), time.monotonic() + delay)
        raise AssertionError("unreachable")

    async def send(self, service_url: str, conversation_id: str, activity: dict[str, Any]) -> str:
        return await self._paced(
            conversation_id, lambda: self.sdk.send(service_url, conversation_id, activity)
        )

    async def update(
        self, service_url: str, conversation_id: str, activity_id: str, activity: dict[str, Any]
    ) -> None:
        await self._paced(
            conversation_id, lambda: self.sdk.update(service_url, conversation_id, activity_id, activity)
        )

    def later(self, work: Coroutine[Any, Any, None], what: str) -> None:
        """Run `work` after the HTTP answer; a failure is logged (the change it reports is committed)."""

        async def run() -> None:
            try:
                await work
            except Exception:
                log.exception("Teams: %s failed", what)

        task = asyncio.create_task(run(), name=f"teams {what}")
        self._later.add(task)
        task.add_done_callback(self._later.discard)

    async def drain(self, timeout: float = DRAIN_WAIT) -> None:
        if self._later:
            _done, late = await asyncio.wait(set(self._later), timeout=timeout)
            if late:
                log.error("%d Teams message(s) still unsent after %.0f s; exiting", len(late), timeout)
