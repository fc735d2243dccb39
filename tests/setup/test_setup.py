"""Set-up files and the demo data (conventions.md "Set-up file", "Demo data"; opportunities.md 8)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from oppbot.domain.enums import ActionTaken, OpportunityStatus, Role
from oppbot.domain.errors import DomainError
from oppbot.service.opportunities import OpportunityService
from oppbot.service.setup import SLACK, TEAMS, SetupError, demo_path, load_demo, load_setup
from oppbot.store.engine import make_engine, make_sessionmaker, upgrade_database
from oppbot.store.orm import Base
from tests.spec_data import CLOSE_CODE_ROWS, CYCLES, STAGE_ROWS

TODAY = date(2026, 11, 24)

ACTIVITIES = {
    "C-PRES": "Company Presentation tasks",
    "INIT": "Initial tasks",
    "NEEDS": "Understanding needs tasks",
    "P-PRES": "Product Presentation",
    "PROPOSAL": "Proposal tasks",
    "P-WORK": "Presentation/Workshop",
    "QUAL": "Qualification tasks",
    "SIGN": "Sign Contract tasks",
    "WORKSHOP": "Workshop tasks",
}

# opportunities.md 4.2: (cycle, from stage) -> skip targets; every other (cycle, stage) has none.
SKIP_TARGETS = {
    ("EX-LARGE", 1): [2, 3, 4],
    ("EX-LARGE", 2): [3, 4],
    ("EX-SMALL", 1): [2, 3],
    ("FIRSTLARGE", 4): [5, 6, 7],
    ("FIRSTLARGE", 5): [6, 7],
    ("FIRSTSMALL", 2): [3, 4],
    ("EXISTING", 1): [2, 3],
    ("NEW", 2): [3, 4],
}

# conventions.md's example set-up file, verbatim (two long lines continued with a backslash).
CONVENTIONS_EXAMPLE = """\
currency: EUR
salespeople:
  - {code: JO, name: Jim Olive, email: jim.olive@cronus.example, role: manager,
     slack: [{team: T0DEMO, user: U0DEMO3}], teams: [00000000-0000-4000-8000-000000000003]}
  - {code: AH, name: Annette Hill, email: annette.hill@cronus.example, role: rep, manager: JO,
     slack: [{team: T0DEMO, user: U0DEMO1}], teams: [00000000-0000-4000-8000-000000000001]}
contacts:
  - {number: CT000001, type: company, name: Cronus Cardoxy Procurement, email: buy@cardoxy.example}
  - {number: CT000002, type: person, name: Rosa Bianchi, company: CT000001, phone: "+39 02 555 0101"}
close_codes:
  - {code: PRICE, type: lost, description: Price too high}
  - {code: BUSINESS, type: won, description: Business won}
sales_cycles:
  - code: EXAMPLE            # an illustration of the format; the demo's real cycles are in opportunities.md
    description: Example cycle
    probability_calculation: multiply      # multiply | add | chances | completed
    blocked: false
    stages:
      - {stage: 1, description: Initial, completed: 2, chances: 0, date_formula: 1W}
      - {stage: 2, description: Understanding needs, completed: 10, chances: 25, date_formula: 2W, \
allow_skip: true}
      - {stage: 3, description: Proposal, completed: 50, chances: 50, quote_required: true, \
activity_code: PROPOSAL}
opportunities:   # optional, for demos: created and moved through the service, so the ledger is real
  - {description: Office chairs, contact: CT000002, owner: AH, cycle: EXAMPLE, value: 12000,
     chances: 40, close: 2026-12-31, priority: normal, stage: 2, created: 2026-10-01}
"""


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[OpportunityService]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/t.db")
    await upgrade_database(engine)
    sessions = make_sessionmaker(engine)
    yield OpportunityService(sessions, currency="EUR", clock=lambda: datetime(2026, 11, 24, 12, tzinfo=UTC))
    await engine.dispose()


async def snapshot(service: OpportunityService) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (but the request log's timestamps): "changes nothing" means equal."""
    result: dict[str, list[tuple[Any, ...]]] = {}
    async with service.uow() as uow:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if c.name != "created_at"]
            rows = await uow.session.execute(sa.select(*columns).order_by(*table.primary_key.columns))
            result[table.name] = [tuple(r) for r in rows]
    return result


