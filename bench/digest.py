"""A manager's digest at scale: `DigestService.view` (the figures) and `.build` (with the chart) for a
manager of 200 people with 20,000 open opportunities, on PostgreSQL and SQLite, beside one hand-written
statement (the team's open pipeline by stage) on the same engine, with the statements each call sends.

    .venv/bin/python -m bench.digest                     # 200 people × 100 open (+ 4 closed each)
    .venv/bin/python -m bench.digest --reps 20 --open 50 --runs 3

Not a figure of `make bench` yet: it prints its own table and one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python bench/digest.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from tests.dbfixtures import seed_all
from tests.digests.bulk import bulk_team

from bench.common import pg_admin, pg_url
from oppbot.service.digests import DigestService
from oppbot.service.opportunities import OpportunityService
from oppbot.store.engine import make_engine, make_sessionmaker, upgrade_database

TODAY = date(2026, 11, 18)
NOW = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
BASELINE = sa.text(
    """SELECT sales_cycle_code, current_stage, count(*), sum(estimated_value), sum(calcd_current_value)
       FROM opportunity
       WHERE status = 'in_progress'
         AND salesperson_code IN (SELECT code FROM salesperson WHERE code = 'MG' OR manager_code = 'MG')
       GROUP BY sales_cycle_code, current_stage"""
)


async def _timed(work: Callable[[], Awaitable[Any]], runs: int) -> float:
    await work()  # warm-up: connections, caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        await work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


async def _statements(engine: AsyncEngine, work: Callable[[], Awaitable[Any]]) -> int:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        await work()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    return len(seen)


async def measure(backend: str, url: str, reps: int, open_per_rep: int, runs: int) -> dict[str, Any]:
    engine = make_engine(url)
    try:
        await upgrade_database(engine)
        sessions = make_sessionmaker(engine)
        await seed_all(sessions)
        start = time.perf_counter()
        await bulk_team(sessions, reps=reps, open_per_rep=open_per_rep, today=TODAY)
        if backend == "postgresql":
            async with engine.begin() as conn:
                await conn.execute(sa.text("ANALYZE"))
        generated = time.perf_counter() - start
        digests = DigestService(OpportunityService(sessions))

        async def view() -> None:
            await digests.view("MG", since=None, now=NOW)

        async def build() -> None:
            await digests.build("MG", since=None, now=NOW)

        async def baseline() -> None:
            async with engine.connect() as conn:
                (await conn.execute(BASELINE)).all()

        return {
            "backend": backend,
            "people": reps + 1,
            "open": reps * open_per_rep,
            "generate_s": round(generated, 2),
            "view_s": round(await _timed(view, runs), 4),
            "build_s": round(await _timed(build, runs), 4),
            "baseline_s": round(await _timed(baseline, runs), 4),
            "statements": await _statements(engine, view),
        }
    finally:
        await engine.dispose()


async def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(prog="python -m bench.digest", description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--open", type=int, default=100, help="open opportunities per person")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(await measure("sqlite", f"sqlite+aiosqlite:///{tmp}/digest.db", args.reps, args.open,
                                     args.runs))  # fmt: skip
    database = f"bench_digest_{uuid.uuid4().hex[:12]}"
    await pg_admin(f'CREATE DATABASE "{database}"')
    try:
        results.append(await measure("postgresql", pg_url(database), args.reps, args.open, args.runs))
    finally:
        await pg_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    print("| backend | people | open | figures (view) s | with chart (build) s | one-statement baseline s | "
          "ratio view/baseline | statements |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        ratio = r["view_s"] / r["baseline_s"] if r["baseline_s"] else float("nan")
        print(f"| {r['backend']} | {r['people']} | {r['open']} | {r['view_s']} | {r['build_s']} | "
              f"{r['baseline_s']} | {ratio:.1f} | {r['statements']} |")  # fmt: skip
    print(json.dumps(results))
    return results


if __name__ == "__main__":
    asyncio.run(main())
