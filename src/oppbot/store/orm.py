"""SQLAlchemy 2 tables. Column names equal the domain dataclasses' field names, so mapping is generic."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, validates
from sqlalchemy.types import TypeDecorator

from oppbot.domain.enums import (
    ActionTaken,
    ActionType,
    CloseType,
    ContactType,
    OpportunityStatus,
    Priority,
    ProbabilityCalculation,
    Role,
    TaskStatus,
)
from oppbot.domain.search import SEARCH_KEY_MAX, search_key


class ScaledDecimal(TypeDecorator[Decimal]):
    """A Decimal stored as a scaled integer: exact on SQLite too, and SUM() stays exact."""

    impl = sa.BigInteger
    cache_ok = True

    def __init__(self, scale: int) -> None:
        super().__init__()
        self.scale = scale

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        scaled = Decimal(value).scaleb(self.scale)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {self.scale} decimals")
        return int(scaled)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-self.scale)


Money = ScaledDecimal(4)  # minor units up to 3 decimals (KWD) fit
Percent = ScaledDecimal(2)  # probability % has at most two decimals


def enum_column(enum: type[StrEnum]) -> sa.Enum:
    return sa.Enum(
        enum,
        native_enum=False,
        values_callable=lambda members: [m.value for m in members],
        length=20,
        validate_strings=True,
        name=enum.__name__.lower(),
    )


class Base(DeclarativeBase):
    metadata = sa.MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class SalesCycleRow(Base):
    __tablename__ = "sales_cycle"
    code: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    description: Mapped[str] = mapped_column(sa.String(100), default="")
    probability_calculation: Mapped[ProbabilityCalculation] = mapped_column(
        enum_column(ProbabilityCalculation), default=ProbabilityCalculation.MULTIPLY
    )
    blocked: Mapped[bool] = mapped_column(default=False)


class SalesCycleStageRow(Base):
    __tablename__ = "sales_cycle_stage"
    sales_cycle_code: Mapped[str] = mapped_column(
        sa.ForeignKey("sales_cycle.code", ondelete="CASCADE"), primary_key=True
    )
    stage: Mapped[int] = mapped_column(primary_key=True)
    description: Mapped[str] = mapped_column(sa.String(100), default="")
    completed_pct: Mapped[int] = mapped_column(default=0)
    chances_pct: Mapped[int] = mapped_column(default=0)
    activity_code: Mapped[str | None] = mapped_column(sa.String(10))
    quote_required: Mapped[bool] = mapped_column(default=False)
    allow_skip: Mapped[bool] = mapped_column(default=False)
    date_formula: Mapped[str] = mapped_column(sa.String(20), default="")


class CloseOpportunityCodeRow(Base):
    __tablename__ = "close_opportunity_code"
    code: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    type: Mapped[CloseType] = mapped_column(enum_column(CloseType))
    description: Mapped[str] = mapped_column(sa.String(100), default="")


class ActivityRow(Base):
    __tablename__ = "activity"
    code: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    description: Mapped[str] = mapped_column(sa.String(100), default="")


class SalespersonRow(Base):
    __tablename__ = "salesperson"
    code: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    email: Mapped[str | None] = mapped_column(sa.String(200), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.REP)
    manager_code: Mapped[str | None] = mapped_column(sa.ForeignKey("salesperson.code"), index=True)


class SalespersonPreferenceRow(Base):
    """A person's chat preferences (domain.preferences), each in its conventions format; NULL: not set.

    A table of its own rather than columns on salesperson: the salesperson upsert (set-up loader,
    `merge`) and every card's owner lookup stay as they are, and "nothing set" is simply no row.
    """

    __tablename__ = "salesperson_preference"
    salesperson_code: Mapped[str] = mapped_column(
        sa.ForeignKey("salesperson.code", ondelete="CASCADE"), primary_key=True
    )
    timezone: Mapped[str | None] = mapped_column(sa.String(64))
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    working_hours: Mapped[str | None] = mapped_column(sa.String(11))
    working_days: Mapped[str | None] = mapped_column(sa.String(30))
    reminders: Mapped[bool | None]
    digest: Mapped[str | None] = mapped_column(sa.String(20))
    # Not settings: what the person's chat platform last said (the scheduler's zone and language).
    platform_timezone: Mapped[str | None] = mapped_column(sa.String(64))
    platform_locale: Mapped[str | None] = mapped_column(sa.String(10))


class ChatIdentityRow(Base):
    """A chat account mapped to a salesperson: Slack (team, user) or Teams (tenant or '', AAD object id)."""

    __tablename__ = "chat_identity"
    __table_args__ = (sa.UniqueConstraint("platform", "team_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(sa.String(10))
    team_id: Mapped[str] = mapped_column(sa.String(64), default="")
    user_id: Mapped[str] = mapped_column(sa.String(64))
    salesperson_code: Mapped[str] = mapped_column(
        sa.ForeignKey("salesperson.code", ondelete="CASCADE"), index=True
    )


class ContactRow(Base):
    __tablename__ = "contact"
    # Search walks this index in key order and stops at the limit (migration 0003).
    __table_args__ = (sa.Index("ix_contact_search_key", "search_key", "no"),)
    no: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    type: Mapped[ContactType] = mapped_column(enum_column(ContactType))
    name: Mapped[str] = mapped_column(sa.String(100))
    company_no: Mapped[str | None] = mapped_column(sa.String(20))
    email: Mapped[str | None] = mapped_column(sa.String(200))
    phone: Mapped[str | None] = mapped_column(sa.String(50))
    # The name folded by domain.search.search_key; set with the name, never on its own.
    search_key: Mapped[str] = mapped_column(sa.String(SEARCH_KEY_MAX), server_default="")

    @validates("name")
    def _keep_search_key(self, _key: str, name: str | None) -> str | None:
        # None is left to the NOT NULL constraint to refuse.
        self.search_key = search_key(name or "")
        return name


class NumberSeriesRow(Base):
    """BC's No. Series: the last number handed out, bumped inside the creating transaction."""

    __tablename__ = "number_series"
    code: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    last_no: Mapped[int] = mapped_column(default=0)


