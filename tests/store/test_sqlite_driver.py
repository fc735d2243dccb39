"""The SQLite driver shim: every statement is one trip to aiosqlite's thread, and SQLAlchemy sees a
DBAPI cursor that behaves as sqlite3's (rows, RETURNING, rowcount, lastrowid, executemany, errors)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiosqlite.core
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from oppbot.store.engine import make_engine


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with engine.begin() as conn:
        await conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, n INTEGER)")
    yield engine
    await engine.dispose()


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The calls queued to aiosqlite's thread, by function name."""
    seen: list[str] = []
    original: Callable[..., Any] = aiosqlite.core.Connection._execute

    async def counted(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.core.Connection, "_execute", counted)
    return seen


async def test_a_statement_is_one_trip(engine: AsyncEngine, trips: list[str]) -> None:
    async with engine.connect() as conn:
        assert isinstance((await conn.get_raw_connection()).driver_connection, aiosqlite.Connection)
        trips.clear()
        rows = (await conn.execute(sa.text("SELECT 1 UNION ALL SELECT 2"))).all()
    assert [r[0] for r in rows] == [1, 2]
    # BEGIN (our own, on begin), the SELECT, and the rollback when the connection goes back to the pool.
    assert trips.count("_run") == 2, trips
    assert len(trips) == 3, trips


async def test_rows_returning_rowcount_and_lastrowid(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        inserted = await conn.execute(sa.text("INSERT INTO t (name, n) VALUES ('a', 1)"))
        assert inserted.lastrowid == 1
        await conn.execute(
            sa.text("INSERT INTO t (name, n) VALUES (:name, :n)"),
            [{"name": "b", "n": 2}, {"name": "c", "n": 3}],
        )
        updated = await conn.execute(sa.text("UPDATE t SET n = n * 10 WHERE n >= 2"))
        assert updated.rowcount == 2
        returned = await conn.execute(sa.text("UPDATE t SET n = n + 1 WHERE n > 10 RETURNING name, n"))
        assert sorted(returned.all()) == [("b", 21), ("c", 31)]
        assert returned.rowcount == 2
        nothing = await conn.execute(sa.text("SELECT name FROM t WHERE n < 0"))
        assert nothing.all() == []
    async with engine.connect() as conn:
        assert (await conn.execute(sa.text("SELECT count(*), sum(n) FROM t"))).one() == (3, 53)


async def test_driver_errors_reach_sqlalchemy_as_dbapi_errors(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(sa.text("INSERT INTO t (name, n) VALUES ('a', 1)"))
    with pytest.raises(sa.exc.IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(sa.text("INSERT INTO t (name, n) VALUES ('a', 2)"))
    with pytest.raises(sa.exc.OperationalError):
        async with engine.connect() as conn:
            await conn.execute(sa.text("SELECT * FROM missing"))
    async with engine.connect() as conn:  # the pool's connection still works after both
        assert (await conn.execute(sa.text("SELECT n FROM t"))).scalar_one() == 1
