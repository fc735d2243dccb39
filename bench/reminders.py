"""Figure 4: a reminder pass over 1,000,000 opportunities with 100,000 stalled (PostgreSQL).

A schema `bench_rem_<N>` is migrated with oppbot's own Alembic migrations and filled set-based: N
opportunities, half in progress; of those, N/10 last changed 15 to 120 days ago (stalled under the
14-day default), the rest within the last 13 days; 20 reps any time, any day. Then, alternately:

- oppbot: `NotificationService.scan_reminders(now)`: keyset pages of stalled opportunities, each
  page one SELECT and one INSERT … ON CONFLICT DO NOTHING of its reminder rows;
- baseline: one hand-written `INSERT INTO notification … SELECT … ON CONFLICT DO NOTHING` over the same
  stall predicate (everything in the database, no per-person time zones or working hours).

Both queue the same N/10 rows (checked); the notification table is emptied before each run. Reported:
time (median), statements per page, and the pass's peak RSS (VmHWM, reset before the pass).
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from datetime import UTC, datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench import demo_data as demo
from bench.common import FigureResult, Row, median
from bench.scale import (
    AS_OF,
    STALL_DEFAULT,
    StatementCounter,
    _reference_data,
    generated_schema,
    pg_available,
)
from oppbot.domain.stall import stalled_before
from oppbot.service.notifications import BATCH, NotificationService
from oppbot.service.opportunities import OpportunityService
from oppbot.store.engine import make_sessionmaker

TITLE = "Reminder pass (PostgreSQL)"
DEFAULT_SIZE = 1_000_000
SMOKE_SIZE = 10_000
RATIO_TARGET = 2.0
RSS_TARGET_MB = 250.0

BASELINE_SQL = """
INSERT INTO notification (kind, target, period, person, status, due_at, next_try_at, attempts, created_at)
SELECT 'reminder', o.no, o.last_change_date::text || '#'
         || ((:as_of - (o.last_change_date + 15)) / 3)::text,
       o.salesperson_code, 'pending', :now, :now, 0, :now