class OpportunityRow(Base):
    __tablename__ = "opportunity"
    __table_args__ = (
        sa.Index("ix_opportunity_owner_status", "salesperson_code", "status"),
        sa.Index("ix_opportunity_stall", "status", "last_change_date"),
        # The reminder scan's keyset order (migration 0007): each page is one index range, no sort.
        sa.Index("ix_opportunity_stall_keyset", "status", "last_change_date", "no"),
        sa.Index("ix_opportunity_cycle_status", "sales_cycle_code", "status", "current_stage"),
    )
    no: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    description: Mapped[str] = mapped_column(sa.String(100))
    contact_no: Mapped[str] = mapped_column(sa.ForeignKey("contact.no"))
    contact_company_no: Mapped[str | None] = mapped_column(sa.String(20))
    salesperson_code: Mapped[str] = mapped_column(sa.ForeignKey("salesperson.code"))
    sales_cycle_code: Mapped[str] = mapped_column(sa.ForeignKey("sales_cycle.code"))
    creation_date: Mapped[date]
    status: Mapped[OpportunityStatus] = mapped_column(enum_column(OpportunityStatus))
    priority: Mapped[Priority] = mapped_column(enum_column(Priority), default=Priority.NORMAL)
    closed: Mapped[bool] = mapped_column(default=False)
    date_closed: Mapped[date | None]
    quote_ref: Mapped[str | None] = mapped_column(sa.String(50))
    close_code: Mapped[str | None] = mapped_column(sa.String(10))
    close_reason: Mapped[str | None] = mapped_column(sa.String(250))
    estimated_value: Mapped[Decimal | None] = mapped_column(Money)
    chances_pct: Mapped[int | None]
    estimated_close_date: Mapped[date | None]
    completed_pct: Mapped[int | None]
    probability_pct: Mapped[Decimal | None] = mapped_column(Percent)
    calcd_current_value: Mapped[Decimal | None] = mapped_column(Money)
    current_stage: Mapped[int | None]
    last_change_date: Mapped[date | None]
    version: Mapped[int] = mapped_column(default=1)
    # Optimistic concurrency (spec 9 #3): an UPDATE that finds another version raises StaleDataError.
    # The domain bumps `version` itself, so SQLAlchemy only adds the WHERE clause.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012


