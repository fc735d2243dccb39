"""Migration 0008: the Teams conversation references, exactly as the ORM declares them, on both databases."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from oppbot.store.engine import make_sessionmaker, upgrade_database
from oppbot.store.orm import Base
from oppbot.store.teams import ConversationRef, TeamsConversations
from tests.dbfixtures import DbTarget
from tests.store.test_migration_0003 import _downgrade

TABLE = "teams_conversation"


def _drift(conn: Connection) -> list[Any]:
    only = sa.MetaData(naming_convention=Base.metadata.naming_convention)
    Base.metadata.tables[TABLE].to_metadata(only)
    context = MigrationContext.configure(
        conn, opts={"include_name": lambda name, kind, parent: kind != "table" or name == TABLE}
    )
    return list(compare_metadata(context, only))


async def test_the_table_matches_the_orm_and_keeps_one_row_per_conversation(db_target: DbTarget) -> None:
    engine = db_target.new_engine()
    await upgrade_database(engine)
    async with engine.connect() as conn:
        assert await conn.run_sync(_drift) == []
    store = TeamsConversations(make_sessionmaker(engine))
    ref = ConversationRef(
        "a:1", "personal", "https://smba.example/", "T1", "28:bot", "29:u", "aad", "AH", "en"
    )
    await store.remember(ref)
    await store.mark_unreachable("a:1")
    assert (await store.personal_of("AH")).unreachable  # type: ignore[union-attr]
    await store.remember(ref)  # they wrote again
    again = await store.personal_of("AH")
    assert again is not None and not again.unreachable
    await store.remember(ConversationRef("19:c@thread", "channel", "https://smba.example/", "T1"))
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.text(f"SELECT count(*) FROM {TABLE}"))).scalar_one()
    assert rows == 2


async def test_downgrade_one_step_and_up_again(db_target: DbTarget) -> None:
    engine = db_target.new_engine()
    await upgrade_database(engine)
    async with engine.begin() as conn:
        await conn.run_sync(_downgrade(engine, "0008-1"))  # whatever 0008 follows (re-chained at merge)
    async with engine.connect() as conn:
        tables = await conn.run_sync(lambda c: sa.inspect(c).get_table_names())
    assert TABLE not in tables
    await upgrade_database(engine)
    async with engine.connect() as conn:
        assert await conn.run_sync(_drift) == []
