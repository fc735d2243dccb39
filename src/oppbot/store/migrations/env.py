"""Alembic environment: runs on a connection handed over by oppbot.store.engine.upgrade_database."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from oppbot.store.orm import Base

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_standalone() -> None:
    """`alembic` CLI use (e.g. autogenerate during development)."""
    from oppbot.store.engine import make_engine

    async def go() -> None:
        engine = make_engine(context.config.get_main_option("sqlalchemy.url") or "")
        async with engine.begin() as conn:
            await conn.run_sync(_run)
        await engine.dispose()

    asyncio.run(go())


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    _run_standalone()
