"""Spec 4: the actions, their preconditions in check order, and the worked example 4.8."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any, cast

import pytest
from tests.spec_data import demo_close_codes, demo_cycles

from oppbot.domain.actions import (
    CloseInput,
    MoveInput,
    Outcome,
    close,
    move,
    resolve_close_code,
    set_quote,
    start,
)
from oppbot.domain.creation import validate_planned
from oppbot.domain.enums import (
    ActionTaken,
    ActionType,
    CloseType,
    OpportunityStatus,
    ProbabilityCalculation,
    TaskStatus,
)
from oppbot.domain.errors import DomainError
from oppbot.domain.model import (
    CloseOpportunityCode,
    Opportunity,
    OpportunityEntry,
    SalesCycle,
    SalesCycleStage,
    Task,
)

D = date
EUR = "EUR"
T = ActionType
K = ActionTaken


def d(text: str) -> date:
    return date.fromisoformat(text)


CREATED = D(2026, 10, 1)
PLANNED_CLOSE = D(2026, 12, 31)


def new_opp(cycle: str = "NEW", created: date = CREATED, no: str = "OP000001") -> Opportunity:
    return Opportunity(
        no=no,
        description="Office chairs",
        contact_no="CT000002",
        salesperson_code="AH",
        sales_cycle_code=cycle,
        creation_date=created,
        contact_company_no="CT000001",
    )


@dataclass
class Book:
    """One opportunity and its ledger: the caller's part of the contract (entry numbers, history)."""

    opp: Opportunity
    cycle: SalesCycle
    codes: dict[str, CloseOpportunityCode] = field(default_factory=demo_close_codes)
    entries: list[OpportunityEntry] = field(default_factory=list)
    currency: str = EUR

    @property
    def active(self) -> OpportunityEntry:
        return self.entries[-1]

    def _record(self, outcome: Outcome) -> Outcome:
        outcome.entry.entry_no = len(self.entries) + 1
        self.entries.append(outcome.entry)
        return outcome

    def start(self, inp: MoveInput | None = None, *, today: date) -> Outcome:
        outcome = start(
            self.opp, self.cycle, inp or MoveInput(), today=today, currency=self.currency, actor="AH"
        )
        return self._record(outcome)

    def move(self, action: ActionType, inp: MoveInput | None = None, *, today: date) -> Outcome:
        outcome = move(
            self.opp,
            self.cycle,
            self.active,
            action,
            inp or MoveInput(),
            today=today,
            currency=self.currency,
            actor="AH",
        )
        return self._record(outcome)

    def close(self, inp: CloseInput, *, today: date) -> Outcome:
        outcome = close(
            self.opp, self.active, inp, self.codes, today=today, currency=self.currency, actor="AH"
        )
        return self._record(outcome)


def quote_of(opp: Opportunity) -> str | None:
    return opp.quote_ref


def refused(book: Book, code: str, call: Callable[[], Any]) -> DomainError:
    """The call fails with `code` and leaves the opportunity, the active entry and the ledger unchanged."""
    opp_before = replace(book.opp)
    active_before = replace(book.active) if book.entries else None
    count = len(book.entries)
    with pytest.raises(DomainError) as err:
        call()
    assert err.value.code == code, str(err.value)
    assert book.opp == opp_before
    if active_before is not None:
        assert book.active == active_before
    assert len(book.entries) == count
    return err.value


def stage(
    n: int,
    *,
    completed: int = 10,
    chances: int = 10,
    activity: str | None = None,
    quote: bool = False,
    skip: bool = False,
    formula: str = "",
) -> SalesCycleStage:
    return SalesCycleStage("T", n, f"Stage {n}", completed, chances, activity, quote, skip, formula)


def cycle_of(
    *stages: SalesCycleStage, method: ProbabilityCalculation = ProbabilityCalculation.MULTIPLY
) -> SalesCycle:
    return SalesCycle("T", "Test", method, stages=list(stages))


def started(
    cycle: SalesCycle | None = None,
    *,
    at: int = 1,
    quote: str | None = None,
    value: str = "10000",
    close_date: date = PLANNED_CLOSE,
    created: date = CREATED,
) -> Book:
    """An opportunity started on `created` and moved by `next` up to stage `at` (one day per step)."""
    cyc = cycle or demo_cycles()["NEW"]
    book = Book(new_opp(cyc.code, created), cyc)
    book.start(MoveInput(estimated_value=Decimal(value), estimated_close_date=close_date), today=created)
    book.opp.quote_ref = quote
    day = created
    while book.opp.current_stage != at:
        day = D(day.year, day.month, day.day + 1)
        book.move(T.NEXT, today=day)
    return book


# ---------------------------------------------------------------------------------------------
# Worked example 4.8: one opportunity through cycle NEW.
# ---------------------------------------------------------------------------------------------

Row = tuple[
    int,  # entry_no
    int | None,  # stage
    str | None,  # stage_description
    int | None,  # previous_stage
    ActionType,
    ActionTaken,
    date,  # date_of_change
    str,  # estimated_value
    int,  # chances
    int,  # completed
    Decimal,  # probability
    str,  # calcd
    date,  # estimated_close_date
    bool,  # active
    int,  # days_open
    date | None,  # date_closed
    str | None,  # close_code
]

# The final table of step 9. Row i's `active`/`days_open` are as here once entry i + 1 exists.
FINAL: list[Row] = [
    (1, 1, "Initial", None, T.FIRST, K.FIRST, d("2026-10-01"), "20000.00", 10, 2, Decimal(10), "2000.00",
     d("2026-12-31"), False, 5, None, None),
    (2, 2, "Qualification", 1, T.NEXT, K.NEXT, d("2026-10-06"), "20000.00", 20, 5, Decimal(20), "4000.00",
     d("2026-12-31"), False, 7, None, None),
    (3, 4, "Proposal", 2, T.SKIP, K.JUMPED, d("2026-10-13"), "20000.00", 75, 60, Decimal(75), "15000.00",
     d("2026-12-31"), False, 7, None, None),
    (4, 4, "Proposal", 4, T.UPDATE, K.UPDATED, d("2026-10-20"), "24000.50", 70, 60, Decimal(70), "16800.35",
     d("2027-01-15"), False, 2, None, None),
    (5, 3, "Presentation", 4, T.PREVIOUS, K.PREVIOUS, d("2026-10-22"), "24000.50", 50, 40, Decimal(50),
     "12000.25", d("2027-01-15"), False, 5, None, None),
    (6, 4, "Proposal", 3, T.NEXT, K.NEXT, d("2026-10-27"), "24000.50", 75, 60, Decimal(75), "18000.38",
     d("2027-01-15"), False, 7, None, None),
    (7, None, None, 4, T.CLOSE, K.WON, d("2026-11-03"), "24000.50", 100, 100, Decimal(100), "23500.00",
     d("2026-11-03"), True, 0, d("2026-11-03"), "PRICE_W"),
]  # fmt: skip

