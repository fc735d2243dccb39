"""Migration 0005: the preferences table equals the ORM's, people keep working, and it goes down and up."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from oppbot.domain.preferences import Preferences
from oppbot.store.engine import make_sessionmaker, upgrade_database
from oppbot.store.orm import Base
from tests.dbfixtures import AH, Clock, DbTarget, make_service, seed_salespeople
from tests.store.test_migration_0003 import _downgrade

TABLE = "salesperson_preference"


def _drift(conn: Connection) -> list[Any]:
    only = sa.MetaData(naming_convention=Base.metadata.naming_convention)
    Base.metadata.tables["salesperson"].to_metadata(only)
    Base.metadata.tables[TABLE].to_metadata(only)
    context = MigrationContext.configure(
        conn,
        opts={"include_name": lambda name, kind, parent: kind != "table" or name in (TABLE, "salesperson")},
    )
    return list(compare_metadata(context, only))


async def test_upgrade_from_0004_leaves_everyone_on_the_defaults(db_target: DbTarget) -> None:
    engine = db_target.new_engine()
    await upgrade_database(engine, "0004")
    sessions = make_sessionmaker(engine)
    async with engine.begin() as conn:
        await conn.execute(
            sa.text("INSERT INTO salesperson (code, name, role) VALUES ('AH', 'Annette', 'rep')")
        )
    await upgrade_database(engine)
    async with engine.connect() as conn:
        assert await conn.run_sync(_drift) == []
    service = make_service(sessions, Clock())
    view = await service.preferences(AH)
    assert view.stored == Preferences() and str(view.working_hours) == "09:00-18:00"
    await service.set_preferences(AH, locale="it")
    assert (await service.preferences(AH)).stored == Preferences(locale="it")


async def test_downgrade_to_0004_and_up_again(db_target: DbTarget) -> None:
    engine = db_target.new_engine()
    await upgrade_database(engine)
    sessions = make_sessionmaker(engine)
    await seed_salespeople(sessions)
    await make_service(sessions, Clock()).set_preferences(AH, timezone="Europe/Rome")
    async with engine.begin() as conn:
        await conn.run_sync(_downgrade(engine, "0004"))
    async with engine.connect() as conn:
        tables = await conn.run_sync(lambda c: sa.inspect(c).get_table_names())
        people = (await conn.execute(sa.text("SELECT count(*) FROM salesperson"))).scalar_one()
    assert TABLE not in tables and people == 5
    await upgrade_database(engine)
    assert (await make_service(sessions, Clock()).preferences(AH)).stored == Preferences()
