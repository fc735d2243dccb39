"""Planning: the final state of every record, checked against the file and the database together."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

import sqlalchemy as sa

from oppbot.domain.enums import CloseType, ContactType, OpportunityStatus, Role
from oppbot.domain.model import (
    Activity,
    CloseOpportunityCode,
    Contact,
    SalesCycle,
    SalesCycleStage,
    Salesperson,
)
from oppbot.domain.preferences import FIELDS as PREFERENCE_FIELDS
from oppbot.domain.preferences import Preferences
from oppbot.service.setup.errors import Loc, _format_loc, _Problems
from oppbot.service.setup.schema import OpportunityIn, SalespersonIn, SetupFileIn, StageIn
from oppbot.store.orm import ContactRow, OpportunityRow
from oppbot.store.repository import Repository

SLACK = "slack"
TEAMS = "teams"
# Teams identities are stored without a tenant: (TEAMS, "", AAD object id).
TEAMS_TEAM_ID = ""

T = TypeVar("T")


@dataclass
class _CyclePlan:
    header: SalesCycle  # without stages
    header_changed: bool
    stages: list[SalesCycleStage] | None  # the full new list, or None to keep the stored stages
    changed_stages: list[SalesCycleStage] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)


@dataclass
class _OppPlan:
    index: int
    item: OpportunityIn
    created: date
    cycle: SalesCycle


@dataclass
class _Plan:
    salespeople: list[Salesperson] = field(default_factory=list)  # changed ones, managers first
    identities: list[tuple[str, str, str, str]] = field(default_factory=list)
    # (code, the person's preferences after the file, the fields that change)
    preferences: list[tuple[str, Preferences, tuple[str, ...]]] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    close_codes: list[CloseOpportunityCode] = field(default_factory=list)
    cycles: list[_CyclePlan] = field(default_factory=list)
    opportunities: list[_OppPlan] = field(default_factory=list)
    skipped: int = 0


def _merge(existing: T | None, fresh: T, given: Iterable[str]) -> T:
    """A new record as given; a stored one with only the given attributes replaced."""
    if existing is None:
        return fresh
    return dataclasses.replace(existing, **{name: getattr(fresh, name) for name in given})  # type: ignore[type-var]


def _first_seen(problems: _Problems, section: Loc, codes: Sequence[str], key: str) -> list[bool]:
    """Flags the records whose code already appeared earlier in the section (the others are reported)."""
    seen: dict[str, int] = {}
    keep: list[bool] = []
    for index, code in enumerate(codes):
        if code in seen:
            also = _format_loc((*section, seen[code]))
            problems.add((*section, index, key), f"{code} is listed twice (also {also})")
            keep.append(False)
        else:
            seen[code] = index
            keep.append(True)
    return keep


class _Planner:
    def __init__(self, repo: Repository, setup: SetupFileIn, problems: _Problems, today: date) -> None:
        self.repo = repo
        self.setup = setup
        self.problems = problems
        self.today = today
        self.plan = _Plan()
        self.people: dict[str, Salesperson] = {}
        self.contacts: dict[str, Contact] = {}
        self.activities: dict[str, Activity] = {}
        self.codes: dict[str, CloseOpportunityCode] = {}
        self.cycles: dict[str, SalesCycle] = {}

    async def run(self) -> _Plan:
        await self._activities()
        await self._close_codes()
        await self._salespeople()
        await self._identities()
        await self._contacts()
        await self._cycles()
        await self._opportunities()
        self.problems.check()
        return self.plan

    async def _activities(self) -> None:
        stored = await self.repo.activities()
        self.activities = dict(stored)
        items = self.setup.activities
        keep = _first_seen(self.problems, ("activities",), [i.code for i in items], "code")
        for item, first in zip(items, keep, strict=True):
            if not first:
                continue
            new = _merge(stored.get(item.code), Activity(item.code, item.description), item.given())
            self.activities[item.code] = new
            if new != stored.get(item.code):
                self.plan.activities.append(new)

    async def _close_codes(self) -> None:
        stored = await self.repo.close_codes()
        self.codes = dict(stored)
        items = self.setup.close_codes
        keep = _first_seen(self.problems, ("close_codes",), [i.code for i in items], "code")
        for index, (item, first) in enumerate(zip(items, keep, strict=True)):
            old = stored.get(item.code)
            if not first:
                continue
            if old is None and item.type is None:
                self.problems.add(
                    ("close_codes", index, "type"), "is required for a new close code (won or lost)"
                )
                continue
            fresh = CloseOpportunityCode(item.code, item.type or CloseType.WON, item.description)
            new = _merge(old, fresh, item.given() - ({"type"} if item.type is None else set()))
            self.codes[item.code] = new
            if new != old:
                self.plan.close_codes.append(new)

    async def _salespeople(self) -> None:
        stored = {p.code: p for p in await self.repo.salespeople()}
        self.people = dict(stored)
        items = self.setup.salespeople
        keep = _first_seen(self.problems, ("salespeople",), [i.code for i in items], "code")
        where: dict[str, int] = {}
        for index, (item, first) in enumerate(zip(items, keep, strict=True)):
            if not first:
                continue
            old = stored.get(item.code)
            if old is None and "name" not in item.model_fields_set:
                self.problems.add(("salespeople", index, "name"), "is required for a new salesperson")
                continue
            fresh = Salesperson(item.code, item.name, item.email, item.role, item.manager)
            self.people[item.code] = _merge(old, fresh, item.given())
            where[item.code] = index
            await self._preferences(item, old is not None)
        # Every manager_code must name a manager, in the final state of file and database together.
        for code, person in self.people.items():
            manager = self.people.get(person.manager_code) if person.manager_code else None
            if person.manager_code is None:
                continue
            if code in where:
                loc: Loc = ("salespeople", where[code], "manager")
                if person.manager_code == code:
                    self.problems.add(loc, "a salesperson can't report to themselves")
                elif manager is None:
                    self.problems.add(
                        loc, f"{person.manager_code} is not a salesperson in the file or the database"
                    )
                elif manager.role != Role.MANAGER:
                    self.problems.add(loc, f"{manager.code} is not a manager (role {manager.role.value})")
            elif manager is not None and manager.role != Role.MANAGER and manager.code in where:
                self.problems.add(
                    ("salespeople", where[manager.code], "role"),
                    f"{code} still reports to {manager.code}, who must stay a manager",
                )
        order = self._managers_first(list(where), where)
        self.plan.salespeople = [self.people[c] for c in order if self.people[c] != stored.get(c)]

    async def _preferences(self, item: SalespersonIn, exists: bool) -> None:
        """The preference fields the record gives and that differ from what is stored."""
        given = [name for name in PREFERENCE_FIELDS if name in item.model_fields_set]
        if not given:
            return
        stored = await self.repo.preferences(item.code) if exists else Preferences()
        changed = {
            name: getattr(item, name) for name in given if getattr(item, name) != getattr(stored, name)
        }
        if changed:
            new = dataclasses.replace(stored, **changed)
            self.plan.preferences.append((item.code, new, tuple(changed)))

    def _managers_first(self, codes: list[str], where: Mapping[str, int]) -> list[str]:
        """Insert order that satisfies the manager foreign key; a reporting loop is an error."""
        done: set[str] = set()
        order: list[str] = []
        for code in codes:
            chain: list[str] = []
            current: str | None = code
            while current is not None and current in where and current not in done:
                if current in chain:
                    self.problems.add(
                        ("salespeople", where[code], "manager"),
                        "reporting loop: " + " -> ".join([*chain, current]),
                    )
                    break
                chain.append(current)
                current = self.people[current].manager_code
            for member in reversed(chain):
                if member not in done:
                    done.add(member)
                    order.append(member)
        return order

    async def _identities(self) -> None:
        owners: dict[tuple[str, str, str], tuple[int, str]] = {}
        for index, item in enumerate(self.setup.salespeople):
            wanted = [((SLACK, s.team, s.user), ("slack", i)) for i, s in enumerate(item.slack)]
            wanted += [((TEAMS, TEAMS_TEAM_ID, t), ("teams", i)) for i, t in enumerate(item.teams)]
            for key, (kind, position) in wanted:
                other = owners.get(key)
                if other is not None and other[1] != item.code:
                    self.problems.add(
                        ("salespeople", index, kind, position),
                        f"this {kind} identity is also given to {other[1]} (salespeople[{other[0]}])",
                    )
                    continue
                if other is not None:
                    continue
                owners[key] = (index, item.code)
                current = await self.repo.salesperson_by_identity(*key)
                if current is None or current.code != item.code:
                    self.plan.identities.append((*key, item.code))

    async def _contacts(self) -> None:
        items = self.setup.contacts
        wanted = {i.number for i in items} | {i.company for i in items if i.company}
        wanted |= {o.contact for o in self.setup.opportunities}
        stored = await self.repo.contacts_by_no(wanted)
        self.contacts = dict(stored)
        keep = _first_seen(self.problems, ("contacts",), [i.number for i in items], "number")
        where: dict[str, int] = {}
        for index, (item, first) in enumerate(zip(items, keep, strict=True)):
            if not first:
                continue
            old = stored.get(item.number)
            loc: Loc = ("contacts", index)
            missing = [k for k in ("type", "name") if old is None and k not in item.model_fields_set]
            for key in missing:
                self.problems.add((*loc, key), "is required for a new contact")
            if missing or (item.type is None and "type" in item.model_fields_set):
                if not missing:
                    self.problems.add((*loc, "type"), "must be one of company, person")
                continue
            fresh = Contact(
                item.number, item.type or ContactType.PERSON, item.name, item.company, item.email, item.phone
            )
            new = _merge(old, fresh, item.given())
            if new.type == ContactType.COMPANY:
                if item.company not in (None, new.no):
                    self.problems.add((*loc, "company"), "a company's company is itself: leave `company` out")
                new.company_no = new.no
            elif new.company_no == new.no:
                new.company_no = None  # was a company, now a person
            self.contacts[new.no] = new
            where[new.no] = index
        for no, index in where.items():
            contact = self.contacts[no]
            company = self.contacts.get(contact.company_no) if contact.company_no else None
            if contact.type != ContactType.PERSON or contact.company_no is None:
                continue
            if company is None:
                self.problems.add(
                    ("contacts", index, "company"),
                    f"{contact.company_no} is not a contact in the file or the database",
                )
            elif company.type != ContactType.COMPANY:
                self.problems.add(("contacts", index, "company"), f"{company.no} is a person, not a company")
        await self._companies_kept(where)
        self.plan.contacts = [self.contacts[n] for n in where if self.contacts[n] != stored.get(n)]
        # Companies first: readers may look a person's company up.
        self.plan.contacts.sort(key=lambda c: c.type != ContactType.COMPANY)

    async def _companies_kept(self, where: Mapping[str, int]) -> None:
        """A company turned into a person must not leave people of the database without a company."""
        for no, index in where.items():
            if self.contacts[no].type != ContactType.PERSON:
                continue
            rows = await self.repo.session.scalars(
                sa.select(ContactRow.no).where(ContactRow.company_no == no, ContactRow.no != no)
            )
            orphans = [r for r in rows if r not in where or self.contacts[r].company_no == no]
            if orphans:
                self.problems.add(
                    ("contacts", index, "type"), f"{', '.join(sorted(orphans))} still belong to company {no}"
                )

    async def _cycles(self) -> None:
        stored = {c.code: c for c in await self.repo.cycles()}
        self.cycles = dict(stored)
        items = self.setup.sales_cycles
        keep = _first_seen(self.problems, ("sales_cycles",), [i.code for i in items], "code")
        for index, (item, first) in enumerate(zip(items, keep, strict=True)):
            if not first:
                continue
            loc: Loc = ("sales_cycles", index)
            old = stored.get(item.code)
            old_header = dataclasses.replace(old, stages=[]) if old else None
            fresh = SalesCycle(item.code, item.description, item.probability_calculation, item.blocked)
            header = _merge(old_header, fresh, item.given())
            plan = _CyclePlan(header=header, header_changed=header != old_header, stages=None)
            old_stages = {s.stage: s for s in old.stages} if old else {}
            if item.stages is not None:
                plan.stages = self._stages(loc, item.code, item.stages, old_stages)
                plan.changed_stages = [s for s in plan.stages if s != old_stages.get(s.stage)]
                listed = {s.stage for s in plan.stages}
                plan.deleted = sorted(n for n in old_stages if n not in listed)
                await self._deletable(loc, item.code, plan.deleted)
            stages = plan.stages if plan.stages is not None else list(old_stages.values())
            self.cycles[item.code] = dataclasses.replace(header, stages=list(stages))
            self.plan.cycles.append(plan)

    def _stages(
        self, loc: Loc, cycle: str, items: Sequence[StageIn], old: Mapping[int, SalesCycleStage]
    ) -> list[SalesCycleStage]:
        keep = _first_seen(self.problems, (*loc, "stages"), [str(s.stage) for s in items], "stage")
        result: list[SalesCycleStage] = []
        for item, first in zip(items, keep, strict=True):
            if not first:
                continue
            fresh = SalesCycleStage(
                cycle, item.stage, item.description, item.completed, item.chances,
                item.activity_code, item.quote_required, item.allow_skip, item.date_formula,
            )  # fmt: skip
            stage = _merge(old.get(item.stage), fresh, item.given())
            if stage.activity_code and stage.activity_code not in self.activities:
                # conventions.md's own example names PROPOSAL without an activities section:
                # an unknown code becomes an activity of that name rather than a refused file.
                activity = Activity(stage.activity_code, stage.activity_code)
                self.activities[activity.code] = activity
                self.plan.activities.append(activity)
            result.append(stage)
        return sorted(result, key=lambda s: s.stage)

    async def _deletable(self, loc: Loc, cycle: str, doomed: Sequence[int]) -> None:
        if not doomed:
            return
        rows = await self.repo.session.execute(
            sa.select(OpportunityRow.no, OpportunityRow.current_stage).where(
                OpportunityRow.sales_cycle_code == cycle,
                OpportunityRow.status == OpportunityStatus.IN_PROGRESS,
                OpportunityRow.current_stage.in_(doomed),
            )
        )
        for no, stage in rows:
            self.problems.add((*loc, "stages"), f"stage {stage} can't be removed: {no} is open on it")

    async def _opportunities(self) -> None:
        seen: dict[tuple[str, str, str], int] = {}
        for index, item in enumerate(self.setup.opportunities):
            loc: Loc = ("opportunities", index)
            before = len(self.problems.items)
            cycle = self._check_opportunity(loc, item)
            key = (item.description, item.contact, item.owner)
            if key in seen:
                self.problems.add(loc, f"the same opportunity as opportunities[{seen[key]}]")
            seen.setdefault(key, index)
            if cycle is None or len(self.problems.items) > before:
                continue
            exists = await self.repo.session.scalar(
                sa.select(OpportunityRow.no).where(
                    OpportunityRow.description == item.description,
                    OpportunityRow.contact_no == item.contact,
                    OpportunityRow.salesperson_code == item.owner,
                )
            )
            if exists is not None:
                self.plan.skipped += 1
            else:
                self.plan.opportunities.append(_OppPlan(index, item, item.created or self.today, cycle))

    def _check_opportunity(self, loc: Loc, item: OpportunityIn) -> SalesCycle | None:
        add = self.problems.add
        given = item.model_fields_set
        if item.contact not in self.contacts:
            add((*loc, "contact"), f"{item.contact} is not a contact in the file or the database")
        if item.owner not in self.people:
            add((*loc, "owner"), f"{item.owner} is not a salesperson in the file or the database")
        cycle = self.cycles.get(item.cycle)
        if cycle is None:
            add((*loc, "cycle"), f"{item.cycle} is not a sales cycle in the file or the database")
            return None
        if cycle.blocked:
            add((*loc, "cycle"), f"sales cycle {cycle.code} is blocked")
        created = item.created or self.today
        if item.close is not None and item.close < created:
            add((*loc, "close"), f"{item.close} is before the creation date {created}")
        if not item.start:
            for key in ("stage", "moved", "quote", "status", "closed", "code", "amount", "reason"):
                if key in given:
                    add((*loc, key), "needs a started opportunity: remove `start: false`")
            return cycle
        if not cycle.stages:
            add((*loc, "cycle"), f"sales cycle {cycle.code} has no stages")
            return None
        numbers = [s.stage for s in cycle.stages]
        target = item.stage if item.stage is not None else numbers[0]
        if target not in numbers:
            add((*loc, "stage"), f"sales cycle {cycle.code} has no stage {target} (stages: {numbers})")
            return cycle
        moves = [s for s in cycle.stages if numbers[0] < s.stage <= target]
        if item.moved is not None:
            if not moves:
                add((*loc, "moved"), "the opportunity stays on its first stage: give a later `stage`")
            elif item.moved < created:
                add((*loc, "moved"), f"{item.moved} is before the creation date {created}")
        needs_quote = [s for s in moves if s.quote_required]
        if needs_quote and not item.quote:
            add((*loc, "quote"), f"stage {needs_quote[0].label} needs a quote: add `quote: <reference>`")
        last = item.moved or created
        if item.status is None:
            for key in ("closed", "code", "amount", "reason"):
                if key in given:
                    add((*loc, key), "only for a closed opportunity: add `status: won` or `status: lost`")
            return cycle
        if item.closed is not None and item.closed < last:
            add((*loc, "closed"), f"{item.closed} is before the last change {last}")
        if item.amount is not None and item.status != CloseType.WON:
            add((*loc, "amount"), "only for a won opportunity")
        of_type = sorted(c.code for c in self.codes.values() if c.type == item.status)
        if item.code is None and len(of_type) != 1:
            add(
                (*loc, "code"),
                f"is required: one of {', '.join(of_type) or '(no ' + item.status + ' codes)'}",
            )
        elif item.code is not None and item.code not in self.codes:
            add((*loc, "code"), f"{item.code} is not a close code in the file or the database")
        elif item.code is not None and self.codes[item.code].type != item.status:
            add((*loc, "code"), f"{item.code} is a {self.codes[item.code].type.value} code")
        return cycle