# Entries in the ledger and the opportunity's version after each step.
ENTRIES_AFTER = {1: 1, 2: 2, 3: 2, 4: 2, 5: 3, 6: 4, 7: 5, 8: 6, 9: 7, 10: 7}
VERSION_AFTER = {1: 2, 2: 3, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7, 8: 8, 9: 9, 10: 9}
TASKS_OF_STEP = {1: ["INIT"], 2: ["QUAL"], 5: ["PROPOSAL"], 6: [], 7: ["P-WORK"], 8: ["PROPOSAL"], 9: []}
DATE_OF_STEP = {
    1: d("2026-10-01"),
    2: d("2026-10-06"),
    3: d("2026-10-13"),
    4: d("2026-10-13"),
    5: d("2026-10-13"),
    6: d("2026-10-20"),
    7: d("2026-10-22"),
    8: d("2026-10-27"),
    9: d("2026-11-03"),
    10: d("2026-11-10"),
}


def expected_table(step: int) -> list[Row]:
    n = ENTRIES_AFTER[step]
    rows = FINAL[:n]
    last = rows[-1]
    return [*rows[:-1], (*last[:13], True, 0, *last[15:])]


def as_row(e: OpportunityEntry) -> Row:
    assert e.entry_no is not None
    return (
        e.entry_no,
        e.stage,
        e.stage_description,
        e.previous_stage,
        e.action_type,
        e.action_taken,
        e.date_of_change,
        str(e.estimated_value),
        e.chances_pct,
        e.completed_pct,
        e.probability_pct,
        str(e.calcd_current_value),
        e.estimated_close_date,
        e.active,
        e.days_open,
        e.date_closed,
        e.close_code,
    )


@dataclass
class Play:
    book: Book
    outcomes: dict[int, Outcome] = field(default_factory=dict)
    errors: dict[int, DomainError] = field(default_factory=dict)
    snapshots: dict[int, tuple[Opportunity, OpportunityEntry]] = field(default_factory=dict)


def play(until: int) -> Play:
    book = Book(new_opp("NEW", d("2026-10-01")), demo_cycles()["NEW"])
    p = Play(book)
    for step in range(1, until + 1):
        today = DATE_OF_STEP[step]
        if step == 1:
            # `new … value=20000 cycle=NEW close=2026-12-31`: planned values, then `first` with dc = today.
            validate_planned(
                book.opp, value=Decimal(20000), chances=None, close_date=d("2026-12-31"), currency=EUR
            )
            p.outcomes[1] = book.start(today=today)
        elif step == 2:
            p.outcomes[2] = book.move(T.NEXT, today=today)
        elif step == 3:
            p.snapshots[3] = (replace(book.opp), replace(book.active))
            p.errors[3] = refused(
                book, "quote_required", partial(book.move, T.SKIP, MoveInput(target_stage=4), today=today)
            )
        elif step == 4:
            set_quote(book.opp, "SQ-1001")
        elif step == 5:
            p.outcomes[5] = book.move(T.SKIP, MoveInput(target_stage=4, chances_pct=60), today=today)
        elif step == 6:
            inp = MoveInput(
                estimated_value=Decimal("24000.50"), chances_pct=70, estimated_close_date=d("2027-01-15")
            )
            p.outcomes[6] = book.move(T.UPDATE, inp, today=today)
        elif step == 7:
            p.outcomes[7] = book.move(T.PREVIOUS, today=today)
        elif step == 8:
            p.outcomes[8] = book.move(T.NEXT, today=today)
        elif step == 9:
            inp9 = CloseInput(
                won=True, close_code="PRICE_W", won_amount=Decimal(23500), close_reason="Best price"
            )
            p.outcomes[9] = book.close(inp9, today=today)
        else:
            p.snapshots[10] = (replace(book.opp), replace(book.active))
            p.errors[10] = refused(book, "opportunity_closed", partial(book.move, T.NEXT, today=today))
    return p


STEPS = list(range(1, 11))


@pytest.mark.parametrize("step", STEPS)
def test_example_ledger_after_step(step: int) -> None:
    p = play(step)
    assert [as_row(e) for e in p.book.entries] == expected_table(step)
    # Exactly one active entry: the newest.
    assert [e.active for e in p.book.entries].count(True) == 1
    for e in p.book.entries:
        assert e.opportunity_no == "OP000001"
        assert e.sales_cycle_code == "NEW"
        assert e.contact_no == "CT000002"
        assert e.contact_company_no == "CT000001"
        assert e.salesperson_code == "AH"
        assert e.created_by == "AH"
        assert e.close_reason == ("Best price" if e.action_taken == K.WON else None)


@pytest.mark.parametrize("step", STEPS)
def test_example_opportunity_after_step(step: int) -> None:
    p = play(step)
    opp, active = p.book.opp, p.book.active
    assert opp.version == VERSION_AFTER[step]
    assert opp.estimated_value == active.estimated_value
    assert opp.chances_pct == active.chances_pct
    assert opp.completed_pct == active.completed_pct
    assert opp.probability_pct == active.probability_pct
    assert opp.calcd_current_value == active.calcd_current_value
    assert opp.estimated_close_date == active.estimated_close_date
    assert opp.current_stage == active.stage
    assert opp.last_change_date == active.date_of_change
    assert opp.quote_ref == (None if step < 4 else "SQ-1001")
    if step < 9:
        assert opp.status == OpportunityStatus.IN_PROGRESS
        assert (opp.closed, opp.date_closed, opp.close_reason) == (False, None, None)
    else:
        assert opp.status == OpportunityStatus.WON
        assert opp.closed is True
        assert opp.date_closed == d("2026-11-03")
        assert opp.current_stage is None
        assert opp.close_code == "PRICE_W"
        assert opp.close_reason == "Best price"
        assert str(opp.calcd_current_value) == "23500.00"
        assert (opp.date_closed - opp.creation_date).days == 33


@pytest.mark.parametrize("step", sorted(TASKS_OF_STEP))
def test_example_outcome_of_step(step: int) -> None:
    p = play(step)
    outcome = p.outcomes[step]
    assert outcome.entry is p.book.active
    assert [t.activity_code for t in outcome.tasks] == TASKS_OF_STEP[step]
    for task in outcome.tasks:
        assert task == Task(
            opportunity_no="OP000001",
            entry_no=None,
            activity_code=task.activity_code,
            salesperson_code="AH",
            contact_no="CT000002",
            date=DATE_OF_STEP[step],
            status=TaskStatus.OPEN,
        )
    if step == 1:
        assert outcome.superseded is None
    else:
        assert outcome.superseded is p.book.entries[-2]
        assert outcome.superseded.active is False
    assert outcome.cancel_open_tasks is (step == 9)
    assert outcome.overridden_chances == (60 if step == 5 else None)


