"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24 21:16:26.144031
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "activity",
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("description", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_activity")),
    )
    op.create_table(
        "close_opportunity_code",
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column(
            "type", sa.Enum("won", "lost", name="closetype", native_enum=False, length=20), nullable=False
        ),
        sa.Column("description", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_close_opportunity_code")),
    )
    op.create_table(
        "contact",
        sa.Column("no", sa.String(length=20), nullable=False),
        sa.Column(
            "type",
            sa.Enum("company", "person", name="contacttype", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("company_no", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.PrimaryKeyConstraint("no", name=op.f("pk_contact")),
    )
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_name"), ["name"], unique=False)

    number_series = op.create_table(
        "number_series",
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("last_no", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_number_series")),
    )
    # The opportunity series exists from the start: concurrent first creates then all lock this row.
    op.bulk_insert(number_series, [{"code": "OPP", "last_no": 0}])
    op.create_table(
        "processed_request",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_processed_request")),
    )
    op.create_table(
        "sales_cycle",
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("description", sa.String(length=100), nullable=False),
        sa.Column(
            "probability_calculation",
            sa.Enum(
                "multiply",
                "add",
                "chances",
                "completed",
                name="probabilitycalculation",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_sales_cycle")),
    )
    op.create_table(
        "salesperson",
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column(
            "role",
            sa.Enum("rep", "manager", "admin", name="role", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("manager_code", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["manager_code"], ["salesperson.code"], name=op.f("fk_salesperson_manager_code_salesperson")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_salesperson")),
    )
    with op.batch_alter_table("salesperson", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_salesperson_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_salesperson_manager_code"), ["manager_code"], unique=False)

    op.create_table(
        "chat_identity",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(length=10), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("salesperson_code", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["salesperson_code"],
            ["salesperson.code"],
            name=op.f("fk_chat_identity_salesperson_code_salesperson"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_identity")),
        sa.UniqueConstraint(
            "platform", "team_id", "user_id", name=op.f("uq_chat_identity_platform_team_id_user_id")
        ),
    )
    with op.batch_alter_table("chat_identity", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_chat_identity_salesperson_code"), ["salesperson_code"], unique=False
        )

    op.create_table(
        "opportunity",
        sa.Column("no", sa.String(length=20), nullable=False),
        sa.Column("description", sa.String(length=100), nullable=False),
        sa.Column("contact_no", sa.String(length=20), nullable=False),
        sa.Column("contact_company_no", sa.String(length=20), nullable=True),
        sa.Column("salesperson_code", sa.String(length=20), nullable=False),
        sa.Column("sales_cycle_code", sa.String(length=10), nullable=False),
        sa.Column("creation_date", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "not_started",
                "in_progress",
                "won",
                "lost",
                name="opportunitystatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "priority",
            sa.Enum("low", "normal", "high", name="priority", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("date_closed", sa.Date(), nullable=True),
        sa.Column("quote_ref", sa.String(length=50), nullable=True),
        sa.Column("close_code", sa.String(length=10), nullable=True),
        sa.Column("close_reason", sa.String(length=250), nullable=True),
        sa.Column("estimated_value", sa.BigInteger(), nullable=True),
        sa.Column("chances_pct", sa.Integer(), nullable=True),
        sa.Column("estimated_close_date", sa.Date(), nullable=True),
        sa.Column("completed_pct", sa.Integer(), nullable=True),
        sa.Column("probability_pct", sa.BigInteger(), nullable=True),
        sa.Column("calcd_current_value", sa.BigInteger(), nullable=True),
        sa.Column("current_stage", sa.Integer(), nullable=True),
        sa.Column("last_change_date", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_no"], ["contact.no"], name=op.f("fk_opportunity_contact_no_contact")
        ),
        sa.ForeignKeyConstraint(
            ["sales_cycle_code"],
            ["sales_cycle.code"],
            name=op.f("fk_opportunity_sales_cycle_code_sales_cycle"),
        ),
        sa.ForeignKeyConstraint(
            ["salesperson_code"],
            ["salesperson.code"],
            name=op.f("fk_opportunity_salesperson_code_salesperson"),
        ),
        sa.PrimaryKeyConstraint("no", name=op.f("pk_opportunity")),
    )
    with op.batch_alter_table("opportunity", schema=None) as batch_op:
        batch_op.create_index(
            "ix_opportunity_cycle_status", ["sales_cycle_code", "status", "current_stage"], unique=False
        )
        batch_op.create_index("ix_opportunity_owner_status", ["salesperson_code", "status"], unique=False)
        batch_op.create_index("ix_opportunity_stall", ["status", "last_change_date"], unique=False)

    op.create_table(
        "sales_cycle_stage",
        sa.Column("sales_cycle_code", sa.String(length=10), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=100), nullable=False),
        sa.Column("completed_pct", sa.Integer(), nullable=False),
        sa.Column("chances_pct", sa.Integer(), nullable=False),
        sa.Column("activity_code", sa.String(length=10), nullable=True),
        sa.Column("quote_required", sa.Boolean(), nullable=False),
        sa.Column("allow_skip", sa.Boolean(), nullable=False),
        sa.Column("date_formula", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["sales_cycle_code"],
            ["sales_cycle.code"],
            name=op.f("fk_sales_cycle_stage_sales_cycle_code_sales_cycle"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sales_cycle_code", "stage", name=op.f("pk_sales_cycle_stage")),
    )
    op.create_table(
        "opportunity_entry",
        sa.Column("entry_no", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("opportunity_no", sa.String(length=20), nullable=False),
        sa.Column("sales_cycle_code", sa.String(length=10), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=True),
        sa.Column("stage_description", sa.String(length=100), nullable=True),
        sa.Column("previous_stage", sa.Integer(), nullable=True),
        sa.Column("contact_no", sa.String(length=20), nullable=False),
        sa.Column("contact_company_no", sa.String(length=20), nullable=True),
        sa.Column("salesperson_code", sa.String(length=20), nullable=False),
        sa.Column("date_of_change", sa.Date(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("days_open", sa.Integer(), nullable=False),
        sa.Column("date_closed", sa.Date(), nullable=True),
        sa.Column(
            "action_type",
            sa.Enum(
                "first",
                "next",
                "previous",
                "skip",
                "jump",
                "update",
                "close",
                name="actiontype",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "action_taken",
            sa.Enum(
                "first",
                "next",
                "previous",
                "updated",
                "jumped",
                "won",
                "lost",
                name="actiontaken",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("estimated_value", sa.BigInteger(), nullable=False),
        sa.Column("chances_pct", sa.Integer(), nullable=False),
        sa.Column("completed_pct", sa.Integer(), nullable=False),
        sa.Column("probability_pct", sa.BigInteger(), nullable=False),
        sa.Column("calcd_current_value", sa.BigInteger(), nullable=False),
        sa.Column("estimated_close_date", sa.Date(), nullable=False),
        sa.Column("close_code", sa.String(length=10), nullable=True),
        sa.Column("close_reason", sa.String(length=250), nullable=True),
        sa.Column("created_by", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["opportunity_no"],
            ["opportunity.no"],
            name=op.f("fk_opportunity_entry_opportunity_no_opportunity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_no", name=op.f("pk_opportunity_entry")),
    )
    with op.batch_alter_table("opportunity_entry", schema=None) as batch_op:
        batch_op.create_index(
            "ix_opportunity_entry_cycle_stage", ["sales_cycle_code", "stage", "active"], unique=False
        )
        batch_op.create_index(
            "ix_opportunity_entry_opportunity", ["opportunity_no", "entry_no"], unique=False
        )
        batch_op.create_index(
            "uq_opportunity_entry_active",
            ["opportunity_no"],
            unique=True,
            sqlite_where=sa.text("active"),
            postgresql_where=sa.text("active"),
        )

    op.create_table(
        "task",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("opportunity_no", sa.String(length=20), nullable=False),
        sa.Column("entry_no", sa.Integer(), nullable=True),
        sa.Column("activity_code", sa.String(length=10), nullable=False),
        sa.Column("salesperson_code", sa.String(length=20), nullable=False),
        sa.Column("contact_no", sa.String(length=20), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("open", "done", "cancelled", name="taskstatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_no"],
            ["opportunity.no"],
            name=op.f("fk_task_opportunity_no_opportunity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task")),
    )
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.create_index("ix_task_opportunity_status", ["opportunity_no", "status"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index("ix_task_opportunity_status")

    op.drop_table("task")
    with op.batch_alter_table("opportunity_entry", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_opportunity_entry_active", sqlite_where=sa.text("active"), postgresql_where=sa.text("active")
        )
        batch_op.drop_index("ix_opportunity_entry_opportunity")
        batch_op.drop_index("ix_opportunity_entry_cycle_stage")

    op.drop_table("opportunity_entry")
    op.drop_table("sales_cycle_stage")
    with op.batch_alter_table("opportunity", schema=None) as batch_op:
        batch_op.drop_index("ix_opportunity_stall")
        batch_op.drop_index("ix_opportunity_owner_status")
        batch_op.drop_index("ix_opportunity_cycle_status")

    op.drop_table("opportunity")
    with op.batch_alter_table("chat_identity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chat_identity_salesperson_code"))

    op.drop_table("chat_identity")
    with op.batch_alter_table("salesperson", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_salesperson_manager_code"))
        batch_op.drop_index(batch_op.f("ix_salesperson_email"))

    op.drop_table("salesperson")
    op.drop_table("sales_cycle")
    op.drop_table("processed_request")
    op.drop_table("number_series")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_name"))

    op.drop_table("contact")
    op.drop_table("close_opportunity_code")
    op.drop_table("activity")