async def row_counts(service: OpportunityService) -> dict[str, int]:
    return {name: len(rows) for name, rows in (await snapshot(service)).items()}


async def admin(service: OpportunityService) -> Any:
    person = await service.salesperson("OF")
    assert person is not None
    return person


# --- the demo ---------------------------------------------------------------------------------------
async def test_demo_file_ships_in_the_package() -> None:
    assert demo_path().is_file()
    assert demo_path().name == "demo.yaml"


async def test_demo_loads_bc_setup_exactly(service: OpportunityService) -> None:
    report = await load_demo(service)
    assert report.counts["sales_cycles"] == 6
    assert report.counts["stages"] == 30
    assert report.counts["close_codes"] == 18
    assert report.counts["activities"] == 9
    assert report.counts["salespeople"] == 4
    assert report.counts["opportunities"] == 12

    cycles = {c.code: c for c in await service.cycles()}
    assert [(c.code, c.description, c.probability_calculation) for c in cycles.values()] == sorted(CYCLES)
    assert not any(c.blocked for c in cycles.values())
    stages = [
        (s.sales_cycle_code, s.stage, s.description, s.completed_pct, s.chances_pct, s.activity_code,
         s.quote_required, s.allow_skip)
        for c in cycles.values() for s in c.stages
    ]  # fmt: skip
    assert sorted(stages) == sorted(row[:8] for row in STAGE_ROWS)
    assert all(s.date_formula == "" for c in cycles.values() for s in c.stages)
    codes = sorted((c, t.value, d) for c, t, d in CLOSE_CODE_ROWS)
    assert sorted(await service.close_codes()) == codes
    async with service.uow() as uow:
        activities = await uow.repo.activities()
    assert {a.code: a.description for a in activities.values()} == ACTIVITIES


async def test_demo_skip_targets_match_the_spec_table(service: OpportunityService) -> None:
    await load_demo(service)
    for cycle in await service.cycles():
        for stage in cycle.stages:
            targets = [s.stage for s in cycle.skip_targets(stage.stage)]
            assert targets == SKIP_TARGETS.get((cycle.code, stage.stage), []), (cycle.code, stage.stage)


async def test_demo_salespeople_and_identities(service: OpportunityService) -> None:
    await load_demo(service)
    people = {p.code: p for p in await service.salespeople()}
    expected = {
        "JO": ("Jim Olive", Role.MANAGER, None, "U0DEMO3", 3),
        "AH": ("Annette Hill", Role.REP, "JO", "U0DEMO1", 1),
        "PS": ("Peter Saddow", Role.REP, "JO", "U0DEMO2", 2),
        "OF": ("Otis Falls", Role.ADMIN, None, "U0DEMO4", 4),
    }
    assert set(people) == set(expected)
    async with service.uow() as uow:
        for code, (name, role, manager, slack_user, n) in expected.items():
            person = people[code]
            assert (person.name, person.role, person.manager_code) == (name, role, manager)
            assert person.email == name.lower().replace(" ", ".") + "@cronus.example"
            aad = f"00000000-0000-4000-8000-00000000000{n}"
            assert sorted(await uow.repo.identities(code)) == sorted(
                [(SLACK, "T0DEMO", slack_user), (TEAMS, "", aad)]
            )
            found = await uow.repo.salesperson_by_identity(SLACK, "T0DEMO", slack_user)
            assert found is not None and found.code == code
            found = await uow.repo.salesperson_by_identity(TEAMS, "", aad)
            assert found is not None and found.code == code


