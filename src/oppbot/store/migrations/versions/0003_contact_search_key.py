"""Contact search key: the name folded (case, accents, punctuation) by the domain, stored and indexed.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from oppbot.domain.search import SEARCH_KEY_MAX, search_key

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    # NOT NULL with a server default: SQLite adds such a column in place (no table rebuild, which
    # the foreign keys from opportunity would refuse).
    op.add_column(
        "contact",
        sa.Column("search_key", sa.String(length=SEARCH_KEY_MAX), server_default="", nullable=False),
    )
    _backfill()
    # Search no longer compares names; the key index serves both the lookup and the order.
    op.drop_index("ix_contact_name", table_name="contact")
    op.create_index("ix_contact_search_key", "contact", ["search_key", "no"])


def _backfill() -> None:
    """Key every existing contact with the same Python function the application uses."""
    contact = sa.table(
        "contact",
        sa.column("no", sa.String),
        sa.column("name", sa.String),
        sa.column("search_key", sa.String),
    )
    conn = op.get_bind()
    update = (
        sa.update(contact)
        .where(contact.c.no == sa.bindparam("b_no"))
        .values(search_key=sa.bindparam("b_key"))
    )
    last = ""
    while True:
        rows = conn.execute(
            sa.select(contact.c.no, contact.c.name)
            .where(contact.c.no > last)
            .order_by(contact.c.no)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        conn.execute(update, [{"b_no": no, "b_key": search_key(name or "")} for no, name in rows])
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_index("ix_contact_search_key", table_name="contact")
    op.create_index("ix_contact_name", "contact", ["name"])
    # ALTER TABLE … DROP COLUMN on both (SQLite ≥ 3.35): a batch rebuild would drop a referenced table.
    op.drop_column("contact", "search_key")
