"""Every stored row, to assert that a refused input changed nothing."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from oppbot.service.uow import UnitOfWork
from oppbot.store.orm import Base
from tests.dbfixtures import CURRENCY, Sessions

Tables = dict[str, list[tuple[Any, ...]]]


async def table_rows(sessions: Sessions) -> Tables:
    """Every row of every table, ordered by key (server-set timestamps left out)."""
    result: Tables = {}
    async with UnitOfWork(sessions, CURRENCY, write=False) as uow:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if c.name != "created_at"]
            rows = await uow.session.execute(sa.select(*columns).order_by(*table.primary_key.columns))
            result[table.name] = [tuple(r) for r in rows]
    return result
