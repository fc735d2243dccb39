"""Helpers that read the stored ledger back and compare it with the spec's tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from oppbot.domain.enums import ActionTaken, ActionType
from oppbot.domain.model import Opportunity, OpportunityEntry, Task
from oppbot.service.uow import UnitOfWork
from tests.dbfixtures import CURRENCY, Sessions


@dataclass(frozen=True)
class Row:
    """One row of a spec ledger table (E = entry number, 1-based within the example)."""

    e: int
    stage: int | None
    stage_description: str | None
    prev: int | None
    type: ActionType
    taken: ActionTaken
    dc: date
    value: str
    c: int
    p: int
    prob: str
    calcd: str
    ecd: date
    active: bool
    days: int
    closed: date | None = None
    code: str | None = None


def row_of(entry: OpportunityEntry, first_entry_no: int) -> Row:
    """The stored entry in the spec's columns (money as 2-decimal strings, probability exact)."""
    assert entry.entry_no is not None
    return Row(
        e=entry.entry_no - first_entry_no + 1,
        stage=entry.stage,
        stage_description=entry.stage_description,
        prev=entry.previous_stage,
        type=entry.action_type,
        taken=entry.action_taken,
        dc=entry.date_of_change,
        value=f"{entry.estimated_value:.2f}",
        c=entry.chances_pct,
        p=entry.completed_pct,
        prob=_pct(entry.probability_pct),
        calcd=f"{entry.calcd_current_value:.2f}",
        ecd=entry.estimated_close_date,
        active=entry.active,
        days=entry.days_open,
        closed=entry.date_closed,
        code=entry.close_code,
    )


def _pct(value: Decimal) -> str:
    """Exact probability with trailing zeros dropped: 10, 13.5, 10.89."""
    text = f"{value.normalize():f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


async def read_ledger(sessions: Sessions, no: str) -> list[OpportunityEntry]:
    async with UnitOfWork(sessions, CURRENCY, write=False) as uow:
        return await uow.repo.entries(no, newest_first=False)


async def read_all_entries(sessions: Sessions, numbers: list[str]) -> list[OpportunityEntry]:
    entries: list[OpportunityEntry] = []
    for no in numbers:
        entries += await read_ledger(sessions, no)
    entries.sort(key=lambda e: e.entry_no or 0)
    return entries


async def read_opportunity(sessions: Sessions, no: str) -> Opportunity:
    async with UnitOfWork(sessions, CURRENCY, write=False) as uow:
        opp = await uow.repo.opportunity(no)
    assert opp is not None, no
    return opp


async def read_tasks(sessions: Sessions, no: str) -> list[Task]:
    async with UnitOfWork(sessions, CURRENCY, write=False) as uow:
        return await uow.repo.tasks(no)


def assert_copies_active_entry(opp: Opportunity, entries: list[OpportunityEntry]) -> None:
    """Spec 2.6 invariant: a started opportunity's copied fields equal its single active entry's."""
    active = [e for e in entries if e.active]
    assert len(active) == 1, [e.entry_no for e in active]
    entry = active[0]
    assert entry is entries[-1], "the active entry is the newest"
    assert opp.estimated_value == entry.estimated_value
    assert opp.chances_pct == entry.chances_pct
    assert opp.completed_pct == entry.completed_pct
    assert opp.probability_pct == entry.probability_pct
    assert opp.calcd_current_value == entry.calcd_current_value
    assert opp.estimated_close_date == entry.estimated_close_date
    assert opp.current_stage == entry.stage
    assert opp.last_change_date == entry.date_of_change
