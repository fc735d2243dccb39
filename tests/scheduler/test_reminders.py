"""Stall reminders, escalations, snoozes and to-dos with a controlled clock, on SQLite and PostgreSQL.

The passes are driven the way the scheduler drives them (scan, then send), at chosen instants; what
reached the recording notifier is what a person would have read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from oppbot import grammar
from oppbot.bot import Bot, Context
from oppbot.domain.actions import CloseInput, MoveInput
from oppbot.domain.enums import ActionType, ProbabilityCalculation
from oppbot.domain.model import Salesperson
from oppbot.notify.port import Direct, DirectNotifiers, RetryLater, Unreachable
from oppbot.replies.document import Card
from oppbot.replies.model import CardReply
from oppbot.service.notifications import LEASE, NotificationService
from oppbot.service.opportunities import OpportunityService
from oppbot.store.notifications import SENDING
from tests.dbfixtures import Clock, People, Sessions, build_cycle, seed_cycles
from tests.scheduler.conftest import Recorder, at, new_opportunity

ANY_TIME = {"working_hours": "00:00-24:00", "working_days": "all"}
MONDAY = date(2027, 1, 4)


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12, 0), tzinfo=UTC)


def every(step: timedelta, start: datetime, stop: datetime) -> Iterator[datetime]:
    """The instants from `start` (included) to `stop` (excluded), `step` apart."""
    moment = start
    while moment < stop:
        yield moment
        moment += step


@dataclass
class Desk:
    """The service at a clock the test moves, the scheduler's passes, and what reached people."""

    service: OpportunityService
    notifications: NotificationService
    notifiers: DirectNotifiers
    recorder: Recorder
    clock: Clock

    async def prefer(self, person: Salesperson, **preferences: str) -> None:
        await self.service.set_preferences(person, **preferences)

    async def deal(self, owner: Salesperson, day: date, cycle: str = "NEW") -> str:
        """A new opportunity of `owner`'s, created (and last changed) at noon UTC on `day`."""
        return await new_opportunity(self.service, self.clock, owner, day, cycle=cycle)

    async def tick(self, moment: datetime, notifiers: DirectNotifiers | None = None) -> int:
        """One scheduler pass at `moment` (the clock set to it): queue what is due, send it; how many
        messages went out."""
        at(self.clock, moment)
        await self.notifications.scan_reminders(moment)
        await self.notifications.scan_todos(moment)
        report = await self.notifications.send_due(notifiers or self.notifiers, "test", now=moment)
        return sum(report.sent.values())

    async def sent_by_tick(self, moment: datetime) -> list[Direct]:
        """The messages one scheduler pass at `moment` sent."""
        before = len(self.recorder.sent)
        await self.tick(moment)
        return self.recorder.sent[before:]


@pytest.fixture
def desk(
    service: OpportunityService,
    notifications: NotificationService,
    notifiers: DirectNotifiers,
    recorder: Recorder,
    clock: Clock,
) -> Desk:
    return Desk(service, notifications, notifiers, recorder, clock)


def notice_keys(card: object) -> list[str]:
    assert isinstance(card, Card)
    return [n.text.key for n in card.notices if hasattr(n.text, "key")]


async def test_stall_detection_follows_each_stage_date_formula(
    desk: Desk, seeded: People, sessions: Sessions
) -> None:
    rows = tuple((n, f"Stage {n}", 10 * n, 10 * n, None, False, False) for n in (1, 2, 3, 4))
    formulas = {1: "5D", 2: "1W", 3: "1M"}  # stage 4 has none: OPPBOT_STALL_DEFAULT (14D) applies
    await seed_cycles(
        sessions, build_cycle("FORM", "Formulas", ProbabilityCalculation.MULTIPLY, rows, formulas)
    )
    await desk.prefer(seeded.ah, **ANY_TIME)
    numbers = []
    for stage in (1, 2, 3, 4):
        no = await desk.deal(seeded.ah, MONDAY, cycle="FORM")
        for _ in range(stage - 1):
            await desk.service.move(seeded.ah, no, ActionType.NEXT, MoveInput())
        numbers.append(no)
    first_reminder: dict[str, date] = {}
    day = MONDAY
    while day <= date(2027, 2, 10):
        await desk.tick(noon(day))
        for message in desk.recorder.sent:
            assert message.live_no is not None
            first_reminder.setdefault(message.live_no, day)
        day += timedelta(days=1)
    # The first stalled day is the day after the stage's due date (last change + formula).
    assert first_reminder == {
        numbers[0]: date(2027, 1, 10),  # 5D
        numbers[1]: date(2027, 1, 12),  # 1W
        numbers[2]: date(2027, 2, 5),  # 1M: due 4 February
        numbers[3]: date(2027, 1, 19),  # 14D (the default)
    }