def test_example_step_3_quote_required_changes_nothing() -> None:
    p = play(3)
    err = p.errors[3]
    assert err.params["no"] == "OP000001"
    assert "4" in str(err.params["stage"])
    opp_before, active_before = p.snapshots[3]
    assert p.book.opp == opp_before
    assert p.book.active == active_before
    assert p.book.opp.version == 3


def test_example_step_4_quote_bumps_version_only() -> None:
    before = play(3).book
    after = play(4).book
    assert after.opp.quote_ref == "SQ-1001"
    assert after.opp.version == before.opp.version + 1
    assert replace(after.opp, quote_ref=None, version=before.opp.version) == before.opp
    assert len(after.entries) == len(before.entries)


def test_example_step_10_opportunity_closed() -> None:
    p = play(10)
    assert p.errors[10].code == "opportunity_closed"
    assert p.errors[10].params["no"] == "OP000001"
    assert p.book.opp == p.snapshots[10][0]


# ---------------------------------------------------------------------------------------------
# 4.3 preconditions and their order.
# ---------------------------------------------------------------------------------------------


def closed_book(won: bool = True) -> Book:
    book = started(at=2)
    code = "PRICE_W" if won else "PRICE_L"
    book.close(CloseInput(won=won, close_code=code), today=D(2026, 10, 10))
    return book


MOVES = [T.NEXT, T.PREVIOUS, T.SKIP, T.JUMP, T.UPDATE]


@pytest.mark.parametrize("won", [True, False])
def test_stale_version_beats_closed(won: bool) -> None:
    book = closed_book(won)
    stale = book.opp.version - 1
    today = D(2026, 11, 1)
    for action in MOVES:
        refused(
            book,
            "changed_meanwhile",
            partial(book.move, action, MoveInput(expected_version=stale, target_stage=1), today=today),
        )
    refused(book, "changed_meanwhile", lambda: book.start(MoveInput(expected_version=stale), today=today))
    refused(
        book,
        "changed_meanwhile",
        lambda: book.close(CloseInput(won=True, close_code="PRICE_W", expected_version=stale), today=today),
    )
    refused(book, "changed_meanwhile", lambda: set_quote(book.opp, "Q", expected_version=stale))


@pytest.mark.parametrize("won", [True, False])
def test_closed_refuses_everything(won: bool) -> None:
    book = closed_book(won)
    today = D(2026, 11, 1)
    current = book.opp.version
    for action in MOVES:
        refused(
            book,
            "opportunity_closed",
            partial(book.move, action, MoveInput(expected_version=current, target_stage=1), today=today),
        )
    refused(book, "opportunity_closed", lambda: book.start(today=today))
    refused(
        book,
        "opportunity_closed",
        lambda: book.close(CloseInput(won=False, close_code="PRICE_L"), today=today),
    )
    refused(book, "opportunity_closed", lambda: set_quote(book.opp, "Q"))
    err = refused(book, "opportunity_closed", lambda: set_quote(book.opp, None))
    assert err.params["status"] == ("won" if won else "lost")


def test_matching_version_is_accepted() -> None:
    book = started(at=1)
    version = book.opp.version
    book.move(T.NEXT, MoveInput(expected_version=version), today=D(2026, 10, 2))
    assert book.opp.version == version + 1
    set_quote(book.opp, "Q-1", expected_version=version + 1)
    assert book.opp.version == version + 2


def test_start_on_in_progress_already_started() -> None:
    book = started(at=2)
    refused(book, "already_started", lambda: book.start(today=D(2026, 11, 1)))


def test_not_started_refuses_moves_close_and_quote() -> None:
    book = Book(new_opp(), demo_cycles()["NEW"])
    today = D(2026, 10, 5)
    fake_active = OpportunityEntry(
        "OP000001",
        "NEW",
        1,
        "Initial",
        None,
        "CT000002",
        "CT000001",
        "AH",
        today,
        T.FIRST,
        K.FIRST,
        Decimal(1),
        10,
        2,
        Decimal(10),
        Decimal("0.10"),
        today,
        "AH",
    )
    book.entries.append(fake_active)
    for action in MOVES:
        refused(
            book,
            "opportunity_not_started",
            partial(
                move,
                book.opp,
                book.cycle,
                fake_active,
                action,
                MoveInput(target_stage=1),
                today=today,
                currency=EUR,
                actor="AH",
            ),
        )
    refused(
        book,
        "opportunity_not_started",
        lambda: close(
            book.opp,
            fake_active,
            CloseInput(won=True, close_code="PRICE_W"),
            book.codes,
            today=today,
            currency=EUR,
            actor="AH",
        ),
    )
    refused(book, "opportunity_not_started", lambda: set_quote(book.opp, "Q"))
    # Check 3 comes before check 5.
    refused(
        book,
        "changed_meanwhile",
        lambda: move(
            book.opp,
            book.cycle,
            fake_active,
            T.NEXT,
            MoveInput(expected_version=7),
            today=today,
            currency=EUR,
            actor="AH",
        ),
    )


def test_cycle_has_no_stages() -> None:
    book = Book(new_opp("EMPTY"), SalesCycle("EMPTY"))
    inp = MoveInput(estimated_value=Decimal(100), estimated_close_date=D(2026, 12, 31))
    err = refused(book, "cycle_has_no_stages", lambda: book.start(inp, today=D(2026, 10, 1)))
    assert err.params["cycle"] == "EMPTY"
    # Check 6 before check 7 (a date before creation) and check 9 (no value).
    refused(book, "cycle_has_no_stages", lambda: book.start(today=D(2026, 9, 1)))
    # Check 3 before check 6.
    refused(
        book, "changed_meanwhile", lambda: book.start(MoveInput(expected_version=5), today=D(2026, 10, 1))
    )


def test_no_next_stage_at_last_stage() -> None:
    book = started(at=5, quote="Q")
    err = refused(book, "no_next_stage", lambda: book.move(T.NEXT, today=D(2026, 11, 1)))
    assert "Sign Contract" in str(err.params["stage"])
    # Check 6 before check 7.
    refused(
        book,
        "no_next_stage",
        lambda: book.move(T.NEXT, MoveInput(date_of_change=D(2026, 9, 1)), today=D(2026, 11, 1)),
    )