async def test_demo_opportunities_have_real_ledgers(service: OpportunityService) -> None:
    await load_demo(service)
    async with service.uow() as uow:
        opps = await uow.repo.list_opportunities()
        ledgers = {o.no: await uow.repo.entries(o.no, newest_first=False) for o in opps}
        tasks = {o.no: await uow.repo.tasks(o.no) for o in opps}
        contacts = await uow.repo.find_contacts("", limit=100)
    assert len(opps) == 12
    assert len(contacts) >= 8
    assert all(c.company_no for c in contacts)  # every person has a company; a company is its own
    by_status: dict[OpportunityStatus, int] = {}
    for opp in opps:
        by_status[opp.status] = by_status.get(opp.status, 0) + 1
        entries = ledgers[opp.no]
        if opp.status == OpportunityStatus.NOT_STARTED:
            assert entries == []
            continue
        assert entries[0].action_taken == ActionTaken.FIRST
        assert entries[0].date_of_change == opp.creation_date
        assert [e.active for e in entries] == [False] * (len(entries) - 1) + [True]
        dates = [e.date_of_change for e in entries]
        assert dates == sorted(dates) and dates[-1] == opp.last_change_date
        assert dates[-1] <= TODAY
        assert all(e.action_taken == ActionTaken.NEXT for e in entries[1:-1])
        assert tasks[opp.no], opp.no
        if opp.closed:
            assert entries[-1].action_taken.value == opp.status.value
            assert opp.date_closed == entries[-1].date_of_change and opp.close_code
            assert all(t.status.value == "cancelled" for t in tasks[opp.no])
    assert by_status == {
        OpportunityStatus.IN_PROGRESS: 7,
        OpportunityStatus.NOT_STARTED: 1,
        OpportunityStatus.WON: 2,
        OpportunityStatus.LOST: 2,
    }
    owners = {o.salesperson_code for o in opps}
    assert {"AH", "PS", "JO"} <= owners
    assert len({o.sales_cycle_code for o in opps}) >= 4
    won = [o for o in opps if o.status == OpportunityStatus.WON]
    assert {o.calcd_current_value for o in won} == {Decimal("17250.00"), Decimal("11000.00")}


async def test_demo_has_stalled_and_fresh_opportunities(service: OpportunityService) -> None:
    await load_demo(service)
    stalled = await service.stalled_opportunities(TODAY)
    assert len(stalled) >= 3
    assert all(item.days_overdue >= 1 for item in stalled)
    async with service.uow() as uow:
        open_ = await uow.repo.list_opportunities(statuses=[OpportunityStatus.IN_PROGRESS])
    fresh = {o.no for o in open_} - {item.no for item in stalled}
    assert len(fresh) >= 2
    # The demo's dates are relative: loaded on another day it looks the same.


async def test_demo_dates_are_relative_to_the_load_day(service: OpportunityService) -> None:
    await load_demo(service, today=date(2027, 3, 1))
    stalled = await service.stalled_opportunities(date(2027, 3, 1))
    assert len(stalled) >= 3
    async with service.uow() as uow:
        opps = await uow.repo.list_opportunities()
    assert max(o.creation_date for o in opps) == date(2027, 2, 28)


async def test_demo_twice_changes_nothing(service: OpportunityService) -> None:
    await load_demo(service)
    before = await snapshot(service)
    report = await load_demo(service)
    assert await snapshot(service) == before
    assert report.counts["opportunities_skipped"] == 12
    assert all(n == 0 for key, n in report.counts.items() if key != "opportunities_skipped")


# --- other files ------------------------------------------------------------------------------------
async def test_conventions_example_loads_on_top_of_the_demo(service: OpportunityService) -> None:
    await load_demo(service)
    report = await load_setup(service, CONVENTIONS_EXAMPLE, actor=await admin(service))
    assert report.counts["sales_cycles"] == 1
    assert report.counts["stages"] == 3
    assert report.counts["close_codes"] == 2
    assert report.counts["opportunities"] == 1
    cycle = {c.code: c for c in await service.cycles()}["EXAMPLE"]
    assert [s.date_formula for s in cycle.stages] == ["1W", "2W", ""]
    async with service.uow() as uow:
        [opp] = await uow.repo.list_opportunities(cycle="EXAMPLE")
        entries = await uow.repo.entries(opp.no, newest_first=False)
        rosa = await uow.repo.contact("CT000002")
    assert (opp.description, opp.current_stage, opp.chances_pct) == ("Office chairs", 2, 40)
    assert opp.creation_date == date(2026, 10, 1) and opp.estimated_close_date == date(2026, 12, 31)
    assert [e.stage for e in entries] == [1, 2]
    assert entries[0].chances_pct == 40  # stage 1's default is 0: the given chances start it
    assert rosa is not None and rosa.company_no == "CT000001" and rosa.phone == "+39 02 555 0101"
    # Keys left out keep their stored values: the example gives Rosa no email.
    assert rosa.email == "rosa.bianchi@cardoxy.example"