async def test_reminders_arrive_in_each_owners_working_hours_and_days(desk: Desk, seeded: People) -> None:
    await desk.prefer(seeded.ah, timezone="Europe/Rome")  # 09:00-18:00 mon-fri
    await desk.prefer(seeded.ps, timezone="America/Los_Angeles", working_hours="08:30-17:00")
    await desk.prefer(seeded.xx, timezone="Asia/Kolkata", working_days="mon-sat")
    owners = {"AH": seeded.ah, "PS": seeded.ps, "XX": seeded.xx}
    numbers = {code: await desk.deal(p, date(2026, 12, 18)) for code, p in owners.items()}
    # 14D later: stalled from Saturday 2 January 2027. Every 15 minutes from Friday to Monday (UTC)
    # (XX's repeat, 3D later, is on the 5th):
    received: dict[str, datetime] = {}
    start, stop = datetime(2027, 1, 1, 0, 0, tzinfo=UTC), datetime(2027, 1, 5, tzinfo=UTC)
    for moment in every(timedelta(minutes=15), start, stop):
        for message in await desk.sent_by_tick(moment):
            assert message.person not in received, f"{message.person} reminded twice"
            received[message.person] = moment
    assert received == {
        "XX": datetime(2027, 1, 2, 3, 30, tzinfo=UTC),  # Saturday 09:00 IST (a working day for XX)
        "AH": datetime(2027, 1, 4, 8, 0, tzinfo=UTC),  # Monday 09:00 CET
        "PS": datetime(2027, 1, 4, 16, 30, tzinfo=UTC),  # Monday 08:30 PST
    }
    for code, no in numbers.items():
        card = desk.recorder.to(code)[0].document
        assert isinstance(card, Card) and card.no == no
        assert "reminder_stalled" in notice_keys(card)
        assert [a.verb for a in card.actions] == ["next", "update", "snooze", "win", "lose"]
        snooze = next(a for a in card.actions if a.verb == "snooze")
        assert [c.value.rsplit(":", 1)[1] for c in snooze.choices] == ["1d", "3d", "1w"]


async def test_a_zone_only_the_chat_platform_gave_places_the_reminder(desk: Desk, seeded: People) -> None:
    # Peter set nothing; his last request came from Slack saying Los Angeles (the scheduler has none).
    await desk.service.preferences_of(seeded.ps, platform_timezone="America/Los_Angeles")
    await desk.deal(seeded.ps, date(2026, 12, 18))  # stalled from Saturday 2 January 2027
    start, stop = datetime(2027, 1, 1, 0, 0, tzinfo=UTC), datetime(2027, 1, 5, tzinfo=UTC)
    sent = [moment for moment in every(timedelta(minutes=15), start, stop) if await desk.sent_by_tick(moment)]
    assert sent == [datetime(2027, 1, 4, 17, 0, tzinfo=UTC)]  # Monday 09:00 PST, not 09:00 in Rome


async def test_repeats_every_remind_every_and_escalates_once(desk: Desk, seeded: People) -> None:
    await desk.prefer(seeded.ah, **ANY_TIME)
    await desk.prefer(seeded.jo, **ANY_TIME)
    no = await desk.deal(seeded.ah, MONDAY)
    first = MONDAY + timedelta(days=15)
    days: dict[str, list[int]] = {"AH": [], "JO": []}
    for offset in range(12):
        day = noon(first + timedelta(days=offset))
        for moment in (day, day + timedelta(hours=3)):
            for message in await desk.sent_by_tick(moment):
                days[message.person].append(offset)
    assert days["AH"] == [0, 3, 6, 9]  # every 3D while stalled, once each
    assert days["JO"] == [6]  # after 2 unanswered reminders, the manager once
    escalation = desk.recorder.to("JO")[0].document
    assert isinstance(escalation, Card) and escalation.no == no
    assert notice_keys(escalation) == ["reminder_escalated"]