class OpportunityEntryRow(Base):
    __tablename__ = "opportunity_entry"
    __table_args__ = (
        sa.Index("ix_opportunity_entry_opportunity", "opportunity_no", "entry_no"),
        sa.Index("ix_opportunity_entry_cycle_stage", "sales_cycle_code", "stage", "active"),
        # At most one active entry per opportunity, whatever the application does.
        sa.Index(
            "uq_opportunity_entry_active",
            "opportunity_no",
            unique=True,
            sqlite_where=sa.text("active"),
            postgresql_where=sa.text("active"),
        ),
    )
    entry_no: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    opportunity_no: Mapped[str] = mapped_column(sa.ForeignKey("opportunity.no", ondelete="CASCADE"))
    sales_cycle_code: Mapped[str] = mapped_column(sa.String(10))
    stage: Mapped[int | None]
    stage_description: Mapped[str | None] = mapped_column(sa.String(100))
    previous_stage: Mapped[int | None]
    contact_no: Mapped[str] = mapped_column(sa.String(20))
    contact_company_no: Mapped[str | None] = mapped_column(sa.String(20))
    salesperson_code: Mapped[str] = mapped_column(sa.String(20))
    date_of_change: Mapped[date]
    active: Mapped[bool]
    days_open: Mapped[int] = mapped_column(default=0)
    date_closed: Mapped[date | None]
    action_type: Mapped[ActionType] = mapped_column(enum_column(ActionType))
    action_taken: Mapped[ActionTaken] = mapped_column(enum_column(ActionTaken))
    estimated_value: Mapped[Decimal] = mapped_column(Money)
    chances_pct: Mapped[int]
    completed_pct: Mapped[int]
    probability_pct: Mapped[Decimal] = mapped_column(Percent)
    calcd_current_value: Mapped[Decimal] = mapped_column(Money)
    estimated_close_date: Mapped[date]
    close_code: Mapped[str | None] = mapped_column(sa.String(10))
    close_reason: Mapped[str | None] = mapped_column(sa.String(250))
    created_by: Mapped[str] = mapped_column(sa.String(20))


