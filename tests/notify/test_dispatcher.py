"""Change events: written with the change, delivered after commit, once across dispatchers."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from oppbot.domain.actions import MoveInput
from oppbot.domain.enums import ActionType
from oppbot.domain.errors import DomainError
from oppbot.domain.events import ChangeEvent
from oppbot.notify.dispatcher import Dispatcher, Subscriber
from oppbot.service.opportunities import OpportunityService
from oppbot.store.engine import make_sessionmaker
from oppbot.store.events import EventStore
from tests.dbfixtures import DbTarget, People, Sessions


async def create(service: OpportunityService, people: People, description: str = "Deal") -> str:
    result = await service.create(
        people.ah, contact="CT000002", description=description, value=Decimal("1000"), cycle="NEW",
        close=date(2026, 12, 31),
    )  # fmt: skip
    return result.view.no


def recorder(into: list[ChangeEvent]) -> Subscriber:
    async def record(event: ChangeEvent) -> None:
        into.append(event)

    return record


async def drain(*dispatchers: Dispatcher) -> None:
    while sum(await asyncio.gather(*(d.run_once() for d in dispatchers))):
        pass


async def test_every_change_is_one_event_in_order(
    service: OpportunityService, sessions: Sessions, seeded: People
) -> None:
    no = await create(service, seeded)
    await service.set_quote(seeded.ah, no, "Q-1")
    await service.move(seeded.ah, no, ActionType.NEXT, MoveInput())
    with pytest.raises(DomainError):  # refused: no event
        await service.move(seeded.ah, no, ActionType.PREVIOUS, MoveInput(expected_version=1))
    seen: list[ChangeEvent] = []
    dispatcher = Dispatcher(EventStore(sessions))
    dispatcher.subscribe("record", recorder(seen))
    await drain(dispatcher)
    assert [(e.no, e.verb, e.actor) for e in seen] == [
        (no, "new", "AH"),
        (no, "quote", "AH"),
        (no, "next", "AH"),
    ]
    assert [e.version for e in seen] == sorted(e.version for e in seen)
    assert len({e.version for e in seen}) == 3
    assert await dispatcher.store.backlog() == 0  # delivered events are gone


async def test_two_dispatchers_on_two_engines_deliver_each_event_once(
    service: OpportunityService, db_target: DbTarget, engine: AsyncEngine, seeded: People
) -> None:
    numbers = await asyncio.gather(*(create(service, seeded, f"Deal {i}") for i in range(40)))
    seen: list[ChangeEvent] = []
    first = Dispatcher(EventStore(make_sessionmaker(engine)))
    second = Dispatcher(EventStore(make_sessionmaker(db_target.new_engine())))
    for d in (first, second):
        d.subscribe("record", recorder(seen))
    await drain(first, second)
    assert sorted(e.no for e in seen) == sorted(numbers)


async def test_a_claim_whose_dispatcher_died_is_delivered_after_its_lease(
    service: OpportunityService, sessions: Sessions, seeded: People
) -> None:
    no = await create(service, seeded)
    store = EventStore(sessions)
    held = await store.claim("dead-replica", lease=timedelta(milliseconds=200), limit=10)
    assert [e.no for e in held] == [no]
    seen: list[ChangeEvent] = []
    alive = Dispatcher(store)
    alive.subscribe("record", recorder(seen))
    assert await alive.run_once() == 0  # still leased to the dead one
    await asyncio.sleep(0.3)
    assert await alive.run_once() == 1
    assert [e.no for e in seen] == [no]
    assert await store.finish("dead-replica", [held[0].id]) == 0  # the late finisher removes nothing


async def test_a_failing_subscriber_does_not_stop_the_others(
    service: OpportunityService, sessions: Sessions, seeded: People, caplog: pytest.LogCaptureFixture
) -> None:
    await create(service, seeded)
    seen: list[ChangeEvent] = []

    async def broken(event: ChangeEvent) -> None:
        raise RuntimeError("boom")

    dispatcher = Dispatcher(EventStore(sessions))
    dispatcher.subscribe("broken", broken)
    dispatcher.subscribe("record", recorder(seen))
    assert await dispatcher.run_once() == 1
    assert len(seen) == 1
    assert "subscriber broken failed" in caplog.text


async def test_a_commit_wakes_the_running_dispatcher(
    service: OpportunityService, sessions: Sessions, seeded: People
) -> None:
    arrived = asyncio.Event()

    async def record(event: ChangeEvent) -> None:
        arrived.set()

    dispatcher = Dispatcher(EventStore(sessions), poll=60)  # only a wake-up can deliver in time
    dispatcher.subscribe("record", record)
    service.committed.append(dispatcher.wake)
    dispatcher.start()
    try:
        await asyncio.sleep(0.1)  # idle, waiting
        await create(service, seeded)
        await asyncio.wait_for(arrived.wait(), 5)
    finally:
        await dispatcher.stop()


async def test_a_stop_lets_the_batch_in_hand_finish(
    service: OpportunityService, sessions: Sessions, seeded: People
) -> None:
    """SIGTERM mid-delivery: the subscriber is not cancelled and the event is finished, not redelivered."""
    started, release = asyncio.Event(), asyncio.Event()
    finished: list[str] = []

    async def slow(event: ChangeEvent) -> None:
        started.set()
        await release.wait()
        finished.append(event.no)

    store = EventStore(sessions)
    dispatcher = Dispatcher(store)
    dispatcher.subscribe("slow", slow)
    service.committed.append(dispatcher.wake)
    no = await create(service, seeded)
    dispatcher.start()
    await asyncio.wait_for(started.wait(), 5)
    stopping = asyncio.create_task(dispatcher.stop())
    await asyncio.sleep(0.1)
    assert not stopping.done(), "the stop waits for the batch in hand"
    release.set()
    await asyncio.wait_for(stopping, 5)
    assert finished == [no]
    assert await store.backlog() == 0
