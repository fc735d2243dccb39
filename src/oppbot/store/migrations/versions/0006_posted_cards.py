"""Posted cards (every card message the bot posted, refreshed in place after changes) and channel feeds.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "posted_card",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("team_id", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=200), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("opportunity_no", sa.String(length=20), nullable=False),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.Column("version_shown", sa.Integer(), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posted_card")),
        sa.UniqueConstraint(
            "platform",
            "team_id",
            "channel",
            "message_id",
            name=op.f("uq_posted_card_platform_team_id_channel_message_id"),
        ),
    )
    op.create_index("ix_posted_card_opportunity", "posted_card", ["opportunity_no"])
    op.create_table(
        "feed",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("team_id", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("value", sa.String(length=20), nullable=False),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.Column("created_by", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed")),
        sa.UniqueConstraint(
            "platform",
            "team_id",
            "channel",
            "kind",
            "value",
            name=op.f("uq_feed_platform_team_id_channel_kind_value"),
        ),
    )


def downgrade() -> None:
    op.drop_table("feed")
    op.drop_index("ix_posted_card_opportunity", table_name="posted_card")
    op.drop_table("posted_card")