async def test_snooze_and_moves_reset_the_count(desk: Desk, seeded: People) -> None:
    await desk.prefer(seeded.ah, **ANY_TIME)
    await desk.prefer(seeded.jo, **ANY_TIME)
    no = await desk.deal(seeded.ah, MONDAY)
    first = MONDAY + timedelta(days=15)
    assert await desk.tick(noon(first)) == 1
    # The reminder's Snooze (1 week), through the bot as a click would run it
    reply = await Bot(desk.service).run(grammar.Snooze(no, "1w"), Context(seeded.ah))
    assert isinstance(reply, CardReply) and reply.notices[0].text.key == "snoozed"
    sent: list[tuple[int, str]] = []
    for offset in range(1, 16):
        sent += [(offset, m.person) for m in await desk.sent_by_tick(noon(first + timedelta(days=offset)))]
    # Nothing for a week; then counted from zero: days 7, 10, 13; the manager only after two of those
    assert sent == [(7, "AH"), (10, "AH"), (13, "AH"), (13, "JO")]
    # A move: no longer stalled, nothing; stalled again 14 days later: a fresh first reminder
    await desk.service.move(seeded.ah, no, ActionType.NEXT, MoveInput())
    moved = desk.clock.now.date()
    for offset in range(1, 15):
        assert await desk.tick(noon(moved + timedelta(days=offset))) == 0
    again = await desk.sent_by_tick(noon(moved + timedelta(days=15)))
    assert [m.person for m in again] == ["AH"]


async def test_reminders_off_stops_them_and_a_queued_one_is_dropped(desk: Desk, seeded: People) -> None:
    await desk.prefer(seeded.ah, timezone="Europe/Rome")
    await desk.deal(seeded.ah, MONDAY)
    saturday = datetime(2027, 1, 23, 12, tzinfo=UTC)
    assert await desk.notifications.scan_reminders(at(desk.clock, saturday)) == 1  # queued for Monday 09:00
    await Bot(desk.service).handle("reminders off", Context(seeded.ah))
    monday = datetime(2027, 1, 25, 8, 0, tzinfo=UTC)
    assert await desk.tick(monday) == 0
    assert await desk.notifications.store.counts() == {("reminder", "cancelled"): 1}
    await Bot(desk.service).handle("reminders on", Context(seeded.ah))
    assert await desk.tick(monday + timedelta(hours=1)) == 1
    assert [m.person for m in desk.recorder.sent] == ["AH"]  # none sent before: nothing to escalate


async def test_a_closed_opportunity_is_not_reminded(desk: Desk, seeded: People) -> None:
    await desk.prefer(seeded.ah, **ANY_TIME)
    no = await desk.deal(seeded.ah, MONDAY)
    moment = noon(MONDAY + timedelta(days=15))
    await desk.notifications.scan_reminders(at(desk.clock, moment))
    await desk.service.close(seeded.ah, no, CloseInput(won=False, close_code="BUSINESS_L"))
    assert await desk.tick(moment) == 0


async def test_todos_are_reminded_on_their_due_date_in_working_hours(desk: Desk, seeded: People) -> None:
    await desk.prefer(seeded.ps, timezone="America/Los_Angeles")
    # Created (and started: stage 1's activity INIT makes a to-do due that day) on Monday 11 Jan, LA.
    desk.clock.now = datetime(2027, 1, 11, 17, 0, tzinfo=UTC)  # 09:00 PST
    result = await desk.service.create(
        seeded.ps, contact="CT000002", description="Chairs", cycle="NEW", value=Decimal(1000),
        close=date(2027, 12, 31), tz=ZoneInfo("America/Los_Angeles"),
    )  # fmt: skip
    assert result.tasks
    sent: list[datetime] = []
    start, stop = datetime(2027, 1, 11, 17, 0, tzinfo=UTC), datetime(2027, 1, 13, tzinfo=UTC)
    for moment in every(timedelta(minutes=30), start, stop):
        sent += [moment for m in await desk.sent_by_tick(moment) if "todo_due" in notice_keys(m.document)]
    assert sent == [datetime(2027, 1, 11, 17, 0, tzinfo=UTC)]
    card = desk.recorder.sent[0].document
    assert isinstance(card, Card) and card.no == result.view.no and desk.recorder.sent[0].person == "PS"