class TaskRow(Base):
    __tablename__ = "task"
    __table_args__ = (sa.Index("ix_task_opportunity_status", "opportunity_no", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    opportunity_no: Mapped[str] = mapped_column(sa.ForeignKey("opportunity.no", ondelete="CASCADE"))
    entry_no: Mapped[int | None]
    activity_code: Mapped[str] = mapped_column(sa.String(10))
    salesperson_code: Mapped[str] = mapped_column(sa.String(20))
    contact_no: Mapped[str] = mapped_column(sa.String(20))
    date: Mapped[date]
    status: Mapped[TaskStatus] = mapped_column(enum_column(TaskStatus), default=TaskStatus.OPEN)


class ProcessedRequestRow(Base):
    """Idempotency keys of chat requests (a platform retry must not create or advance twice)."""

    __tablename__ = "processed_request"
    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class ChangeEventRow(Base):
    """The outbox: one row per committed change, written in the change's own transaction.

    A dispatcher claims pending rows (or rows whose claim lease ran out: its claimer died) and hands
    them to the subscribers after commit; a delivered row is deleted.
    """

    __tablename__ = "change_event"
    __table_args__ = (sa.Index("ix_change_event_status_id", "status", "id"),)
    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    opportunity_no: Mapped[str] = mapped_column(sa.String(20))
    version: Mapped[int]
    verb: Mapped[str] = mapped_column(sa.String(20))
    actor_code: Mapped[str] = mapped_column(sa.String(20))
    occurred_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    claimed_by: Mapped[str | None] = mapped_column(sa.String(40))
    lease_until: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(default=0)


class PostedCardRow(Base):
    """A card message the bot posted (shared in a channel, sent as a DM): kept live after changes."""

    __tablename__ = "posted_card"
    __table_args__ = (
        sa.UniqueConstraint("platform", "team_id", "channel", "message_id"),
        sa.Index("ix_posted_card_opportunity", "opportunity_no"),
    )
    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    platform: Mapped[str] = mapped_column(sa.String(20))
    team_id: Mapped[str] = mapped_column(sa.String(40))
    channel: Mapped[str] = mapped_column(sa.String(200))
    message_id: Mapped[str] = mapped_column(sa.String(200))
    opportunity_no: Mapped[str] = mapped_column(sa.String(20))
    locale: Mapped[str] = mapped_column(sa.String(10))
    version_shown: Mapped[int]
    posted_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class FeedRow(Base):
    """A channel that receives every change of the matching opportunities (`feed on …`)."""

    __tablename__ = "feed"
    __table_args__ = (sa.UniqueConstraint("platform", "team_id", "channel", "kind", "value"),)
    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    platform: Mapped[str] = mapped_column(sa.String(20))
    team_id: Mapped[str] = mapped_column(sa.String(40))
    channel: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(10))  # team | all | cycle | owner
    value: Mapped[str] = mapped_column(sa.String(20))  # the manager, cycle or owner code; "" for all
    locale: Mapped[str] = mapped_column(sa.String(10))
    created_by: Mapped[str] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class TeamsConversationRow(Base):
    """Where the bot can write in Teams (a conversation reference): a person's 1:1 chat, a channel
    or a group chat, with the Bot Connector URL that serves it (migration 0008)."""

    __tablename__ = "teams_conversation"
    __table_args__ = (
        sa.UniqueConstraint("conversation_id"),
        sa.Index("ix_teams_conversation_salesperson", "salesperson_code"),
    )
    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    conversation_id: Mapped[str] = mapped_column(sa.String(300))
    kind: Mapped[str] = mapped_column(sa.String(20))  # personal | channel | groupChat
    service_url: Mapped[str] = mapped_column(sa.String(300))
    tenant_id: Mapped[str] = mapped_column(sa.String(64), default="")
    bot_id: Mapped[str] = mapped_column(sa.String(200), default="")
    user_id: Mapped[str | None] = mapped_column(sa.String(200))  # personal: the person's Teams id
    aad_object_id: Mapped[str | None] = mapped_column(sa.String(64))
    salesperson_code: Mapped[str | None] = mapped_column(sa.String(20))
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    unreachable_at: Mapped[datetime | None] = mapped_column(
        sa.DateTime(timezone=True)
    )  # 403: removed the bot
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class NotificationRow(Base):
    """One reminder, escalation, to-do reminder or digest: sent exactly once whoever schedules it.

    (kind, target, period) is unique: a reminder's target is the opportunity and its period the stall's
    anchor and repeat number; a digest's the manager and the local date; a to-do's the task and its due
    date. Any scheduler may insert the same row (the insert does nothing the second time); a sender claims
    due rows with a lease, sends, and marks them sent; a claim whose lease ran out is claimed again.
    """

    __tablename__ = "notification"
    __table_args__ = (
        sa.UniqueConstraint("kind", "target", "period"),
        sa.Index("ix_notification_status_next_try_at", "status", "next_try_at"),
        sa.Index("ix_notification_person_kind", "person", "kind", "status"),
    )
    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    kind: Mapped[str] = mapped_column(sa.String(12))  # reminder | escalation | todo | digest
    target: Mapped[str] = mapped_column(sa.String(40))
    period: Mapped[str] = mapped_column(sa.String(60))
    person: Mapped[str] = mapped_column(sa.String(20))  # the recipient's salesperson code
    status: Mapped[str] = mapped_column(sa.String(12), default="pending")
    due_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    next_try_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(sa.String(60))
    lease_until: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    detail: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class SnoozeRow(Base):
    """`snooze OP… 1d`: no reminder about the opportunity until `until`; reminders then count from zero."""

    __tablename__ = "opportunity_snooze"
    opportunity_no: Mapped[str] = mapped_column(
        sa.ForeignKey("opportunity.no", ondelete="CASCADE"), primary_key=True
    )
    until: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    snoozed_by: Mapped[str] = mapped_column(sa.String(20))


class SetupVersionRow(Base):
    """One row (id 1): bumped in the transaction of every set-up change; caches compare it (0009)."""

    __tablename__ = "setup_version"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(sa.BigInteger)