def test_no_previous_stage_at_first_stage() -> None:
    book = started(at=1)
    refused(book, "no_previous_stage", lambda: book.move(T.PREVIOUS, today=D(2026, 11, 1)))
    refused(
        book,
        "no_previous_stage",
        lambda: book.move(T.PREVIOUS, MoveInput(estimated_value=Decimal(0)), today=D(2026, 11, 1)),
    )


def test_skip_not_possible_and_invalid_target() -> None:
    book = started(at=1)  # NEW 1: stage 2 may not be skipped
    refused(book, "skip_not_possible", lambda: book.move(T.SKIP, today=D(2026, 11, 1)))
    refused(
        book, "skip_not_possible", lambda: book.move(T.SKIP, MoveInput(target_stage=3), today=D(2026, 11, 1))
    )
    book2 = started(at=2, quote="Q")  # NEW 2: targets 3, 4
    for wanted in (1, 2, 5, 99):
        err = refused(
            book2,
            "invalid_skip_target",
            partial(book2.move, T.SKIP, MoveInput(target_stage=wanted), today=D(2026, 11, 1)),
        )
        assert err.params["targets"] == [3, 4]
    # Check 6 before check 7.
    refused(
        book2,
        "invalid_skip_target",
        lambda: book2.move(
            T.SKIP, MoveInput(target_stage=5, date_of_change=D(2026, 9, 1)), today=D(2026, 11, 1)
        ),
    )
    book3 = started(at=4, quote="Q")  # NEW 4: stage 5 may not be skipped
    refused(
        book3,
        "skip_not_possible",
        lambda: book3.move(T.SKIP, MoveInput(target_stage=5), today=D(2026, 11, 1)),
    )


def test_jump_checks() -> None:
    book = started(at=2)
    refused(
        book, "jump_not_possible", lambda: book.move(T.JUMP, MoveInput(target_stage=1), today=D(2026, 11, 1))
    )
    book4 = started(at=4, quote="Q")
    err = refused(book4, "jump_target_required", lambda: book4.move(T.JUMP, today=D(2026, 11, 1)))
    assert err.params["targets"] == [1, 2, 3]
    for wanted in (4, 5, 0):
        refused(
            book4,
            "invalid_jump_target",
            partial(book4.move, T.JUMP, MoveInput(target_stage=wanted), today=D(2026, 11, 1)),
        )
    refused(
        book4,
        "jump_target_required",
        lambda: book4.move(T.JUMP, MoveInput(date_of_change=D(2026, 9, 1)), today=D(2026, 11, 1)),
    )


def test_date_before_last_change() -> None:
    book = started(at=2)  # last change 2026-10-02
    err = refused(
        book,
        "date_before_last_change",
        lambda: book.move(T.NEXT, MoveInput(date_of_change=D(2026, 10, 1)), today=D(2026, 11, 1)),
    )
    assert err.params["last"] == D(2026, 10, 2)
    refused(
        book,
        "date_before_last_change",
        lambda: book.close(CloseInput(won=True, date_of_change=D(2026, 10, 1)), today=D(2026, 11, 1)),
    )
    # Same day is fine; a `today` before the last change defaults to the last change.
    out = book.move(T.UPDATE, MoveInput(date_of_change=D(2026, 10, 2)), today=D(2026, 11, 1))
    assert out.entry.date_of_change == D(2026, 10, 2)
    out = book.move(T.UPDATE, today=D(2026, 9, 30))
    assert out.entry.date_of_change == D(2026, 10, 2)
    assert out.superseded is not None and out.superseded.days_open == 0


def test_date_before_creation() -> None:
    book = Book(new_opp(created=D(2026, 10, 1)), demo_cycles()["NEW"])
    inp = MoveInput(estimated_value=Decimal(100), estimated_close_date=D(2026, 12, 31))
    err = refused(
        book,
        "date_before_creation",
        lambda: book.start(replace(inp, date_of_change=D(2026, 9, 30)), today=D(2026, 10, 1)),
    )
    assert err.params["created"] == D(2026, 10, 1)
    refused(book, "date_before_creation", lambda: book.start(inp, today=D(2026, 9, 30)))
    # Check 7 before check 9.
    refused(
        book,
        "date_before_creation",
        lambda: book.start(MoveInput(date_of_change=D(2026, 9, 30)), today=D(2026, 10, 1)),
    )
    out = book.start(inp, today=D(2026, 10, 1))
    assert out.entry.date_of_change == D(2026, 10, 1)


def test_date_check_before_quote_check() -> None:
    book = started(at=2)  # NEW 3 needs a quote; none set
    refused(
        book,
        "date_before_last_change",
        lambda: book.move(T.NEXT, MoveInput(date_of_change=D(2026, 9, 1)), today=D(2026, 11, 1)),
    )


def test_quote_required_next_and_skip_into_quote_stage() -> None:
    book = started(at=2)  # NEW 2 → 3 (quote) / skip to 3 or 4 (both quote)
    err = refused(book, "quote_required", lambda: book.move(T.NEXT, today=D(2026, 11, 1)))
    assert err.params == {"no": "OP000001", "stage": "3 Presentation"}
    refused(book, "quote_required", lambda: book.move(T.SKIP, today=D(2026, 11, 1)))
    refused(
        book, "quote_required", lambda: book.move(T.SKIP, MoveInput(target_stage=3), today=D(2026, 11, 1))
    )
    # Check 8 before check 9.
    refused(
        book,
        "quote_required",
        lambda: book.move(
            T.NEXT, MoveInput(estimated_value=Decimal(0), chances_pct=101), today=D(2026, 11, 1)
        ),
    )
    book.opp.quote_ref = ""
    refused(book, "quote_required", lambda: book.move(T.NEXT, today=D(2026, 11, 1)))


def test_quote_not_checked_for_passed_over_stages() -> None:
    cyc = cycle_of(stage(1), stage(2, skip=True), stage(3, quote=True, skip=True), stage(4))
    book = started(cyc, at=1)
    out = book.move(T.SKIP, MoveInput(target_stage=4), today=D(2026, 10, 5))
    assert (out.entry.stage, out.entry.action_taken) == (4, K.JUMPED)