FROM opportunity o
LEFT JOIN sales_cycle_stage s ON s.sales_cycle_code = o.sales_cycle_code AND s.stage = o.current_stage
WHERE o.status = 'in_progress' AND o.last_change_date < :cutoff
ON CONFLICT (kind, target, period) DO NOTHING
"""


async def generate(conn: Any, n: int) -> int:
    """N opportunities, N/10 of them stalled as of AS_OF; returns the stalled count."""
    await conn.execute("SET synchronous_commit = off")
    await _reference_data(conn, 200)
    await conn.execute(
        """INSERT INTO salesperson_preference (salesperson_code, working_hours, working_days, reminders)
           SELECT code, '00:00-24:00', 'mon-sun', true FROM salesperson"""
    )
    stalled = n // 10
    await conn.execute("SET session_replication_role = replica")
    await conn.execute(
        f"""
        INSERT INTO opportunity (no, description, contact_no, contact_company_no, salesperson_code,
            sales_cycle_code, creation_date, status, priority, closed, estimated_value, chances_pct,
            estimated_close_date, completed_pct, probability_pct, calcd_current_value, current_stage,
            last_change_date, version)
        SELECT 'OP' || lpad(g::text, 7, '0'), 'Deal ' || g, 'CT' || lpad((1 + g % 200)::text, 6, '0'),
               NULL, 'R' || lpad((1 + g % {len(demo.REPS)})::text, 2, '0'), 'EXISTING',
               DATE '{AS_OF.isoformat()}' - 200,
               CASE WHEN g % 2 = 0 THEN 'in_progress' WHEN g % 4 = 1 THEN 'won' ELSE 'lost' END,
               'normal', g % 2 = 1, 10000000, 40, DATE '{AS_OF.isoformat()}' + 30, 50, 2000, 2000000,
               CASE WHEN g % 2 = 0 THEN 1 END,
               DATE '{AS_OF.isoformat()}' - CASE
                   WHEN g % 2 = 0 AND g / 2 <= {stalled} THEN 15 + (g % 106)
                   ELSE g % 14 END,
               1
        FROM generate_series(1, {n:d}) g
        """
    )
    await conn.execute("SET session_replication_role = origin")
    await conn.execute("ANALYZE")
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM opportunity WHERE status = 'in_progress' AND last_change_date < $1",
            stalled_before(STALL_DEFAULT, AS_OF),
        )
    )


def _reset_peak_rss() -> bool:
    """Linux: writing 5 to clear_refs resets VmHWM, so the next reading is this pass's own peak."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def run(
    *, smoke: bool = False, size: int | None = None, log: Callable[[str], None] = print
) -> FigureResult:
    result = FigureResult("4", TITLE)
    problem = await pg_available()
    if problem is not None:
        result.status, result.reason = "not_measured", problem
        return result
    n = size or (SMOKE_SIZE if smoke else DEFAULT_SIZE)
    reps = 1 if smoke else 3
    schema = f"bench_rem_{n}"
    details: dict[str, Any] = {"size": n, "as_of": AS_OF.isoformat(), "page": BATCH}

    async def fill(conn: Any) -> int:
        log(f"  figure 4: generating {n:,} opportunities in schema {schema} ...")
        start = time.perf_counter()
        stalled = await generate(conn, n)
        details["generation_s"] = round(time.perf_counter() - start, 1)
        return stalled

    async with generated_schema(schema, fill) as (engine, stalled):
        details["stalled"] = stalled
        now = datetime.combine(AS_OF, dtime(12, 0), tzinfo=UTC)
        service = OpportunityService(
            make_sessionmaker(engine), currency="EUR", stall_default=STALL_DEFAULT, clock=lambda: now
        )
        notifications = NotificationService(service, remind_every="3D", escalate_after=1000)
        counter = StatementCounter(engine)
        cutoff = stalled_before(STALL_DEFAULT, AS_OF)

        async def clear() -> None:
            async with engine.begin() as c:
                await c.execute(sa.text("TRUNCATE notification"))

        async def queued() -> int:
            async with engine.connect() as c:
                return int((await c.execute(sa.text("SELECT count(*) FROM notification"))).scalar_one())

        ours: list[float] = []
        base: list[float] = []
        statements = 0
        peaks: list[float] = []
        reset = True
        for rep in range(reps):
            await clear()
            reset = _reset_peak_rss() and reset
            before = counter.count
            start = time.perf_counter()
            added = await notifications.scan_reminders(now)
            ours.append(time.perf_counter() - start)
            peaks.append(_peak_rss_mb())
            if rep == 0:
                statements = counter.count - before
                details["oppbot_rows"] = added
                if await queued() != stalled:
                    raise RuntimeError(f"oppbot queued {added}, {stalled} are stalled")
            await clear()
            start = time.perf_counter()
            async with engine.begin() as c:
                await c.execute(sa.text(BASELINE_SQL), {"as_of": AS_OF, "now": now, "cutoff": cutoff})
            base.append(time.perf_counter() - start)
            if rep == 0:
                details["baseline_rows"] = await queued()
        await clear()
        pages = -(-stalled // BATCH) + (1 if stalled % BATCH == 0 else 0)
        details |= {
            "oppbot_runs_s": [round(t, 3) for t in ours],
            "baseline_runs_s": [round(t, 3) for t in base],
            "statements": statements,
            "pages": pages,
            "peak_rss_mb": [round(p, 1) for p in peaks],
            "peak_rss_reset": reset,
        }
    case = f"{n:,} / {stalled:,} stalled"
    time_row = Row(
        "4", case, "reminder pass time", "s", median(ours), median(base), f"≤ {RATIO_TARGET:g}× baseline"
    )
    time_row.passed = time_row.ratio is not None and time_row.ratio <= RATIO_TARGET
    mismatch = details.get("baseline_rows") != details.get("oppbot_rows")
    time_row.note = f"rows: oppbot {details['oppbot_rows']:,}, baseline {details['baseline_rows']:,}"
    if mismatch:
        time_row.passed = False
    per_page = statements / max(pages, 1)
    rows = [
        time_row,
        Row(
            "4", case, "statements per page", "stmts", per_page, None, "constant (SELECT, SET LOCAL, INSERT)",
            passed=per_page <= 3.0, note=f"{statements:,} statements, {pages:,} pages of {BATCH}",
        ),
        Row(
            "4", case, "peak RSS during the pass", "MB", max(peaks), None, f"< {RSS_TARGET_MB:g} MB",
            passed=max(peaks) < RSS_TARGET_MB,
            note="VmHWM reset before the pass" if reset else "process peak (VmHWM could not be reset)",
        ),
    ]  # fmt: skip
    result.rows = rows
    result.details = details
    return result
