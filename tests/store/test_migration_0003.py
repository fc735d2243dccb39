"""Migration 0003: existing contacts get their search key, and the schema equals the ORM's."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from oppbot.store.engine import alembic_config, make_sessionmaker, upgrade_database
from oppbot.store.orm import Base
from tests.dbfixtures import Clock, DbTarget, make_service

ROWS = [
    ("CT000001", "company", "Åberg Ångström AB"),
    ("CT000002", "person", "Renée Åberg-Müller"),
    ("CT000003", "person", "Søren O'Brien"),
]


async def _seed_at_0002(engine: AsyncEngine) -> None:
    """Contacts, and an opportunity that refers to one, written with plain SQL as 0002 knew them."""
    async with engine.begin() as conn:
        await conn.execute(
            sa.text("INSERT INTO contact (no, type, name) VALUES (:no, :type, :name)"),
            [{"no": no, "type": kind, "name": name} for no, kind, name in ROWS],
        )
        await conn.execute(
            sa.text("INSERT INTO salesperson (code, name, role) VALUES ('AH', 'Annette', 'rep')")
        )
        await conn.execute(
            sa.text("INSERT INTO sales_cycle (code, description, probability_calculation, blocked) "
                    "VALUES ('NEW', 'New', 'multiply', false)")
        )  # fmt: skip
        await conn.execute(
            sa.text(
                "INSERT INTO opportunity (no, description, contact_no, salesperson_code, sales_cycle_code,"
                " creation_date, status, priority, closed, version) VALUES ('OP000001', 'Chairs',"
                " 'CT000002', 'AH', 'NEW', '2026-10-01', 'not_started', 'normal', false, 1)"
            )
        )


def _downgrade(engine: AsyncEngine, revision: str) -> Any:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))

    def run(conn: Connection) -> None:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)

    return run


def _contact_drift(conn: Connection) -> list[Any]:
    """What autogenerate would change in the contact table (slack_sdk's tables are not in our metadata)."""
    contact_only = sa.MetaData(naming_convention=Base.metadata.naming_convention)
    Base.metadata.tables["contact"].to_metadata(contact_only)
    context = MigrationContext.configure(
        conn, opts={"include_name": lambda name, kind, parent: kind != "table" or name == "contact"}
    )
    return list(compare_metadata(context, contact_only))


async def test_upgrade_from_0002_keys_existing_contacts(db_target: DbTarget) -> None:
    engine = db_target.new_engine()
    await upgrade_database(engine, "0002")
    await _seed_at_0002(engine)

    await upgrade_database(engine)

    async with engine.connect() as conn:
        keys = {no: key for no, key in await conn.execute(sa.text("SELECT no, search_key FROM contact"))}
        indexes = await conn.run_sync(lambda c: sa.inspect(c).get_indexes("contact"))
        drift = await conn.run_sync(_contact_drift)
    assert keys == {
        "CT000001": "aberg angstrom ab",
        "CT000002": "renee aberg muller",
        "CT000003": "soren obrien",
    }
    assert [(i["name"], i["column_names"]) for i in indexes] == [
        ("ix_contact_search_key", ["search_key", "no"])
    ]
    assert drift == []
    # The application finds the migrated contacts.
    service = make_service(make_sessionmaker(engine), Clock())
    assert [c.no for c in await service.contacts("ÅBERG")] == ["CT000001", "CT000002"]
    assert [c.no for c in await service.contacts("renee aberg")] == ["CT000002"]


async def test_downgrade_to_0002_and_up_again(db_target: DbTarget) -> None:
    engine = db_target.new_engine()
    await upgrade_database(engine, "0002")
    await _seed_at_0002(engine)
    await upgrade_database(engine)
    async with engine.begin() as conn:
        await conn.run_sync(_downgrade(engine, "0002"))
    async with engine.connect() as conn:
        columns = await conn.run_sync(lambda c: [col["name"] for col in sa.inspect(c).get_columns("contact")])
        count = (await conn.execute(sa.text("SELECT count(*) FROM opportunity"))).scalar_one()
    assert "search_key" not in columns and count == 1
    await upgrade_database(engine)
    service = make_service(make_sessionmaker(engine), Clock())
    assert [c.no for c in await service.contacts("muller")] == ["CT000002"]