async def test_conventions_example_loads_on_an_empty_database(service: OpportunityService) -> None:
    """The example's stage 3 names PROPOSAL without an activities section: the activity is created."""
    report = await load_setup(service, CONVENTIONS_EXAMPLE)
    assert report.counts["opportunities"] == 1
    async with service.uow() as uow:
        activities = await uow.repo.activities()
    assert activities["PROPOSAL"].description == "PROPOSAL"


async def test_json_and_dict_input(service: OpportunityService) -> None:
    text = '{"activities": [{"code": "init", "description": "Initial tasks"}]}'
    assert (await load_setup(service, text)).counts["activities"] == 1
    report = await load_setup(service, {"activities": [{"code": "QUAL", "description": "Qualification"}]})
    assert report.counts["activities"] == 1
    async with service.uow() as uow:
        assert set(await uow.repo.activities()) == {"INIT", "QUAL"}


async def test_upsert_by_code_updates_only_what_is_given(service: OpportunityService) -> None:
    await load_demo(service)
    text = """\
close_codes:
  - {code: " price_w ", description: Cheapest offer}
sales_cycles:
  - code: new
    description: Brand-new customer
salespeople:
  - {code: ps, name: Peter Saddow-Smith}
"""
    report = await load_setup(service, text)
    assert report.counts["close_codes"] == 1
    assert report.counts["sales_cycles"] == 1 and report.counts["stages"] == 0
    assert report.counts["salespeople"] == 1
    assert ("PRICE_W", "won", "Cheapest offer") in await service.close_codes()
    new = {c.code: c for c in await service.cycles()}["NEW"]
    assert new.description == "Brand-new customer"
    assert len(new.stages) == 5 and new.probability_calculation.value == "chances"
    peter = await service.salesperson("PS")
    assert peter is not None
    assert (peter.name, peter.role, peter.manager_code) == ("Peter Saddow-Smith", Role.REP, "JO")
    assert peter.email == "peter.saddow@cronus.example"
    # The same file again changes nothing.
    before = await snapshot(service)
    again = await load_setup(service, text)
    assert await snapshot(service) == before
    assert not any(again.counts.values())


async def test_stage_list_replaces_stored_stages(service: OpportunityService) -> None:
    await load_demo(service)
    text = """\
sales_cycles:
  - code: EX-SMALL
    stages:
      - {stage: 1, description: Initial, completed: 2, chances: 20, activity_code: INIT, allow_skip: true}
      - {stage: 2, description: Presentation, completed: 50, chances: 40, allow_skip: false}
      - {stage: 3, description: Proposal}
"""
    report = await load_setup(service, text)
    assert report.counts["stages_deleted"] == 1
    assert report.counts["stages"] == 1  # stage 2 no longer allows skip
    cycle = {c.code: c for c in await service.cycles()}["EX-SMALL"]
    assert [s.stage for s in cycle.stages] == [1, 2, 3]
    assert not cycle.stages[1].allow_skip
    # A listed stage's keys left out keep their stored values.
    assert cycle.stages[1].activity_code == "P-WORK"
    assert (cycle.stages[2].completed_pct, cycle.stages[2].quote_required) == (80, True)


async def test_removing_a_stage_in_use_is_refused(service: OpportunityService) -> None:
    await load_demo(service)  # "Conference room furniture" is open on NEW stage 4
    before = await snapshot(service)
    text = """\
activities:
  - {code: DEMO, description: Written first then rolled back}
sales_cycles:
  - code: NEW
    stages:
      - {stage: 1, description: Initial, completed: 2, chances: 10}
      - {stage: 2, description: Qualification, completed: 5, chances: 20}
"""
    with pytest.raises(SetupError) as caught:
        await load_setup(service, text)
    message = str(caught.value)
    assert "sales_cycles[0].stages (line 5): stage 4 can't be removed: OP000001 is open on it" in message
    assert await snapshot(service) == before


async def test_setup_load_is_for_admins(service: OpportunityService) -> None:
    await load_demo(service)
    annette = await service.salesperson("AH")
    assert annette is not None
    with pytest.raises(DomainError) as caught:
        await load_setup(service, "activities: [{code: X}]", actor=annette)
    assert caught.value.code == "admin_only"
    report = await load_setup(service, "activities: [{code: X}]", actor=await admin(service))
    assert report.counts["activities"] == 1