async def test_retry_after_and_unreachable(desk: Desk, seeded: People) -> None:
    notifications, notifiers = desk.notifications, desk.notifiers
    await desk.prefer(seeded.ah, **ANY_TIME)
    await desk.prefer(seeded.ps, **ANY_TIME)
    await desk.deal(seeded.ah, MONDAY)
    await desk.deal(seeded.ps, MONDAY)
    desk.recorder.fail = [RetryLater(120), Unreachable("user_not_found")]
    moment = noon(MONDAY + timedelta(days=15))
    report_sent = await desk.tick(moment)
    assert report_sent == 0
    counts = await notifications.store.counts()
    assert counts == {("reminder", "pending"): 1, ("reminder", "unreachable"): 1}
    assert (await notifications.send_due(notifiers, "test", now=moment + timedelta(seconds=60))).sent == {}
    report = await notifications.send_due(notifiers, "test", now=moment + timedelta(seconds=121))
    assert report.sent == {"reminder": 1} and len(desk.recorder.sent) == 1
    # Unreachable is not tried again
    assert (await notifications.send_due(notifiers, "test", now=moment + timedelta(days=1))).sent == {}


async def test_a_claim_whose_sender_died_is_sent_once_after_the_lease(desk: Desk, seeded: People) -> None:
    notifications, notifiers = desk.notifications, desk.notifiers
    await desk.prefer(seeded.ah, **ANY_TIME)
    await desk.deal(seeded.ah, MONDAY)
    moment = noon(MONDAY + timedelta(days=15))
    await notifications.scan_reminders(at(desk.clock, moment))
    claimed = await notifications.store.claim("dead", now=moment, lease=LEASE, limit=10)
    assert len(claimed) == 1  # … and the claimer dies before sending
    assert await notifications.store.counts() == {("reminder", SENDING): 1}
    assert (await notifications.send_due(notifiers, "alive", now=moment + LEASE)).sent == {}
    report = await notifications.send_due(notifiers, "alive", now=moment + LEASE + timedelta(seconds=1))
    assert report.sent == {"reminder": 1}
    # The dead claimer's late finish changes nothing; nobody sends it again
    assert not await notifications.store.finish("dead", claimed[0].id, "sent", now=moment + LEASE)
    assert (await notifications.send_due(notifiers, "alive", now=moment + 2 * LEASE)).sent == {}
    assert len(desk.recorder.sent) == 1


async def test_every_platform_that_knows_the_person_gets_it_once(desk: Desk, seeded: People) -> None:
    await desk.prefer(seeded.ah, **ANY_TIME)
    await desk.deal(seeded.ah, MONDAY)
    slack, teams, gone = Recorder("slack"), Recorder("teams"), Recorder("other")
    gone.fail = [Unreachable("no identity")]
    teams.fail = [RetryLater(30)]  # busy; Slack took it: sent, and Teams is not tried again later
    both = DirectNotifiers([gone, teams, slack])
    moment = noon(MONDAY + timedelta(days=15))
    assert await desk.tick(moment, both) == 1
    assert (len(slack.sent), len(teams.sent)) == (1, 0)
    assert (await desk.notifications.send_due(both, "test", now=moment + timedelta(minutes=5))).sent == {}
    assert await desk.notifications.store.counts() == {("reminder", "sent"): 1}


async def test_finished_rows_are_purged_after_a_while_and_nothing_is_sent_again(
    desk: Desk, seeded: People
) -> None:
    notifications = desk.notifications
    await desk.prefer(seeded.ah, **ANY_TIME)
    await desk.deal(seeded.ah, MONDAY)
    first = noon(MONDAY + timedelta(days=15))
    assert await desk.tick(first) == 1
    # While its key can still come up (until the next repeat, and at least 30 days) it stays
    assert await notifications.purge(first + timedelta(days=2)) == 0
    assert await desk.tick(first + timedelta(days=2)) == 0
    assert await notifications.purge(first + timedelta(days=29)) == 0
    # A month on it goes; what is due then is a later repeat, never the purged one again
    assert await notifications.purge(first + timedelta(days=31)) >= 1
    assert await desk.tick(first + timedelta(days=31)) == 1
    assert await notifications.store.counts() == {("reminder", "sent"): 1}
    assert len(desk.recorder.sent) == 2
