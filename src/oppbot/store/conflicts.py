"""Which integrity errors mean "another writer got there first", on SQLite and on PostgreSQL.

Only the unique keys that guard against concurrent writers qualify: losing a race on one of them is a
change made meanwhile. Any other violation (NOT NULL, a foreign key, CHECK, another unique key) is a
defect, and must surface as one instead of asking the person to try again.
"""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.schema import ColumnCollectionConstraint

from oppbot.store.orm import Base

# Constraint or unique-index names as PostgreSQL reports them.
CONCURRENCY_GUARDS = frozenset(
    {
        "uq_opportunity_entry_active",  # one active ledger entry per opportunity
        "pk_opportunity",  # opportunity numbers from the number series
        "uq_chat_identity_platform_team_id_user_id",  # one link per chat account
        "pk_processed_request",  # one run per platform request key
    }
)
PG_UNIQUE_VIOLATION = "23505"
SQLITE_UNIQUE = frozenset({"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"})


def _sqlite_signatures() -> frozenset[str]:
    """SQLite names columns instead: "UNIQUE constraint failed: opportunity_entry.opportunity_no"."""
    found: set[str] = set()
    for table in Base.metadata.tables.values():
        keys: list[sa.Index | ColumnCollectionConstraint] = [
            *table.indexes,
            *(c for c in table.constraints if isinstance(c, ColumnCollectionConstraint)),
        ]
        for key in keys:
            if key.name in CONCURRENCY_GUARDS:
                found.add(", ".join(f"{table.name}.{c.name}" for c in key.columns))
    return frozenset(found)


SQLITE_GUARDS = _sqlite_signatures()


def is_concurrent_change(exc: IntegrityError) -> bool:
    """True when the violated key is one of CONCURRENCY_GUARDS."""
    orig = exc.orig
    if isinstance(orig, sqlite3.IntegrityError):
        if getattr(orig, "sqlite_errorname", None) not in SQLITE_UNIQUE:
            return False
        _, _, columns = str(orig).partition("constraint failed: ")
        return columns.strip() in SQLITE_GUARDS
    # asyncpg's error sits behind SQLAlchemy's DB-API adapter as the cause.
    cause = getattr(orig, "__cause__", None) or orig
    return (
        getattr(cause, "sqlstate", None) == PG_UNIQUE_VIOLATION
        and getattr(cause, "constraint_name", None) in CONCURRENCY_GUARDS
    )
