"""Reads and writes of domain objects; the only place that knows both SQLAlchemy rows and the domain."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import fields
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar, TypeVarTuple, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from oppbot.domain.actions import Outcome
from oppbot.domain.enums import ActionTaken, OpportunityStatus, TaskStatus
from oppbot.domain.model import (
    Activity,
    CloseOpportunityCode,
    Contact,
    Opportunity,
    OpportunityEntry,
    SalesCycle,
    SalesCycleStage,
    Salesperson,
    Task,
)
from oppbot.domain.money import round_money
from oppbot.domain.preferences import STORED_FIELDS, Preferences
from oppbot.domain.search import search_key, search_words
from oppbot.store.events import new_event_row
from oppbot.store.orm import (
    ActivityRow,
    Base,
    ChatIdentityRow,
    CloseOpportunityCodeRow,
    ContactRow,
    NumberSeriesRow,
    OpportunityEntryRow,
    OpportunityRow,
    ProcessedRequestRow,
    SalesCycleRow,
    SalesCycleStageRow,
    SalespersonPreferenceRow,
    SalespersonRow,
    TaskRow,
)
from oppbot.store.setup_cache import MISSING, SetupCache, SetupView
from oppbot.store.statistics import StatisticsQueries

D = TypeVar("D")
T = TypeVar("T")


class MissingRow(LookupError):
    """A row the data's own integrity promises is not there: an internal error, never bad input."""


def required(value: T | None, what: str) -> T:
    """`value`, or MissingRow naming `what` (not `assert`, which `python -O` removes)."""
    if value is None:
        raise MissingRow(what)
    return value


R = TypeVar("R", bound=Base)
OPPORTUNITY_SERIES = "OPP"
MONEY_FIELDS = ("estimated_value", "calcd_current_value")


def _to_domain(row: Base, cls: type[D], **extra: Any) -> D:
    values = {f.name: getattr(row, f.name) for f in fields(cls) if f.name not in extra}  # type: ignore[arg-type]
    return cls(**values, **extra)


def _copy_fields(obj: Any, row: Base, skip: Iterable[str] = ()) -> None:
    for f in fields(obj):
        if f.name not in skip and hasattr(row, f.name):
            setattr(row, f.name, getattr(obj, f.name))


def _new_row(cls: type[R], obj: Any, skip: Iterable[str] = ()) -> R:
    return cls(**{f.name: getattr(obj, f.name) for f in fields(obj) if f.name not in skip})


# The stall formula of an opportunity's current stage; "" when it has none (or no stage row).
_STALL_FORMULA = sa.func.coalesce(SalesCycleStageRow.date_formula, "")
Ts = TypeVarTuple("Ts")


def _with_stage(query: sa.Select[*Ts]) -> sa.Select[*Ts]:
    """Outer join the current stage, for its stall formula."""
    return query.outerjoin(
        SalesCycleStageRow,
        sa.and_(
            SalesCycleStageRow.sales_cycle_code == OpportunityRow.sales_cycle_code,
            SalesCycleStageRow.stage == OpportunityRow.current_stage,
        ),
    )


def _stalled(cutoffs: Mapping[str, date]) -> sa.ColumnElement[bool]:
    """Stalled (spec 7) as one predicate: in progress, last change before its formula's cutoff.

    Exact because stall formulas have no `-` terms (calc_date is then non-decreasing in the date).
    The first range term lets an index on (status, last_change_date) narrow the scan.
    """
    o, formula = OpportunityRow, _STALL_FORMULA
    return sa.and_(
        o.status == OpportunityStatus.IN_PROGRESS,
        o.last_change_date < max(cutoffs.values()),
        sa.or_(*(sa.and_(formula == key, o.last_change_date < cut) for key, cut in cutoffs.items())),
    )


def _listing(
    query: sa.Select[*Ts],
    owners: Sequence[str] | None,
    statuses: Sequence[OpportunityStatus] | None,
    stage: int | None,
    cycle: str | None,
    not_stalled: Mapping[str, date] | None,
) -> sa.Select[*Ts]:
    """The filters of a list (and its count) on a query over opportunities."""
    o = OpportunityRow
    if owners is not None:
        query = query.where(o.salesperson_code.in_(owners))
    if statuses is not None:
        query = query.where(o.status.in_(statuses))
    if stage is not None:
        query = query.where(o.current_stage == stage)
    if cycle is not None:
        query = query.where(o.sales_cycle_code == cycle)
    if not_stalled:
        # CASE, not NOT(...): NOT of a NULL comparison (no last change yet) would drop the row.
        query = _with_stage(query).where(sa.case((_stalled(not_stalled), 1), else_=0) == 0)
    return query


