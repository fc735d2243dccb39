"""Read-only figures: the stall scan, the pipeline per stage and the statistics (spec 6 and 7)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from oppbot.domain.enums import Role
from oppbot.domain.errors import DomainError
from oppbot.domain.model import SalesCycle, Salesperson
from oppbot.domain.stall import stall_due, stalled_before
from oppbot.domain.statistics import Figures, SalespersonLedgerFigures, StageFigures, Totals, average_days
from oppbot.service.auth import ReadScope
from oppbot.service.scopes import default_scope, scope_owners
from oppbot.service.uow import UnitOfWork
from oppbot.service.views import PipelineStage, PipelineView, StalledItem, StatsView
from oppbot.store.repository import Repository


class ReportingMixin:
    """The reporting half of OpportunityService; every figure set is a constant number of statements."""

    currency: str
    stall_default: str
    read_scope: ReadScope

    def uow(self, *, write: bool = False) -> UnitOfWork:
        raise NotImplementedError

    async def stalled_opportunities(
        self, as_of: date, owners: Sequence[str] | None = None
    ) -> list[StalledItem]:
        """All stalled opportunities as of a date, ordered by due date then number (spec 7)."""
        async with self.uow() as uow:
            return await self._stalled(uow.repo, as_of, await self._stall_cutoffs(uow.repo, as_of), owners)

    async def _stall_cutoffs(self, repo: Repository, as_of: date) -> dict[str, date]:
        """Per stall formula in use, the first date of last change that is not stalled as of `as_of`."""
        formulas = await repo.stage_formulas()
        return {f: stalled_before(f or self.stall_default, as_of) for f in formulas | {""}}

    async def _stalled(
        self,
        repo: Repository,
        as_of: date,
        cutoffs: dict[str, date],
        owners: Sequence[str] | None,
        *,
        stage: int | None = None,
        cycle: str | None = None,
    ) -> list[StalledItem]:
        """The stall scan: most overdue first (due date, then number); lists reuse it too."""
        rows = await repo.stalled_candidates(cutoffs, owners, stage=stage, cycle=cycle)
        # Few distinct (formula, last change) pairs exist: compute each due date once.
        due_dates: dict[tuple[str, date], date] = {}
        items: list[StalledItem] = []
        for no, description, owner, code, current, last_change, formula in rows:
            due = due_dates.get((formula, last_change))
            if due is None:
                due = due_dates[(formula, last_change)] = stall_due(formula, self.stall_default, last_change)
            if as_of > due:
                items.append(
                    StalledItem(no, description, owner, code, current, last_change, due, (as_of - due).days)
                )
        # Rows come oldest change first, so this sort is nearly linear when stages share one formula.
        items.sort(key=lambda i: (i.stall_due, i.no))
        return items

    async def pipeline(self, actor: Salesperson, scope: str = "mine") -> PipelineView:
        """Open pipeline per cycle and stage, with BC's Average No. of Days per stage."""
        async with self.uow() as uow:
            repo = uow.repo
            owners = await scope_owners(repo, actor, scope, self.read_scope)
            cycles = await repo.cycles()
            by_stage = await repo.stats.totals_by("cycle", "stage", owners=owners)
            days = await repo.stats.stage_days()
        parts: list[PipelineStage] = []
        total = Totals()
        for cycle in cycles:
            stage_totals = {stage: t for (code, stage), t in by_stage.items() if code == cycle.code}
            cycle_totals = sum(stage_totals.values(), Totals())
            if cycle_totals == Totals():
                continue
            total = total + cycle_totals
            stages = [self._stage_figures(cycle, s.stage, stage_totals, days) for s in cycle.stages]
            figures = Figures.from_totals(cycle.code, cycle_totals, self.currency)
            parts.append(PipelineStage(cycle, stages, figures))
        return PipelineView(scope, parts, Figures.from_totals(scope, total, self.currency), self.currency)

    async def team_pipeline(self, actor: Salesperson) -> PipelineView | None:
        """App Home's team part: a manager's or an admin's team pipeline when the read scope lets
        them see beyond their own opportunities; None for everyone else."""
        if actor.role not in (Role.MANAGER, Role.ADMIN) or default_scope(actor, self.read_scope) == "mine":
            return None
        return await self.pipeline(actor, "team")

    @staticmethod
    def _stage_figures(
        cycle: SalesCycle,
        stage: int,
        totals: dict[int | None, Totals],
        days: dict[tuple[str, int], tuple[int, int]],
    ) -> StageFigures:
        t = totals.get(stage, Totals())
        described = cycle.stage(stage)
        return StageFigures(
            stage=stage,
            description=described.description if described else "",
            open=t.open,
            pipeline_estimated_value=t.pipeline_estimated_value,
            pipeline_calcd_value=t.pipeline_calcd_value,
            avg_days=average_days(*days.get((cycle.code, stage), (0, 0))),
        )

    async def stats(
        self, actor: Salesperson, *, cycle: str | None = None, owner: str | None = None, team: bool = False
    ) -> StatsView:
        """oppbot's figures overall, per cycle and per salesperson, plus BC's Salesperson Statistics."""
        async with self.uow() as uow:
            repo = uow.repo
            scope = owner.upper() if owner else ("team" if team else default_scope(actor, self.read_scope))
            owners = await scope_owners(repo, actor, scope, self.read_scope)
            cycle_code = cycle.upper() if cycle else None
            if cycle_code and await repo.cycle(cycle_code) is None:
                raise DomainError("unknown_cycle", cycle=cycle_code)
            overall = (await repo.stats.totals_by(owners=owners, cycle=cycle_code)).get((), Totals())
            per_cycle = await repo.stats.totals_by("cycle", owners=owners, cycle=cycle_code)
            per_person = await repo.stats.totals_by("salesperson", owners=owners, cycle=cycle_code)
            ledger = await repo.stats.salesperson_ledger(owners)
        fig = Figures.from_totals
        return StatsView(
            scope=scope if not cycle_code else f"{scope}/{cycle_code}",
            overall=fig(scope, overall, self.currency),
            by_cycle=[fig(code, t, self.currency) for (code,), t in sorted(per_cycle.items())],
            by_salesperson=[fig(code, t, self.currency) for (code,), t in sorted(per_person.items())],
            ledger=[
                SalespersonLedgerFigures.from_sums(code, n, est, calcd, self.currency)
                for code, (n, est, calcd) in sorted(ledger.items())
            ],
            currency=self.currency,
        )
