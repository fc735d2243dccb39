"""Migration 0007: the notification and snooze tables (and the keyset index) equal the ORM's; down and up."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from oppbot.store.engine import upgrade_database
from oppbot.store.orm import Base
from tests.dbfixtures import DbTarget
from tests.store.test_migration_0003 import _downgrade

TABLES = ("notification", "opportunity_snooze", "opportunity")


def _drift(conn: Connection) -> list[Any]:
    only = sa.MetaData(naming_convention=Base.metadata.naming_convention)
    for name in (*TABLES, "contact", "salesperson", "sales_cycle"):  # what the foreign keys refer to
        Base.metadata.tables[name].to_metadata(only)
    context = MigrationContext.configure(
        conn, opts={"include_name": lambda name, kind, parent: kind != "table" or name in TABLES}
    )
    return [d for d in compare_metadata(context, only) if _table_of(d) in TABLES]


def _table_of(diff: Any) -> str | None:
    """The table a diff is about (the referred tables are there only for the foreign keys)."""
    if isinstance(diff, list):  # modify_* diffs come grouped per column
        diff = diff[0]
    kind, obj = diff[0], diff[1]
    if kind.startswith("modify_"):
        return str(diff[2])
    table = getattr(obj, "table", None)
    if table is not None:
        return str(table.name)
    return str(getattr(obj, "name", "")) or None


async def test_tables_equal_the_orm_and_go_down_and_up(db_target: DbTarget) -> None:
    engine = db_target.new_engine()
    await upgrade_database(engine)
    async with engine.connect() as conn:
        assert await conn.run_sync(_drift) == []
    async with engine.begin() as conn:
        await conn.run_sync(_downgrade(engine, "0006"))
    async with engine.connect() as conn:
        tables = await conn.run_sync(lambda c: sa.inspect(c).get_table_names())
        indexes = await conn.run_sync(lambda c: {i["name"] for i in sa.inspect(c).get_indexes("opportunity")})
    assert "notification" not in tables and "opportunity_snooze" not in tables
    assert "ix_opportunity_stall_keyset" not in indexes
    await upgrade_database(engine)
    async with engine.connect() as conn:
        assert await conn.run_sync(_drift) == []