class Repository:
    def __init__(self, session: AsyncSession, currency: str, setup: SetupCache | None = None) -> None:
        self.session = session
        self.currency = currency
        self.stats = StatisticsQueries(session)
        # Set-up reads go through the process's cache; set-up writes bump the version (setup_cache).
        self.setup = SetupView(session, setup)
        # Rows read to be changed in this unit of work. The session's identity map holds rows weakly and
        # the domain objects copied from them don't keep them alive, so without this a save re-SELECTs
        # the row it has just read (two statements of every move).
        self._held: list[Base] = []

    async def cached(self, key: tuple[Any, ...], load: Callable[[], Awaitable[T]]) -> T:
        """A set-up read through the process's cache (`load` only when the cache can't answer)."""
        value = await self.setup.get(key)
        if value is not MISSING:
            return cast(T, value)
        loaded = await load()
        self.setup.put(key, loaded)
        return loaded

    def _money(self, value: Decimal | None) -> Decimal | None:
        return None if value is None else round_money(value, self.currency)

    # --- salespeople and identities -------------------------------------------------------------
    async def salesperson(self, code: str) -> Salesperson | None:
        return await self.cached(("salesperson", code.upper()), lambda: self._salesperson(code))

    async def _salesperson(self, code: str) -> Salesperson | None:
        row = await self.session.get(SalespersonRow, code.upper())
        return _to_domain(row, Salesperson) if row else None

    async def salespeople(self) -> list[Salesperson]:
        return await self.cached(("salespeople",), self._salespeople)

    async def _salespeople(self) -> list[Salesperson]:
        rows = await self.session.scalars(sa.select(SalespersonRow).order_by(SalespersonRow.code))
        return [_to_domain(r, Salesperson) for r in rows]

    async def salesperson_by_identity(self, platform: str, team_id: str, user_id: str) -> Salesperson | None:
        return await self.cached(
            ("identity", platform, team_id, user_id),
            lambda: self._salesperson_by_identity(platform, team_id, user_id),
        )

    async def _salesperson_by_identity(self, platform: str, team_id: str, user_id: str) -> Salesperson | None:
        row = await self.session.scalar(
            sa.select(SalespersonRow)
            .join(ChatIdentityRow, ChatIdentityRow.salesperson_code == SalespersonRow.code)
            .where(
                ChatIdentityRow.platform == platform,
                ChatIdentityRow.team_id == team_id,
                ChatIdentityRow.user_id == user_id,
            )
        )
        return _to_domain(row, Salesperson) if row else None

    async def salesperson_by_email(self, email: str) -> Salesperson | None:
        row = await self.session.scalar(
            sa.select(SalespersonRow).where(sa.func.lower(SalespersonRow.email) == email.strip().lower())
        )
        return _to_domain(row, Salesperson) if row else None

    async def identities(self, code: str) -> list[tuple[str, str, str]]:
        rows = await self.session.scalars(
            sa.select(ChatIdentityRow).where(ChatIdentityRow.salesperson_code == code)
        )
        return [(r.platform, r.team_id, r.user_id) for r in rows]

    async def link_identity(
        self, platform: str, team_id: str, user_id: str, code: str, *, replace: bool = True
    ) -> None:
        """Map a chat account to a salesperson in one statement (INSERT … ON CONFLICT).

        A read-then-insert lets two first requests of the same person both insert, and one fails on
        the unique key; the upsert makes the later one wait for the first and then update (`replace`)
        or keep the link that is there.
        """
        dialect = self.session.get_bind().dialect.name
        dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        insert = dialect_insert(ChatIdentityRow).values(
            platform=platform, team_id=team_id, user_id=user_id, salesperson_code=code
        )
        keys = ["platform", "team_id", "user_id"]
        if replace:
            stmt = insert.on_conflict_do_update(
                index_elements=keys, set_={"salesperson_code": insert.excluded.salesperson_code}
            )
        else:
            stmt = insert.on_conflict_do_nothing(index_elements=keys)
        await self.setup.bump()
        await self.session.execute(stmt)

    async def team_codes(self, manager_code: str) -> list[str]:
        rows = await self.session.scalars(
            sa.select(SalespersonRow.code).where(SalespersonRow.manager_code == manager_code)
        )
        return [manager_code, *rows]

    async def upsert_salesperson(self, person: Salesperson) -> None:
        await self.setup.bump()
        await self.session.merge(_new_row(SalespersonRow, person))

    # --- people's chat preferences ----------------------------------------------------------------
    async def preferences(self, code: str) -> Preferences:
        """What the person has set (no row: nothing, every default applies)."""
        return await self.cached(("preferences", code), lambda: self._preferences(code))

    async def _preferences(self, code: str) -> Preferences:
        p = SalespersonPreferenceRow
        columns = [getattr(p, name) for name in STORED_FIELDS]
        # Columns, not the ORM object: always what the database holds, even after an upsert below.
        row = (await self.session.execute(sa.select(*columns).where(p.salesperson_code == code))).first()
        if row is None:
            return Preferences()
        return Preferences.stored(dict(zip(STORED_FIELDS, row, strict=True)))

    async def save_preferences(self, code: str, prefs: Preferences, fields: Iterable[str]) -> None:
        """Write only `fields` of `prefs` in one statement (INSERT … ON CONFLICT DO UPDATE).

        Only the changed columns: two changes of different fields made at once both land, and the
        first change of a person made twice at once doesn't fail on the primary key.
        """
        stored = prefs.as_stored()
        values = {name: stored[name] for name in fields}
        dialect = self.session.get_bind().dialect.name
        dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        insert = dialect_insert(SalespersonPreferenceRow).values(salesperson_code=code, **values)
        keys = ["salesperson_code"]
        if values:
            stmt = insert.on_conflict_do_update(
                index_elements=keys, set_={name: insert.excluded[name] for name in values}
            )
        else:
            stmt = insert.on_conflict_do_nothing(index_elements=keys)
        await self.setup.bump()
        await self.session.execute(stmt)

    # --- cycles, codes, activities, contacts --------------------------------------------------------
    async def cycle(self, code: str) -> SalesCycle | None:
        return await self.cached(("cycle", code.upper()), lambda: self._cycle(code))

    async def _cycle(self, code: str) -> SalesCycle | None:
        row = await self.session.get(SalesCycleRow, code.upper())
        if row is None:
            return None
        stages = await self.session.scalars(
            sa.select(SalesCycleStageRow)
            .where(SalesCycleStageRow.sales_cycle_code == row.code)
            .order_by(SalesCycleStageRow.stage)
        )
        return _to_domain(row, SalesCycle, stages=[_to_domain(s, SalesCycleStage) for s in stages])

    async def cycles(self) -> list[SalesCycle]:
        return await self.cached(("cycles",), self._cycles)

    async def _cycles(self) -> list[SalesCycle]:
        rows = (await self.session.scalars(sa.select(SalesCycleRow).order_by(SalesCycleRow.code))).all()
        stage_rows = await self.session.scalars(
            sa.select(SalesCycleStageRow).order_by(
                SalesCycleStageRow.sales_cycle_code, SalesCycleStageRow.stage
            )
        )
        by_cycle: dict[str, list[SalesCycleStage]] = {}
        for s in stage_rows:
            by_cycle.setdefault(s.sales_cycle_code, []).append(_to_domain(s, SalesCycleStage))
        return [_to_domain(r, SalesCycle, stages=by_cycle.get(r.code, [])) for r in rows]

    async def upsert_cycle(self, cycle: SalesCycle) -> None:
        await self.setup.bump()
        await self.session.merge(_new_row(SalesCycleRow, cycle, skip=("stages",)))
        await self.session.flush()
        for stage in cycle.stages:
            await self.session.merge(_new_row(SalesCycleStageRow, stage))

    async def delete_stages_except(self, cycle_code: str, keep: Sequence[int]) -> list[int]:
        """Delete a cycle's stages not in `keep`; returns the ones refused because they are in use."""
        in_use = set(
            await self.session.scalars(
                sa.select(OpportunityRow.current_stage).where(
                    OpportunityRow.sales_cycle_code == cycle_code,
                    OpportunityRow.status == OpportunityStatus.IN_PROGRESS,
                )
            )
        )
        doomed = [
            s
            for s in await self.session.scalars(
                sa.select(SalesCycleStageRow.stage).where(SalesCycleStageRow.sales_cycle_code == cycle_code)
            )
            if s not in keep
        ]
        refused = [s for s in doomed if s in in_use]
        if not refused and doomed:
            await self.setup.bump()
            await self.session.execute(
                sa.delete(SalesCycleStageRow).where(
                    SalesCycleStageRow.sales_cycle_code == cycle_code, SalesCycleStageRow.stage.in_(doomed)
                )
            )
        return refused

    async def close_codes(self) -> dict[str, CloseOpportunityCode]:
        return await self.cached(("close_codes",), self._close_codes)

    async def _close_codes(self) -> dict[str, CloseOpportunityCode]:
        rows = await self.session.scalars(
            sa.select(CloseOpportunityCodeRow).order_by(CloseOpportunityCodeRow.code)
        )
        return {r.code: _to_domain(r, CloseOpportunityCode) for r in rows}

    async def upsert_close_code(self, code: CloseOpportunityCode) -> None:
        await self.setup.bump()
        await self.session.merge(_new_row(CloseOpportunityCodeRow, code))

    async def upsert_activity(self, activity: Activity) -> None:
        await self.setup.bump()
        await self.session.merge(_new_row(ActivityRow, activity))

    async def activities(self) -> dict[str, Activity]:
        return await self.cached(("activities",), self._activities)

    async def _activities(self) -> dict[str, Activity]:
        rows = await self.session.scalars(sa.select(ActivityRow))
        return {r.code: _to_domain(r, Activity) for r in rows}

    async def contact(self, no: str) -> Contact | None:
        row = await self.session.get(ContactRow, no.upper())
        return _to_domain(row, Contact) if row else None

    async def contacts_by_no(self, numbers: Iterable[str]) -> dict[str, Contact]:
        wanted = set(numbers)
        if not wanted:
            return {}
        rows = await self.session.scalars(sa.select(ContactRow).where(ContactRow.no.in_(wanted)))
        return {r.no: _to_domain(r, Contact) for r in rows}

    async def find_contacts(self, text: str, limit: int = 10) -> list[Contact]:
        """Contacts whose number contains the text or whose search key contains every word of it.

        The words are folded in Python (domain.search) like the stored keys, so SQLite and PostgreSQL
        agree; results come in key order, which the key index serves.
        """
        query = sa.select(ContactRow).order_by(ContactRow.search_key, ContactRow.no).limit(limit)
        needle = text.strip()
        if needle:
            by_number = sa.func.upper(ContactRow.no).contains(needle.upper(), autoescape=True)
            words = [ContactRow.search_key.contains(w, autoescape=True) for w in search_words(needle)]
            query = query.where(sa.or_(by_number, sa.and_(*words)) if words else by_number)
        return [_to_domain(r, Contact) for r in await self.session.scalars(query)]

    async def contacts_named(self, text: str, limit: int = 2) -> list[Contact]:
        """Contacts whose whole name folds to the same key as the text (an index lookup)."""
        key = search_key(text)
        if not key:
            return []
        query = sa.select(ContactRow).where(ContactRow.search_key == key).order_by(ContactRow.no).limit(limit)
        return [_to_domain(r, Contact) for r in await self.session.scalars(query)]

    async def upsert_contact(self, contact: Contact) -> None:
        await self.session.merge(_new_row(ContactRow, contact))

    # --- opportunities and their ledger ----------------------------------------------------------
    async def next_opportunity_no(self) -> str:
        """Bump the series row in this transaction: the row lock makes numbers unique across replicas."""
        result = await self.session.execute(
            sa.update(NumberSeriesRow)
            .where(NumberSeriesRow.code == OPPORTUNITY_SERIES)
            .values(last_no=NumberSeriesRow.last_no + 1)
            .returning(NumberSeriesRow.last_no)
        )
        # The migration creates the series row, so this always finds it.
        last = result.scalar_one()
        return f"OP{last:06d}"

    async def opportunity(self, no: str, *, for_update: bool = False) -> Opportunity | None:
        query = sa.select(OpportunityRow).where(OpportunityRow.no == no)
        if for_update:
            # PostgreSQL: concurrent writers queue here instead of failing late (SQLite ignores it).
            query = query.with_for_update()
        row = await self.session.scalar(query)
        if row is None:
            return None
        if for_update:
            self._held.append(row)
        return self._opportunity(row)

    def _opportunity(self, row: OpportunityRow) -> Opportunity:
        opp = _to_domain(row, Opportunity)
        for name in MONEY_FIELDS:
            setattr(opp, name, self._money(getattr(opp, name)))
        return opp

    async def add_opportunity(self, opp: Opportunity) -> None:
        self.session.add(_new_row(OpportunityRow, opp))
        await self.session.flush()

    async def save_opportunity(self, opp: Opportunity) -> None:
        row = required(await self.session.get(OpportunityRow, opp.no), f"opportunity {opp.no}")
        _copy_fields(opp, row, skip=("no",))

    def _entry(self, row: OpportunityEntryRow) -> OpportunityEntry:
        entry = _to_domain(row, OpportunityEntry)
        for name in MONEY_FIELDS:
            setattr(entry, name, self._money(getattr(entry, name)))
        return entry

    async def active_entry(self, no: str) -> OpportunityEntry | None:
        row = await self.session.scalar(
            sa.select(OpportunityEntryRow).where(
                OpportunityEntryRow.opportunity_no == no, OpportunityEntryRow.active.is_(True)
            )
        )
        if row is None:
            return None
        self._held.append(row)  # a move supersedes it (one row per call: reads don't pile up)
        return self._entry(row)

    async def entries(
        self, no: str, *, newest_first: bool = True, limit: int | None = None
    ) -> list[OpportunityEntry]:
        order = OpportunityEntryRow.entry_no.desc() if newest_first else OpportunityEntryRow.entry_no
        query = sa.select(OpportunityEntryRow).where(OpportunityEntryRow.opportunity_no == no).order_by(order)
        if limit:
            query = query.limit(limit)
        return [self._entry(r) for r in await self.session.scalars(query)]

    async def supersede(self, entry: OpportunityEntry) -> None:
        row = required(await self.session.get(OpportunityEntryRow, entry.entry_no), f"entry {entry.entry_no}")
        row.active = entry.active
        row.days_open = entry.days_open
        # Flushed before the new active entry is inserted: one active entry per opportunity (unique index).
        await self.session.flush()

    async def add_entry(self, entry: OpportunityEntry) -> int:
        row = _new_row(OpportunityEntryRow, entry, skip=("entry_no",))
        self.session.add(row)
        await self.session.flush()
        entry.entry_no = row.entry_no
        return row.entry_no

    async def record_outcome(self, opp: Opportunity, outcome: Outcome) -> None:
        """Write what one action did: superseded entry, new entry, opportunity, tasks."""
        if outcome.superseded is not None:
            await self.supersede(outcome.superseded)
        entry_no = await self.add_entry(outcome.entry)
        await self.save_opportunity(opp)
        if outcome.cancel_open_tasks:
            await self.cancel_open_tasks(opp.no)
        for task in outcome.tasks:
            task.entry_no = entry_no
        await self.add_tasks(outcome.tasks)

    async def add_tasks(self, tasks: Iterable[Task]) -> None:
        for task in tasks:
            self.session.add(_new_row(TaskRow, task, skip=("id",)))

    async def cancel_open_tasks(self, no: str) -> None:
        await self.session.execute(
            sa.update(TaskRow)
            .where(TaskRow.opportunity_no == no, TaskRow.status == TaskStatus.OPEN)
            .values(status=TaskStatus.CANCELLED)
        )

    async def tasks(self, no: str) -> list[Task]:
        rows = await self.session.scalars(
            sa.select(TaskRow).where(TaskRow.opportunity_no == no).order_by(TaskRow.id)
        )
        return [_to_domain(r, Task) for r in rows]

    async def stage_run_starts(self, numbers: Iterable[str]) -> dict[str, date]:
        """stage_run_start for many opportunities in one statement."""
        wanted = set(numbers)
        if not wanted:
            return {}
        e = OpportunityEntryRow
        rows = await self.session.execute(
            sa.select(e.opportunity_no, sa.func.max(e.date_of_change))
            .where(e.opportunity_no.in_(wanted), e.action_taken != ActionTaken.UPDATED)
            .group_by(e.opportunity_no)
        )
        return {no: day for no, day in rows}

    async def stage_run_start(self, no: str) -> date | None:
        """Date of the latest entry that is not an `update`: when the current stage visit began."""
        return await self.session.scalar(
            sa.select(OpportunityEntryRow.date_of_change)
            .where(
                OpportunityEntryRow.opportunity_no == no,
                OpportunityEntryRow.action_taken != ActionTaken.UPDATED,
            )
            .order_by(OpportunityEntryRow.entry_no.desc())
            .limit(1)
        )

    async def list_opportunities(
        self,
        *,
        owners: Sequence[str] | None = None,
        statuses: Sequence[OpportunityStatus] | None = None,
        stage: int | None = None,
        cycle: str | None = None,
        not_stalled: Mapping[str, date] | None = None,
        offset: int = 0,
        limit: int = 200,
    ) -> list[Opportunity]:
        """By number; with `not_stalled` (stall cutoffs, see stalled_candidates) only those not stalled."""
        query = _listing(sa.select(OpportunityRow), owners, statuses, stage, cycle, not_stalled)
        query = query.order_by(OpportunityRow.no).offset(offset).limit(limit)
        return [self._opportunity(r) for r in await self.session.scalars(query)]

    async def count_opportunities(
        self,
        *,
        owners: Sequence[str] | None = None,
        statuses: Sequence[OpportunityStatus] | None = None,
        stage: int | None = None,
        cycle: str | None = None,
        not_stalled: Mapping[str, date] | None = None,
    ) -> int:
        query = sa.select(sa.func.count()).select_from(OpportunityRow)
        query = _listing(query, owners, statuses, stage, cycle, not_stalled)
        return int(await self.session.scalar(query) or 0)

    async def opportunities_by_no(self, numbers: Iterable[str]) -> dict[str, Opportunity]:
        wanted = set(numbers)
        if not wanted:
            return {}
        rows = await self.session.scalars(sa.select(OpportunityRow).where(OpportunityRow.no.in_(wanted)))
        return {r.no: self._opportunity(r) for r in rows}

    async def stalled_candidates(
        self,
        cutoffs: Mapping[str, date],
        owners: Sequence[str] | None = None,
        *,
        stage: int | None = None,
        cycle: str | None = None,
    ) -> Sequence[tuple[str, str, str, str, int | None, date, str]]:
        """In-progress opportunities whose last change is before the cutoff of their stage's stall formula.

        `cutoffs` maps each distinct stall formula to its first non-stalled date (stall.stalled_before);
        the key "" stands for stages without a formula (the configured default applies). Rows are a light
        projection (no, description, owner, cycle, stage, last change, formula), oldest change first: the
        scan may return hundreds of thousands of rows, and whole ORM objects cost several times more.
        """
        if not cutoffs:
            return []
        o = OpportunityRow
        query = sa.select(
            o.no,
            o.description,
            o.salesperson_code,
            o.sales_cycle_code,
            o.current_stage,
            o.last_change_date,
            _STALL_FORMULA,
        )
        query = _with_stage(query).where(_stalled(cutoffs)).order_by(o.last_change_date, o.no)
        query = _listing(query, owners, None, stage, cycle, None)
        # last_change_date is never NULL here: the stall predicate compares it.
        return (await self.session.execute(query)).all()  # type: ignore[return-value]

    async def stage_formulas(self) -> set[str]:
        return set(await self.session.scalars(sa.select(SalesCycleStageRow.date_formula).distinct()))

    # --- change events ----------------------------------------------------------------------------
    def add_event(self, opp: Opportunity, verb: str, actor: str) -> None:
        """Append the change to the outbox; it commits (or not) with the change itself."""
        self.session.add(new_event_row(opp.no, opp.version, verb, actor))

    # --- idempotency ----------------------------------------------------------------------------
    async def claim_request(self, key: str) -> bool:
        """True the first time a platform request key is seen (committed with the change it guards).

        INSERT … ON CONFLICT DO NOTHING: a concurrent claim of the same key on another replica waits for
        the first transaction and then finds the key taken, instead of failing on the primary key.
        """
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        result = await self.session.execute(
            insert(ProcessedRequestRow).values(key=key).on_conflict_do_nothing(index_elements=["key"])
        )
        return bool(getattr(result, "rowcount", 0))
