"""The scheduler: APScheduler triggers the passes; exactly-once comes from the notification rows.

Every `OPPBOT_SCAN_EVERY` minutes a pass queues what is due (stall reminders and escalations, to-dos
due today, each person's latest scheduled digest) and sends it; every minute the sender also picks up
what became due since (a reminder waiting for its owner's working hours, a retry after a 429). Any
number of processes may run this on one database: rows are unique per notification and claimed with a
lease, so each is sent once. `digest now` wakes the sender at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler  # type: ignore[import-untyped]
from apscheduler.triggers.interval import IntervalTrigger  # type: ignore[import-untyped]

from oppbot.runtime import Runtime
from oppbot.service.notifications import NotificationService, SendReport

log = logging.getLogger(__name__)
SEND_EVERY_SECONDS = 60
STOP_WAIT = 20.0  # seconds a stop waits for the pass in hand; what is left is retried after its lease


def claimer_id() -> str:
    """Who holds a claim: host, process and a random part (a restarted process is someone else)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Scheduler:
    def __init__(self, runtime: Runtime, *, send_every: float = SEND_EVERY_SECONDS) -> None:
        self.runtime = runtime
        self.notifications: NotificationService = runtime.notifications
        self.claimer = claimer_id()
        self.send_every = send_every
        self._aps: AsyncIOScheduler | None = None
        self._sending = asyncio.Lock()
        self._again = False
        self._tasks: set[asyncio.Task[None]] = set()
        runtime.bot.notifications.wakers.append(self.wake)

    # --- one pass --------------------------------------------------------------------------------
    async def scan(self) -> int:
        """Queue everything due now; how many new notifications. Old finished rows go."""
        n = self.notifications
        added = await n.scan_reminders() + await n.scan_todos() + await n.scan_digests()
        await n.purge()
        return added

    async def send(self) -> SendReport:
        """Send what is due; a wake during a send makes it go round once more."""
        total = SendReport()
        if self._sending.locked():
            self._again = True
            return total
        async with self._sending:
            while True:
                self._again = False
                report = await self.notifications.send_due(self.runtime.direct, self.claimer)
                for kind, count in report.sent.items():
                    total.sent[kind] = total.sent.get(kind, 0) + count
                total.retried += report.retried
                total.unreachable += report.unreachable
                total.cancelled += report.cancelled
                if not self._again:
                    return total

    async def run_once(self) -> SendReport:
        await self.scan()
        return await self.send()

    # --- running ---------------------------------------------------------------------------------
    def start(self) -> None:
        """Start triggering (inside the running event loop): a pass now, then every scan_every minutes."""
        aps = AsyncIOScheduler(timezone=UTC)
        now = datetime.now(UTC)
        minutes = self.runtime.settings.scan_every
        common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
        aps.add_job(self._pass, IntervalTrigger(minutes=minutes), id="pass", next_run_time=now, **common)
        aps.add_job(self._send, IntervalTrigger(seconds=self.send_every), id="send", **common)
        aps.start()
        self._aps = aps
        log.info("scheduler started: a pass every %s min (claimer %s)", minutes, self.claimer)

    def wake(self) -> None:
        """Send now (called in the event loop, e.g. after `digest now`)."""
        if self._aps is None:
            return
        task = asyncio.get_running_loop().create_task(self._send())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        """No new passes; the one in hand finishes (bounded), then APScheduler goes. Shutting APScheduler
        down first would cancel a running pass mid-send (its rows would wait for their lease)."""
        aps, self._aps = self._aps, None
        if aps is not None:
            aps.pause()
        await asyncio.sleep(0)  # a job submitted just now registers itself
        current = asyncio.current_task()
        pending = [t for t in self._tasks if t is not current]
        if pending:
            await asyncio.wait(pending, timeout=STOP_WAIT)
        if aps is not None:
            aps.shutdown(wait=False)

    def _running(self) -> None:
        # Jobs run as tasks of their own: stop() waits for them before the engine goes.
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pass(self) -> None:
        self._running()
        try:
            await self.scan()
        except Exception:  # logged; the next pass tries again
            log.exception("scheduler scan failed")
        await self._send()

    async def _send(self) -> None:
        self._running()
        try:
            report = await self.send()
        except Exception:
            log.exception("scheduler send failed")
            return
        if report.sent or report.unreachable:
            log.info(
                "scheduler sent %s; unreachable %s, retry %s",
                report.sent,
                report.unreachable,
                report.retried,
            )