def test_quote_not_checked_for_first_previous_jump_update() -> None:
    cyc = cycle_of(stage(1, quote=True), stage(2, quote=True), stage(3, quote=True), stage(4, quote=True))
    book = started(cyc, at=1)  # `first` into a quote stage: allowed
    assert book.opp.current_stage == 1
    book.opp.quote_ref = "Q"
    book.move(T.NEXT, today=D(2026, 10, 2))
    book.move(T.NEXT, today=D(2026, 10, 3))
    book.move(T.NEXT, today=D(2026, 10, 4))
    set_quote(book.opp, None)  # cleared: only the next forward move is blocked
    assert book.opp.quote_ref is None
    book.move(T.UPDATE, today=D(2026, 10, 5))
    book.move(T.PREVIOUS, today=D(2026, 10, 6))
    assert book.opp.current_stage == 3
    book.move(T.JUMP, MoveInput(target_stage=1), today=D(2026, 10, 7))
    assert book.opp.current_stage == 1
    refused(book, "quote_required", lambda: book.move(T.NEXT, today=D(2026, 10, 8)))


def test_value_not_positive() -> None:
    book = started(at=1)
    for value in ("0", "-1", "0.00"):
        refused(
            book,
            "value_not_positive",
            partial(book.move, T.UPDATE, MoveInput(estimated_value=Decimal(value)), today=D(2026, 11, 1)),
        )
    # Check 9 order: value before chances before close date.
    refused(
        book,
        "value_not_positive",
        lambda: book.move(
            T.UPDATE,
            MoveInput(estimated_value=Decimal(0), chances_pct=101, estimated_close_date=D(2026, 1, 1)),
            today=D(2026, 11, 1),
        ),
    )
    # `first` with neither a given nor a planned value.
    fresh = Book(new_opp(), demo_cycles()["NEW"])
    refused(
        fresh,
        "value_not_positive",
        lambda: fresh.start(MoveInput(estimated_close_date=D(2026, 12, 31)), today=D(2026, 10, 1)),
    )


def test_value_rounding_to_zero_is_not_positive() -> None:
    book = started(at=1)
    refused(
        book,
        "value_not_positive",
        lambda: book.move(T.UPDATE, MoveInput(estimated_value=Decimal("0.004")), today=D(2026, 11, 1)),
    )
    refused(
        book,
        "won_amount_not_positive",
        lambda: book.close(
            CloseInput(won=True, close_code="PRICE_W", won_amount=Decimal("0.004")), today=D(2026, 11, 1)
        ),
    )


def test_value_is_quantized() -> None:
    book = started(at=1)
    out = book.move(T.UPDATE, MoveInput(estimated_value=Decimal("1234.565")), today=D(2026, 11, 1))
    assert str(out.entry.estimated_value) == "1234.57"


def test_chances_checks() -> None:
    book = started(at=1)
    today = D(2026, 11, 1)
    err = refused(
        book, "chances_out_of_range", lambda: book.move(T.UPDATE, MoveInput(chances_pct=101), today=today)
    )
    assert err.params["chances"] == 101
    refused(
        book,
        "chances_out_of_range",
        lambda: book.move(T.UPDATE, MoveInput(chances_pct=cast(int, 50.5)), today=today),
    )
    refused(book, "chances_not_positive", lambda: book.move(T.UPDATE, MoveInput(chances_pct=0), today=today))
    refused(book, "chances_not_positive", lambda: book.move(T.UPDATE, MoveInput(chances_pct=-5), today=today))
    # Chances before the close date.
    refused(
        book,
        "chances_out_of_range",
        lambda: book.move(
            T.UPDATE, MoveInput(chances_pct=101, estimated_close_date=D(2026, 1, 1)), today=today
        ),
    )
    assert book.move(T.UPDATE, MoveInput(chances_pct=100), today=today).entry.chances_pct == 100
    assert book.move(T.UPDATE, MoveInput(chances_pct=1), today=today).entry.chances_pct == 1


def test_chances_stage_default_zero_needs_given_chances() -> None:
    cyc = cycle_of(stage(1, chances=0), stage(2, chances=0))
    fresh = Book(new_opp("T"), cyc)
    inp = MoveInput(estimated_value=Decimal(100), estimated_close_date=D(2026, 12, 31))
    refused(fresh, "chances_not_positive", lambda: fresh.start(inp, today=D(2026, 10, 1)))
    fresh.start(replace(inp, chances_pct=30), today=D(2026, 10, 1))
    refused(fresh, "chances_not_positive", lambda: fresh.move(T.NEXT, today=D(2026, 10, 2)))
    refused(fresh, "chances_not_positive", lambda: fresh.move(T.UPDATE, today=D(2026, 10, 2)))
    assert fresh.move(T.NEXT, MoveInput(chances_pct=40), today=D(2026, 10, 2)).entry.chances_pct == 40


def test_close_date_required_and_before_change() -> None:
    fresh = Book(new_opp(), demo_cycles()["NEW"])
    refused(
        fresh,
        "close_date_required",
        lambda: fresh.start(MoveInput(estimated_value=Decimal(100)), today=D(2026, 10, 1)),
    )
    err = refused(
        fresh,
        "close_date_before_change",
        lambda: fresh.start(
            MoveInput(estimated_value=Decimal(100), estimated_close_date=D(2026, 9, 30)), today=D(2026, 10, 1)
        ),
    )
    assert err.params == {"close": D(2026, 9, 30), "dc": D(2026, 10, 1)}
    book = started(at=1, close_date=D(2026, 10, 20))
    # No formula, previous estimate before dc: nothing to keep.
    refused(book, "close_date_required", lambda: book.move(T.NEXT, today=D(2026, 10, 21)))
    refused(book, "close_date_required", lambda: book.move(T.UPDATE, today=D(2026, 10, 21)))
    refused(
        book,
        "close_date_before_change",
        lambda: book.move(T.UPDATE, MoveInput(estimated_close_date=D(2026, 10, 20)), today=D(2026, 10, 21)),
    )
    # Equal is allowed; with no formula it stays.
    out = book.move(T.NEXT, MoveInput(estimated_close_date=D(2026, 10, 21)), today=D(2026, 10, 21))
    assert out.entry.estimated_close_date == D(2026, 10, 21)
    # Rule E step 4: a previous estimate equal to dc is kept.
    out = book.move(T.UPDATE, today=D(2026, 10, 21))
    assert out.entry.estimated_close_date == D(2026, 10, 21)


def formula_cycle() -> SalesCycle:
    return cycle_of(stage(1), stage(2, formula="2W"), stage(3, formula="2W"), stage(4))


def test_rule_e_step_3_formula_beats_previous_estimate() -> None:
    book = started(formula_cycle(), at=1, close_date=D(2026, 12, 31))
    out = book.move(T.NEXT, today=D(2026, 10, 5))
    assert out.entry.estimated_close_date == D(2026, 10, 19)
    # Given wins over the formula (step 1).
    out = book.move(T.NEXT, MoveInput(estimated_close_date=D(2027, 3, 1)), today=D(2026, 10, 6))
    assert out.entry.estimated_close_date == D(2027, 3, 1)
    # Step 4: stage 4 has no formula, the previous estimate is kept.
    out = book.move(T.NEXT, today=D(2026, 10, 7))
    assert out.entry.estimated_close_date == D(2027, 3, 1)
    # Back into a formula stage: step 3 again.
    out = book.move(T.PREVIOUS, today=D(2026, 10, 8))
    assert out.entry.estimated_close_date == D(2026, 10, 22)


