"""Chat-neutral replies: data that every adapter renders natively (text, Block Kit, Adaptive Cards)."""

from __future__ import annotations

from dataclasses import dataclass, field

from oppbot.domain.model import Contact, SalesCycle
from oppbot.domain.preferences import FIELDS as PREFERENCE_FIELDS
from oppbot.replies.document import Notice
from oppbot.service.views import (
    HistoryView,
    ListView,
    OpportunityView,
    PipelineView,
    PreferencesView,
    StatsView,
)


@dataclass(frozen=True)
class CardReply:
    """One opportunity card; `notices` say what just happened (catalog keys: each reader's words)."""

    view: OpportunityView
    notices: tuple[Notice, ...] = ()


@dataclass(frozen=True)
class ListReply:
    view: ListView


@dataclass(frozen=True)
class HistoryReply:
    view: HistoryView


@dataclass(frozen=True)
class PipelineReply:
    view: PipelineView


@dataclass(frozen=True)
class StatsReply:
    view: StatsView


@dataclass(frozen=True)
class CyclesReply:
    cycles: list[SalesCycle]


@dataclass(frozen=True)
class ContactsReply:
    query: str
    contacts: list[Contact]


@dataclass(frozen=True)
class HelpReply:
    topic: str | None
    usage: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class ErrorReply:
    """Bad input or a broken rule, told to the person who typed it (ephemeral in Slack).

    `card` is the fresh card when the error is about a stale one (changed meanwhile); `field` names the
    input the error concerns (DomainError.field), so a form shows it under that input.
    """

    code: str
    message: str
    card: OpportunityView | None = None
    field: str | None = None


@dataclass(frozen=True)
class TextReply:
    message: str


@dataclass(frozen=True)
class PreferencesReply:
    """One's chat preferences. `timezone` and `locale` are the ones in use (set, else the platform's,
    else the settings'); `fields` the ones to show; `notices` what just changed (translated)."""

    view: PreferencesView
    timezone: str
    locale: str
    fields: tuple[str, ...] = PREFERENCE_FIELDS
    notices: tuple[str, ...] = ()


Reply = (
    CardReply
    | ListReply
    | HistoryReply
    | PipelineReply
    | StatsReply
    | CyclesReply
    | ContactsReply
    | HelpReply
    | ErrorReply
    | TextReply
    | PreferencesReply
)
