"""The parsed commands: chat-neutral, immutable values that the service layer executes."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

__all__ = [
    "CloseOpportunity",
    "Command",
    "Contacts",
    "Cycles",
    "DigestSchedule",
    "Help",
    "History",
    "Link",
    "ListOpportunities",
    "Move",
    "NewOpportunity",
    "Pipeline",
    "Reminders",
    "SetQuote",
    "Settings",
    "Show",
    "Snooze",
    "Stats",
]


@dataclass(frozen=True)
class Help:
    topic: str | None  # a canonical verb when recognised, else the word as typed (lower case)


@dataclass(frozen=True)
class NewOpportunity:
    contact: str  # a contact number (upper case, e.g. CT000001) or a name as typed
    description: str
    value: Decimal | None
    cycle: str | None
    close: datetime.date | None
    chances: int | None
    owner: str | None  # a salesperson code (upper case) or a mention (`@annette`, `<@U0DEMO1>`)
    priority: str | None  # "low" | "normal" | "high"
    start: bool


@dataclass(frozen=True)
class ListOpportunities:
    scope: str  # "mine" | "team" | "all"
    stage: int | None
    status: str | None  # "open" | "not_started" | "won" | "lost" | "closed" | "all"
    cycle: str | None


@dataclass(frozen=True)
class Show:
    no: str


@dataclass(frozen=True)
class Move:
    action: str  # "start" | "next" | "previous" | "skip" | "jump" | "update"
    no: str
    value: Decimal | None
    chances: int | None
    close: datetime.date | None
    to_stage: int | None
    date: datetime.date | None  # date of change


@dataclass(frozen=True)
class SetQuote:
    no: str
    reference: str | None  # None clears the quote


@dataclass(frozen=True)
class CloseOpportunity:
    no: str
    won: bool
    code: str | None
    reason: str | None
    amount: Decimal | None
    date: datetime.date | None


@dataclass(frozen=True)
class Pipeline:
    scope: str  # "mine" | "team" | "all" | an owner code (upper case) or a mention


@dataclass(frozen=True)
class Stats:
    cycle: str | None
    owner: str | None
    team: bool


@dataclass(frozen=True)
class Cycles:
    pass


@dataclass(frozen=True)
class History:
    no: str


@dataclass(frozen=True)
class Contacts:
    text: str


@dataclass(frozen=True)
class Link:
    user: str  # a mention as typed; Slack `<@U123|name>` becomes `<@U123>`
    code: str


@dataclass(frozen=True)
class Feed:
    """`feed` lists the channel's feeds; `feed on …` posts matching changes there; `feed off` stops them."""

    action: str  # "list" | "on" | "off"
    scope: str | None = None  # "team" | "all" (with `on`, unless cycle/owner narrow it)
    cycle: str | None = None
    owner: str | None = None


@dataclass(frozen=True)
class Settings:
    """`settings`: show one's chat preferences, or change the ones given."""

    # (field as domain.preferences names it, value as typed), in the order typed; empty: show
    changes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Reminders:
    on: bool | None  # None: show whether they are on


@dataclass(frozen=True)
class DigestSchedule:
    """`digest`: show one's digest schedule, change it (`daily 08:00`, `weekly mon 09:00`, `off`), or
    send it now."""

    schedule: str | None  # as typed; None: show (or `now`)
    now: bool = False


@dataclass(frozen=True)
class Snooze:
    """`snooze OP000001 [1d|3d|1w]`: no stall reminder about it until then."""

    no: str
    duration: str = "1d"  # a key of domain.schedule.SNOOZE_DAYS


Command = (
    Help
    | NewOpportunity
    | ListOpportunities
    | Show
    | Move
    | SetQuote
    | CloseOpportunity
    | Pipeline
    | Stats
    | Cycles
    | History
    | Contacts
    | Link
    | Feed
    | Settings
    | Reminders
    | DigestSchedule
    | Snooze
)
