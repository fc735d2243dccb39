"""What the service hands to adapters: read models, chat-neutral."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from oppbot.domain.availability import offered_actions, stage_targets
from oppbot.domain.model import (
    Contact,
    Opportunity,
    OpportunityEntry,
    SalesCycle,
    SalesCycleStage,
    Salesperson,
)
from oppbot.domain.preferences import Digest, Preferences, WorkingHours
from oppbot.domain.schedule import SNOOZE_DAYS
from oppbot.domain.statistics import Figures, SalespersonLedgerFigures, StageFigures

# Verbs that ask for more first (a form, or options typed with the command).
FORM_VERBS = frozenset({"update", "quote", "win", "lose"})


@dataclass(frozen=True)
class ActionSpec:
    """One thing an opportunity allows now, whoever looks at it; who may do it is checked on use."""

    verb: str  # the command's verb: start, next, previous, skip, jump, update, quote, win, lose
    label_key: str  # its label in the catalog (replies.i18n)
    form: bool  # asks for values first (update, quote, win, lose)
    targets: tuple[int, ...] = ()  # the stages skip/jump may go to
    target_required: bool = False  # jump: the stage must be chosen (skip goes one stage by default)
    options: tuple[str, ...] = ()  # snooze: the durations to choose from (domain.schedule.SNOOZE_DAYS)


@dataclass(frozen=True)
class OpportunityView:
    """One opportunity as a card shows it.

    `offers` is what the opportunity allows now, the same for every reader (a card shared in a
    channel shows it to all); `actions` and `may_change` are about the person the view was read for.
    """

    opp: Opportunity
    contact: Contact | None
    owner: Salesperson | None
    cycle: SalesCycle
    stage: SalesCycleStage | None
    stage_position: int | None  # 1-based position among the cycle's stages ("stage 2 of 4")
    actions: tuple[str, ...]
    quote_needed: bool
    days_in_stage: int | None
    stall_due: date | None
    days_overdue: int | None
    may_change: bool
    currency: str
    reminder: bool = False  # shown in a stall reminder: it also offers Snooze

    @property
    def no(self) -> str:
        return self.opp.no

    @property
    def stage_count(self) -> int:
        return len(self.cycle.stages)

    @property
    def stalled(self) -> bool:
        return self.days_overdue is not None

    @property
    def offers(self) -> tuple[ActionSpec, ...]:
        """The card's actions, in display order (domain.availability decides which); a stall reminder's
        card also offers Snooze, before closing it (conventions: "the card's buttons plus Snooze")."""
        specs = [
            ActionSpec(
                verb=verb,
                label_key=f"action_{verb}",
                form=verb in FORM_VERBS,
                targets=stage_targets(self.opp, self.cycle, verb),
                target_required=verb == "jump",
            )
            for verb in offered_actions(self.opp, self.cycle)
        ]
        if self.reminder and self.stalled and self.opp.is_open:
            at = next((i for i, s in enumerate(specs) if s.verb in ("win", "lose")), len(specs))
            specs.insert(at, ActionSpec("snooze", "action_snooze", False, options=tuple(SNOOZE_DAYS)))
        return tuple(specs)

    @property
    def skip_targets(self) -> tuple[int, ...]:
        return tuple(s.stage for s in self.cycle.skip_targets(self.opp.current_stage or 0))

    @property
    def jump_targets(self) -> tuple[int, ...]:
        return tuple(s.stage for s in self.cycle.jump_targets(self.opp.current_stage or 0))


@dataclass(frozen=True)
class ActionResult:
    verb: str
    view: OpportunityView
    entry: OpportunityEntry | None = None
    overridden_chances: int | None = None
    tasks: tuple[str, ...] = ()


@dataclass(frozen=True)
class HistoryView:
    view: OpportunityView
    entries: list[OpportunityEntry]


@dataclass(frozen=True)
class ListView:
    """One page of a list: stalled first (most overdue first), then the rest by number."""

    title_key: str
    scope: str
    items: list[OpportunityView]
    truncated: bool = False  # more match after this page
    total: int = 0  # how many match in all (a COUNT, not the page's length)
    offset: int = 0  # position of items[0] in the whole list
    stalled: int = 0  # how many of the whole list are stalled (they lead it)


@dataclass(frozen=True)
class PipelineStage:
    cycle: SalesCycle
    stages: list[StageFigures]
    figures: Figures


@dataclass(frozen=True)
class PipelineView:
    scope: str
    cycles: list[PipelineStage]
    total: Figures
    currency: str


@dataclass(frozen=True)
class StatsView:
    scope: str
    overall: Figures
    by_cycle: list[Figures]
    by_salesperson: list[Figures]
    ledger: list[SalespersonLedgerFigures]
    currency: str


@dataclass(frozen=True, slots=True)
class StalledItem:
    """One stalled opportunity, light: the scan may return very many (reminders, digests)."""

    no: str
    description: str
    salesperson_code: str
    sales_cycle_code: str
    current_stage: int | None
    last_change_date: date
    stall_due: date
    days_overdue: int


@dataclass(frozen=True)
class PreferencesView:
    """One person's chat preferences: what they set (`stored`) and what applies (defaults filled in).

    The time zone and locale in use also depend on the chat platform, which only the adapter knows.
    """

    person: Salesperson
    stored: Preferences
    changed: tuple[str, ...] = ()  # the fields the call that made this view just changed

    @property
    def working_hours(self) -> WorkingHours:
        return self.stored.hours

    @property
    def working_days(self) -> tuple[int, ...]:
        return self.stored.days

    @property
    def reminders(self) -> bool:
        return self.stored.reminders_on

    @property
    def digest(self) -> Digest:
        return self.stored.digest_for(self.person.role)


@dataclass(frozen=True)
class SetupReport:
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str
