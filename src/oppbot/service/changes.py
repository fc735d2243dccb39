"""The changing half of OpportunityService: create, move, close, quote. Each is one transaction that
locks the opportunity, checks who is asking, applies the domain rule and writes the change, its ledger
entry and its change event together."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from oppbot.domain import actions
from oppbot.domain.actions import CloseInput, MoveInput, Outcome
from oppbot.domain.creation import new_opportunity
from oppbot.domain.enums import ActionTaken, ActionType, Priority
from oppbot.domain.errors import DomainError
from oppbot.domain.model import Contact, Opportunity, SalesCycle, Salesperson
from oppbot.domain.text import clean_text
from oppbot.service.auth import ReadScope, may_change, require_change, require_read
from oppbot.service.uow import UnitOfWork
from oppbot.service.views import ActionResult, OpportunityView
from oppbot.store.repository import Repository, required


def cycle_refusal(cycle: SalesCycle, start: bool) -> DomainError | None:
    """Why `new` may not use a cycle: blocked, or without stages when it starts at once."""
    if cycle.blocked:
        return DomainError("cycle_blocked", cycle=cycle.code)
    if start and not cycle.stages:
        return DomainError("cycle_has_no_stages", cycle=cycle.code)
    return None


class ChangesMixin:
    currency: str
    read_scope: ReadScope

    def uow(self, *, write: bool = False) -> UnitOfWork:
        raise NotImplementedError

    def today(self, tz: ZoneInfo | None = None) -> date:
        raise NotImplementedError

    async def _get(self, repo: Repository, no: str, *, for_update: bool = False) -> Opportunity:
        raise NotImplementedError

    async def _cycle_of(self, repo: Repository, opp: Opportunity) -> SalesCycle:
        raise NotImplementedError

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
        raise NotImplementedError

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
            usable = [c for c in await repo.cycles() if cycle_refusal(c, start) is None]
            if len(usable) == 1:
                return usable[0]
            raise DomainError("cycle_required", cycles=[c.code for c in usable])
        cycle = await repo.cycle(code)
        if cycle is None:
            raise DomainError("unknown_cycle", cycle=code.upper())
        refusal = cycle_refusal(cycle, start)
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
