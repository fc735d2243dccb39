"""Prometheus metrics (`/metrics`): requests, ack and reply latency, backlogs, database pool use.

With `oppbot serve --workers N` the workers share one port, so a scrape reaches any one of them: the
counters and histograms then use prometheus-client's multiprocess mode (`PROMETHEUS_MULTIPROC_DIR`,
set up by `oppbot serve` before this module is imported) and every scrape reports the sum over all
workers. The backlogs are read from the database at scrape time, so any worker answers for all.

Queues other than the change events (the scheduler's notifications, say) plug in with
`register_backlog(name, probe)`: the probe returns how many items wait and the oldest one's time.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
PROBE_TIMEOUT = 2.0  # seconds: a slow database must not hang the scrape

# Slack answers within 3 s or shows an error; the buckets resolve well below and around that.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)

REQUESTS = Counter(
    "oppbot_requests",
    "Chat requests handled, by surface (slack, teams), command (verb or action) and outcome.",
    ["surface", "command", "outcome"],
)
ACK_SECONDS = Histogram(
    "oppbot_ack_seconds",
    "From the start of a request's work to its acknowledgement (after the commit).",
    ["surface"],
    buckets=LATENCY_BUCKETS,
)
REPLY_SECONDS = Histogram(
    "oppbot_reply_seconds",
    "From the start of a request's work to the end of its reply (card or message posted).",
    ["surface"],
    buckets=LATENCY_BUCKETS,
)
POOL_IN_USE = Gauge(
    "oppbot_db_pool_connections_in_use",
    "Database connections checked out of the pool (summed over live workers).",
    multiprocess_mode="livesum",
)
POOL_CAPACITY = Gauge(
    "oppbot_db_pool_capacity",
    "Connections the pools may open: pool size plus overflow (summed over live workers).",
    multiprocess_mode="livesum",
)

# name → probe returning (items waiting, when the oldest was queued or None)
BacklogProbe = Callable[[], Awaitable[tuple[int, datetime | None]]]
_backlogs: dict[str, BacklogProbe] = {}


def register_backlog(queue: str, probe: BacklogProbe) -> None:
    """Report a queue as `oppbot_backlog{queue=...}` and `oppbot_backlog_oldest_age_seconds`."""
    _backlogs[queue] = probe


def unregister_backlog(queue: str) -> None:
    _backlogs.pop(queue, None)


def multiprocess_mode() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV))


_pools: dict[int, tuple[Any, float, Callable[..., None], Callable[..., None]]] = {}


def instrument_pool(engine: AsyncEngine) -> None:
    """Count the engine's checked-out connections (pool events), and its capacity."""
    pool: Any = engine.sync_engine.pool
    if id(pool) in _pools:
        return
    size = getattr(pool, "size", None)
    capacity = float(int(size()) + max(int(getattr(pool, "_max_overflow", 0)), 0)) if callable(size) else 0.0

    def checkout(*_args: Any) -> None:
        POOL_IN_USE.inc()

    def checkin(*_args: Any) -> None:
        POOL_IN_USE.dec()

    event.listen(pool, "checkout", checkout)
    event.listen(pool, "checkin", checkin)
    POOL_CAPACITY.inc(capacity)
    _pools[id(pool)] = (pool, capacity, checkout, checkin)


def uninstrument_pool(engine: AsyncEngine) -> None:
    entry = _pools.pop(id(engine.sync_engine.pool), None)
    if entry is None:
        return
    pool, capacity, checkout, checkin = entry
    event.remove(pool, "checkout", checkout)
    event.remove(pool, "checkin", checkin)
    POOL_CAPACITY.dec(capacity)


class _Backlogs(Collector):
    """Values read just before this scrape (the probes are async; collect() is not)."""

    def __init__(self, values: dict[str, tuple[int, float | None]]) -> None:
        self.values = values

    def collect(self) -> Iterator[GaugeMetricFamily]:
        size = GaugeMetricFamily("oppbot_backlog", "Items waiting in a queue.", labels=["queue"])
        age = GaugeMetricFamily(
            "oppbot_backlog_oldest_age_seconds",
            "Age of the oldest item waiting in a queue (0 when it is empty).",
            labels=["queue"],
        )
        up = GaugeMetricFamily(
            "oppbot_backlog_probe_up", "1 when the queue's backlog could be read.", labels=["queue"]
        )
        for queue, (count, oldest) in sorted(self.values.items()):
            ok = count >= 0
            up.add_metric([queue], 1.0 if ok else 0.0)
            if ok:
                size.add_metric([queue], float(count))
                age.add_metric([queue], oldest or 0.0)
        yield from (size, age, up)


async def _probe(queue: str, probe: BacklogProbe, now: datetime) -> tuple[int, float | None]:
    try:
        async with asyncio.timeout(PROBE_TIMEOUT):
            count, oldest = await probe()
    except Exception as exc:  # a scrape still answers; the probe_up gauge says what failed
        log.warning("backlog %s could not be read: %s", queue, exc)
        return -1, None
    age = max((now - oldest).total_seconds(), 0.0) if oldest is not None else None
    return count, age


async def render() -> bytes:
    """The whole exposition: this process's (or every worker's) metrics and the backlogs now."""
    now = datetime.now(UTC)
    probes = list(_backlogs.items())
    results = await asyncio.gather(*(_probe(q, p, now) for q, p in probes))
    backlogs = CollectorRegistry(auto_describe=False)
    backlogs.register(_Backlogs(dict(zip([q for q, _ in probes], results, strict=True))))
    if multiprocess_mode():
        merged = CollectorRegistry()
        multiprocess.MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
        base = generate_latest(merged)
    else:
        base = generate_latest(REGISTRY)
    return base + generate_latest(backlogs)
