"""Set-up files (`oppbot setup load FILE`, `oppbot setup demo`): master data and demo opportunities.

The format is conventions.md's "Set-up file", plus an `activities` section (BC has activities, and a
stage's `activity_code` must name one) and a few keys that let demo opportunities carry a history.

How a file is loaded:

1. Parse YAML (JSON is YAML) keeping every key's and item's line, then validate the shape of every
   record with pydantic (unknown keys are errors, so typos are reported). Any problem: SetupError
   listing each as ``path (line N): message``; nothing has been read from or written to the database.
2. In ONE write transaction: check the references (managers, companies, activities, cycles, stages
   in use, close codes, ...) against the file and the database together, then upsert activities,
   close codes, salespeople (with their chat identities), contacts and sales cycles by code, then
   create the opportunities by calling the domain's actions (the very functions the service's `new`,
   `start`, `next`, `quote` and `win`/`lose` call), so each has a real ledger and real tasks.
   Any error rolls the whole transaction back: a bad file changes nothing.

Upsert rules: records are matched by code (contacts by `number`). A key left out of a record keeps
the stored value (a new record gets the default), so ``{code: PRICE_W, description: Cheapest}``
changes only the description. A cycle's `stages` list, when given, replaces the stored stages:
stages not listed are deleted, which is refused while an open opportunity is on one of them.
Identities are added (or moved to this salesperson), never removed. A salesperson's chat preferences
(`timezone`, `locale`, `working_hours`, `working_days`, `reminders`, `digest`) follow the same rule;
`null` unsets one, so its default applies again. Only records that actually
change are written, and the report counts those: loading the same file twice writes nothing.

Opportunities (demo extensions beyond conventions.md): `start: false` (not started), `stage`
(reached by `next` moves from the first stage), `moved` (date of the last move; the moves before it
are spread evenly between `created` and `moved`), `quote` (set right after the first stage is
activated, so before any move that needs it), `status: won|lost` with `closed`, `code`, `amount`,
`reason`. `chances` are the chances at the stage the opportunity ends on; stages passed on the way
take their default chances (or these, when their default is 0). `close` is given to every move.
Dates are absolute (`2026-10-01`) or relative to the load day (`-40D`, `+2W`). An opportunity
with the same description, contact and owner as an existing one is skipped (not updated), which
makes the demo idempotent. The acting salesperson of every entry is the opportunity's owner.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from oppbot import demo as demo_package
from oppbot.domain.errors import DomainError
from oppbot.domain.model import Salesperson
from oppbot.service.auth import require_admin
from oppbot.service.opportunities import OpportunityService
from oppbot.service.setup.apply import _HINTS, _create_opportunity, _write_master
from oppbot.service.setup.errors import SetupError
from oppbot.service.setup.plan import SLACK, TEAMS, TEAMS_TEAM_ID, _Planner
from oppbot.service.setup.schema import _validate
from oppbot.service.setup.yamlmarks import _read
from oppbot.service.views import SetupReport

__all__ = ["SLACK", "TEAMS", "TEAMS_TEAM_ID", "SetupError", "demo_path", "load_demo", "load_setup"]


async def load_setup(
    service: OpportunityService,
    data_or_text: str | bytes | Mapping[str, Any],
    *,
    actor: Salesperson | None = None,
    today: date | None = None,
    source: str = "<file>",
) -> SetupReport:
    """Load a set-up file in one transaction. `actor` None is the operator (CLI); else admins only."""
    if actor is not None:
        require_admin(actor)
    day = today or service.today()
    data, problems = _read(data_or_text, source)
    setup = _validate(data, problems, day, service.currency)
    if setup.currency is not None and setup.currency != service.currency.upper():
        problems.add(("currency",), f"the file is in {setup.currency} but oppbot runs in {service.currency}")
        problems.check()
    async with service.uow(write=True) as uow:
        plan = await _Planner(uow.repo, setup, problems, day).run()
        counts = await _write_master(uow.repo, plan)
        created = 0
        for opp_plan in plan.opportunities:
            try:
                await _create_opportunity(uow.repo, opp_plan, service.currency)
            except DomainError as exc:
                hint = _HINTS.get(exc.code, "can't be created")
                problems.add(("opportunities", opp_plan.index), f"{hint} ({exc})")
                problems.check()
            created += 1
        await uow.commit()
    counts["opportunities"] = created
    counts["opportunities_skipped"] = plan.skipped
    return SetupReport(counts=counts)


def demo_path() -> Path:
    """The demo's set-up file, shipped inside the package."""
    return Path(demo_package.__file__).with_name("demo.yaml")


async def load_demo(service: OpportunityService, *, today: date | None = None) -> SetupReport:
    """`oppbot setup demo`: BC's demo set-up plus oppbot's people, contacts and opportunities."""
    path = demo_path()
    return await load_setup(service, path.read_text(encoding="utf-8"), today=today, source=str(path))
