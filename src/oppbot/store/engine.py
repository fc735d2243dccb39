"""Engines for SQLite (embedded default) and PostgreSQL, and Alembic upgrades."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession

from oppbot.store import sqlite_driver

MIGRATIONS = Path(__file__).with_name("migrations")
WRITE = "oppbot_write"
SQLITE_BUSY_TIMEOUT_MS = 10_000


def _sqlite_setup(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # We emit BEGIN ourselves (below); pysqlite's implicit transactions would defeat that.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A writer takes the write lock up front: a deferred transaction that reads and then
        # writes fails with SQLITE_BUSY_SNAPSHOT under WAL when another writer got in between.
        immediate = conn.get_execution_options().get(WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("module", sqlite_driver.dbapi())
        engine = create_async_engine(url, **kwargs)
        _sqlite_setup(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_async_engine(url, **kwargs)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


# Any constant shared by every oppbot process: PostgreSQL's advisory lock that serialises upgrades.
VERSION_TABLE = "alembic_version"
MIGRATION_LOCK = 0x6F7070626F74  # "oppbot"


async def upgrade_database(engine: AsyncEngine, revision: str = "head") -> None:
    """Apply Alembic migrations on the engine's own connection (works inside a running loop).

    On PostgreSQL the upgrade holds a transaction-level advisory lock: replicas starting together
    queue on it, and each one after the first finds the schema already at head (Alembic reads the
    revision inside the lock). SQLite's BEGIN IMMEDIATE does the same for a file.
    """
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))

    def _run(sync_conn: Connection) -> None:
        cfg.attributes["connection"] = sync_conn
        command.upgrade(cfg, revision)

    options = {WRITE: True} if engine.dialect.name == "sqlite" else {}
    async with engine.connect() as conn:
        conn = await conn.execution_options(**options)
        async with conn.begin():
            if engine.dialect.name == "postgresql":
                await conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            await conn.run_sync(_run)


@cache
def head_revisions() -> frozenset[str]:
    """The revisions the code expects (Alembic's heads, read from the migration scripts once)."""
    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


async def database_revisions(engine: AsyncEngine) -> set[str]:
    """The revisions the database is at (empty before the first upgrade)."""

    def _read(sync_conn: Connection) -> set[str]:
        # Read the table directly: MigrationContext.configure logs two INFO lines per probe.
        if not sa.inspect(sync_conn).has_table(VERSION_TABLE):
            return set()
        return set(sync_conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())

    async with engine.connect() as conn:
        return await conn.run_sync(_read)
