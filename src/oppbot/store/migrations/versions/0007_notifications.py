"""Notifications (reminders, escalations, to-do reminders, digests: each sent exactly once) and snoozes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The reminder scan pages stalled opportunities in (last change, number) order: one index range each.
    op.create_index("ix_opportunity_stall_keyset", "opportunity", ["status", "last_change_date", "no"])
    op.create_table(
        "notification",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("target", sa.String(length=40), nullable=False),
        sa.Column("period", sa.String(length=60), nullable=False),
        sa.Column("person", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_try_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=60), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint("kind", "target", "period", name=op.f("uq_notification_kind_target_period")),
    )
    op.create_index("ix_notification_status_next_try_at", "notification", ["status", "next_try_at"])
    op.create_index("ix_notification_person_kind", "notification", ["person", "kind", "status"])
    op.create_table(
        "opportunity_snooze",
        sa.Column("opportunity_no", sa.String(length=20), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("snoozed_by", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["opportunity_no"],
            ["opportunity.no"],
            name=op.f("fk_opportunity_snooze_opportunity_no_opportunity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("opportunity_no", name=op.f("pk_opportunity_snooze")),
    )


def downgrade() -> None:
    op.drop_table("opportunity_snooze")
    op.drop_index("ix_notification_person_kind", table_name="notification")
    op.drop_index("ix_notification_status_next_try_at", table_name="notification")
    op.drop_table("notification")
    op.drop_index("ix_opportunity_stall_keyset", table_name="opportunity")
