"""What every figure shares: result rows, timing helpers, the PostgreSQL connection, free ports."""

from __future__ import annotations

import asyncio
import math
import os
import socket
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import asyncpg  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parent.parent
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"

PG_HOST = os.environ.get("OPPBOT_BENCH_PG_HOST", os.environ.get("OPPBOT_TEST_PG_HOST", "127.0.0.1"))
PG_PORT = int(os.environ.get("OPPBOT_BENCH_PG_PORT", os.environ.get("OPPBOT_TEST_PG_PORT", "5432")))
PG_USER = os.environ.get("OPPBOT_BENCH_PG_USER", os.environ.get("OPPBOT_TEST_PG_USER", "postgres"))
PG_DATABASE = os.environ.get("OPPBOT_BENCH_PG_DATABASE", os.environ.get("OPPBOT_TEST_PG_DATABASE", "test"))


def pg_url(database: str = PG_DATABASE) -> str:
    return f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}"


async def pg_admin(sql: str) -> None:
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database=PG_DATABASE, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextmanager
def scratch_backends(
    tmp: str | Path, prefix: str, pg_problem: str | None, details: dict[str, Any]
) -> Iterator[list[tuple[str, str]]]:
    """(backend, database URL) pairs for a server under test: a SQLite file in `tmp` and, when PostgreSQL
    is reachable, a fresh database dropped again on exit (else `details` says why it was not measured)."""
    backends: list[tuple[str, str]] = [("sqlite", f"sqlite+aiosqlite:///{tmp}/oppbot.db")]
    database = f"{prefix}_{uuid.uuid4().hex[:12]}"
    if pg_problem is None:
        backends.append(("postgresql", pg_url(database)))
        asyncio.run(pg_admin(f'CREATE DATABASE "{database}"'))
    else:
        details["postgresql"] = {"not_measured": pg_problem}
    try:
        yield backends
    finally:
        if pg_problem is None:
            asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


T = TypeVar("T")


@dataclass
class Row:
    """One line of the results table: oppbot's figure next to its baseline from the same run."""

    figure: str
    case: str  # size, concurrency or backend
    metric: str
    unit: str
    value: float | None
    baseline: float | None = None
    target: str = ""
    passed: bool | None = None  # None: informative, no target
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.baseline:
            return None
        return self.value / self.baseline

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ratio"] = None if self.ratio is None else round(self.ratio, 3)
        return data


@dataclass
class FigureResult:
    """A figure's rows, or why it was not measured."""

    key: str
    title: str
    status: str = "measured"  # measured | not_measured | failed
    reason: str = ""
    rows: list[Row] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "status": self.status,
            "reason": self.reason,
            "seconds": round(self.seconds, 1),
            "rows": [r.to_json() for r in self.rows],
            "details": self.details,
        }


async def timed(fn: Callable[[], Awaitable[T]]) -> tuple[float, T]:
    """Wall time of one awaited call, in seconds, and its result."""
    start = time.perf_counter()
    result = await fn()
    return time.perf_counter() - start, result


def median(values: list[float]) -> float:
    return statistics.median(values)


def growth_exponent(sizes: list[int], times: list[float]) -> float | None:
    """k in t ∝ n^k between the smallest and the largest size (1.0 = linear)."""
    if len(sizes) < 2 or times[0] <= 0 or sizes[-1] == sizes[0]:
        return None
    return math.log(times[-1] / times[0]) / math.log(sizes[-1] / sizes[0])


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def rss_mb(pid: int) -> float:
    """Resident set size of a process, from /proc (no dependency)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")
