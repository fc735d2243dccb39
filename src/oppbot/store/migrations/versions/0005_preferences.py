"""People's chat preferences: one optional row per salesperson (conventions, "People's chat preferences").

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A table of its own: adding nothing to salesperson means no table rebuild on SQLite, and no row
    # means "nothing set" (every default applies), so existing people need no backfill.
    op.create_table(
        "salesperson_preference",
        sa.Column("salesperson_code", sa.String(length=20), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("locale", sa.String(length=10), nullable=True),
        sa.Column("working_hours", sa.String(length=11), nullable=True),
        sa.Column("working_days", sa.String(length=30), nullable=True),
        sa.Column("reminders", sa.Boolean(), nullable=True),
        sa.Column("digest", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["salesperson_code"],
            ["salesperson.code"],
            name=op.f("fk_salesperson_preference_salesperson_code_salesperson"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("salesperson_code", name=op.f("pk_salesperson_preference")),
    )


def downgrade() -> None:
    op.drop_table("salesperson_preference")
