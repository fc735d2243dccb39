"""The moves of an opportunity through its sales cycle (spec section 4).

Each function validates in the spec's check order (4.3), then mutates the opportunity and the
superseded entry in place and returns the new entry; the service persists all of it in one
transaction. A raised DomainError leaves every object untouched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from oppbot.domain.dateformula import calc_date
from oppbot.domain.dates import check_date
from oppbot.domain.enums import ActionTaken, ActionType, CloseType, OpportunityStatus
from oppbot.domain.errors import DomainError
from oppbot.domain.model import (
    CloseOpportunityCode,
    Opportunity,
    OpportunityEntry,
    SalesCycle,
    SalesCycleStage,
    Task,
)
from oppbot.domain.money import check_amount, round_money
from oppbot.domain.probability import calcd_current_value, probability_pct
from oppbot.domain.text import clean_text

MAX_DESCRIPTION = 100
MAX_REASON = 250
MAX_QUOTE_REF = 50
WON_CHANCES = 100
FULL = 100

MOVE_ACTIONS = (ActionType.NEXT, ActionType.PREVIOUS, ActionType.SKIP, ActionType.JUMP, ActionType.UPDATE)


@dataclass(frozen=True)
class MoveInput:
    """What the user gave; None means "not given" and gets the spec's default."""

    estimated_value: Decimal | None = None
    chances_pct: int | None = None
    estimated_close_date: date | None = None
    date_of_change: date | None = None
    target_stage: int | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class CloseInput:
    won: bool
    close_code: str | None = None
    won_amount: Decimal | None = None
    close_reason: str | None = None
    date_of_change: date | None = None
    expected_version: int | None = None


@dataclass
class Outcome:
    entry: OpportunityEntry
    superseded: OpportunityEntry | None
    tasks: list[Task] = field(default_factory=list)
    cancel_open_tasks: bool = False
    # The user's chances replaced by the target stage's (skip/jump, spec 4.4): replies must say so.
    overridden_chances: int | None = None


