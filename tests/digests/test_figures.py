"""A digest's numbers on the data set of spec 6.3 (built through the service), exact to the cent, on
SQLite and PostgreSQL: the pipeline by stage, the changes of a period, the stalled opportunities, those
closing this month and the line per person."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from oppbot.domain.actions import CloseInput
from oppbot.domain.enums import ActionType
from oppbot.domain.errors import DomainError
from oppbot.replies.document import Note, Report, Table
from oppbot.replies.format import Formatter
from oppbot.replies.text import render_document
from oppbot.service.auth import ReadScope
from oppbot.service.digests import DigestService, DigestView
from oppbot.service.opportunities import OpportunityService
from oppbot.store.digests import Sums
from tests.dbfixtures import Clock, People, Sessions
from tests.service.dataset import build_dataset

D = Decimal
NOV_5 = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)
OCT_15 = datetime(2026, 10, 15, 8, 0, tzinfo=UTC)


@pytest.fixture
async def dataset(service: OpportunityService, clock: Clock, seeded: People) -> list[str]:
    return await build_dataset(service, clock, seeded)


def stage_rows(view: DigestView) -> dict[tuple[str, int], tuple[int, Decimal, Decimal]]:
    return {
        (part.cycle.code, s.stage): (s.open, s.pipeline_estimated_value, s.pipeline_calcd_value)
        for part in view.pipeline.cycles
        for s in part.stages
        if s.open
    }


async def test_pipeline_by_stage_and_totals(dataset: list[str], service: OpportunityService) -> None:
    view = await DigestService(service).view("JO", since=OCT_15, now=NOV_5)
    assert view.scope == "team" and view.people == 3
    assert stage_rows(view) == {
        ("EXISTING", 1): (1, D("7500.00"), D("150.00")),
        ("EXISTING", 2): (1, D("10000.00"), D("5000.00")),
        ("NEW", 2): (1, D("30000.00"), D("7500.00")),
    }
    total = view.pipeline.total
    assert (total.open, total.pipeline_estimated_value, total.pipeline_calcd_value) == (
        3,
        D("47500.00"),
        D("12650.00"),
    )
    # Spec 6.3's team figures: the same numbers as `stats team`.
    assert (total.not_started, total.won, total.lost, total.won_value) == (1, 1, 2, D("4200.00"))


async def test_changes_since(dataset: list[str], service: OpportunityService) -> None:
    """From 15 Oct to 5 Nov: E10 lost (PRICE_L), E11 and E13 forward moves, E14 won for 4,200.00,
    OP000006 and OP000007 created. E12 (a first entry) is no advance."""
    view = await DigestService(service).view("JO", since=OCT_15, now=NOV_5)
    assert (view.start, view.end) == (date(2026, 10, 15), date(2026, 11, 5))
    assert view.changes == {
        "new": Sums(2, D("35000"), D("7500")),
        "advanced": Sums(2, D("34000"), D("10700")),
        "won": Sums(1, D("4000"), D("4200")),
        "lost": Sums(1, D("12000"), D("0")),
    }
    new = view.top_changes["new"]
    assert [(c.no, c.estimated_value, c.stage, c.day) for c in new] == [
        ("OP000006", D("30000"), 2, date(2026, 10, 20)),
        ("OP000007", D("5000"), None, date(2026, 11, 1)),
    ]
    advanced = view.top_changes["advanced"]
    assert [(c.no, c.from_stage, c.stage, c.salesperson_code) for c in advanced] == [
        ("OP000006", 1, 2, "JO"),
        ("OP000004", 2, 3, "AH"),
    ]
    (won,) = view.top_changes["won"]
    assert (won.no, won.calcd_current_value, won.close_code, won.day) == (
        "OP000004",
        D("4200"),
        "PRICE_W",
        date(2026, 11, 2),
    )
    (lost,) = view.top_changes["lost"]
    assert (lost.no, lost.estimated_value, lost.close_code) == ("OP000002", D("12000"), "PRICE_L")


async def test_a_reason_and_several_moves_in_the_period(
    dataset: list[str], service: OpportunityService, clock: Clock, seeded: People
) -> None:
    """An opportunity moved twice in the period is one advanced opportunity, from its first stage
    left to its last reached; a lost one shows the reason given."""
    clock.set(date(2026, 11, 6))
    await service.move(seeded.jo, "OP000005", ActionType.NEXT)  # 1 → 2 (PS is in JO's team)
    clock.set(date(2026, 11, 7))
    await service.set_quote(seeded.jo, "OP000005", "SQ-5")
    await service.move(seeded.jo, "OP000005", ActionType.NEXT)  # 2 → 3
    clock.set(date(2026, 11, 8))
    await service.close(
        seeded.ah, "OP000003", CloseInput(won=False, close_code="WALKED_L", close_reason="Went with a rival")
    )
    now = datetime(2026, 11, 9, 9, 0, tzinfo=UTC)
    view = await DigestService(service).view("JO", since=datetime(2026, 11, 6, 9, 0, tzinfo=UTC), now=now)
    assert view.changes["advanced"] == Sums(1, D("7500"), D("6000"))
    (adv,) = view.top_changes["advanced"]
    assert (adv.no, adv.from_stage, adv.stage) == ("OP000005", 1, 3)
    (lost,) = view.top_changes["lost"]
    assert (lost.no, lost.close_code, lost.close_reason) == ("OP000003", "WALKED_L", "Went with a rival")
    assert view.changes["won"] == Sums() and view.changes["new"] == Sums()
    direct = await DigestService(service).build("JO", since=datetime(2026, 11, 6, tzinfo=UTC), now=now)
    text = render_document(direct.document, Formatter("en", "EUR"))
    assert "Lost: 1 · €10,000.00" in text and "WALKED_L: Went with a rival" in text, text
    assert "OP000005 EXISTING deal · 1 Initial → 3 Proposal" in text, text


async def test_stalled_and_closing_this_month(dataset: list[str], service: OpportunityService) -> None:
    """As of 10 Dec 2026 (14D default): OP000003 due 22 Oct, OP000005 due 26 Oct, OP000006 due 10 Nov;
    all three close on 31 Dec 2026, this month."""
    now = datetime(2026, 12, 10, 7, 0, tzinfo=UTC)
    view = await DigestService(service).view("JO", since=None, now=now)
    assert view.start == date(2026, 12, 3)  # the last 7 days
    assert view.stalled == 3
    assert [(s.item.no, s.item.days_overdue, s.opp and s.opp.estimated_value) for s in view.top_stalled] == [
        ("OP000003", 49, D("10000")),
        ("OP000005", 45, D("7500")),
        ("OP000006", 30, D("30000")),
    ]
    assert (view.month_start, view.month_end) == (date(2026, 12, 1), date(2026, 12, 31))
    assert view.closing == Sums(3, D("47500"), D("12650"))
    assert [(c.no, c.calcd_current_value) for c in view.top_closing] == [
        ("OP000006", D("7500")),
        ("OP000003", D("5000")),
        ("OP000005", D("150")),
    ]
    # In November none of them closes this month, and OP000006 is not stalled yet on 5 Nov.
    november = await DigestService(service).view("JO", since=None, now=NOV_5)
    assert november.closing == Sums() and november.top_closing == []
    overdue = [(s.item.no, s.item.days_overdue) for s in november.top_stalled]
    assert overdue == [("OP000003", 14), ("OP000005", 10)]


async def test_this_month_is_the_managers(
    dataset: list[str], service: OpportunityService, seeded: People
) -> None:
    """At 23:30 UTC on 30 Nov it is already 1 Dec in Rome: December's closings, and December's stall ages."""
    await service.set_preferences(seeded.jo, timezone="Europe/Rome")
    now = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    view = await DigestService(service).view("JO", since=None, now=now)
    assert view.today == date(2026, 12, 1)
    assert view.closing.count == 3
    utc = await DigestService(service).view("AH", since=None, now=now)
    assert utc.today == date(2026, 11, 30) and utc.closing.count == 0


async def test_per_person(dataset: list[str], service: OpportunityService) -> None:
    view = await DigestService(service).view("JO", since=OCT_15, now=NOV_5)
    got = [
        (
            r.person.code,
            r.figures.open,
            r.figures.pipeline_estimated_value,
            r.figures.pipeline_calcd_value,
            r.stalled,
            {k: s.count for k, s in r.changes.items() if s.count},
        )
        for r in view.reps
    ]
    assert got == [
        ("JO", 1, D("30000.00"), D("7500.00"), 0, {"new": 1, "advanced": 1}),
        ("AH", 1, D("10000.00"), D("5000.00"), 1, {"new": 1, "advanced": 1, "won": 1}),
        ("PS", 1, D("7500.00"), D("150.00"), 1, {"lost": 1}),
    ]


async def test_whose_digest(dataset: list[str], service: OpportunityService, sessions: Sessions) -> None:
    """An admin's covers everyone, a rep's their own; under OPPBOT_READ_SCOPE=own a manager's too."""
    everyone = await DigestService(service).view("OF", since=OCT_15, now=NOV_5)
    assert everyone.scope == "all" and everyone.people == 5
    assert everyone.pipeline.total.open == 3
    own = await DigestService(service).view("ah", since=OCT_15, now=NOV_5)
    assert own.scope == "mine" and own.pipeline.total.pipeline_estimated_value == D("10000.00")
    assert own.changes["lost"] == Sums()
    strict = OpportunityService(sessions, currency="EUR", read_scope=ReadScope.OWN, clock=service.clock)
    mine = await DigestService(strict).view("JO", since=OCT_15, now=NOV_5)
    assert mine.scope == "mine" and mine.pipeline.total.open == 1
    with pytest.raises(DomainError):
        await DigestService(service).view("NOBODY", since=None, now=NOV_5)
    with pytest.raises(ValueError):
        await DigestService(service).view("JO", since=None, now=NOV_5.replace(tzinfo=None))


