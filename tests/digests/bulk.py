"""A large team made set-based (bulk INSERTs, no service round trips): a manager `MG`, `reps` people
reporting to MG, and per person open opportunities in every stage of cycle EXISTING (some stalled, some
closing this month, some advanced in the digest's period), plus won and lost ones with long reasons.

The rows are as the service writes them (an active entry per started opportunity, copied values), but
not a replayable history: only the digest's reads run on them.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from oppbot.domain.enums import ActionTaken, ActionType, OpportunityStatus, Role
from oppbot.service.uow import UnitOfWork
from oppbot.store.orm import OpportunityEntryRow, OpportunityRow, SalespersonRow
from tests.dbfixtures import CURRENCY, Sessions

# EXISTING's stages (spec 8.2): (completed %, chances %) → probability % with MULTIPLY
STAGES = {1: (2, 10), 2: (50, 40), 3: (80, 80), 4: (95, 95)}
# Worst cases for a message's size: the longest description and reason, with characters Slack escapes.
DESCRIPTION = ("Office chairs & <desks> for the new " + "x" * 100)[:100]
REASON = ("Lost on price & <terms>; " + "y" * 250)[:250]
CHUNK = 5000


def _code(i: int) -> str:
    return f"R{i:04d}"


def _opportunity(r: int, k: int, open_per_rep: int, today: date) -> tuple[dict[str, Any], ...]:
    """The opportunity row and its active entry: the k-th of person r."""
    month_end = (today.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    owner = _code(r)
    no = f"BK{r:04d}{k:05d}"
    n = r * 7919 + k
    stage = k % 4 + 1
    completed, chances = STAGES[stage]
    prob = Decimal(completed * chances) / 100
    value = Decimal(1000 + (n * 37) % 9000) + Decimal("0.25")
    calcd = (value * prob / 100).quantize(Decimal("0.01"))
    # Every third is stalled (last change 40 days ago), the others changed 3 days ago.
    changed = today - timedelta(days=40 if n % 3 == 0 else 3)
    close = month_end if n % 5 == 0 else month_end + timedelta(days=45)
    created = changed - timedelta(days=10) if n % 7 else today - timedelta(days=1)
    closing = k >= open_per_rep
    won = closing and k % 2 == 0
    taken = ActionTaken.NEXT if stage > 1 else ActionTaken.FIRST
    status = OpportunityStatus.IN_PROGRESS
    if closing:
        status = OpportunityStatus.WON if won else OpportunityStatus.LOST
        taken = ActionTaken.WON if won else ActionTaken.LOST
        completed, chances, prob = 100, 100 if won else 0, Decimal(100 if won else 0)
        calcd = value if won else Decimal(0)
        changed = today - timedelta(days=1)
    shared = {
        "contact_no": "CT000002", "contact_company_no": "CT000001", "salesperson_code": owner,
        "sales_cycle_code": "EXISTING", "estimated_value": value, "chances_pct": chances,
        "completed_pct": completed, "probability_pct": prob, "calcd_current_value": calcd,
        "estimated_close_date": close, "close_code": ("PRICE_W" if won else "PRICE_L") if closing else None,
        "close_reason": REASON if closing else None, "date_closed": changed if closing else None,
    }  # fmt: skip
    opp = {
        **shared, "no": no, "description": DESCRIPTION, "creation_date": created, "status": status,
        "closed": closing, "current_stage": None if closing else stage, "last_change_date": changed,
        "version": 2,
    }  # fmt: skip
    entry = {
        **shared, "opportunity_no": no, "stage": None if closing else stage,
        "stage_description": None if closing else f"stage {stage}",
        "previous_stage": 4 if closing else (stage - 1 if stage > 1 else None),
        "date_of_change": changed, "active": True, "days_open": 0, "created_by": owner,
        "action_type": ActionType.CLOSE if closing else ActionType(taken.value), "action_taken": taken,
    }  # fmt: skip
    return opp, entry


async def bulk_team(
    sessions: Sessions, reps: int, open_per_rep: int, today: date, *, closed_per_rep: int = 2, first: int = 0
) -> None:
    """People R{first}… (and the manager MG with the first call). Needs seed_all (contacts, close codes,
    cycle EXISTING)."""
    manager = {"code": "MG", "name": "Mary Grant", "role": Role.MANAGER, "manager_code": None}
    people = [
        {"code": _code(i), "name": f"Rep number {i}", "role": Role.REP, "manager_code": "MG"}
        for i in range(first, first + reps)
    ]
    opps: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    for r in range(first, first + reps):
        for k in range(open_per_rep + 2 * closed_per_rep):
            opp, entry = _opportunity(r, k, open_per_rep, today)
            opps.append(opp)
            entries.append(entry)
    async with UnitOfWork(sessions, CURRENCY, write=True) as uow:
        session = uow.session
        if first == 0:
            await session.execute(sa.insert(SalespersonRow), [manager])
        await session.execute(sa.insert(SalespersonRow), people)
        for i in range(0, len(opps), CHUNK):
            await session.execute(sa.insert(OpportunityRow), opps[i : i + CHUNK])
            await session.execute(sa.insert(OpportunityEntryRow), entries[i : i + CHUNK])
        await uow.commit()
