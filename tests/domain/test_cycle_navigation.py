"""Spec 4.2 and 8: which stages each move may reach in the six demo cycles."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from tests.spec_data import CLOSE_CODE_ROWS, CYCLES, STAGE_ROWS, demo_close_codes, demo_cycles

from oppbot.domain.availability import available_actions, quote_needed
from oppbot.domain.enums import CloseType, OpportunityStatus, ProbabilityCalculation
from oppbot.domain.model import Opportunity, SalesCycle, SalesCycleStage
from oppbot.domain.probability import probability_pct

# Spec 4.2: skip targets of the demo cycles; every other (cycle, stage) has none.
SKIP_TABLE: dict[tuple[str, int], tuple[list[int], int]] = {
    ("EX-LARGE", 1): ([2, 3, 4], 3),
    ("EX-LARGE", 2): ([3, 4], 4),
    ("EX-SMALL", 1): ([2, 3], 3),
    ("FIRSTLARGE", 4): ([5, 6, 7], 6),
    ("FIRSTLARGE", 5): ([6, 7], 7),
    ("FIRSTSMALL", 2): ([3, 4], 4),
    ("EXISTING", 1): ([2, 3], 3),
    ("NEW", 2): ([3, 4], 4),
}

ALL_STAGES = [(row[0], row[1]) for row in STAGE_ROWS]


@pytest.fixture(scope="module")
def cycles() -> dict[str, SalesCycle]:
    return demo_cycles()


def numbers(stages: list[SalesCycleStage]) -> list[int]:
    return [s.stage for s in stages]


def test_demo_data_shape(cycles: dict[str, SalesCycle]) -> None:
    assert list(cycles) == ["EX-LARGE", "EX-SMALL", "FIRSTLARGE", "FIRSTSMALL", "EXISTING", "NEW"]
    assert sum(len(c.stages) for c in cycles.values()) == 30
    assert {c.probability_calculation for c in cycles.values()} == set(ProbabilityCalculation)
    assert [(c.code, c.description, c.probability_calculation) for c in cycles.values()] == CYCLES
    assert all(not c.blocked for c in cycles.values())
    assert all(s.date_formula == "" for c in cycles.values() for s in c.stages)
    codes = demo_close_codes()
    assert len(codes) == len(CLOSE_CODE_ROWS) == 18
    assert sum(c.type == CloseType.WON for c in codes.values()) == 8
    assert sum(c.type == CloseType.LOST for c in codes.values()) == 10


@pytest.mark.parametrize(("cycle", "stage"), ALL_STAGES, ids=[f"{c}-{s}" for c, s in ALL_STAGES])
def test_skip_targets(cycles: dict[str, SalesCycle], cycle: str, stage: int) -> None:
    expected, default = SKIP_TABLE.get((cycle, stage), ([], None))
    c = cycles[cycle]
    targets = numbers(c.skip_targets(stage))
    assert targets == expected
    assert c.can_skip(stage) == (len(expected) >= 2)
    if default is not None:
        # `skip` with no target skips exactly the next stage: the second of skip_targets.
        assert targets[1] == default
        nxt = c.next_stage(stage)
        assert nxt is not None and nxt.stage == targets[0]


def test_skip_table_covers_exactly_eight_rows(cycles: dict[str, SalesCycle]) -> None:
    found = {(code, s.stage) for code, c in cycles.items() for s in c.stages if c.skip_targets(s.stage)}
    assert found == set(SKIP_TABLE)


@pytest.mark.parametrize(("cycle", "stage"), ALL_STAGES, ids=[f"{c}-{s}" for c, s in ALL_STAGES])
def test_jump_targets(cycles: dict[str, SalesCycle], cycle: str, stage: int) -> None:
    c = cycles[cycle]
    assert numbers(c.jump_targets(stage)) == list(range(1, stage))
    # Jump needs at least two earlier stages: unavailable from 1 and 2.
    assert c.can_jump(stage) == (stage >= 3)


def test_jump_examples(cycles: dict[str, SalesCycle]) -> None:
    for c in cycles.values():
        assert not c.can_jump(2)
        assert numbers(c.jump_targets(2)) == [1]
        assert c.can_jump(4)
        assert numbers(c.jump_targets(4)) == [1, 2, 3]
        prev = c.previous_stage(4)
        assert prev is not None and prev.stage == 3


@pytest.mark.parametrize(("cycle", "stage"), ALL_STAGES, ids=[f"{c}-{s}" for c, s in ALL_STAGES])
def test_next_and_previous(cycles: dict[str, SalesCycle], cycle: str, stage: int) -> None:
    c = cycles[cycle]
    last = max(s.stage for s in c.stages)
    nxt = c.next_stage(stage)
    prev = c.previous_stage(stage)
    assert (nxt.stage if nxt else None) == (stage + 1 if stage < last else None)
    assert (prev.stage if prev else None) == (stage - 1 if stage > 1 else None)


def test_first_stage_and_lookup(cycles: dict[str, SalesCycle]) -> None:
    for c in cycles.values():
        first = c.first_stage()
        assert first is not None and first.stage == 1
        found = c.stage(1)
        assert found is first
        assert c.stage(99) is None
        assert c.stage(None) is None
    assert SalesCycle("EMPTY").first_stage() is None
    assert cycles["NEW"].stages[3].label == "4 Proposal"


@pytest.mark.parametrize(
    ("cycle", "stage", "prob"),
    [(r[0], r[1], r[8]) for r in STAGE_ROWS],
    ids=[f"{r[0]}-{r[1]}" for r in STAGE_ROWS],
)
def test_prob_column(cycles: dict[str, SalesCycle], cycle: str, stage: int, prob: Decimal) -> None:
    c = cycles[cycle]
    s = c.stage(stage)
    assert s is not None
    assert probability_pct(c.probability_calculation, s.chances_pct, s.completed_pct) == prob


# Gaps in stage numbers: "next" is the next higher number, not number + 1.


def gapped(*spec: tuple[int, bool]) -> SalesCycle:
    # Given out of order on purpose: the cycle orders its stages by number.
    stages = [SalesCycleStage("GAP", n, f"S{n}", allow_skip=skip) for n, skip in reversed(spec)]
    return SalesCycle("GAP", stages=stages)


def test_gaps_next_previous() -> None:
    c = gapped((10, False), (20, True), (30, True), (40, False), (50, False))
    assert numbers(c.stages) == [10, 20, 30, 40, 50]
    assert c.next_stage(10) is c.stage(20)
    assert c.next_stage(0) is c.stage(10)
    assert c.next_stage(50) is None
    assert c.previous_stage(30) is c.stage(20)
    assert c.previous_stage(10) is None
    assert numbers(c.skip_targets(10)) == [20, 30, 40]
    assert numbers(c.skip_targets(20)) == [30, 40]
    assert numbers(c.skip_targets(30)) == []
    assert numbers(c.jump_targets(40)) == [10, 20, 30]


def test_skip_walk_reaches_end_of_cycle() -> None:
    c = gapped((1, False), (2, True), (3, True))
    assert numbers(c.skip_targets(1)) == [2, 3]
    assert c.can_skip(1)
    assert numbers(c.skip_targets(2)) == [3]
    assert not c.can_skip(2)


# The card's buttons (availability.available_actions / quote_needed) follow the same availability rules.


def _opp(
    cycle: str, status: OpportunityStatus, stage: int | None = None, quote: str | None = None
) -> Opportunity:
    o = Opportunity("OP000001", "Deal", "CT000002", "AH", cycle, date(2026, 10, 1), status=status)
    o.current_stage, o.quote_ref = stage, quote
    o.closed = status in (OpportunityStatus.WON, OpportunityStatus.LOST)
    return o


def test_available_actions(cycles: dict[str, SalesCycle]) -> None:
    new = cycles["NEW"]
    assert available_actions(_opp("NEW", OpportunityStatus.NOT_STARTED), new) == ("start",)
    assert available_actions(_opp("EMPTY", OpportunityStatus.NOT_STARTED), SalesCycle("EMPTY")) == ()
    assert available_actions(_opp("NEW", OpportunityStatus.WON), new) == ()
    assert available_actions(_opp("NEW", OpportunityStatus.LOST), new) == ()
    rest = ("update", "quote", "win", "lose")
    ip = OpportunityStatus.IN_PROGRESS
    assert available_actions(_opp("NEW", ip, 1), new) == ("next", *rest)
    assert available_actions(_opp("NEW", ip, 2), new) == ("next", "previous", "skip", *rest)
    assert available_actions(_opp("NEW", ip, 4), new) == ("next", "previous", "jump", *rest)
    assert available_actions(_opp("NEW", ip, 5), new) == ("previous", "jump", *rest)


def test_quote_needed(cycles: dict[str, SalesCycle]) -> None:
    new = cycles["NEW"]
    ip = OpportunityStatus.IN_PROGRESS
    assert not quote_needed(_opp("NEW", ip, 1), new)  # stage 2 needs none
    assert quote_needed(_opp("NEW", ip, 2), new)  # stage 3 needs one
    assert not quote_needed(_opp("NEW", ip, 2, quote="SQ-1"), new)
    assert not quote_needed(_opp("NEW", ip, 5), new)  # no next stage
    assert not quote_needed(_opp("NEW", OpportunityStatus.NOT_STARTED), new)
    assert not quote_needed(_opp("NEW", OpportunityStatus.WON), new)
