"""What each person's chat platform last said: time zone and locale (Slack `tz`/`locale`, Teams
`localTimezone`/`locale`), so that reminders and digests, which no request carries, use them too.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("salesperson_preference") as table:
        table.add_column(sa.Column("platform_timezone", sa.String(length=64), nullable=True))
        table.add_column(sa.Column("platform_locale", sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("salesperson_preference") as table:
        table.drop_column("platform_locale")
        table.drop_column("platform_timezone")
