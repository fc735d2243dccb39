"""Figure 2: stall scan, team pipeline and statistics at scale on PostgreSQL, next to hand-written SQL.

Per size N, a dedicated schema `bench_<N>` is created and brought to the current schema by oppbot's own
Alembic migrations; the data set (N opportunities, about five ledger entries each) is generated
set-based with INSERT ... SELECT FROM generate_series, then ANALYZEd. The service's calls and one
hand-written statement with the same predicate run interleaved on the same engine; the medians are
compared, and the SQL statements each service call issues are counted.
"""

from __future__ import annotations

import functools
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as dtime
from typing import Any, TypeVar

import asyncpg  # type: ignore[import-untyped]
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bench import demo_data as demo
from bench.common import (
    PG_DATABASE,
    PG_HOST,
    PG_PORT,
    PG_USER,
    FigureResult,
    Row,
    growth_exponent,
    median,
    pg_url,
)
from oppbot.domain.model import Salesperson
from oppbot.domain.stall import stalled_before
from oppbot.service.opportunities import OpportunityService
from oppbot.store.engine import make_engine, make_sessionmaker, upgrade_database

TITLE = "Stall scan and statistics at scale (PostgreSQL)"
AS_OF = date(2026, 6, 30)  # the end of a quarter; last changes are spread over the 120 days before it
STALL_DEFAULT = "14D"
RATIO_TARGET = 2.0
GROWTH_TARGET = 1.15  # exponent k of t ∝ N^k; 1.0 is linear, the margin absorbs timing noise
STALL_1M_TARGET_S = 3.0
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
SMOKE_SIZES = (1_000, 3_000)

T = TypeVar("T")


# --- data generation ---------------------------------------------------------------------------------------
async def _pg(schema: str | None = None) -> asyncpg.Connection:
    settings = {"search_path": schema} if schema else {}
    return await asyncpg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, database=PG_DATABASE, timeout=5, server_settings=settings
    )


async def pg_available() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        conn = await _pg()
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        return f"PostgreSQL at {PG_HOST}:{PG_PORT}/{PG_DATABASE} is unreachable: {exc!r}"
    await conn.close()
    return None


@asynccontextmanager
async def generated_schema(
    schema: str, fill: Callable[[asyncpg.Connection], Awaitable[T]]
) -> AsyncIterator[tuple[AsyncEngine, T]]:
    """A fresh schema brought to the current one by oppbot's own Alembic migrations, then filled by
    `fill` on a connection of its own (closed before measuring); an engine on the schema and what
    `fill` returned. The schema is dropped on exit."""
    admin = await _pg()
    try:
        await admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await admin.execute(f'CREATE SCHEMA "{schema}"')
    finally:
        await admin.close()
    engine = make_engine(pg_url(), connect_args={"server_settings": {"search_path": schema}})
    try:
        await upgrade_database(engine)
        conn = await _pg(schema)
        try:
            filled = await fill(conn)
        finally:
            await conn.close()
        yield engine, filled
    finally:
        await engine.dispose()
        admin = await _pg()
        try:
            await admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            await admin.close()


