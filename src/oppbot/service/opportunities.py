"""The use cases every adapter calls. Each is one transaction and checks who is asking."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oppbot.domain import actions
from oppbot.domain.actions import CloseInput, MoveInput, Outcome
from oppbot.domain.availability import available_actions, quote_needed
from oppbot.domain.creation import new_opportunity
from oppbot.domain.enums import ActionTaken, ActionType, OpportunityStatus, Priority
from oppbot.domain.errors import DomainError
from oppbot.domain.model import Contact, Opportunity, SalesCycle, Salesperson
from oppbot.domain.stall import days_overdue, stall_due
from oppbot.domain.text import clean_text
from oppbot.service.auth import ReadScope, may_change, require_admin, require_change, require_read
from oppbot.service.preferences import PreferencesMixin
from oppbot.service.reporting import ReportingMixin
from oppbot.service.scopes import default_scope, scope_owners
from oppbot.service.uow import UnitOfWork
from oppbot.service.views import (
    ActionResult,
    HistoryView,
    ListView,
    OpportunityView,
)
from oppbot.store.repository import Repository, required

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


def _cycle_refusal(cycle: SalesCycle, start: bool) -> DomainError | None:
    """Why `new` may not use a cycle: blocked, or without stages when it starts at once."""
    if cycle.blocked:
        return DomainError("cycle_blocked", cycle=cycle.code)
    if start and not cycle.stages:
        return DomainError("cycle_has_no_stages", cycle=cycle.code)
    return None


class OpportunityService(ReportingMixin, PreferencesMixin):
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        currency: str = "EUR",
        stall_default: str = "14D",
        timezone: ZoneInfo | None = None,
        clock: Callable[[], datetime] = _utcnow,
        read_scope: ReadScope = ReadScope.ALL,
    ) -> None:
        self.sessions = sessions
        self.read_scope = read_scope
        self.currency = currency
        self.stall_default = stall_default
        self.timezone = timezone or ZoneInfo("UTC")
        self.clock = clock
        # Called after every committed write (the event dispatcher's nudge); never raises.
        self.committed: list[Callable[[], None]] = []

    def uow(self, *, write: bool = False) -> UnitOfWork:
        return UnitOfWork(self.sessions, self.currency, write=write, after_commit=self._after_commit)

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
            return [c for c in await uow.repo.cycles() if _cycle_refusal(c, start) is None]

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

    # --- changes ----------------------------------------------------------------------------------
    async def create(
        self,
        actor: Salesperson,
        *,
        contact: str,
        description: str,
        cycle: str | None = None,
        value: Decimal | None = None,
        chances: int | None = None,
        close: date | None = None,
        owner: str | None = None,
        priority: Priority | str | None = None,
        start: bool = True,
        created: date | None = None,
        tz: ZoneInfo | None = None,
        request_key: str | None = None,
    ) -> ActionResult:
        """`new`: create, and by default activate the first stage in the same transaction."""
        # Forms send their fields here as typed: no control character may reach the store.
        contact = clean_text(contact or "")
        cycle = clean_text(cycle) if cycle else cycle
        owner = clean_text(owner) if owner else owner
        today = self.today(tz)
        async with self.uow(write=True) as uow:
            repo = uow.repo
            if request_key and not await repo.claim_request(request_key):
                raise DomainError("duplicate_request")
            the_contact = await self._resolve_contact(repo, contact)
            the_owner = actor if owner is None else await repo.salesperson(owner)
            if the_owner is None:
                raise DomainError("unknown_salesperson", code=owner)
            if not may_change(actor, the_owner):
                raise DomainError("not_allowed_owner", owner=the_owner.name)
            the_cycle = await self._resolve_cycle(repo, cycle, start)
            try:
                prio = Priority(priority) if priority else Priority.NORMAL
            except ValueError as exc:
                raise DomainError("bad_priority", priority=str(priority)) from exc
            creation = created or today
            opp = new_opportunity(
                description=description, contact=the_contact, salesperson_code=the_owner.code,
                cycle=the_cycle, creation_date=creation, priority=prio, value=value, chances=chances,
                close_date=close, currency=self.currency,
            )  # fmt: skip
            # The number is taken inside this transaction: if `first` fails below, the rollback
            # returns it, so a failed `new` creates nothing and consumes no number.
            opp.no = await repo.next_opportunity_no()
            await repo.add_opportunity(opp)
            outcome: Outcome | None = None
            if start:
                outcome = actions.start(opp, the_cycle, MoveInput(date_of_change=creation),
                                        today=creation, currency=self.currency, actor=actor.code)  # fmt: skip
                await repo.record_outcome(opp, outcome)
            view = await self._view(
                repo, actor, opp, today, with_stage_run=True, cycle=the_cycle, owner=the_owner,
                run_start=creation if outcome else None,
            )  # fmt: skip
            repo.add_event(opp, "new", actor.code)
            await uow.commit()
        return ActionResult(
            verb="new",
            view=view,
            entry=outcome.entry if outcome else None,
            tasks=tuple(t.activity_code for t in outcome.tasks) if outcome else (),
        )

    async def _resolve_contact(self, repo: Repository, text: str) -> Contact:
        text = (text or "").strip()
        if not text:
            raise DomainError("contact_required")
        found = await repo.contact(text)
        if found is not None:
            return found
        # The whole name, whatever its case and accents, wins over names that merely contain it.
        exact = await repo.contacts_named(text, limit=2)
        if len(exact) == 1:
            return exact[0]
        matches = await repo.find_contacts(text, limit=10)
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise DomainError("unknown_contact", contact=text)
        raise DomainError(
            "ambiguous_contact", contact=text, matches=[f"{c.no} {c.name}" for c in matches[:5]]
        )

    async def _resolve_cycle(self, repo: Repository, code: str | None, start: bool) -> SalesCycle:
        if code is None:
            usable = [c for c in await repo.cycles() if _cycle_refusal(c, start) is None]
            if len(usable) == 1:
                return usable[0]
            raise DomainError("cycle_required", cycles=[c.code for c in usable])
        cycle = await repo.cycle(code)
        if cycle is None:
            raise DomainError("unknown_cycle", cycle=code.upper())
        refusal = _cycle_refusal(cycle, start)
        if refusal is not None:
            raise refusal
        return cycle

    async def _change(
        self,
        actor: Salesperson,
        no: str,
        verb: str,
        apply: Callable[[Repository, Opportunity, SalesCycle], Awaitable[Outcome | None]],
        tz: ZoneInfo | None,
        request_key: str | None,
    ) -> ActionResult:
        """Load with a row lock, authorize, apply the domain rule, write everything in one transaction."""
        async with self.uow(write=True) as uow:
            repo = uow.repo
            opp = await self._get(repo, no, for_update=True)
            owner = required(await repo.salesperson(opp.salesperson_code), f"salesperson of {opp.no}")
            # Read first: a change's answer is the card, and "not_allowed" would name the owner.
            require_read(actor, owner, opp.no, self.read_scope)
            require_change(actor, owner, opp.no)
            if request_key and not await repo.claim_request(request_key):
                raise DomainError("duplicate_request", no=opp.no)
            cycle = await self._cycle_of(repo, opp)
            outcome = await apply(repo, opp, cycle)
            run_start = None
            if outcome is not None:
                await repo.record_outcome(opp, outcome)
                if outcome.entry.action_taken != ActionTaken.UPDATED:
                    run_start = outcome.entry.date_of_change  # the move itself starts the stage visit
            else:
                await repo.save_opportunity(opp)
            view = await self._view(
                repo, actor, opp, self.today(tz), with_stage_run=True, cycle=cycle, owner=owner,
                run_start=run_start,
            )  # fmt: skip
            repo.add_event(opp, verb, actor.code)
            await uow.commit()
        return ActionResult(
            verb=verb,
            view=view,
            entry=outcome.entry if outcome else None,
            overridden_chances=outcome.overridden_chances if outcome else None,
            tasks=tuple(t.activity_code for t in outcome.tasks) if outcome else (),
        )

    async def _cycle_of(self, repo: Repository, opp: Opportunity) -> SalesCycle:
        return required(await repo.cycle(opp.sales_cycle_code), f"sales cycle of {opp.no}")

    async def start(
        self, actor: Salesperson, no: str, inp: MoveInput | None = None, *,
        tz: ZoneInfo | None = None, request_key: str | None = None,
    ) -> ActionResult:  # fmt: skip
        today = self.today(tz)

        async def apply(repo: Repository, opp: Opportunity, cycle: SalesCycle) -> Outcome:
            return actions.start(
                opp, cycle, inp or MoveInput(), today=today, currency=self.currency, actor=actor.code
            )

        return await self._change(actor, no, "start", apply, tz, request_key)

    async def move(
        self, actor: Salesperson, no: str, action: ActionType, inp: MoveInput | None = None, *,
        tz: ZoneInfo | None = None, request_key: str | None = None,
    ) -> ActionResult:  # fmt: skip
        today = self.today(tz)

        async def apply(repo: Repository, opp: Opportunity, cycle: SalesCycle) -> Outcome:
            active = await repo.active_entry(opp.no)
            if active is None:
                # Checks 3-5 decide the error for opportunities without a ledger.
                actions.check_changeable(opp, (inp or MoveInput()).expected_version)
                raise DomainError("opportunity_not_started", no=opp.no)
            return actions.move(opp, cycle, active, action, inp or MoveInput(),
                                today=today, currency=self.currency, actor=actor.code)  # fmt: skip

        return await self._change(actor, no, action.value, apply, tz, request_key)

    async def close(
        self, actor: Salesperson, no: str, inp: CloseInput, *,
        tz: ZoneInfo | None = None, request_key: str | None = None,
    ) -> ActionResult:  # fmt: skip
        today = self.today(tz)

        async def apply(repo: Repository, opp: Opportunity, _cycle: SalesCycle) -> Outcome:
            active = await repo.active_entry(opp.no)
            if active is None:
                actions.check_changeable(opp, inp.expected_version)
                raise DomainError("opportunity_not_started", no=opp.no)
            codes = await repo.close_codes()
            return actions.close(
                opp, active, inp, codes, today=today, currency=self.currency, actor=actor.code
            )

        return await self._change(actor, no, "win" if inp.won else "lose", apply, tz, request_key)

    async def set_quote(
        self, actor: Salesperson, no: str, reference: str | None, *, expected_version: int | None = None,
        tz: ZoneInfo | None = None, request_key: str | None = None,
    ) -> ActionResult:  # fmt: skip
        async def apply(_repo: Repository, opp: Opportunity, _cycle: SalesCycle) -> None:
            actions.set_quote(opp, reference, expected_version)

        return await self._change(actor, no, "quote", apply, tz, request_key)