def test_rule_e_first_with_formula() -> None:
    cyc = cycle_of(stage(1, formula="1M"), stage(2))
    book = Book(new_opp("T", created=D(2026, 1, 31)), cyc)
    out = book.start(MoveInput(estimated_value=Decimal(100)), today=D(2026, 1, 31))
    assert out.entry.estimated_close_date == D(2026, 2, 28)


def test_rule_e_step_2_update_keeps_previous() -> None:
    book = started(formula_cycle(), at=1, close_date=D(2026, 12, 31))
    book.move(T.NEXT, MoveInput(estimated_close_date=D(2026, 10, 10)), today=D(2026, 10, 5))
    # update: keep the previous estimate when it is >= dc, even though the stage has a formula (10-22).
    out = book.move(T.UPDATE, today=D(2026, 10, 8))
    assert out.entry.estimated_close_date == D(2026, 10, 10)
    # previous before dc: continue with step 3 (the formula).
    out = book.move(T.UPDATE, today=D(2026, 10, 30))
    assert out.entry.estimated_close_date == D(2026, 11, 13)


def test_rule_e_step_2_previous_equal_to_dc_then_step_7() -> None:
    book = started(formula_cycle(), at=1, close_date=D(2026, 12, 31))
    book.move(T.NEXT, MoveInput(estimated_close_date=D(2026, 10, 10)), today=D(2026, 10, 5))
    out = book.move(T.UPDATE, today=D(2026, 10, 10))
    assert out.entry.estimated_close_date == D(2026, 10, 24)


def test_rule_e_step_7_given_equal_to_dc() -> None:
    book = started(formula_cycle(), at=1)
    out = book.move(T.NEXT, MoveInput(estimated_close_date=D(2026, 10, 5)), today=D(2026, 10, 5))
    assert out.entry.estimated_close_date == D(2026, 10, 19)
    out = book.move(T.UPDATE, MoveInput(estimated_close_date=D(2026, 10, 6)), today=D(2026, 10, 6))
    assert out.entry.estimated_close_date == D(2026, 10, 20)
    # Without a formula an ecd equal to dc stays.
    out = book.move(T.PREVIOUS, MoveInput(estimated_close_date=D(2026, 10, 7)), today=D(2026, 10, 7))
    assert (out.entry.stage, out.entry.estimated_close_date) == (1, D(2026, 10, 7))


# ---------------------------------------------------------------------------------------------
# Close.
# ---------------------------------------------------------------------------------------------


def test_close_code_required_with_several_codes() -> None:
    book = started(at=2)
    today = D(2026, 11, 1)
    err = refused(book, "close_code_required", lambda: book.close(CloseInput(won=True), today=today))
    assert err.params["type"] == "won"
    assert len(err.params["codes"]) == 8
    err = refused(book, "close_code_required", lambda: book.close(CloseInput(won=False), today=today))
    assert len(err.params["codes"]) == 10
    # Check 10 order: the code before the won amount and the reason.
    refused(
        book,
        "close_code_required",
        lambda: book.close(CloseInput(won=True, won_amount=Decimal(0)), today=today),
    )
    refused(
        book,
        "close_code_required",
        lambda: book.close(CloseInput(won=False, won_amount=Decimal(5)), today=today),
    )
    # Check 7 before check 10.
    refused(
        book,
        "date_before_last_change",
        lambda: book.close(CloseInput(won=True, date_of_change=D(2026, 9, 1)), today=today),
    )


def test_close_code_single_default() -> None:
    codes = {
        "W": CloseOpportunityCode("W", CloseType.WON),
        "L1": CloseOpportunityCode("L1", CloseType.LOST),
        "L2": CloseOpportunityCode("L2", CloseType.LOST),
    }
    assert resolve_close_code(codes, None, CloseType.WON) is codes["W"]
    with pytest.raises(DomainError) as err:
        resolve_close_code(codes, None, CloseType.LOST)
    assert err.value.code == "close_code_required"
    with pytest.raises(DomainError) as err2:
        resolve_close_code({}, None, CloseType.WON)
    assert err2.value.code == "close_code_required"
    book = started(at=2)
    book.codes = codes
    out = book.close(CloseInput(won=True), today=D(2026, 11, 1))
    assert out.entry.close_code == "W"
    assert book.opp.close_code == "W"


def test_close_code_unknown_and_wrong_type() -> None:
    book = started(at=2)
    today = D(2026, 11, 1)
    refused(
        book, "unknown_close_code", lambda: book.close(CloseInput(won=True, close_code="NOPE"), today=today)
    )
    err = refused(
        book,
        "close_code_wrong_type",
        lambda: book.close(CloseInput(won=True, close_code="PRICE_L"), today=today),
    )
    assert err.params == {"close_code": "PRICE_L", "type": "won"}
    refused(
        book,
        "close_code_wrong_type",
        lambda: book.close(CloseInput(won=False, close_code="PRICE_W"), today=today),
    )
    # Code input is trimmed and upper-cased (Code10).
    out = book.close(CloseInput(won=True, close_code=" price_w "), today=today)
    assert out.entry.close_code == "PRICE_W"


def test_won_amount_checks_and_default() -> None:
    book = started(at=2, value="12345.67")
    today = D(2026, 11, 1)
    for amount in ("0", "-10"):
        refused(
            book,
            "won_amount_not_positive",
            partial(
                book.close,
                CloseInput(won=True, close_code="PRICE_W", won_amount=Decimal(amount)),
                today=today,
            ),
        )
    refused(
        book,
        "won_amount_not_allowed",
        lambda: book.close(CloseInput(won=False, close_code="PRICE_L", won_amount=Decimal(100)), today=today),
    )
    # Amount before reason.
    refused(
        book,
        "won_amount_not_positive",
        lambda: book.close(
            CloseInput(won=True, close_code="PRICE_W", won_amount=Decimal(0), close_reason="x" * 251),
            today=today,
        ),
    )
    out = book.close(CloseInput(won=True, close_code="PRICE_W"), today=today)
    assert str(out.entry.calcd_current_value) == "12345.67"


