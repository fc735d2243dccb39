"""The entities of Business Central's opportunity management (spec section 2), as plain dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

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


@dataclass
class SalesCycleStage:
    sales_cycle_code: str
    stage: int
    description: str = ""
    completed_pct: int = 0
    chances_pct: int = 0
    activity_code: str | None = None
    quote_required: bool = False
    allow_skip: bool = False
    date_formula: str = ""

    @property
    def label(self) -> str:
        return f"{self.stage} {self.description}".strip()


@dataclass
class SalesCycle:
    code: str
    description: str = ""
    probability_calculation: ProbabilityCalculation = ProbabilityCalculation.MULTIPLY
    blocked: bool = False
    stages: list[SalesCycleStage] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.stages.sort(key=lambda s: s.stage)

    def stage(self, number: int | None) -> SalesCycleStage | None:
        return next((s for s in self.stages if s.stage == number), None)

    def first_stage(self) -> SalesCycleStage | None:
        return self.stages[0] if self.stages else None

    def next_stage(self, current: int) -> SalesCycleStage | None:
        """The next higher stage number: gaps are allowed."""
        return next((s for s in self.stages if s.stage > current), None)

    def previous_stage(self, current: int) -> SalesCycleStage | None:
        earlier = [s for s in self.stages if s.stage < current]
        return earlier[-1] if earlier else None

    def skip_targets(self, current: int) -> list[SalesCycleStage]:
        """Walk forward from the next stage; the walk ends on the first stage that may not be skipped."""
        following = [s for s in self.stages if s.stage > current]
        if not following or not following[0].allow_skip:
            return []
        targets: list[SalesCycleStage] = []
        for stage in following:
            targets.append(stage)
            if not stage.allow_skip:
                break
        return targets

    def jump_targets(self, current: int) -> list[SalesCycleStage]:
        """`jump` goes back to any earlier stage (BC); forward multi-stage moves are `skip`."""
        return [s for s in self.stages if s.stage < current]

    def can_skip(self, current: int) -> bool:
        return len(self.skip_targets(current)) >= 2

    def can_jump(self, current: int) -> bool:
        return len(self.jump_targets(current)) >= 2


@dataclass
class CloseOpportunityCode:
    code: str
    type: CloseType
    description: str = ""


@dataclass
class Activity:
    code: str
    description: str = ""


@dataclass
class Task:
    opportunity_no: str
    entry_no: int | None
    activity_code: str
    salesperson_code: str
    contact_no: str
    date: date
    status: TaskStatus = TaskStatus.OPEN
    id: int | None = None


@dataclass
class Contact:
    no: str
    type: ContactType
    name: str
    company_no: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass
class Salesperson:
    code: str
    name: str
    email: str | None = None
    role: Role = Role.REP
    manager_code: str | None = None

    def manages(self, other: Salesperson) -> bool:
        """A team is the manager plus direct reports (spec 2.5)."""
        return self.role == Role.MANAGER and (other.code == self.code or other.manager_code == self.code)


@dataclass
class Opportunity:
    no: str
    description: str
    contact_no: str
    salesperson_code: str
    sales_cycle_code: str
    creation_date: date
    contact_company_no: str | None = None
    status: OpportunityStatus = OpportunityStatus.NOT_STARTED
    priority: Priority = Priority.NORMAL
    closed: bool = False
    date_closed: date | None = None
    quote_ref: str | None = None
    close_code: str | None = None
    close_reason: str | None = None
    estimated_value: Decimal | None = None
    chances_pct: int | None = None
    estimated_close_date: date | None = None
    completed_pct: int | None = None
    probability_pct: Decimal | None = None
    calcd_current_value: Decimal | None = None
    current_stage: int | None = None
    # The active entry's date of change: a copy kept so the stall scan is one indexed query.
    last_change_date: date | None = None
    version: int = 1

    @property
    def is_open(self) -> bool:
        return self.status == OpportunityStatus.IN_PROGRESS


@dataclass
class OpportunityEntry:
    opportunity_no: str
    sales_cycle_code: str
    stage: int | None
    stage_description: str | None
    previous_stage: int | None
    contact_no: str
    contact_company_no: str | None
    salesperson_code: str
    date_of_change: date
    action_type: ActionType
    action_taken: ActionTaken
    estimated_value: Decimal
    chances_pct: int
    completed_pct: int
    probability_pct: Decimal
    calcd_current_value: Decimal
    estimated_close_date: date
    created_by: str
    active: bool = True
    days_open: int = 0
    date_closed: date | None = None
    close_code: str | None = None
    close_reason: str | None = None
    entry_no: int | None = None