def check_version(opp: Opportunity, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != opp.version:
        raise DomainError("changed_meanwhile", no=opp.no)


def check_changeable(opp: Opportunity, expected_version: int | None) -> None:
    """Checks 3 and 4: the version the user saw, and not closed."""
    check_version(opp, expected_version)
    if opp.closed:
        raise DomainError("opportunity_closed", no=opp.no, status=opp.status.value)


def _check_in_progress(opp: Opportunity) -> None:
    if opp.status != OpportunityStatus.IN_PROGRESS:
        raise DomainError("opportunity_not_started", no=opp.no)


def _date_of_change(
    opp: Opportunity, active: OpportunityEntry | None, given: date | None, today: date
) -> date:
    last = active.date_of_change if active else None
    if given is not None:
        check_date(given)
    dc = given if given is not None else max(today, last) if last else today
    if last is not None and dc < last:
        raise DomainError("date_before_last_change", no=opp.no, last=last)
    if dc < opp.creation_date:
        raise DomainError("date_before_creation", no=opp.no, created=opp.creation_date)
    return dc


def check_description(description: str | None) -> str:
    """An opportunity's description: required, at most MAX_DESCRIPTION characters (spec 2.6)."""
    text = clean_text(description or "").strip()
    if not text:
        raise DomainError("description_required")
    if len(text) > MAX_DESCRIPTION:
        raise DomainError("description_too_long", max=MAX_DESCRIPTION)
    return text


def check_value(value: Decimal | None, currency: str) -> Decimal:
    # Quantize first: 0.004 EUR is a value of 0.00, which is not positive.
    rounded = None if value is None else round_money(value, currency)
    if rounded is None or rounded <= 0:
        raise DomainError("value_not_positive")
    return check_amount(rounded, currency)


def check_chances(chances: int | None) -> int:
    if chances is None or chances <= 0:
        raise DomainError("chances_not_positive")
    if chances > FULL or int(chances) != chances:
        raise DomainError("chances_out_of_range", chances=chances)
    return int(chances)


def _close_date(
    action: ActionType,
    target: SalesCycleStage,
    given: date | None,
    active: OpportunityEntry | None,
    dc: date,
) -> date:
    """Rule E of spec 4.1."""
    formula = target.date_formula
    previous = active.estimated_close_date if active else None
    ecd: date | None = None if given is None else check_date(given)
    if ecd is None and action == ActionType.UPDATE and previous is not None and previous >= dc:
        ecd = previous
    if ecd is None and formula:
        ecd = calc_date(formula, dc)
    if ecd is None and previous is not None and previous >= dc:
        ecd = previous
    if ecd is None:
        raise DomainError("close_date_required")
    if ecd < dc:
        raise DomainError("close_date_before_change", close=ecd, dc=dc)
    if ecd == dc and formula:
        ecd = calc_date(formula, dc)
    return ecd


def _target(
    opp: Opportunity, cycle: SalesCycle, action: ActionType, wanted: int | None
) -> tuple[SalesCycleStage, ActionTaken]:
    """Check 6: which stage the action reaches, and how BC classifies the move."""
    cur = opp.current_stage or 0
    if action == ActionType.UPDATE:
        stage = cycle.stage(cur)
        if stage is None:
            raise DomainError("stage_in_use", no=opp.no, stage=cur)
        return stage, ActionTaken.UPDATED
    if action == ActionType.NEXT:
        nxt = cycle.next_stage(cur)
        if nxt is None:
            current = cycle.stage(cur)
            raise DomainError("no_next_stage", no=opp.no, stage=current.label if current else cur)
        return nxt, ActionTaken.NEXT
    if action == ActionType.PREVIOUS:
        prev = cycle.previous_stage(cur)
        if prev is None:
            raise DomainError("no_previous_stage", no=opp.no)
        return prev, ActionTaken.PREVIOUS
    if action == ActionType.SKIP:
        targets = cycle.skip_targets(cur)
        if len(targets) < 2:
            raise DomainError("skip_not_possible", no=opp.no, stage=cur)
        if wanted is None:
            return targets[1], ActionTaken.JUMPED
        chosen = next((s for s in targets if s.stage == wanted), None)
        if chosen is None:
            raise DomainError("invalid_skip_target", no=opp.no, stage=cur, targets=[s.stage for s in targets])
        return chosen, ActionTaken.NEXT if chosen is targets[0] else ActionTaken.JUMPED
    targets = cycle.jump_targets(cur)
    if len(targets) < 2:
        raise DomainError("jump_not_possible", no=opp.no, stage=cur)
    if wanted is None:
        raise DomainError("jump_target_required", no=opp.no, targets=[s.stage for s in targets])
    chosen = next((s for s in targets if s.stage == wanted), None)
    if chosen is None:
        raise DomainError("invalid_jump_target", no=opp.no, stage=cur, targets=[s.stage for s in targets])
    return chosen, ActionTaken.PREVIOUS if chosen is targets[-1] else ActionTaken.JUMPED


def _supersede(active: OpportunityEntry | None, dc: date) -> None:
    if active is not None:
        active.active = False
        active.days_open = (dc - active.date_of_change).days


def _copy_to_opportunity(opp: Opportunity, entry: OpportunityEntry) -> None:
    """Spec 2.6 invariant: a started opportunity's numbers are its active entry's."""
    opp.estimated_value = entry.estimated_value
    opp.chances_pct = entry.chances_pct
    opp.completed_pct = entry.completed_pct
    opp.probability_pct = entry.probability_pct
    opp.calcd_current_value = entry.calcd_current_value
    opp.estimated_close_date = entry.estimated_close_date
    opp.current_stage = entry.stage
    opp.last_change_date = entry.date_of_change
    opp.version += 1


def _entry_for_stage(
    opp: Opportunity,
    cycle: SalesCycle,
    stage: SalesCycleStage,
    *,
    action_type: ActionType,
    action_taken: ActionTaken,
    dc: date,
    value: Decimal,
    chances: int,
    ecd: date,
    previous_stage: int | None,
    actor: str,
    currency: str,
) -> OpportunityEntry:
    probability = probability_pct(cycle.probability_calculation, chances, stage.completed_pct)
    return OpportunityEntry(
        opportunity_no=opp.no,
        sales_cycle_code=opp.sales_cycle_code,
        stage=stage.stage,
        stage_description=stage.description,
        previous_stage=previous_stage,
        contact_no=opp.contact_no,
        contact_company_no=opp.contact_company_no,
        salesperson_code=opp.salesperson_code,
        date_of_change=dc,
        action_type=action_type,
        action_taken=action_taken,
        estimated_value=value,
        chances_pct=chances,
        completed_pct=stage.completed_pct,
        probability_pct=probability,
        calcd_current_value=calcd_current_value(value, probability, currency),
        estimated_close_date=ecd,
        created_by=actor,
    )


def _task(opp: Opportunity, stage: SalesCycleStage, dc: date) -> list[Task]:
    if not stage.activity_code:
        return []
    return [
        Task(
            opportunity_no=opp.no,
            entry_no=None,
            activity_code=stage.activity_code,
            salesperson_code=opp.salesperson_code,
            contact_no=opp.contact_no,
            date=dc,
        )
    ]


def start(
    opp: Opportunity,
    cycle: SalesCycle,
    inp: MoveInput,
    *,
    today: date,
    currency: str,
    actor: str,
) -> Outcome:
    """`first`: activate the cycle's first stage; planned values count as given."""
    check_changeable(opp, inp.expected_version)
    if opp.status != OpportunityStatus.NOT_STARTED:
        raise DomainError("already_started", no=opp.no)
    first = cycle.first_stage()
    if first is None:
        raise DomainError("cycle_has_no_stages", cycle=cycle.code)
    dc = _date_of_change(opp, None, inp.date_of_change, today)
    planned_value = inp.estimated_value if inp.estimated_value is not None else opp.estimated_value
    value = check_value(planned_value, currency)
    given_chances = inp.chances_pct if inp.chances_pct is not None else opp.chances_pct
    chances = check_chances(given_chances if given_chances is not None else first.chances_pct)
    given_close = inp.estimated_close_date or opp.estimated_close_date
    ecd = _close_date(ActionType.FIRST, first, given_close, None, dc)
    entry = _entry_for_stage(
        opp, cycle, first,
        action_type=ActionType.FIRST, action_taken=ActionTaken.FIRST, dc=dc, value=value,
        chances=chances, ecd=ecd, previous_stage=None, actor=actor, currency=currency,
    )  # fmt: skip
    opp.status = OpportunityStatus.IN_PROGRESS
    _copy_to_opportunity(opp, entry)
    return Outcome(entry=entry, superseded=None, tasks=_task(opp, first, dc))


def move(
    opp: Opportunity,
    cycle: SalesCycle,
    active: OpportunityEntry,
    action: ActionType,
    inp: MoveInput,
    *,
    today: date,
    currency: str,
    actor: str,
) -> Outcome:
    """next, previous, skip, jump and update."""
    if action not in MOVE_ACTIONS:
        raise ValueError(f"not a move: {action}")
    check_changeable(opp, inp.expected_version)
    _check_in_progress(opp)
    target, taken = _target(opp, cycle, action, inp.target_stage)
    dc = _date_of_change(opp, active, inp.date_of_change, today)
    if action in (ActionType.NEXT, ActionType.SKIP) and target.quote_required and not opp.quote_ref:
        raise DomainError("quote_required", no=opp.no, stage=target.label)
    value = check_value(
        inp.estimated_value if inp.estimated_value is not None else active.estimated_value, currency
    )
    overridden: int | None = None
    if action in (ActionType.SKIP, ActionType.JUMP) and target.chances_pct != 0:
        # BC overwrites the user's chances with the target stage's on skip and jump.
        if inp.chances_pct is not None and inp.chances_pct != target.chances_pct:
            overridden = inp.chances_pct
        chances = target.chances_pct
    else:
        chances = inp.chances_pct if inp.chances_pct is not None else target.chances_pct
    chances = check_chances(chances)
    ecd = _close_date(action, target, inp.estimated_close_date, active, dc)
    entry = _entry_for_stage(
        opp, cycle, target,
        action_type=action, action_taken=taken, dc=dc, value=value, chances=chances,
        ecd=ecd, previous_stage=opp.current_stage, actor=actor, currency=currency,
    )  # fmt: skip
    _supersede(active, dc)
    _copy_to_opportunity(opp, entry)
    tasks = [] if action == ActionType.UPDATE else _task(opp, target, dc)
    return Outcome(entry=entry, superseded=active, tasks=tasks, overridden_chances=overridden)


def resolve_close_code(
    codes: Mapping[str, CloseOpportunityCode], wanted: str | None, close_type: CloseType
) -> CloseOpportunityCode:
    if wanted is None:
        of_type = [c for c in codes.values() if c.type == close_type]
        if len(of_type) != 1:
            raise DomainError(
                "close_code_required", type=close_type.value, codes=sorted(c.code for c in of_type)
            )
        return of_type[0]
    code = codes.get(wanted.strip().upper())
    if code is None:
        raise DomainError("unknown_close_code", close_code=wanted, type=close_type.value)
    if code.type != close_type:
        raise DomainError("close_code_wrong_type", close_code=code.code, type=close_type.value)
    return code


def close(
    opp: Opportunity,
    active: OpportunityEntry,
    inp: CloseInput,
    codes: Mapping[str, CloseOpportunityCode],
    *,
    today: date,
    currency: str,
    actor: str,
) -> Outcome:
    """Close won or lost (only from in progress, spec 9 #12)."""
    check_changeable(opp, inp.expected_version)
    _check_in_progress(opp)
    dc = _date_of_change(opp, active, inp.date_of_change, today)
    close_type = CloseType.WON if inp.won else CloseType.LOST
    code = resolve_close_code(codes, inp.close_code, close_type)
    if inp.won:
        amount = inp.won_amount if inp.won_amount is not None else active.estimated_value
        calcd = round_money(amount, currency)
        if calcd <= 0:
            raise DomainError("won_amount_not_positive")
        check_amount(calcd, currency)
    elif inp.won_amount is not None:
        raise DomainError("won_amount_not_allowed")
    else:
        calcd = round_money(Decimal(0), currency)
    reason = clean_text(inp.close_reason or "").strip() or None
    if reason is not None and len(reason) > MAX_REASON:
        raise DomainError("reason_too_long", max=MAX_REASON)
    entry = OpportunityEntry(
        opportunity_no=opp.no,
        sales_cycle_code=opp.sales_cycle_code,
        stage=None,
        stage_description=None,
        previous_stage=opp.current_stage,
        contact_no=opp.contact_no,
        contact_company_no=opp.contact_company_no,
        salesperson_code=opp.salesperson_code,
        date_of_change=dc,
        action_type=ActionType.CLOSE,
        action_taken=ActionTaken.WON if inp.won else ActionTaken.LOST,
        estimated_value=active.estimated_value,
        chances_pct=WON_CHANCES if inp.won else 0,
        completed_pct=FULL,
        probability_pct=Decimal(FULL if inp.won else 0),
        calcd_current_value=calcd,
        estimated_close_date=dc,
        created_by=actor,
        date_closed=dc,
        close_code=code.code,
        close_reason=reason,
    )
    _supersede(active, dc)
    opp.status = OpportunityStatus.WON if inp.won else OpportunityStatus.LOST
    opp.closed = True
    opp.date_closed = dc
    opp.close_code = code.code
    opp.close_reason = reason
    _copy_to_opportunity(opp, entry)
    return Outcome(entry=entry, superseded=active, cancel_open_tasks=True)


def set_quote(opp: Opportunity, reference: str | None, expected_version: int | None = None) -> None:
    """Set or clear the sales quote reference (only while in progress)."""
    check_changeable(opp, expected_version)
    _check_in_progress(opp)
    ref = clean_text(reference or "").strip() or None
    if ref is not None and len(ref) > MAX_QUOTE_REF:
        raise DomainError("quote_too_long", max=MAX_QUOTE_REF)
    opp.quote_ref = ref
    opp.version += 1