def test_won_amount_quantized() -> None:
    book = started(at=2)
    out = book.close(
        CloseInput(won=True, close_code="PRICE_W", won_amount=Decimal("99.995")), today=D(2026, 11, 1)
    )
    assert str(out.entry.calcd_current_value) == "100.00"


def test_reason_length_and_blank() -> None:
    book = started(at=2)
    today = D(2026, 11, 1)
    err = refused(
        book,
        "reason_too_long",
        lambda: book.close(CloseInput(won=False, close_code="WALKED_L", close_reason="r" * 251), today=today),
    )
    assert err.params["max"] == 250
    out = book.close(CloseInput(won=False, close_code="WALKED_L", close_reason="r" * 250), today=today)
    assert out.entry.close_reason == "r" * 250
    assert book.opp.close_reason == "r" * 250
    other = started(at=2)
    out = other.close(CloseInput(won=False, close_code="WALKED_L", close_reason="   "), today=today)
    assert out.entry.close_reason is None
    assert other.opp.close_reason is None


def test_lost_entry_values() -> None:
    book = started(at=2, value="24000.50")  # NEW 2: c 20, p 5
    out = book.close(CloseInput(won=False, close_code="walked_l"), today=D(2026, 10, 20))
    e = out.entry
    assert (e.stage, e.stage_description, e.previous_stage) == (None, None, 2)
    assert (e.action_type, e.action_taken) == (T.CLOSE, K.LOST)
    assert (e.chances_pct, e.completed_pct) == (0, 100)
    assert e.probability_pct == 0
    assert str(e.calcd_current_value) == "0.00"
    assert str(e.estimated_value) == "24000.50"
    assert e.estimated_close_date == e.date_closed == e.date_of_change == D(2026, 10, 20)
    assert e.close_code == "WALKED_L"
    assert (e.active, e.days_open) == (True, 0)
    assert out.cancel_open_tasks is True
    assert out.tasks == []
    assert out.superseded is not None and out.superseded.days_open == 18
    opp = book.opp
    assert opp.status == OpportunityStatus.LOST
    assert (opp.closed, opp.date_closed, opp.current_stage) == (True, D(2026, 10, 20), None)
    assert (opp.chances_pct, opp.completed_pct, opp.probability_pct) == (0, 100, Decimal(0))
    assert opp.calcd_current_value == 0


def test_close_date_default_is_today_or_last_change() -> None:
    book = started(at=2)  # last change 2026-10-02
    out = book.close(CloseInput(won=True, close_code="PRICE_W"), today=D(2026, 9, 1))
    assert out.entry.date_of_change == D(2026, 10, 2)


# ---------------------------------------------------------------------------------------------
# Skip / jump classification and chances (4.4).
# ---------------------------------------------------------------------------------------------


def test_skip_to_next_stage_is_next() -> None:
    book = started(at=2, quote="Q")
    out = book.move(T.SKIP, MoveInput(target_stage=3), today=D(2026, 10, 10))
    assert (out.entry.stage, out.entry.action_type, out.entry.action_taken) == (3, T.SKIP, K.NEXT)
    assert out.entry.chances_pct == 50
    assert [t.activity_code for t in out.tasks] == ["P-WORK"]


def test_skip_default_target_is_jumped() -> None:
    book = started(at=2, quote="Q")
    out = book.move(T.SKIP, today=D(2026, 10, 10))
    assert (out.entry.stage, out.entry.previous_stage, out.entry.action_taken) == (4, 2, K.JUMPED)
    assert out.overridden_chances is None


def test_skip_and_jump_override_user_chances() -> None:
    book = started(demo_cycles()["EX-LARGE"], at=1, quote="Q")
    out = book.move(T.SKIP, MoveInput(target_stage=4, chances_pct=33), today=D(2026, 10, 10))
    assert (out.entry.chances_pct, out.overridden_chances) == (80, 33)
    assert out.entry.probability_pct == Decimal(68)
    assert str(out.entry.calcd_current_value) == "6800.00"
    out = book.move(T.JUMP, MoveInput(target_stage=2, chances_pct=25), today=D(2026, 10, 11))
    # Same as the stage's: nothing overridden.
    assert (out.entry.chances_pct, out.overridden_chances) == (25, None)
    assert out.entry.action_taken == K.JUMPED


def test_jump_classification() -> None:
    book = started(at=4, quote="Q")
    out = book.move(T.JUMP, MoveInput(target_stage=3, chances_pct=10), today=D(2026, 10, 10))
    assert (out.entry.stage, out.entry.action_type, out.entry.action_taken) == (3, T.JUMP, K.PREVIOUS)
    assert (out.entry.chances_pct, out.overridden_chances) == (50, 10)
    assert [t.activity_code for t in out.tasks] == ["P-WORK"]
    book2 = started(at=4, quote="Q")
    out = book2.move(T.JUMP, MoveInput(target_stage=1), today=D(2026, 10, 10))
    assert (out.entry.stage, out.entry.previous_stage, out.entry.action_taken) == (1, 4, K.JUMPED)
    assert [t.activity_code for t in out.tasks] == ["INIT"]
    assert out.entry.chances_pct == 10


def test_skip_and_jump_to_zero_chance_stage_use_and_need_user_chances() -> None:
    cyc = cycle_of(
        stage(1, chances=10),
        stage(2, chances=20, skip=True),
        stage(3, chances=0, completed=50),
        stage(4, chances=40),
    )
    book = started(cyc, at=1)
    refused(
        book,
        "chances_not_positive",
        lambda: book.move(T.SKIP, MoveInput(target_stage=3), today=D(2026, 10, 5)),
    )
    out = book.move(T.SKIP, MoveInput(target_stage=3, chances_pct=45), today=D(2026, 10, 5))
    assert (out.entry.chances_pct, out.overridden_chances, out.entry.action_taken) == (45, None, K.JUMPED)
    assert out.entry.probability_pct == Decimal("22.5")
    book.move(T.NEXT, today=D(2026, 10, 6))
    cyc.stages[0].chances_pct = 0
    refused(
        book,
        "chances_not_positive",
        lambda: book.move(T.JUMP, MoveInput(target_stage=1), today=D(2026, 10, 7)),
    )
    out = book.move(T.JUMP, MoveInput(target_stage=1, chances_pct=5), today=D(2026, 10, 7))
    assert (out.entry.stage, out.entry.chances_pct, out.overridden_chances) == (1, 5, None)


def test_next_previous_and_update_use_given_chances() -> None:
    book = started(at=1)
    out = book.move(T.NEXT, MoveInput(chances_pct=33), today=D(2026, 10, 5))
    assert (out.entry.chances_pct, out.overridden_chances) == (33, None)
    out = book.move(T.PREVIOUS, MoveInput(chances_pct=44), today=D(2026, 10, 6))
    assert out.entry.chances_pct == 44
    out = book.move(T.UPDATE, MoveInput(chances_pct=55), today=D(2026, 10, 7))
    assert out.entry.chances_pct == 55


