"""Writing a checked plan: master data upserts, then opportunities created with a real history."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from oppbot.domain import actions
from oppbot.domain.actions import CloseInput, MoveInput
from oppbot.domain.creation import new_opportunity
from oppbot.domain.enums import ActionType, CloseType, Priority
from oppbot.domain.model import SalesCycleStage
from oppbot.service.setup.errors import SetupError
from oppbot.service.setup.plan import _OppPlan, _Plan
from oppbot.store.repository import Repository, required


async def _write_master(repo: Repository, plan: _Plan) -> dict[str, int]:
    for activity in plan.activities:
        await repo.upsert_activity(activity)
    for close_code in plan.close_codes:
        await repo.upsert_close_code(close_code)
    for person in plan.salespeople:
        await repo.upsert_salesperson(person)
        # One at a time: SQLite checks the manager foreign key per statement.
        await repo.session.flush()
    for platform, team_id, user_id, code in plan.identities:
        await repo.link_identity(platform, team_id, user_id, code)
    for code, prefs, changed in plan.preferences:
        await repo.save_preferences(code, prefs, changed)
    for contact in plan.contacts:
        await repo.upsert_contact(contact)
    stages = deleted = cycles = 0
    for cycle in plan.cycles:
        if cycle.header_changed or cycle.changed_stages:
            await repo.upsert_cycle(dataclasses.replace(cycle.header, stages=list(cycle.changed_stages)))
            await repo.session.flush()
        if cycle.deleted:
            refused = await repo.delete_stages_except(
                cycle.header.code, [s.stage for s in cycle.stages or []]
            )
            if refused:  # checked while planning; the repository checks again inside the transaction
                raise SetupError(f"sales cycle {cycle.header.code}: stages {refused} are in use")
        cycles += cycle.header_changed
        stages += len(cycle.changed_stages)
        deleted += len(cycle.deleted)
    await repo.session.flush()
    return {
        "activities": len(plan.activities),
        "close_codes": len(plan.close_codes),
        "salespeople": len(plan.salespeople),
        "identities": len(plan.identities),
        "preferences": len(plan.preferences),
        "contacts": len(plan.contacts),
        "sales_cycles": cycles,
        "stages": stages,
        "stages_deleted": deleted,
    }


_HINTS = {
    "value_not_positive": "needs `value:` greater than 0 to start",
    "chances_not_positive": "needs `chances:` (the first stage's default chances are 0)",
    "close_date_required": "needs `close:`, the estimated closing date",
    "close_date_before_change": "`close` is before a date of change",
    "quote_required": "a stage on the way needs a quote: add `quote: <reference>`",
    "close_code_required": "needs `code:`, a close code",
}


async def _create_opportunity(repo: Repository, plan: _OppPlan, currency: str) -> str:
    item, cycle, created = plan.item, plan.cycle, plan.created
    actor = item.owner
    contact = required(await repo.contact(item.contact), f"contact {item.contact}")
    first = cycle.first_stage()
    moves = [s for s in cycle.stages if first and first.stage < s.stage <= (item.stage or first.stage)]

    def chances(stage: SalesCycleStage, last: bool) -> int | None:
        return item.chances if last or stage.chances_pct == 0 else None

    planned = item.chances if not item.start or first is None else chances(first, not moves)
    opp = new_opportunity(
        description=item.description, contact=contact, salesperson_code=item.owner, cycle=cycle,
        creation_date=created, priority=item.priority or Priority.NORMAL, value=item.value,
        chances=planned, close_date=item.close, currency=currency,
    )  # fmt: skip
    opp.no = await repo.next_opportunity_no()
    await repo.add_opportunity(opp)
    if not item.start:
        repo.add_event(opp, "new", actor)
        return opp.no
    start = MoveInput(date_of_change=created)
    await repo.record_outcome(
        opp, actions.start(opp, cycle, start, today=created, currency=currency, actor=actor)
    )
    if item.quote:
        actions.set_quote(opp, item.quote)
        await repo.save_opportunity(opp)
    moved = item.moved or created
    span = (moved - created).days
    for n, target in enumerate(moves, 1):
        dc = created + timedelta(days=span * n // len(moves))
        active = required(await repo.active_entry(opp.no), f"active entry of {opp.no}")
        inp = MoveInput(
            date_of_change=dc, chances_pct=chances(target, n == len(moves)), estimated_close_date=item.close
        )
        outcome = actions.move(
            opp, cycle, active, ActionType.NEXT, inp, today=dc, currency=currency, actor=actor
        )
        await repo.record_outcome(opp, outcome)
    if item.status is not None:
        closed = item.closed or moved
        active = required(await repo.active_entry(opp.no), f"active entry of {opp.no}")
        close = CloseInput(
            won=item.status == CloseType.WON,
            close_code=item.code,
            won_amount=item.amount,
            close_reason=item.reason,
            date_of_change=closed,
        )
        codes = await repo.close_codes()
        outcome = actions.close(opp, active, close, codes, today=closed, currency=currency, actor=actor)
        await repo.record_outcome(opp, outcome)
    repo.add_event(opp, "new", actor)
    return opp.no