async def _reference_data(conn: asyncpg.Connection, contacts: int) -> None:
    await conn.executemany("INSERT INTO activity (code, description) VALUES ($1, $2)", demo.ACTIVITIES)
    await conn.executemany(
        """INSERT INTO sales_cycle (code, description, probability_calculation, blocked)
           VALUES ($1, $2, $3, false)""",
        demo.CYCLES,
    )
    await conn.executemany(
        """INSERT INTO sales_cycle_stage (sales_cycle_code, stage, description, completed_pct, chances_pct,
               activity_code, quote_required, allow_skip, date_formula)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '')""",
        demo.STAGES,
    )
    await conn.executemany(
        "INSERT INTO close_opportunity_code (code, type, description) VALUES ($1, $2, $3)",
        [(c, "won", d) for c, d in demo.WON_CODES] + [(c, "lost", d) for c, d in demo.LOST_CODES],
    )
    people = [
        (demo.ADMIN, "Ada Admin", "admin", None),
        (demo.MANAGER, "Max Manager", "manager", None),
        *[(code, f"Rep {code}", "rep", demo.MANAGER) for code in demo.REPS],
    ]
    await conn.executemany(
        """INSERT INTO salesperson (code, name, email, role, manager_code)
           VALUES ($1::text, $2, lower($1::text) || '@example.com', $3, $4)""",
        people,
    )
    await conn.execute(
        """INSERT INTO contact (no, type, name, company_no, email, phone)
           SELECT 'CT' || lpad(g::text, 6, '0'), 'company', 'Company ' || g, 'CT' || lpad(g::text, 6, '0'),
                  'info@c' || g || '.example', NULL
           FROM generate_series(1, $1::int) g""",
        contacts,
    )


def _cycle_case(column: str) -> str:
    parts, cumulative = [], 0.0
    for code, share in demo.CYCLE_MIX[:-1]:
        cumulative += share
        parts.append(f"WHEN {column} < {cumulative:.4f} THEN '{code}'")
    return f"CASE {' '.join(parts)} ELSE '{demo.CYCLE_MIX[-1][0]}' END"


def _code_pick(codes: tuple[tuple[str, str], ...]) -> str:
    array = ", ".join(f"'{c}'" for c, _ in codes)
    return f"(ARRAY[{array}])[1 + o.g % {len(codes)}]"


