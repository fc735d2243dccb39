"""Spec 4.8: one opportunity through cycle NEW, end to end through the service and the store."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from oppbot.domain.actions import CloseInput, MoveInput
from oppbot.domain.enums import ActionTaken, ActionType, OpportunityStatus, TaskStatus
from oppbot.domain.errors import DomainError
from oppbot.service.opportunities import OpportunityService
from tests.dbfixtures import Clock, People, Sessions
from tests.service.ledger import (
    Row,
    assert_copies_active_entry,
    read_ledger,
    read_opportunity,
    read_tasks,
    row_of,
)

T, A = ActionType, ActionTaken
D = date

# The final ledger of spec 4.8 step 9. Before step n only the first k rows exist, the k-th active, 0 days.
FINAL: list[Row] = [
    Row(1, 1, "Initial", None, T.FIRST, A.FIRST, D(2026, 10, 1), "20000.00", 10, 2, "10", "2000.00",
        D(2026, 12, 31), False, 5),
    Row(2, 2, "Qualification", 1, T.NEXT, A.NEXT, D(2026, 10, 6), "20000.00", 20, 5, "20", "4000.00",
        D(2026, 12, 31), False, 7),
    Row(3, 4, "Proposal", 2, T.SKIP, A.JUMPED, D(2026, 10, 13), "20000.00", 75, 60, "75", "15000.00",
        D(2026, 12, 31), False, 7),
    Row(4, 4, "Proposal", 4, T.UPDATE, A.UPDATED, D(2026, 10, 20), "24000.50", 70, 60, "70", "16800.35",
        D(2027, 1, 15), False, 2),
    Row(5, 3, "Presentation", 4, T.PREVIOUS, A.PREVIOUS, D(2026, 10, 22), "24000.50", 50, 40, "50",
        "12000.25", D(2027, 1, 15), False, 5),
    Row(6, 4, "Proposal", 3, T.NEXT, A.NEXT, D(2026, 10, 27), "24000.50", 75, 60, "75", "18000.38",
        D(2027, 1, 15), False, 7),
    Row(7, None, None, 4, T.CLOSE, A.WON, D(2026, 11, 3), "24000.50", 100, 100, "100", "23500.00",
        D(2026, 11, 3), True, 0, D(2026, 11, 3), "PRICE_W"),
]  # fmt: skip


def expected_after(count: int) -> list[Row]:
    rows = FINAL[:count]
    last = rows[-1]
    return [*rows[:-1], Row(**{**last.__dict__, "active": True, "days": 0})]


class Walk:
    """Reads everything back after each step and checks it against the spec."""

    def __init__(self, sessions: Sessions, no: str) -> None:
        self.sessions = sessions
        self.no = no
        self.first_entry_no = 0
        self.version = 0

    async def check(
        self,
        count: int,
        *,
        tasks: list[tuple[str, int, date, TaskStatus]],
        version_delta: int,
        status: OpportunityStatus = OpportunityStatus.IN_PROGRESS,
        quote_ref: str | None = None,
    ) -> None:
        entries = await read_ledger(self.sessions, self.no)
        if not self.first_entry_no:
            assert entries[0].entry_no is not None
            self.first_entry_no = entries[0].entry_no
        assert [row_of(e, self.first_entry_no) for e in entries] == expected_after(count)
        for e in entries:
            assert (e.opportunity_no, e.sales_cycle_code, e.contact_no, e.contact_company_no) == (
                self.no,
                "NEW",
                "CT000002",
                "CT000001",
            )
            assert (e.salesperson_code, e.created_by) == ("AH", "AH")
            assert e.close_reason == ("Best price" if e.action_taken == A.WON else None)
        # entry numbers are consecutive: nothing else writes to the ledger here
        assert [e.entry_no for e in entries] == list(range(self.first_entry_no, self.first_entry_no + count))

        opp = await read_opportunity(self.sessions, self.no)
        assert_copies_active_entry(opp, entries)
        assert opp.status == status
        assert opp.closed == (status in (OpportunityStatus.WON, OpportunityStatus.LOST))
        assert opp.quote_ref == quote_ref
        if self.version:
            assert opp.version == self.version + version_delta
        self.version = opp.version

        stored = await read_tasks(self.sessions, self.no)
        assert [
            (t.activity_code, (t.entry_no or 0) - self.first_entry_no + 1, t.date, t.status) for t in stored
        ] == tasks
        assert all((t.salesperson_code, t.contact_no) == ("AH", "CT000002") for t in stored)


async def test_spec_4_8_through_cycle_new(
    service: OpportunityService, seeded: People, sessions: Sessions, clock: Clock
) -> None:
    ah = seeded.ah
    op = TaskStatus.OPEN

    # Step 1 — new with start.
    clock.set(D(2026, 10, 1))
    result = await service.create(
        ah, contact="CT000002", description="Office chairs", value=Decimal("20000"), cycle="NEW",
        close=D(2026, 12, 31),
    )  # fmt: skip
    no = result.view.no
    assert no == "OP000001"
    assert result.tasks == ("INIT",)
    walk = Walk(sessions, no)
    await walk.check(1, tasks=[("INIT", 1, D(2026, 10, 1), op)], version_delta=0)
    opp = await read_opportunity(sessions, no)
    assert (opp.description, opp.creation_date, opp.salesperson_code) == (
        "Office chairs",
        D(2026, 10, 1),
        "AH",
    )
    assert (opp.contact_no, opp.contact_company_no, opp.date_closed) == ("CT000002", "CT000001", None)
    tasks = [("INIT", 1, D(2026, 10, 1), op)]

    # Step 2 — next.
    clock.set(D(2026, 10, 6))
    result = await service.move(ah, no, ActionType.NEXT)
    assert result.tasks == ("QUAL",)
    tasks.append(("QUAL", 2, D(2026, 10, 6), op))
    await walk.check(2, tasks=tasks, version_delta=1)

    # Step 3 — skip to 4 without a quote: nothing changes.
    clock.set(D(2026, 10, 13))
    with pytest.raises(DomainError) as err:
        await service.move(ah, no, ActionType.SKIP, MoveInput(target_stage=4))
    assert err.value.code == "quote_required"
    await walk.check(2, tasks=tasks, version_delta=0)

    # Step 4 — set the quote: version +1, no entry.
    result = await service.set_quote(ah, no, "SQ-1001")
    assert result.entry is None
    await walk.check(2, tasks=tasks, version_delta=1, quote_ref="SQ-1001")

    # Step 5 — skip to 4 with chances 60: stage 4's 75 replace them.
    result = await service.move(ah, no, ActionType.SKIP, MoveInput(target_stage=4, chances_pct=60))
    assert result.overridden_chances == 60
    assert result.tasks == ("PROPOSAL",)
    tasks.append(("PROPOSAL", 3, D(2026, 10, 13), op))
    await walk.check(3, tasks=tasks, version_delta=1, quote_ref="SQ-1001")

    # Step 6 — update: no task.
    clock.set(D(2026, 10, 20))
    result = await service.move(
        ah, no, ActionType.UPDATE,
        MoveInput(estimated_value=Decimal("24000.50"), chances_pct=70, estimated_close_date=D(2027, 1, 15)),
    )  # fmt: skip
    assert result.tasks == ()
    assert result.overridden_chances is None
    await walk.check(4, tasks=tasks, version_delta=1, quote_ref="SQ-1001")

    # Step 7 — back.
    clock.set(D(2026, 10, 22))
    result = await service.move(ah, no, ActionType.PREVIOUS)
    tasks.append(("P-WORK", 5, D(2026, 10, 22), op))
    await walk.check(5, tasks=tasks, version_delta=1, quote_ref="SQ-1001")

    # Step 8 — next into the quote-required stage 4: 18000.375 rounds half up.
    clock.set(D(2026, 10, 27))
    result = await service.move(ah, no, ActionType.NEXT)
    tasks.append(("PROPOSAL", 6, D(2026, 10, 27), op))
    await walk.check(6, tasks=tasks, version_delta=1, quote_ref="SQ-1001")

    # Step 9 — win: closed, open tasks cancelled.
    clock.set(D(2026, 11, 3))
    result = await service.close(
        ah, no,
        CloseInput(won=True, close_code="PRICE_W", won_amount=Decimal("23500"), close_reason="Best price"),
    )  # fmt: skip
    assert result.tasks == ()
    tasks = [(code, e, d, TaskStatus.CANCELLED) for code, e, d, _ in tasks]
    await walk.check(7, tasks=tasks, version_delta=1, status=OpportunityStatus.WON, quote_ref="SQ-1001")
    opp = await read_opportunity(sessions, no)
    assert (opp.date_closed, opp.close_code, opp.close_reason) == (D(2026, 11, 3), "PRICE_W", "Best price")
    assert opp.current_stage is None
    assert opp.date_closed is not None and (opp.date_closed - opp.creation_date).days == 33

    # Step 10 — next on a closed opportunity.
    clock.set(D(2026, 11, 10))
    with pytest.raises(DomainError) as err:
        await service.move(ah, no, ActionType.NEXT)
    assert err.value.code == "opportunity_closed"
    await walk.check(7, tasks=tasks, version_delta=0, status=OpportunityStatus.WON, quote_ref="SQ-1001")


async def test_result_view_matches_stored_state(
    service: OpportunityService, seeded: People, sessions: Sessions, clock: Clock
) -> None:
    """The view handed back by an action shows what was committed (stage, numbers, version)."""
    clock.set(D(2026, 10, 1))
    created = await service.create(
        seeded.ah, contact="CT000002", description="Office chairs", value=Decimal("20000"), cycle="NEW",
        close=D(2026, 12, 31),
    )  # fmt: skip
    clock.set(D(2026, 10, 6))
    moved = await service.move(seeded.ah, created.view.no, ActionType.NEXT)
    stored = await read_opportunity(sessions, created.view.no)
    assert moved.view.opp == stored
    assert moved.view.stage is not None and moved.view.stage.stage == 2
    assert moved.entry is not None and moved.entry.entry_no is not None
    assert moved.entry == (await read_ledger(sessions, created.view.no))[-1]