def test_update_without_chances_resets_to_stage_default() -> None:
    book = started(at=1)
    book.move(T.UPDATE, MoveInput(chances_pct=70), today=D(2026, 10, 5))
    out = book.move(T.UPDATE, today=D(2026, 10, 6))
    assert out.entry.chances_pct == 10
    assert (out.entry.action_taken, out.entry.previous_stage, out.entry.stage) == (K.UPDATED, 1, 1)
    assert out.tasks == []


def test_update_rereads_stage_completed() -> None:
    cyc = demo_cycles()["EX-LARGE"]
    book = started(cyc, at=1)
    cyc.stages[0].completed_pct = 50
    out = book.move(T.UPDATE, today=D(2026, 10, 5))
    assert out.entry.completed_pct == 50
    assert out.entry.probability_pct == Decimal(5)
    assert book.entries[0].completed_pct == 2  # entries keep the values they copied


def test_days_open_and_supersede() -> None:
    book = started(at=1)
    out = book.move(T.NEXT, today=D(2026, 10, 31))
    assert out.superseded is book.entries[0]
    assert (book.entries[0].active, book.entries[0].days_open) == (False, 30)
    assert (out.entry.active, out.entry.days_open) == (True, 0)


def test_stage_without_activity_creates_no_task() -> None:
    cyc = cycle_of(stage(1), stage(2, activity="X"))
    book = Book(new_opp("T"), cyc)
    out = book.start(
        MoveInput(estimated_value=Decimal(1), estimated_close_date=D(2026, 12, 31)), today=D(2026, 10, 1)
    )
    assert out.tasks == []
    out = book.move(T.NEXT, today=D(2026, 10, 2))
    assert [(t.activity_code, t.date, t.status) for t in out.tasks] == [
        ("X", D(2026, 10, 2), TaskStatus.OPEN)
    ]
    assert out.cancel_open_tasks is False


@pytest.mark.parametrize("action", [T.FIRST, T.CLOSE])
def test_move_rejects_non_moves(action: ActionType) -> None:
    book = started(at=2)
    with pytest.raises(ValueError):
        book.move(action, today=D(2026, 11, 1))


# ---------------------------------------------------------------------------------------------
# `first` and the planned values (4.1, 4.7).
# ---------------------------------------------------------------------------------------------


def test_start_uses_planned_values_and_given_ones_win() -> None:
    opp = new_opp(cycle="EX-LARGE")
    validate_planned(opp, value=Decimal("5000.005"), chances=40, close_date=D(2026, 11, 30), currency=EUR)
    assert (str(opp.estimated_value), opp.chances_pct, opp.estimated_close_date) == (
        "5000.01",
        40,
        D(2026, 11, 30),
    )
    assert opp.status == OpportunityStatus.NOT_STARTED
    assert opp.completed_pct is None and opp.probability_pct is None
    book = Book(opp, demo_cycles()["EX-LARGE"])
    out = book.start(today=D(2026, 10, 1))
    e = out.entry
    assert (str(e.estimated_value), e.chances_pct, e.completed_pct, e.estimated_close_date) == (
        "5000.01",
        40,
        2,
        D(2026, 11, 30),
    )
    assert e.probability_pct == Decimal("0.8")
    assert str(e.calcd_current_value) == "40.00"
    assert (e.stage, e.previous_stage, e.action_type, e.action_taken) == (1, None, T.FIRST, K.FIRST)
    assert [t.activity_code for t in out.tasks] == ["INIT"]

    opp2 = new_opp(cycle="EX-LARGE")
    validate_planned(opp2, value=Decimal(5000), chances=40, close_date=D(2026, 11, 30), currency=EUR)
    book2 = Book(opp2, demo_cycles()["EX-LARGE"])
    inp = MoveInput(estimated_value=Decimal(100), chances_pct=90, estimated_close_date=D(2027, 1, 1))
    e2 = book2.start(inp, today=D(2026, 10, 2)).entry
    assert (str(e2.estimated_value), e2.chances_pct, e2.estimated_close_date, e2.date_of_change) == (
        "100.00",
        90,
        D(2027, 1, 1),
        D(2026, 10, 2),
    )
    assert opp2.version == 2


def test_validate_planned_checks() -> None:
    opp = new_opp()
    validate_planned(opp, value=None, chances=None, close_date=None, currency=EUR)
    assert (opp.estimated_value, opp.chances_pct, opp.estimated_close_date) == (None, None, None)
    validate_planned(opp, value=None, chances=None, close_date=opp.creation_date, currency=EUR)
    assert opp.estimated_close_date == opp.creation_date
    cases: list[tuple[dict[str, Any], str]] = [
        ({"value": Decimal(0)}, "value_not_positive"),
        ({"value": Decimal(-5)}, "value_not_positive"),
        ({"chances": 0}, "chances_not_positive"),
        ({"chances": 101}, "chances_out_of_range"),
        ({"close_date": D(2026, 9, 30)}, "close_date_before_change"),
    ]
    for kwargs, code in cases:
        args: dict[str, Any] = {"value": None, "chances": None, "close_date": None, **kwargs}
        with pytest.raises(DomainError) as err:
            validate_planned(new_opp(), currency=EUR, **args)
        assert err.value.code == code


def test_validate_planned_failure_changes_nothing() -> None:
    opp = new_opp()
    before = replace(opp)
    with pytest.raises(DomainError):
        validate_planned(opp, value=Decimal(100), chances=101, close_date=None, currency=EUR)
    assert opp == before


# ---------------------------------------------------------------------------------------------
# set_quote.
# ---------------------------------------------------------------------------------------------


def test_set_quote() -> None:
    book = started(at=1)
    v = book.opp.version
    set_quote(book.opp, "  SQ-1001  ")
    assert (book.opp.quote_ref, book.opp.version) == ("SQ-1001", v + 1)
    set_quote(book.opp, "")
    assert (book.opp.quote_ref, book.opp.version) == (None, v + 2)
    set_quote(book.opp, "Q" * 50)
    assert book.opp.quote_ref == "Q" * 50
    set_quote(book.opp, None)
    assert (quote_of(book.opp), book.opp.version) == (None, v + 4)
    err = refused(book, "quote_too_long", lambda: set_quote(book.opp, "Q" * 51))
    assert err.params["max"] == 50
    refused(book, "changed_meanwhile", lambda: set_quote(book.opp, "Q", expected_version=v))
    assert len(book.entries) == 1