async def generate(conn: asyncpg.Connection, n: int) -> dict[str, float]:
    """N opportunities and their ledgers, set-based; returns the seconds each step took."""
    steps: dict[str, float] = {}
    start = time.perf_counter()
    await conn.execute("SET synchronous_commit = off")
    await conn.execute("SET work_mem = '64MB'")
    await conn.execute("SET maintenance_work_mem = '256MB'")
    contacts = max(50, min(n // 20, 20_000))
    await _reference_data(conn, contacts)
    # Bulk-load technique: the secondary indexes of the two big tables are dropped and rebuilt from their
    # exact definitions (as the migrations created them), and the per-row FK triggers are skipped (the
    # data is consistent by construction). The schema measured is the migrated one.
    indexes = await conn.fetch(
        """SELECT indexname, indexdef FROM pg_indexes
           WHERE schemaname = current_schema() AND tablename IN ('opportunity', 'opportunity_entry')
             AND indexname NOT IN (SELECT conname FROM pg_constraint)"""
    )
    for index in indexes:
        await conn.execute(f'DROP INDEX "{index["indexname"]}"')
    await conn.execute("SET session_replication_role = replica")
    await conn.execute("SELECT setseed(0.42)")
    # One row per opportunity with every random draw, so that all derived columns agree.
    # Status mix: 60% in progress, 5% not started, 20% won, 15% lost; last change within 120 days.
    await conn.execute(
        f"""
        CREATE TEMP TABLE bench_gen AS
        SELECT g,
               CASE WHEN r1 < 0.60 THEN 'in_progress' WHEN r1 < 0.65 THEN 'not_started'
                    WHEN r1 < 0.85 THEN 'won' ELSE 'lost' END AS status,
               {_cycle_case("r2")} AS cycle,
               r3,
               floor(r4 * 6)::int AS updates,
               1 + floor(r5 * 10)::int AS gap,
               floor(r6 * 120)::int AS age,
               'R' || lpad((1 + floor(r7 * {len(demo.REPS)}))::int::text, 2, '0') AS rep,
               'CT' || lpad((1 + floor(r8 * {contacts}))::int::text, 6, '0') AS contact_no,
               (1000 + floor(r9 * 99000))::bigint AS units
        FROM (SELECT g, random() r1, random() r2, random() r3, random() r4, random() r5, random() r6,
                     random() r7, random() r8, random() r9
              FROM generate_series(1, {n:d}) g) s
        """
    )
    # Derived per opportunity: k = the stage reached (closed: the stage it was closed from),
    # u = updates at that stage, ne = entries; the last entry is dated `last`, one per `gap` days.
    await conn.execute(
        f"""
        CREATE TEMP TABLE bench_opp AS
        SELECT x.*,
               x.last - greatest(x.ne - 1, 0) * x.gap AS creation
        FROM (
          SELECT b.*,
                 'OP' || lpad(b.g::text, greatest(6, length(b.g::text)), '0') AS no,
                 DATE '{AS_OF.isoformat()}' - b.age AS last,
                 c.k, c.u,
                 CASE WHEN b.status = 'not_started' THEN 0
                      WHEN b.status = 'in_progress' THEN c.k + c.u
                      ELSE c.k + c.u + 1 END AS ne
          FROM bench_gen b
          JOIN (SELECT sales_cycle_code, count(*) AS n_stages FROM sales_cycle_stage GROUP BY 1) st
            ON st.sales_cycle_code = b.cycle
          CROSS JOIN LATERAL (
            SELECT CASE WHEN b.status = 'not_started' THEN 0 ELSE 1 + floor(b.r3 * st.n_stages)::int END AS k,
                   CASE WHEN b.status = 'in_progress' THEN b.updates ELSE b.updates / 2 END AS u
          ) c
        ) x
        """
    )
    steps["draw"] = time.perf_counter() - start
    start = time.perf_counter()
    await conn.execute(
        f"""
        INSERT INTO opportunity (no, description, contact_no, contact_company_no, salesperson_code,
            sales_cycle_code, creation_date, status, priority, closed, date_closed, quote_ref, close_code,
            close_reason, estimated_value, chances_pct, estimated_close_date, completed_pct, probability_pct,
            calcd_current_value, current_stage, last_change_date, version)
        SELECT o.no, 'Deal ' || o.g, o.contact_no, o.contact_no, o.rep, o.cycle,
               CASE WHEN o.status = 'not_started' THEN o.last ELSE o.creation END,
               o.status,
               CASE o.g % 10 WHEN 0 THEN 'high' WHEN 1 THEN 'low' ELSE 'normal' END,
               o.status IN ('won', 'lost'),
               CASE WHEN o.status IN ('won', 'lost') THEN o.last END,
               CASE WHEN o.status = 'in_progress' AND s.quote_required THEN 'SQ' || o.g END,
               CASE o.status WHEN 'won' THEN {_code_pick(demo.WON_CODES)}
                             WHEN 'lost' THEN {_code_pick(demo.LOST_CODES)} END,
               NULL,
               o.units * 10000,
               CASE o.status WHEN 'in_progress' THEN s.chances_pct WHEN 'won' THEN 100 WHEN 'lost' THEN 0 END,
               CASE WHEN o.status = 'in_progress' THEN o.last + 30
                    WHEN o.status IN ('won', 'lost') THEN o.last END,
               CASE WHEN o.status = 'in_progress' THEN s.completed_pct
                    WHEN o.status IN ('won', 'lost') THEN 100 END,
               CASE o.status WHEN 'in_progress' THEN s.chances_pct * s.completed_pct
                             WHEN 'won' THEN 10000 WHEN 'lost' THEN 0 END,
               CASE o.status WHEN 'in_progress' THEN o.units * s.chances_pct * s.completed_pct
                             WHEN 'won' THEN o.units * 10000 WHEN 'lost' THEN 0 END,
               CASE WHEN o.status = 'in_progress' THEN o.k END,
               CASE WHEN o.status <> 'not_started' THEN o.last END,
               o.ne + 1
        FROM bench_opp o
        LEFT JOIN sales_cycle_stage s ON s.sales_cycle_code = o.cycle AND s.stage = o.k
        ORDER BY o.g
        """
    )
    steps["opportunities"] = time.perf_counter() - start
    start = time.perf_counter()
    # Entries 1..k walk the stages (first, next...), then u updates at stage k, then the close entry.
    # Exactly one active entry per started opportunity: the newest; the others carry days_open = gap.
    await conn.execute(
        """
        INSERT INTO opportunity_entry (opportunity_no, sales_cycle_code, stage, stage_description,
            previous_stage, contact_no, contact_company_no, salesperson_code, date_of_change, active,
            days_open, date_closed, action_type, action_taken, estimated_value, chances_pct, completed_pct,
            probability_pct, calcd_current_value, estimated_close_date, close_code, close_reason, created_by)
        SELECT o.no, o.cycle, e.stage, s.description,
               CASE WHEN i = 1 THEN NULL WHEN i <= o.k THEN i - 1 ELSE o.k END,
               o.contact_no, o.contact_no, o.rep,
               o.creation + (i - 1) * o.gap,
               i = o.ne,
               CASE WHEN i = o.ne THEN 0 ELSE o.gap END,
               CASE WHEN e.closing THEN o.last END,
               CASE WHEN i = 1 THEN 'first' WHEN i <= o.k THEN 'next' WHEN e.closing THEN 'close'
                    ELSE 'update' END,
               CASE WHEN i = 1 THEN 'first' WHEN i <= o.k THEN 'next' WHEN e.closing THEN o.status
                    ELSE 'updated' END,
               o.units * 10000,
               CASE WHEN NOT e.closing THEN s.chances_pct WHEN o.status = 'won' THEN 100 ELSE 0 END,
               CASE WHEN e.closing THEN 100 ELSE s.completed_pct END,
               CASE WHEN NOT e.closing THEN s.chances_pct * s.completed_pct
                    WHEN o.status = 'won' THEN 10000 ELSE 0 END,
               CASE WHEN NOT e.closing THEN o.units * s.chances_pct * s.completed_pct
                    WHEN o.status = 'won' THEN o.units * 10000 ELSE 0 END,
               CASE WHEN e.closing THEN o.last ELSE o.creation + (i - 1) * o.gap + 30 END,
               CASE WHEN e.closing THEN
                    CASE WHEN o.status = 'won' THEN 'PRICE_W' ELSE 'PRICE_L' END END,
               NULL,
               o.rep
        FROM bench_opp o
        CROSS JOIN LATERAL generate_series(1, o.ne) AS i
        CROSS JOIN LATERAL (
          SELECT CASE WHEN i <= o.k THEN i WHEN i <= o.k + o.u THEN o.k END AS stage,
                 o.status IN ('won', 'lost') AND i = o.ne AS closing
        ) e
        LEFT JOIN sales_cycle_stage s ON s.sales_cycle_code = o.cycle AND s.stage = e.stage
        """
    )
    steps["entries"] = time.perf_counter() - start
    start = time.perf_counter()
    await conn.execute("SET session_replication_role = origin")
    for index in indexes:
        await conn.execute(index["indexdef"])
    steps["indexes"] = time.perf_counter() - start
    start = time.perf_counter()
    await conn.execute(
        """INSERT INTO number_series (code, last_no) VALUES ('OPP', $1)
           ON CONFLICT (code) DO UPDATE SET last_no = excluded.last_no""",
        n,
    )
    await conn.execute("DROP TABLE bench_gen")
    await conn.execute("DROP TABLE bench_opp")
    await conn.execute("ANALYZE")
    steps["analyze"] = time.perf_counter() - start
    return steps


async def _generate_counted(
    conn: asyncpg.Connection, n: int, schema: str, log: Callable[[str], None]
) -> tuple[dict[str, float], Any]:
    """`generate`, then what it made: the seconds each step took and the row counts."""
    log(f"  figure 2: generating {n:,} opportunities in schema {schema} ...")
    steps = await generate(conn, n)
    counts = await conn.fetchrow(
        """SELECT (SELECT count(*) FROM opportunity) AS opportunities,
                  (SELECT count(*) FROM opportunity_entry) AS entries,
                  (SELECT count(*) FROM opportunity WHERE status = 'in_progress') AS in_progress,
                  (SELECT count(*) FROM opportunity WHERE status <> 'not_started') AS started,
                  (SELECT count(*) FROM opportunity_entry WHERE active) AS active_entries,
                  (SELECT pg_total_relation_size('opportunity')
                          + pg_total_relation_size('opportunity_entry')) AS bytes"""
    )
    return steps, counts


# --- measuring ----------------------------------------------------------------------------------------------
class StatementCounter:
    """Counts the SQL statements an engine sends (SQLAlchemy's before_cursor_execute)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.count = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._on_execute)

    def _on_execute(self, *_args: Any) -> None:
        self.count += 1


STALL_SQL = """
SELECT o.* FROM opportunity o
JOIN sales_cycle_stage s ON s.sales_cycle_code = o.sales_cycle_code AND s.stage = o.current_stage
WHERE o.status = 'in_progress' AND o.last_change_date < :cutoff
ORDER BY o.last_change_date, o.no
"""

_TOTALS = """
count(*) FILTER (WHERE status = 'not_started') AS not_started,
count(*) FILTER (WHERE status = 'in_progress') AS open,
count(*) FILTER (WHERE status = 'won') AS won,
count(*) FILTER (WHERE status = 'lost') AS lost,
sum(estimated_value) FILTER (WHERE status = 'in_progress') AS est,
sum(calcd_current_value) FILTER (WHERE status = 'in_progress') AS calcd,
sum(calcd_current_value) FILTER (WHERE status = 'won') AS won_value,
sum(date_closed - creation_date) FILTER (WHERE status IN ('won', 'lost')) AS days_to_close
"""

PIPELINE_SQL = f"""
WITH t AS (
  SELECT sales_cycle_code AS cycle, current_stage AS stage, {_TOTALS}
  FROM opportunity
  WHERE salesperson_code IN (SELECT code FROM salesperson WHERE code = :manager OR manager_code = :manager)
  GROUP BY 1, 2
), d AS (
  SELECT sales_cycle_code AS cycle, stage, sum(days_open) AS days_open, count(*) AS visits
  FROM opportunity_entry WHERE NOT active AND stage IS NOT NULL GROUP BY 1, 2
)
SELECT coalesce(t.cycle, d.cycle) AS cycle, coalesce(t.stage, d.stage) AS stage, t.not_started, t.open,
       t.won, t.lost, t.est, t.calcd, t.won_value, t.days_to_close, d.days_open, d.visits
FROM t FULL JOIN d ON t.cycle = d.cycle AND t.stage = d.stage
"""

STATS_SQL = f"""
WITH t AS (
  SELECT sales_cycle_code AS cycle, salesperson_code AS person, {_TOTALS}
  FROM opportunity GROUP BY GROUPING SETS ((), (sales_cycle_code), (salesperson_code))
), l AS (
  SELECT o.salesperson_code AS person, count(*) AS n, sum(e.estimated_value) AS est,
         sum(e.calcd_current_value) AS calcd
  FROM opportunity_entry e JOIN opportunity o ON o.no = e.opportunity_no
  WHERE e.active GROUP BY 1
)
SELECT 'totals' AS kind, cycle, person, not_started, open, won, lost, est, calcd, won_value, days_to_close
FROM t
UNION ALL
SELECT 'ledger', NULL, person, n, NULL, NULL, NULL, est, calcd, NULL, NULL FROM l
"""


@dataclass
class OpMeasure:
    name: str
    oppbot_s: list[float] = field(default_factory=list)
    baseline_s: list[float] = field(default_factory=list)
    statements: int = 0
    result_size: int = 0
    baseline_size: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "oppbot_median_ms": round(median(self.oppbot_s) * 1000, 2),
            "baseline_median_ms": round(median(self.baseline_s) * 1000, 2),
            "oppbot_runs_ms": [round(t * 1000, 2) for t in self.oppbot_s],
            "baseline_runs_ms": [round(t * 1000, 2) for t in self.baseline_s],
            "statements": self.statements,
            "result_size": self.result_size,
            "baseline_result_size": self.baseline_size,
        }


async def _measure(
    name: str,
    counter: StatementCounter,
    reps: int,
    oppbot: Callable[[], Awaitable[int]],
    baseline: Callable[[], Awaitable[int]],
) -> OpMeasure:
    """Warm the database caches with one baseline run, then `reps` interleaved timed runs of both.

    oppbot's statements are counted during its first timed run (the service caches nothing between calls).
    """
    m = OpMeasure(name)
    m.baseline_size = await baseline()
    for rep in range(reps):
        before = counter.count
        start = time.perf_counter()
        size = await oppbot()
        m.oppbot_s.append(time.perf_counter() - start)
        if rep == 0:
            m.statements, m.result_size = counter.count - before, size
        start = time.perf_counter()
        await baseline()
        m.baseline_s.append(time.perf_counter() - start)
    return m


async def measure_size(engine: AsyncEngine, reps: int) -> dict[str, OpMeasure]:
    clock_now = datetime.combine(AS_OF, dtime(12, 0), tzinfo=UTC)
    service = OpportunityService(
        make_sessionmaker(engine), currency="EUR", stall_default=STALL_DEFAULT, clock=lambda: clock_now
    )
    counter = StatementCounter(engine)
    manager = await service.salesperson(demo.MANAGER)
    admin = await service.salesperson(demo.ADMIN)
    assert isinstance(manager, Salesperson) and isinstance(admin, Salesperson)
    cutoff = stalled_before(STALL_DEFAULT, AS_OF)  # every demo stage has an empty formula (spec 8.2)

    async def rows(sql: str, **params: Any) -> int:
        async with engine.connect() as conn:
            return len((await conn.execute(sa.text(sql), params)).all())

    async def stall() -> int:
        return len(await service.stalled_opportunities(AS_OF))

    async def pipeline() -> int:
        view = await service.pipeline(manager, "team")
        return view.total.open

    async def stats() -> int:
        view = await service.stats(admin)
        return len(view.by_cycle) + len(view.by_salesperson) + len(view.ledger)

    async def pipeline_base() -> int:
        async with engine.connect() as conn:
            result = (await conn.execute(sa.text(PIPELINE_SQL), {"manager": demo.MANAGER})).all()
        return sum(r.open or 0 for r in result)

    async def stats_base() -> int:
        # Groups of the same figures as the service (per cycle, per salesperson, ledger; overall excluded).
        async with engine.connect() as conn:
            result = (await conn.execute(sa.text(STATS_SQL))).all()
        return sum(1 for r in result if r.kind == "ledger" or r.cycle is not None or r.person is not None)

    return {
        "stall": await _measure("stall", counter, reps, stall, lambda: rows(STALL_SQL, cutoff=cutoff)),
        "pipeline": await _measure("pipeline", counter, reps, pipeline, pipeline_base),
        "stats": await _measure("stats", counter, reps, stats, stats_base),
    }


OPS = {
    "stall": "stalled_opportunities(as_of)",
    "pipeline": "pipeline(manager, 'team')",
    "stats": "stats(admin)",
}


def reps_for(n: int, smoke: bool) -> int:
    if smoke:
        return 1
    return 5 if n <= 100_000 else 3


async def run(sizes: list[int], *, smoke: bool = False, log: Callable[[str], None] = print) -> FigureResult:
    result = FigureResult("2", TITLE)
    problem = await pg_available()
    if problem is not None:
        result.status, result.reason = "not_measured", problem
        return result
    per_size: dict[int, dict[str, OpMeasure]] = {}
    details: dict[str, Any] = {"as_of": AS_OF.isoformat(), "stall_default": STALL_DEFAULT, "sizes": {}}
    for n in sizes:
        schema = f"bench_{n}"
        fill = functools.partial(_generate_counted, n=n, schema=schema, log=log)
        async with generated_schema(schema, fill) as (engine, (steps, counts)):
            if counts["started"] != counts["active_entries"]:
                raise RuntimeError(f"generated ledger is inconsistent: {dict(counts)}")
            log(
                f"  figure 2: {counts['opportunities']:,} opportunities, {counts['entries']:,} entries "
                f"in {sum(steps.values()):.1f} s; measuring ..."
            )
            per_size[n] = await measure_size(engine, reps_for(n, smoke))
            details["sizes"][str(n)] = {
                "generation_s": {k: round(v, 2) for k, v in steps.items()},
                "opportunities": counts["opportunities"],
                "entries": counts["entries"],
                "in_progress": counts["in_progress"],
                "table_mb": round(counts["bytes"] / 2**20, 1),
                "ops": {k: m.to_json() for k, m in per_size[n].items()},
            }
    result.details = details
    result.rows = _rows(sizes, per_size)
    return result


def _rows(sizes: list[int], per_size: dict[int, dict[str, OpMeasure]]) -> list[Row]:
    rows: list[Row] = []
    for op, label in OPS.items():
        for n in sizes:
            m = per_size[n][op]
            value, base = median(m.oppbot_s) * 1000, median(m.baseline_s) * 1000
            note = ""
            if m.result_size != m.baseline_size:
                note = f"result mismatch: oppbot {m.result_size} vs baseline {m.baseline_size}"
            elif op == "stall":
                note = f"{m.result_size:,} stalled"
            target = f"≤ {RATIO_TARGET:g}× baseline"
            row = Row("2", f"{n:,}", f"{label} time", "ms", value, base, target, note=note)
            row.passed = row.ratio is not None and row.ratio <= RATIO_TARGET
            rows.append(row)
        counts = [per_size[n][op].statements for n in sizes]
        rows.append(
            Row(
                "2",
                " / ".join(f"{n:,}" for n in sizes),
                f"{label} SQL statements",
                "stmts",
                float(counts[-1]),
                1.0,
                "constant across sizes",
                passed=len(set(counts)) == 1,
                note="per size: " + ", ".join(str(c) for c in counts),
            )
        )
        if len(sizes) >= 2:
            steps = _step_exponents(sizes, [median(per_size[n][op].oppbot_s) for n in sizes])
            base_steps = _step_exponents(sizes, [median(per_size[n][op].baseline_s) for n in sizes])
            worst = max(steps) if steps else None
            rows.append(
                Row(
                    "2",
                    f"{sizes[0]:,} → {sizes[-1]:,}",
                    f"{label} growth exponent (worst step)",
                    "k",
                    worst,
                    max(base_steps) if base_steps else None,
                    f"≤ {GROWTH_TARGET:g} (1 = linear)",
                    passed=worst is not None and worst <= GROWTH_TARGET,
                    note="per step: " + ", ".join(f"{s:.2f}" for s in steps),
                )
            )
    if 1_000_000 in per_size:
        m = per_size[1_000_000]["stall"]
        rows.append(
            Row(
                "2",
                "1,000,000",
                "stall scan absolute",
                "s",
                median(m.oppbot_s),
                median(m.baseline_s),
                f"< {STALL_1M_TARGET_S:g} s",
                passed=median(m.oppbot_s) < STALL_1M_TARGET_S,
            )
        )
    return rows


def _step_exponents(sizes: list[int], times: list[float]) -> list[float]:
    """Growth exponent between each pair of consecutive sizes."""
    out = []
    for i in range(len(sizes) - 1):
        k = growth_exponent(sizes[i : i + 2], times[i : i + 2])
        if k is not None:
            out.append(k)
    return out
