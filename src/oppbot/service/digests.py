"""A manager's digest (issue 14, "Digests"): the team's pipeline by stage, what changed in a period, the
stalled opportunities, those closing this month and a line per rep, plus a chart of the pipeline.

Everything is read in a constant number of set-based statements, however large the team: sums and
counts are grouped in SQL (exact, as the statistics are), the top items ranked there, and only the
few shown are loaded. The scheduler (or `digest now`) calls `DigestService.build` and hands the
`Direct` to the notifiers; nothing here knows a chat platform.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from oppbot.domain.enums import Role
from oppbot.domain.errors import DomainError
from oppbot.domain.model import Opportunity, SalesCycle, Salesperson
from oppbot.domain.statistics import Figures, Totals
from oppbot.notify.port import Direct, Image
from oppbot.service.opportunities import OpportunityService
from oppbot.service.reporting import ReportingMixin
from oppbot.service.scopes import default_scope
from oppbot.service.views import PipelineStage, PipelineView, StalledItem
from oppbot.store.digests import KINDS, Change, Closing, DigestQueries, Sums

DEFAULT_PERIOD = timedelta(days=7)
TOP_ITEMS = 10  # per list (changes of each kind, stalled, closing): the rest is a command away
TOP_REPS = 15
TOP_CYCLES = 6


@dataclass(frozen=True)
class RepLine:
    """One salesperson's line of the digest's table."""

    person: Salesperson
    figures: Figures  # their open pipeline (spec 6.2)
    stalled: int
    closing: Sums
    changes: dict[str, Sums]


@dataclass(frozen=True)
class Stalled:
    item: StalledItem
    opp: Opportunity | None  # its values (None if it was deleted meanwhile)


@dataclass(frozen=True)
class DigestView:
    """What a digest says, chat-neutral; replies.digest makes it a document."""

    manager: Salesperson
    scope: str  # "team" (a manager's), "all" (an admin's) or "mine"
    people: int  # how many salespeople it covers
    today: date  # in the manager's time zone
    start: date  # the period of the changes, both ends included
    end: date
    month_start: date
    month_end: date
    cycles: dict[str, SalesCycle]
    pipeline: PipelineView
    changes: dict[str, Sums]  # per kind (new, advanced, won, lost)
    top_changes: dict[str, list[Change]]
    stalled: int
    top_stalled: list[Stalled]
    closing: Sums
    top_closing: list[Closing]
    reps: list[RepLine]  # the largest pipelines first, at most TOP_REPS
    currency: str
    locale: str = "en"  # the chart's words: the manager's set locale (the document is in keys)

    def stage_label(self, cycle: str, stage: int | None) -> str:
        """`2 Presentation`, or the bare number when the stage is gone."""
        if stage is None:
            return ""
        found = self.cycles[cycle].stage(stage) if cycle in self.cycles else None
        return found.label if found else str(stage)


def _month(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def _scope(actor: Salesperson, service: OpportunityService) -> str:
    """A manager's digest covers the team, an admin's everyone, anyone else's their own; never more
    than the read scope lets them read (`OPPBOT_READ_SCOPE=own`: their own)."""
    if default_scope(actor, service.read_scope) == "mine":
        return "mine"
    return {Role.ADMIN: "all", Role.MANAGER: "team"}.get(actor.role, "mine")


class DigestService:
    def __init__(self, service: OpportunityService) -> None:
        self.service = service

    async def build(self, manager: str, *, since: datetime | None, now: datetime) -> Direct:
        """The digest of `manager` (a salesperson code) as of `now`, with the changes since `since`
        (None: the last 7 days), as a direct message to them with the pipeline chart."""
        view = await self.view(manager, since=since, now=now)
        # Imported here: matplotlib is loaded only by processes that send digests (and replies.digest
        # reads this module's view).
        from oppbot.replies.chart import pipeline_chart
        from oppbot.replies.digest import CHART_FILENAME, chart_title, digest_document

        # Drawing takes a few hundred milliseconds of CPU: off the event loop.
        png = await asyncio.to_thread(pipeline_chart, view.pipeline, view.locale, view.currency)
        image = Image(CHART_FILENAME, chart_title(view), png)
        return Direct(person=view.manager.code, document=digest_document(view), images=(image,))

    async def view(self, manager: str, *, since: datetime | None, now: datetime) -> DigestView:
        """The digest's figures. A constant number of statements for any team size."""
        if now.utcoffset() is None or (since is not None and since.utcoffset() is None):
            raise ValueError("a digest needs aware datetimes (now, since)")
        svc = self.service
        async with svc.uow() as uow:
            repo, digests = uow.repo, DigestQueries(uow.session)
            actor = await repo.salesperson(manager.upper())
            if actor is None:
                raise DomainError("unknown_salesperson", code=manager)
            prefs = await repo.preferences(actor.code)
            zone = ZoneInfo(prefs.effective_timezone(None, svc.timezone.key))
            today = now.astimezone(zone).date()
            start = min((since or now - DEFAULT_PERIOD).astimezone(zone).date(), today)
            month_start, month_end = _month(today)
            scope = _scope(actor, svc)
            if scope == "mine":
                people = [actor]
            else:
                people = await digests.people(None if scope == "all" else actor.code)
            owners = None if scope == "all" else [p.code for p in people]

            cycles = await repo.cycles()
            by_stage = await repo.stats.totals_by("cycle", "stage", owners=owners)
            by_person = await repo.stats.totals_by("salesperson", owners=owners)
            change_sums = await digests.change_sums(owners, start, today)
            top_changes = await digests.top_changes(owners, start, today, TOP_ITEMS)
            closing_sums = await digests.closing_sums(owners, month_start, month_end)
            top_closing = await digests.top_closing(owners, month_start, month_end, TOP_ITEMS)
            cutoffs = await svc._stall_cutoffs(repo, today)
            stalled = await svc._stalled(repo, today, cutoffs, owners)
            shown = await repo.opportunities_by_no(s.no for s in stalled[:TOP_ITEMS])

        currency = svc.currency
        per_kind = {kind: Sums() for kind in KINDS}
        for (kind, _owner), sums in change_sums.items():
            per_kind[kind] = per_kind[kind] + sums
        tops: dict[str, list[Change]] = {kind: [] for kind in KINDS}
        for change in top_changes:
            tops[change.kind].append(change)
        stalled_by = Counter(s.salesperson_code for s in stalled)
        reps = [
            RepLine(
                person=p,
                figures=Figures.from_totals(p.code, by_person.get((p.code,), Totals()), currency),
                stalled=stalled_by[p.code],
                closing=closing_sums.get(p.code, Sums()),
                changes={kind: change_sums.get((kind, p.code), Sums()) for kind in KINDS},
            )
            for p in people
        ]
        reps.sort(key=lambda r: (-r.figures.pipeline_calcd_value, -r.figures.pipeline_estimated_value,
                                 -r.stalled, r.person.code))  # fmt: skip
        return DigestView(
            manager=actor,
            scope=scope,
            people=len(people),
            today=today,
            start=start,
            end=today,
            month_start=month_start,
            month_end=month_end,
            cycles={c.code: c for c in cycles},
            pipeline=_pipeline(scope, cycles, by_stage, currency),
            changes=per_kind,
            top_changes=tops,
            stalled=len(stalled),
            top_stalled=[Stalled(s, shown.get(s.no)) for s in stalled[:TOP_ITEMS]],
            closing=sum(closing_sums.values(), Sums()),
            top_closing=top_closing,
            reps=reps[:TOP_REPS],
            currency=currency,
            locale=prefs.locale or "en",
        )


def _pipeline(
    scope: str, cycles: list[SalesCycle], by_stage: dict[tuple[Any, ...], Totals], currency: str
) -> PipelineView:
    """The team's open pipeline per cycle and stage, as the `pipeline` command figures it (without BC's
    average days, which are not about the team)."""
    parts: list[PipelineStage] = []
    total = Totals()
    for cycle in cycles:
        stage_totals = {stage: t for (code, stage), t in by_stage.items() if code == cycle.code}
        cycle_totals = sum(stage_totals.values(), Totals())
        if cycle_totals == Totals():
            continue
        total = total + cycle_totals
        stages = [ReportingMixin._stage_figures(cycle, s.stage, stage_totals, {}) for s in cycle.stages]
        parts.append(PipelineStage(cycle, stages, Figures.from_totals(cycle.code, cycle_totals, currency)))
    return PipelineView(scope, parts, Figures.from_totals(scope, total, currency), currency)
