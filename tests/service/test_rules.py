"""Service rules over the store: authorization, numbering, versions, failures, lists, identities, cards."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from oppbot.domain.actions import CloseInput, MoveInput
from oppbot.domain.enums import ActionType, OpportunityStatus, ProbabilityCalculation
from oppbot.domain.errors import DomainError
from oppbot.domain.model import OpportunityEntry, Salesperson, Task
from oppbot.service.opportunities import OpportunityService
from oppbot.service.uow import UnitOfWork
from tests.dbfixtures import CURRENCY, Clock, People, Sessions, build_cycle, seed_cycles
from tests.service.ledger import read_ledger, read_opportunity, read_tasks

D = date
CLOSE = D(2026, 12, 31)


async def new(
    service: OpportunityService,
    actor: Salesperson,
    *,
    cycle: str = "NEW",
    value: str | None = "1000",
    **kw: Any,
) -> str:
    result = await service.create(
        actor, contact="CT000002", description="Deal", cycle=cycle,
        value=None if value is None else Decimal(value), close=CLOSE, **kw,
    )  # fmt: skip
    return result.view.no


async def expect_error(code: str, call: Awaitable[Any]) -> DomainError:
    with pytest.raises(DomainError) as err:
        await call
    assert err.value.code == code, err.value
    return err.value


Snapshot = tuple[int, list[OpportunityEntry], list[Task]]


async def snapshot(sessions: Sessions, no: str) -> Snapshot:
    opp = await read_opportunity(sessions, no)
    return opp.version, await read_ledger(sessions, no), await read_tasks(sessions, no)


async def opportunity_numbers(sessions: Sessions) -> list[str]:
    async with UnitOfWork(sessions, CURRENCY, write=False) as uow:
        return [o.no for o in await uow.repo.list_opportunities()]


# --- authorization -------------------------------------------------------------------------------------
async def test_rep_cannot_move_another_reps_opportunity(
    service: OpportunityService, seeded: People, sessions: Sessions
) -> None:
    no = await new(service, seeded.ps)
    before = await snapshot(sessions, no)
    err = await expect_error("not_allowed", service.move(seeded.ah, no, ActionType.NEXT))
    assert err.params["no"] == no
    await expect_error(
        "not_allowed", service.close(seeded.ah, no, CloseInput(won=False, close_code="PRICE_L"))
    )
    await expect_error("not_allowed", service.set_quote(seeded.ah, no, "SQ-1"))
    assert await snapshot(sessions, no) == before


async def test_manager_moves_a_direct_reports_opportunity(
    service: OpportunityService, seeded: People, sessions: Sessions
) -> None:
    no = await new(service, seeded.ah)
    result = await service.move(seeded.jo, no, ActionType.NEXT)
    assert result.view.opp.current_stage == 2
    entries = await read_ledger(sessions, no)
    assert [(e.stage, e.created_by, e.salesperson_code) for e in entries] == [
        (1, "AH", "AH"),
        (2, "JO", "AH"),
    ]


async def test_admin_moves_anyones_opportunity(
    service: OpportunityService, seeded: People, sessions: Sessions
) -> None:
    no = await new(service, seeded.xx)
    await service.move(seeded.of, no, ActionType.NEXT)
    await service.close(seeded.of, no, CloseInput(won=False, close_code="WALKED_L"))
    opp = await read_opportunity(sessions, no)
    assert opp.status == OpportunityStatus.LOST
    assert [e.created_by for e in await read_ledger(sessions, no)] == ["XX", "OF", "OF"]


async def test_rep_without_manager_cannot_touch_others(
    service: OpportunityService, seeded: People, sessions: Sessions
) -> None:
    mine = await new(service, seeded.xx)
    theirs = await new(service, seeded.ah)
    before = await snapshot(sessions, theirs)
    await expect_error("not_allowed", service.move(seeded.xx, theirs, ActionType.NEXT))
    await expect_error("not_allowed", service.move(seeded.xx, theirs, ActionType.UPDATE))
    assert await snapshot(sessions, theirs) == before
    # ... but moves their own, and a manager of someone else cannot touch XX's
    await service.move(seeded.xx, mine, ActionType.NEXT)
    await expect_error("not_allowed", service.move(seeded.jo, mine, ActionType.NEXT))


async def test_rep_cannot_create_for_another_owner(
    service: OpportunityService, seeded: People, sessions: Sessions
) -> None:
    await expect_error("not_allowed_owner", new(service, seeded.ah, owner="PS"))
    await expect_error("not_allowed_owner", new(service, seeded.jo, owner="XX"))
    assert await opportunity_numbers(sessions) == []
    no = await new(service, seeded.jo, owner="AH")  # a manager for a direct report
    assert no == "OP000001"
    assert (await read_opportunity(sessions, no)).salesperson_code == "AH"
    assert [e.created_by for e in await read_ledger(sessions, no)] == ["JO"]


async def test_unknown_opportunity_is_not_found_before_authorization(
    service: OpportunityService, seeded: People
) -> None:
    await expect_error("not_found", service.move(seeded.xx, "op999999", ActionType.NEXT))


# --- creation and numbering ------------------------------------------------------------------------------
async def test_numbers_are_sequential(service: OpportunityService, seeded: People) -> None:
    numbers = [await new(service, p) for p in (seeded.ah, seeded.ps, seeded.jo, seeded.ah)]
    numbers.append(await new(service, seeded.ah, start=False))
    assert numbers == ["OP000001", "OP000002", "OP000003", "OP000004", "OP000005"]


async def test_new_with_failing_first_creates_nothing_and_keeps_the_number(
    service: OpportunityService, seeded: People, sessions: Sessions
) -> None:
    stages = ((1, "Lead", 5, 0, "INIT", False, False), (2, "Deal", 50, 50, None, False, False))
    zero = build_cycle("ZERO", "No default chances", ProbabilityCalculation.MULTIPLY, stages)
    await seed_cycles(sessions, zero)
    assert await new(service, seeded.ah) == "OP000001"
    await expect_error("chances_not_positive", new(service, seeded.ah, cycle="ZERO"))
    await expect_error("value_not_positive", new(service, seeded.ah, value=None))
    await expect_error("value_not_positive", new(service, seeded.ah, value="0"))
    await expect_error("close_date_required", service.create(seeded.ah, contact="CT000002", description="x",
                                                             cycle="NEW", value=Decimal(5)))  # fmt: skip
    assert await opportunity_numbers(sessions) == ["OP000001"]
    async with UnitOfWork(sessions, CURRENCY, write=False) as uow:
        assert await uow.repo.tasks("OP000002") == []
    # not started, the same inputs are kept as planned values
    assert await new(service, seeded.ah, cycle="ZERO", start=False) == "OP000002"
    assert await new(service, seeded.ah, cycle="ZERO", chances=30) == "OP000003"
    assert await opportunity_numbers(sessions) == ["OP000001", "OP000002", "OP000003"]


async def test_start_uses_the_planned_values(
    service: OpportunityService, seeded: People, sessions: Sessions, clock: Clock
) -> None:
    clock.set(D(2026, 10, 1))
    no = await new(service, seeded.ah, value="5000", chances=30, start=False)
    opp = await read_opportunity(sessions, no)
    assert (opp.status, opp.estimated_value, opp.chances_pct, opp.current_stage, opp.last_change_date) == (
        OpportunityStatus.NOT_STARTED, Decimal("5000"), 30, None, None,
    )  # fmt: skip
    assert await read_ledger(sessions, no) == []
    await expect_error("opportunity_not_started", service.move(seeded.ah, no, ActionType.NEXT))
    clock.set(D(2026, 10, 4))
    await service.start(seeded.ah, no)
    [entry] = await read_ledger(sessions, no)
    assert (entry.date_of_change, entry.estimated_value, entry.chances_pct, entry.estimated_close_date) == (
        D(2026, 10, 4), Decimal("5000"), 30, CLOSE,
    )  # fmt: skip
    await expect_error("already_started", service.start(seeded.ah, no))


# --- versions and atomic failures ----------------------------------------------------------------------
async def test_stale_expected_version_writes_nothing(
    service: OpportunityService, seeded: People, sessions: Sessions
) -> None:
    no = await new(service, seeded.ah)
    version = (await read_opportunity(sessions, no)).version
    await service.move(seeded.ah, no, ActionType.NEXT, MoveInput(expected_version=version))
    before = await snapshot(sessions, no)
    assert before[0] == version + 1
    await expect_error("changed_meanwhile", service.move(seeded.ah, no, ActionType.NEXT,
                                                         MoveInput(expected_version=version)))  # fmt: skip
    await expect_error("changed_meanwhile", service.set_quote(seeded.ah, no, "SQ", expected_version=version))
    await expect_error("changed_meanwhile", service.close(seeded.ah, no, CloseInput(
        won=True, close_code="PRICE_W", expected_version=version)))  # fmt: skip
    assert await snapshot(sessions, no) == before
    assert (await read_opportunity(sessions, no)).quote_ref is None


@pytest.mark.parametrize(
    ("action", "inp", "code"),
    [
        (ActionType.PREVIOUS, MoveInput(), "no_previous_stage"),
        (ActionType.JUMP, MoveInput(target_stage=1), "jump_not_possible"),
        (ActionType.NEXT, MoveInput(date_of_change=D(2026, 9, 30)), "date_before_last_change"),
        (ActionType.NEXT, MoveInput(chances_pct=101), "chances_out_of_range"),
        (ActionType.NEXT, MoveInput(estimated_value=Decimal("-1")), "value_not_positive"),
        (ActionType.UPDATE, MoveInput(estimated_close_date=D(2026, 10, 1)), "close_date_before_change"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
async def test_a_failing_move_changes_nothing(
    service: OpportunityService, seeded: People, sessions: Sessions, clock: Clock,
    action: ActionType, inp: MoveInput, code: str,
) -> None:  # fmt: skip
    clock.set(D(2026, 10, 1))
    no = await new(service, seeded.ah)
    clock.set(D(2026, 10, 5))
    before = await snapshot(sessions, no)
    await expect_error(code, service.move(seeded.ah, no, action, inp))
    assert await snapshot(sessions, no) == before


async def test_quote_required_blocks_only_forward_moves_into_the_stage(
    service: OpportunityService, seeded: People, sessions: Sessions
) -> None:
    no = await new(service, seeded.ah)
    await service.move(seeded.ah, no, ActionType.NEXT)  # NEW stage 2
    before = await snapshot(sessions, no)
    await expect_error("quote_required", service.move(seeded.ah, no, ActionType.NEXT))
    await expect_error("quote_required", service.move(seeded.ah, no, ActionType.SKIP))
    assert await snapshot(sessions, no) == before
    await service.set_quote(seeded.ah, no, "SQ-1")
    await service.move(seeded.ah, no, ActionType.NEXT)
    await service.set_quote(seeded.ah, no, None)  # clearing blocks only the next such move
    assert (await read_opportunity(sessions, no)).quote_ref is None
    await service.move(seeded.ah, no, ActionType.PREVIOUS)
    await expect_error("quote_required", service.move(seeded.ah, no, ActionType.NEXT))


# --- lists ----------------------------------------------------------------------------------------------
@pytest.fixture
async def portfolio(service: OpportunityService, seeded: People, clock: Clock) -> dict[str, str]:
    """AH: in progress + not started + won; PS: in progress + lost; JO: in progress; XX: in progress."""
    clock.set(D(2026, 10, 1))
    numbers = {
        "ah_open": await new(service, seeded.ah),
        "ah_planned": await new(service, seeded.ah, start=False),
        "ah_won": await new(service, seeded.ah),
        "ps_open": await new(service, seeded.ps),
        "ps_lost": await new(service, seeded.ps),
        "jo_open": await new(service, seeded.jo),
        "xx_open": await new(service, seeded.xx),
    }
    await service.close(seeded.ah, numbers["ah_won"], CloseInput(won=True, close_code="PRICE_W"))
    await service.close(seeded.ps, numbers["ps_lost"], CloseInput(won=False, close_code="PRICE_L"))
    return numbers


async def listed(service: OpportunityService, actor: Salesperson, **kw: Any) -> list[str]:
    return sorted(v.no for v in (await service.list_opportunities(actor, **kw)).items)


async def test_list_scopes(service: OpportunityService, seeded: People, portfolio: dict[str, str]) -> None:
    n = portfolio
    assert await listed(service, seeded.ah) == sorted([n["ah_open"], n["ah_planned"]])
    team = sorted([n["ah_open"], n["ah_planned"], n["ps_open"], n["jo_open"]])
    assert await listed(service, seeded.jo, scope="team") == team
    assert await listed(service, seeded.ah, scope="team") == team  # a rep's team is their manager's
    assert await listed(service, seeded.xx, scope="team") == [n["xx_open"]]
    assert await listed(service, seeded.of, scope="all") == sorted([*team, n["xx_open"]])
    assert await listed(service, seeded.of, scope="team") == sorted([*team, n["xx_open"]])
    assert await listed(service, seeded.jo, scope="ps") == [n["ps_open"]]
    await expect_error("unknown_salesperson", service.list_opportunities(seeded.jo, scope="NOBODY"))


async def test_list_status_filters(
    service: OpportunityService, seeded: People, portfolio: dict[str, str]
) -> None:
    n = portfolio
    assert await listed(service, seeded.of, scope="all", status="won") == [n["ah_won"]]
    assert await listed(service, seeded.of, scope="all", status="lost") == [n["ps_lost"]]
    assert await listed(service, seeded.of, scope="all", status="closed") == sorted(
        [n["ah_won"], n["ps_lost"]]
    )
    assert await listed(service, seeded.of, scope="all", status="not_started") == [n["ah_planned"]]
    assert await listed(service, seeded.of, scope="all", status="open") == sorted(
        [n["ah_open"], n["ps_open"], n["jo_open"], n["xx_open"]]
    )
    assert len(await listed(service, seeded.of, scope="all", status="all")) == 7
    assert await listed(service, seeded.ah, status="all") == sorted(
        [n["ah_open"], n["ah_planned"], n["ah_won"]]
    )
    assert await listed(service, seeded.of, scope="all", stage=1, cycle="new", status="open") == sorted(
        [n["ah_open"], n["ps_open"], n["jo_open"], n["xx_open"]]
    )
    await expect_error("bad_status", service.list_opportunities(seeded.of, status="stalled"))


async def test_list_puts_stalled_first(
    service: OpportunityService, seeded: People, sessions: Sessions, clock: Clock
) -> None:
    clock.set(D(2026, 10, 1))
    older = await new(service, seeded.ah)
    clock.set(D(2026, 10, 20))
    newer = await new(service, seeded.ah)
    await service.move(seeded.ah, newer, ActionType.NEXT)
    clock.set(D(2026, 10, 16))
    fresh = await new(service, seeded.ah)
    clock.set(D(2026, 10, 21))
    items = (await service.list_opportunities(seeded.ah)).items
    assert [(v.no, v.stalled, v.days_overdue) for v in items] == [(older, True, 6), (newer, False, None),
                                                                  (fresh, False, None)]  # fmt: skip
    del sessions


async def test_list_days_in_stage_ignores_updates(
    service: OpportunityService, seeded: People, clock: Clock
) -> None:
    clock.set(D(2026, 10, 1))
    no = await new(service, seeded.ah)
    clock.set(D(2026, 10, 5))
    await service.move(seeded.ah, no, ActionType.UPDATE, MoveInput(estimated_value=Decimal("2000")))
    clock.set(D(2026, 10, 8))
    card = await service.show(seeded.ah, no)
    [item] = (await service.list_opportunities(seeded.ah)).items
    assert card.days_in_stage == 7
    assert item.days_in_stage == card.days_in_stage


# --- identities -----------------------------------------------------------------------------------------
async def test_identify_by_stored_identity_and_by_email(
    service: OpportunityService, seeded: People, sessions: Sessions
) -> None:
    assert await service.identify("slack", "T1", "U1") is None
    await expect_error("admin_only", service.link(seeded.ah, "slack", "T1", "U1", "AH"))
    linked = await service.link(seeded.of, "slack", "T1", "U1", "ah")
    assert linked.code == "AH"
    found = await service.identify("slack", "T1", "U1")
    assert found is not None and found.code == "AH"
    # by email (case-insensitive), linked for next time
    by_mail = await service.identify("slack", "T1", "U2", email=" PS@Example.com ")
    assert by_mail is not None and by_mail.code == "PS"
    async with UnitOfWork(sessions, CURRENCY, write=False) as uow:
        assert await uow.repo.identities("PS") == [("slack", "T1", "U2")]
    again = await service.identify("slack", "T1", "U2")
    assert again is not None and again.code == "PS"
    # the stored identity wins over a different email; the same user on another team is someone else
    still = await service.identify("slack", "T1", "U2", email="jo@example.com")
    assert still is not None and still.code == "PS"
    assert await service.identify("slack", "T2", "U2") is None
    assert await service.identify("teams", "", "aad-1", email="nobody@example.com") is None
    async with UnitOfWork(sessions, CURRENCY, write=False) as uow:
        assert await uow.repo.salesperson_by_identity("teams", "", "aad-1") is None


# --- the card ---------------------------------------------------------------------------------------------
async def test_show_not_started(service: OpportunityService, seeded: People) -> None:
    no = await new(service, seeded.ah, start=False)
    view = await service.show(seeded.ah, no)
    assert (view.stage_position, view.stage_count, view.actions) == (None, 5, ("start",))
    assert (view.quote_needed, view.days_in_stage, view.days_overdue, view.stall_due) == (
        False,
        None,
        None,
        None,
    )
    assert view.may_change and not view.stalled


async def test_show_in_progress(service: OpportunityService, seeded: People, clock: Clock) -> None:
    clock.set(D(2026, 10, 1))
    no = await new(service, seeded.ah)
    view = await service.show(seeded.ah, no)
    assert (view.stage_position, view.stage_count) == (1, 5)
    assert view.actions == ("next", "update", "quote", "win", "lose")
    assert (view.quote_needed, view.days_in_stage, view.stall_due) == (False, 0, D(2026, 10, 15))

    clock.set(D(2026, 10, 6))
    await service.move(seeded.ah, no, ActionType.NEXT)
    clock.set(D(2026, 10, 9))
    await service.move(seeded.ah, no, ActionType.UPDATE, MoveInput(chances_pct=30))
    clock.set(D(2026, 10, 24))
    view = await service.show(seeded.ah, no)
    assert (view.stage_position, view.opp.current_stage) == (2, 2)
    assert view.actions == ("next", "previous", "skip", "update", "quote", "win", "lose")
    assert view.skip_targets == (3, 4)
    assert view.quote_needed  # stage 3 needs a quote, none set
    assert view.days_in_stage == 18  # since the move on 10-06, not the update on 10-09
    assert (view.stall_due, view.days_overdue, view.stalled) == (D(2026, 10, 23), 1, True)

    await service.set_quote(seeded.ah, no, "SQ-9")
    await service.move(seeded.ah, no, ActionType.SKIP, MoveInput(target_stage=4))
    view = await service.show(seeded.ah, no)
    assert view.stage_position == 4
    assert view.actions == ("next", "previous", "jump", "update", "quote", "win", "lose")
    assert view.jump_targets == (1, 2, 3)
    assert (view.quote_needed, view.days_in_stage, view.days_overdue) == (False, 0, None)

    # someone who may not change it sees no actions
    other = await service.show(seeded.ps, no)
    assert (other.may_change, other.actions) == (False, ())
    manager = await service.show(seeded.jo, no)
    assert manager.may_change and manager.actions == view.actions


async def test_show_closed(service: OpportunityService, seeded: People) -> None:
    no = await new(service, seeded.ah)
    await service.close(seeded.ah, no, CloseInput(won=False, close_code="WALKED_L", close_reason="Too far"))
    view = await service.show(seeded.ah, no)
    assert (view.actions, view.stage_position, view.days_in_stage, view.days_overdue) == (
        (),
        None,
        None,
        None,
    )
    assert (view.opp.status, view.opp.close_reason, view.opp.calcd_current_value) == (
        OpportunityStatus.LOST, "Too far", Decimal("0"),
    )  # fmt: skip
    history = await service.history(seeded.ah, no)
    assert [e.action_taken.value for e in history.entries] == ["lost", "first"]  # newest first
