"""The use cases every adapter calls. Each is one transaction and checks who is asking."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oppbot.domain.availability import available_actions, quote_needed
from oppbot.domain.enums import OpportunityStatus
from oppbot.domain.errors import DomainError
from oppbot.domain.model import Contact, Opportunity, SalesCycle, Salesperson
from oppbot.domain.stall import days_overdue, stall_due
from oppbot.domain.text import clean_text
from oppbot.service.auth import ReadScope, may_change, require_admin, require_read
from oppbot.service.changes import ChangesMixin, cycle_refusal
from oppbot.service.preferences import PreferencesMixin
from oppbot.service.reporting import ReportingMixin
from oppbot.service.scopes import default_scope, scope_owners
from oppbot.service.uow import UnitOfWork
from oppbot.service.views import (
    HistoryView,
    ListView,
    OpportunityView,
)
from oppbot.store.repository import Repository, required
from oppbot.store.setup_cache import SetupCache, setup_scope

LIST_LIMIT = 100
STATUS_FILTERS: dict[str, tuple[OpportunityStatus, ...] | None] = {
    "open": (OpportunityStatus.IN_PROGRESS,),
    "in_progress": (OpportunityStatus.IN_PROGRESS,),
    "not_started": (OpportunityStatus.NOT_STARTED,),
    "won": (OpportunityStatus.WON,),
    "lost": (OpportunityStatus.LOST,),
    "closed": (OpportunityStatus.WON, OpportunityStatus.LOST),
    "all": None,
}


def _utcnow() -> datetime:
    return datetime.now(ZoneInfo("UTC"))


class OpportunityService(ChangesMixin, ReportingMixin, PreferencesMixin):
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        currency: str = "EUR",
        stall_default: str = "14D",
        timezone: ZoneInfo | None = None,
        clock: Callable[[], datetime] = _utcnow,
        read_scope: ReadScope = ReadScope.ALL,
        setup_cache: bool = True,
    ) -> None:
        self.sessions = sessions
        self.read_scope = read_scope
        self.currency = currency
        self.stall_default = stall_default
        self.timezone = timezone or ZoneInfo("UTC")
        self.clock = clock
        # Called after every committed write (the event dispatcher's nudge); never raises.
        self.committed: list[Callable[[], None]] = []
        # This process's copy of the set-up, checked against the set-up version by every unit of work.
        self.setup_cache = SetupCache(enabled=setup_cache)

    def uow(self, *, write: bool = False) -> UnitOfWork:
        return UnitOfWork(
            self.sessions,
            self.currency,
            write=write,
            after_commit=self._after_commit,
            setup=self.setup_cache,
        )

    def request_scope(self) -> AbstractContextManager[None]:
        """Around one chat request: its units of work check the set-up version once (setup_cache)."""
        return setup_scope()

    def _after_commit(self) -> None:
        for hook in self.committed:
            hook()

    def today(self, tz: ZoneInfo | None = None) -> date:
        """Today in the acting person's time zone, else the configured one."""
        return self.clock().astimezone(tz or self.timezone).date()

    # --- identities ----------------------------------------------------------------------------
    async def salesperson(self, code: str) -> Salesperson | None:
        async with self.uow() as uow:
            return await uow.repo.salesperson(code)

    async def identify(
        self, platform: str, team_id: str, user_id: str, email: str | None = None
    ) -> Salesperson | None:
        """Stored identity first; else a salesperson with the same email, linked for next time."""
        async with self.uow() as uow:
            found = await uow.repo.salesperson_by_identity(platform, team_id, user_id)
            if found is not None or not email:
                return found
        async with self.uow(write=True) as uow:
            found = await uow.repo.salesperson_by_email(email)
            if found is None:
                return None
            # Concurrent first requests of the same person: each upserts, none fails; a link that
            # got there first (an admin's, say) is kept and is the answer.
            await uow.repo.link_identity(platform, team_id, user_id, found.code, replace=False)
            linked = await uow.repo.salesperson_by_identity(platform, team_id, user_id)
            await uow.commit()
            return linked or found

    async def link(
        self, actor: Salesperson, platform: str, team_id: str, user_id: str, code: str
    ) -> Salesperson:
        require_admin(actor)
        async with self.uow(write=True) as uow:
            person = await uow.repo.salesperson(code)
            if person is None:
                raise DomainError("unknown_salesperson", code=code)
            await uow.repo.link_identity(platform, team_id, user_id, person.code)
            await uow.commit()
            return person

    # --- reads ----------------------------------------------------------------------------------
    async def cycles(self) -> list[SalesCycle]:
        async with self.uow() as uow:
            return await uow.repo.cycles()

    async def cycles_for_new(self, *, start: bool = True) -> list[SalesCycle]:
        """The cycles `new` accepts: what a form offers is exactly what creating will take."""
        async with self.uow() as uow:
            return [c for c in await uow.repo.cycles() if cycle_refusal(c, start) is None]

    async def contacts(self, text: str, limit: int = 10) -> list[Contact]:
        async with self.uow() as uow:
            return await uow.repo.find_contacts(clean_text(text), limit)

    async def salespeople(self) -> list[Salesperson]:
        async with self.uow() as uow:
            return await uow.repo.salespeople()

    async def close_codes(self) -> list[tuple[str, str, str]]:
        async with self.uow() as uow:
            return [(c.code, c.type.value, c.description) for c in (await uow.repo.close_codes()).values()]

    async def show(self, actor: Salesperson, no: str, tz: ZoneInfo | None = None) -> OpportunityView:
        async with self.uow() as uow:
            opp, owner = await self._get_readable(uow.repo, actor, no)
            return await self._view(uow.repo, actor, opp, self.today(tz), with_stage_run=True, owner=owner)

    async def claim_once(self, key: str) -> bool:
        """True the first time `key` is claimed, on any replica: for side effects that must happen once."""
        async with self.uow(write=True) as uow:
            claimed = await uow.repo.claim_request(key)
            await uow.commit()
        return claimed

    async def shared_card(self, no: str) -> OpportunityView:
        """The card as a channel sees it: what the opportunity allows (its owner's view), nobody's rights
        in particular. Whoever clicks is checked on the click. For live copies and shared cards."""
        async with self.uow() as uow:
            opp = await self._get(uow.repo, no)
            owner = required(await uow.repo.salesperson(opp.salesperson_code), f"salesperson of {opp.no}")
            return await self._view(uow.repo, owner, opp, self.today(), with_stage_run=True, owner=owner)

    async def history(self, actor: Salesperson, no: str, tz: ZoneInfo | None = None) -> HistoryView:
        async with self.uow() as uow:
            opp, owner = await self._get_readable(uow.repo, actor, no)
            view = await self._view(uow.repo, actor, opp, self.today(tz), with_stage_run=True, owner=owner)
            return HistoryView(view=view, entries=await uow.repo.entries(opp.no))

    def widest_scope(self, actor: Salesperson) -> str:
        """`all`, `team` or `mine`: the most the read scope lets the actor see (App Home's team part)."""
        return default_scope(actor, self.read_scope)

    async def list_opportunities(
        self,
        actor: Salesperson,
        *,
        scope: str = "mine",
        stage: int | None = None,
        status: str | None = None,
        cycle: str | None = None,
        tz: ZoneInfo | None = None,
        offset: int = 0,
        limit: int = LIST_LIMIT,
    ) -> ListView:
        """One page of a list: stalled first, most overdue first (the stall scan's order: due date, then
        number), then the others by number. Ordered and cut in the store, so no page loses one."""
        if status is not None and status not in STATUS_FILTERS:
            raise DomainError("bad_status", status=status)
        statuses = (
            STATUS_FILTERS[status]
            if status
            else (OpportunityStatus.NOT_STARTED, OpportunityStatus.IN_PROGRESS)
        )
        offset, limit = max(offset, 0), min(max(limit, 1), LIST_LIMIT)
        today = self.today(tz)
        cycle_code = cycle.upper() if cycle else None
        async with self.uow() as uow:
            repo = uow.repo
            owners = await scope_owners(repo, actor, scope, self.read_scope)
            cutoffs = await self._stall_cutoffs(repo, today)
            stalled = (
                await self._stalled(repo, today, cutoffs, owners, stage=stage, cycle=cycle_code)
                if statuses is None or OpportunityStatus.IN_PROGRESS in statuses
                else []
            )
            wanted = [item.no for item in stalled[offset : offset + limit]]
            loaded = await repo.opportunities_by_no(wanted)
            opps = [loaded[no] for no in wanted if no in loaded]
            if len(wanted) < limit:
                others = await repo.list_opportunities(
                    owners=owners, statuses=statuses, stage=stage, cycle=cycle_code, not_stalled=cutoffs,
                    offset=max(offset - len(stalled), 0), limit=limit - len(wanted),
                )  # fmt: skip
                # Statements of one read may see a change committed in between: never show one twice.
                opps += [o for o in others if o.no not in loaded]
            total = len(stalled) + await repo.count_opportunities(
                owners=owners, statuses=statuses, stage=stage, cycle=cycle_code, not_stalled=cutoffs
            )
            views = await self._views(repo, actor, opps, today)
        return ListView(title_key=f"list_{scope if scope in ('mine', 'team', 'all') else 'owner'}",
                        scope=scope, items=views, truncated=offset + limit < total, total=total,
                        offset=offset, stalled=len(stalled))  # fmt: skip

    async def _get_readable(
        self, repo: Repository, actor: Salesperson, no: str
    ) -> tuple[Opportunity, Salesperson | None]:
        """An opportunity and its owner, refused when the read scope hides it from the actor."""
        opp = await self._get(repo, no)
        owner = await repo.salesperson(opp.salesperson_code)
        require_read(actor, owner, opp.no, self.read_scope)
        return opp, owner

    # --- views ------------------------------------------------------------------------------------
    async def _get(self, repo: Repository, no: str, *, for_update: bool = False) -> Opportunity:
        opp = await repo.opportunity(no.upper(), for_update=for_update)
        if opp is None:
            raise DomainError("not_found", no=no.upper())
        return opp

    async def _view(
        self,
        repo: Repository,
        actor: Salesperson,
        opp: Opportunity,
        today: date,
        *,
        with_stage_run: bool = False,
        cycle: SalesCycle | None = None,
        owner: Salesperson | None = None,
        run_start: date | None = None,
    ) -> OpportunityView:
        """One card; what the caller already loaded in this transaction is not read again."""
        cycle = cycle or await self._cycle_of(repo, opp)
        owner = owner or await repo.salesperson(opp.salesperson_code)
        contact = await repo.contact(opp.contact_no)
        if run_start is None and with_stage_run and opp.is_open:
            run_start = await repo.stage_run_start(opp.no)
        return self._make_view(actor, opp, cycle, owner, contact, today, run_start)

    async def _views(
        self, repo: Repository, actor: Salesperson, opps: Sequence[Opportunity], today: date
    ) -> list[OpportunityView]:
        """Many cards with a constant number of queries."""
        cycles = {c.code: c for c in await repo.cycles()}
        people = {p.code: p for p in await repo.salespeople()}
        contacts = await repo.contacts_by_no({o.contact_no for o in opps})
        runs = await repo.stage_run_starts(o.no for o in opps if o.is_open)
        return [
            self._make_view(
                actor,
                o,
                cycles[o.sales_cycle_code],
                people.get(o.salesperson_code),
                contacts.get(o.contact_no),
                today,
                runs.get(o.no),
            )
            for o in opps
        ]

    def _make_view(
        self,
        actor: Salesperson,
        opp: Opportunity,
        cycle: SalesCycle,
        owner: Salesperson | None,
        contact: Contact | None,
        today: date,
        run_start: date | None,
    ) -> OpportunityView:
        stage = cycle.stage(opp.current_stage)
        formula = stage.date_formula if stage else ""
        due = stall_due(formula, self.stall_default, opp.last_change_date) if opp.last_change_date else None
        position = cycle.stages.index(stage) + 1 if stage else None
        allowed = owner is not None and may_change(actor, owner)
        return OpportunityView(
            opp=opp,
            contact=contact,
            owner=owner,
            cycle=cycle,
            stage=stage,
            stage_position=position,
            actions=available_actions(opp, cycle) if allowed else (),
            quote_needed=quote_needed(opp, cycle),
            days_in_stage=(today - run_start).days if run_start and opp.is_open else None,
            stall_due=due if opp.is_open else None,
            days_overdue=days_overdue(opp, formula, self.stall_default, today),
            may_change=allowed,
            currency=self.currency,
        )

    async def _cycle_of(self, repo: Repository, opp: Opportunity) -> SalesCycle:
        return required(await repo.cycle(opp.sales_cycle_code), f"sales cycle of {opp.no}")
