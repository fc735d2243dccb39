"""The per-process set-up cache (store/setup_cache.py): two "replicas" (two engines, two services) on
one database; a set-up change made through one is seen by the other on its next unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from oppbot.domain.enums import ActionType
from oppbot.domain.feeds import Where
from oppbot.domain.model import Salesperson
from oppbot.service.feeds import FeedService
from oppbot.service.opportunities import OpportunityService
from oppbot.service.setup import load_demo, load_setup
from oppbot.store.engine import make_sessionmaker, upgrade_database
from oppbot.store.setup_cache import read_setup_version
from tests.dbfixtures import CURRENCY, STALL_DEFAULT, Clock, DbTarget

TEAM = "T0DEMO"


def replica(engine: AsyncEngine) -> OpportunityService:
    return OpportunityService(
        make_sessionmaker(engine), currency=CURRENCY, stall_default=STALL_DEFAULT, clock=Clock()
    )


@contextmanager
def counting(engine: AsyncEngine) -> Iterator[list[str]]:
    """The SQL statements `engine` runs inside the block."""
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        seen.append(statement)

    sa.event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine.sync_engine, "before_cursor_execute", record)


async def _replicas(db_target: DbTarget) -> tuple[AsyncEngine, OpportunityService, OpportunityService]:
    first_engine = db_target.new_engine()
    await upgrade_database(first_engine)
    first, second = replica(first_engine), replica(db_target.new_engine())
    await load_demo(second)
    return first_engine, first, second


async def _admin(service: OpportunityService) -> Salesperson:
    admin = await service.salesperson("OF")
    assert admin is not None
    return admin


async def test_cached_reads_cost_one_tiny_query(db_target: DbTarget) -> None:
    engine, first, _second = await _replicas(db_target)
    assert {c.code for c in await first.cycles()} >= {"EX-LARGE", "FIRSTLARGE"}
    await first.close_codes()
    await first.salespeople()
    with counting(engine) as seen:
        cycles = await first.cycles()
        codes = await first.close_codes()
        people = await first.salespeople()
    assert cycles and codes and people
    selects = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 3 and all("setup_version" in s for s in selects), seen
    assert first.setup_cache.hits >= 3


async def test_a_set_up_load_on_another_replica_is_seen_on_the_next_request(db_target: DbTarget) -> None:
    _engine, first, second = await _replicas(db_target)
    before = {c.code: c for c in await first.cycles()}
    assert before["EX-LARGE"].description == "Existing customer - Large acc."
    cycle = await first.show(await _admin(first), "OP000001")  # fills cycle and salesperson entries
    assert cycle is not None

    changed = {
        "sales_cycles": [
            {
                "code": "EX-LARGE",
                "description": "Renamed on the other replica",
                "probability_calculation": "multiply",
                "blocked": False,
                "stages": [
                    {
                        "stage": n,
                        "description": f"Step {n}",
                        "completed": c,
                        "chances": p,
                        "quote_required": False,
                        "allow_skip": True,
                    }
                    for n, c, p in ((1, 2, 10), (2, 35, 25), (3, 70, 60), (4, 85, 80), (5, 95, 100))
                ],
            }
        ]
    }
    await load_setup(second, changed, source="test")

    after = {c.code: c for c in await first.cycles()}
    assert after["EX-LARGE"].description == "Renamed on the other replica"
    assert [s.description for s in after["EX-LARGE"].stages][:2] == ["Step 1", "Step 2"]
    async with first.uow() as uow:
        single = await uow.repo.cycle("EX-LARGE")
    assert single is not None and single.description == "Renamed on the other replica"
    assert first.setup_cache.drops >= 1


async def test_identity_links_and_preferences_from_another_replica(db_target: DbTarget) -> None:
    _engine, first, second = await _replicas(db_target)
    assert await first.identify("slack", TEAM, "U0NEWBIE") is None  # "unknown" is cached too
    assert await first.identify("slack", TEAM, "U0NEWBIE") is None
    await second.link(await _admin(second), "slack", TEAM, "U0NEWBIE", "PS")
    found = await first.identify("slack", TEAM, "U0NEWBIE")
    assert found is not None and found.code == "PS"

    ps = await first.salesperson("PS")
    assert ps is not None
    assert (await first.preferences_of(ps)).timezone is None
    await second.set_preferences(ps, timezone="Europe/Rome")
    assert (await first.preferences_of(ps)).timezone == "Europe/Rome"


async def test_a_first_contact_link_invalidates_within_the_same_request(db_target: DbTarget) -> None:
    _engine, first, second = await _replicas(db_target)
    async with second.uow(write=True) as uow:
        await uow.repo.upsert_salesperson(Salesperson("NW", "New Person", "new.person@cronus.example"))
        await uow.commit()
    with first.request_scope():
        assert await first.identify("slack", TEAM, "U0NW") is None
        linked = await first.identify("slack", TEAM, "U0NW", "new.person@cronus.example")
        assert linked is not None and linked.code == "NW"
        again = await first.identify("slack", TEAM, "U0NW")  # same request, after its own link
        assert again is not None and again.code == "NW"


async def test_values_handed_out_are_copies(db_target: DbTarget) -> None:
    _engine, first, _second = await _replicas(db_target)
    cycles = await first.cycles()
    cycles[0].description = "scribbled"
    cycles[0].stages.clear()
    fresh = await first.cycles()
    assert fresh[0].description != "scribbled" and fresh[0].stages


async def test_a_rolled_back_set_up_change_keeps_the_version(db_target: DbTarget) -> None:
    engine, first, second = await _replicas(db_target)
    async with make_sessionmaker(engine)() as session:
        version = await read_setup_version(session)
    with pytest.raises(RuntimeError):
        async with second.uow(write=True) as uow:
            await uow.repo.upsert_salesperson(Salesperson("RB", "Rolled Back", None))
            raise RuntimeError("abandon")
    async with make_sessionmaker(engine)() as session:
        assert await read_setup_version(session) == version
    assert await first.salesperson("RB") is None


async def test_a_request_checks_the_version_once(db_target: DbTarget) -> None:
    engine, first, _second = await _replicas(db_target)
    ah = await first.identify("slack", TEAM, "U0DEMO1")
    assert ah is not None
    await first.preferences_of(ah)
    await first.cycles()
    with counting(engine) as seen, first.request_scope():
        assert await first.identify("slack", TEAM, "U0DEMO1") == ah
        await first.preferences_of(ah)
        await first.cycles()
    selects = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1 and "setup_version" in selects[0], seen


async def test_the_cache_does_not_grow_without_bound(
    db_target: DbTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    from oppbot.store import setup_cache

    monkeypatch.setattr(setup_cache, "MAX_ENTRIES", 5)
    _engine, first, _second = await _replicas(db_target)
    for n in range(12):  # strangers' clicks: each remembered as "not linked"
        assert await first.identify("slack", TEAM, f"U0STRANGER{n}") is None
    assert len(first.setup_cache._values) <= 5
    ah = await first.identify("slack", TEAM, "U0DEMO1")
    assert ah is not None and ah.code == "AH"


async def test_a_move_reads_each_row_it_changes_once(db_target: DbTarget) -> None:
    """The opportunity and its active entry are read once and written from what was read (no re-SELECT
    when the ORM saves them: the unit of work keeps those rows alive)."""
    engine, first, _second = await _replicas(db_target)
    admin = await _admin(first)
    await first.cycles()  # the set-up in the cache: what remains is the move's own work
    with counting(engine) as seen:
        result = await first.move(admin, "OP000001", ActionType.NEXT)
    assert result.entry is not None
    reads = [" ".join(s.split()) for s in seen if s.lstrip().upper().startswith("SELECT")]
    assert sum(s.startswith("SELECT opportunity.no") for s in reads) == 1, reads
    assert sum(s.startswith("SELECT opportunity_entry.entry_no") for s in reads) == 1, reads
    assert any(s.lstrip().upper().startswith("UPDATE OPPORTUNITY ") for s in seen), seen


async def test_feeds_are_set_up_a_change_nobody_follows_builds_no_card(db_target: DbTarget) -> None:
    engine, first, second = await _replicas(db_target)
    at = datetime.now(UTC)
    feeds = FeedService(first)
    await feeds.audience("OP000001", at)  # the feeds (none) now in the cache
    with counting(engine) as seen:
        assert await feeds.audience("OP000001", at) is None
    reads = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 1 and "setup_version" in reads[0], seen  # no feed query, no card built

    # A feed turned on through the other replica is seen on the next change here.
    jo = await second.salesperson("JO")
    assert jo is not None
    await FeedService(second).turn_on(
        jo, Where("slack", TEAM, "C0SALES"), scope="team", cycle=None, owner=None, locale="en"
    )
    found = await feeds.audience("OP000001", datetime.now(UTC))
    assert found is not None
    view, rules = found
    assert view.no == "OP000001" and [r.where.channel for r in rules] == ["C0SALES"]