async def test_opportunity_failure_rolls_back_the_master_data_too(service: OpportunityService) -> None:
    await load_demo(service)
    before = await snapshot(service)
    text = """\
activities:
  - {code: NEWACT, description: Not kept}
opportunities:
  - {description: Too cheap, contact: CT000004, owner: AH, cycle: NEW, value: 100, close: +10D,
     created: -5D, stage: 2, moved: -1D, chances: 100}
  - {description: No close date, contact: CT000004, owner: AH, cycle: NEW, value: 100}
"""
    with pytest.raises(SetupError) as caught:
        await load_setup(service, text)
    assert "opportunities[1] (line 6): needs `close:`" in str(caught.value)
    assert await snapshot(service) == before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "contacts:\n  - {no: CT000102, type: company, name: Oops}\n",
            "contacts[0].no (line 2): YAML reads the key `no` as true/false (did you mean `number`?)",
            id="no-key",
        ),
        pytest.param("currency: USD\n", "currency (line 1): the file is in USD", id="currency"),
        pytest.param(
            "salespeople:\n  - {code: ZZ, name: Z, role: boss}\n",
            "salespeople[0].role (line 2): must be one of rep, manager, admin",
            id="role",
        ),
        pytest.param(
            "salespeople:\n  - {code: ZZ, name: Zed, manager: AH}\n",
            "salespeople[0].manager (line 2): AH is not a manager (role rep)",
            id="manager-not-a-manager",
        ),
        pytest.param(
            "close_codes:\n  - {code: A1, type: won}\n  - {code: a1, type: lost}\n",
            "close_codes[1].code (line 3): A1 is listed twice (also close_codes[0])",
            id="duplicate-code",
        ),
        pytest.param(
            "sales_cycles:\n  - {code: EXTRA, stages: [{stage: 1, date_formula: -1W}]}\n",
            "sales_cycles[0].stages[0].date_formula (line 2): must be a date formula",
            id="negative-formula",
        ),
        pytest.param(
            "opportunities:\n  - {description: X, contact: CT000004, owner: AH, cycle: NEW, value: 5,\n"
            "     close: +9D, stage: 3, created: -3D}\n",
            "opportunities[0].quote (line 2): stage 3 Presentation needs a quote",
            id="quote-missing",
        ),
        pytest.param(
            "opportunities:\n  - {description: X, contact: CT000004, owner: AH, cycle: NEW, value: 5,\n"
            "     close: +9D, created: sometime}\n",
            "opportunities[0].created (line 3): must be a date (2026-10-01) or a date formula",
            id="bad-date",
        ),
        pytest.param(
            "opportunities:\n  - {description: X, contact: CT000004, owner: AH, cycle: NEW, value: 5,\n"
            "     close: +9D, status: won, code: PRICE_L}\n",
            "opportunities[0].code (line 3): PRICE_L is a lost code",
            id="wrong-close-code",
        ),
        pytest.param("sales_cycles:\n  - code: [\n", "(file) (line 3): not valid YAML", id="bad-yaml"),
        pytest.param("- just a list\n", "(file): must be a mapping of sections", id="not-a-mapping"),
    ],
)
async def test_bad_file_changes_nothing(service: OpportunityService, text: str, expected: str) -> None:
    await load_demo(service)
    before = await snapshot(service)
    with pytest.raises(SetupError) as caught:
        await load_setup(service, text, source="bad.yaml")
    assert expected in str(caught.value), str(caught.value)
    assert caught.value.source == "bad.yaml"
    assert await snapshot(service) == before


async def test_every_problem_is_reported_at_once(service: OpportunityService) -> None:
    text = """\
activities:
  - {code: A, description: ok}
  - {code: has space}
close_codes:
  - {code: X, type: maybe}
"""
    with pytest.raises(SetupError) as caught:
        await load_setup(service, text)
    assert caught.value.errors == [
        "activities[1].code (line 3): must be a code of 1-10 characters without spaces",
        "close_codes[0].type (line 5): must be one of won, lost",
    ]
    counts = await row_counts(service)
    assert counts.pop("number_series") == 1  # the series row comes with the schema
    assert counts.pop("setup_version") == 1  # and the set-up version row (migration 0009)
    assert counts == {name: 0 for name in counts}