async def test_document_says_the_figures(dataset: list[str], service: OpportunityService) -> None:
    direct = await DigestService(service).build("JO", since=OCT_15, now=NOV_5)
    assert direct.person == "JO"
    doc = direct.document
    assert isinstance(doc, Report) and isinstance(doc.parts[0], Note)
    assert all(isinstance(p, Table) for p in doc.parts[1:])
    text = render_document(doc, Formatter("en", "EUR"))
    for expected in (
        "Team digest · Jim Olive · Nov 5, 2026",
        "3 open · €47,500.00 (weighted €12,650.00) · 2 stalled · 0 closing this month · 3 people",
        "Changes from Oct 15, 2026 to Nov 5, 2026",
        "New: 2 · €35,000.00",
        "Advanced: 2 · €34,000.00",
        "Won: 1 · €4,200.00",
        "Lost: 1 · €12,000.00",
        "OP000004 EXISTING deal · €4,200.00 · PRICE_W",
        "OP000006 NEW deal · 1 Initial → 2 Qualification · €30,000.00 · Oct 27, 2026 · JO",
        "OP000007 NEW deal · not started · €5,000.00 · Nov 1, 2026 · AH",
        "Stalled: 2",
        "OP000003 EXISTING deal · 2 Presentation · stalled, 14 days overdue · €10,000.00 · AH",
        "Nothing is due to close this month.",
        "Jim Olive (JO): 1 open · €30,000.00 · weighted €7,500.00 · 0 stalled · 0 closing",
    ):
        assert expected in text, text
    italian = render_document(doc, Formatter("it", "EUR")).replace("\xa0", " ")
    assert "Riepilogo del team · Jim Olive" in italian and "Vinte: 1 · 4.200,00 €" in italian, italian
