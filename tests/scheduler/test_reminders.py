"""Stall reminders, escalations, snoozes and to-dos with a controlled clock, on SQLite and PostgreSQL.

The passes are driven the way the scheduler drives them (scan, then send), at chosen instants; what
reached the recording notifier is what a person would have read.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from oppbot import grammar
from oppbot.bot import Bot, Context
from oppbot.domain.actions import CloseInput, MoveInput
from oppbot.domain.enums import ActionType, ProbabilityCalculation
from oppbot.notify.port import DirectNotifiers, RetryLater, Unreachable
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


async def tick(notifications: NotificationService, notifiers: DirectNotifiers, moment: datetime) -> int:
    """One scheduler pass at `moment`: queue what is due, send it; how many messages went out."""
    await notifications.scan_reminders(moment)
    await notifications.scan_todos(moment)
    report = await notifications.send_due(notifiers, "test", now=moment)
    return sum(report.sent.values())


def notice_keys(card: object) -> list[str]:
    assert isinstance(card, Card)
    return [n.text.key for n in card.notices if hasattr(n.text, "key")]


async def test_stall_detection_follows_each_stage_date_formula(
    service: OpportunityService,
    notifications: NotificationService,
    notifiers: DirectNotifiers,
    recorder: Recorder,
    seeded: People,
    sessions: Sessions,
    clock: Clock,
) -> None:
    rows = tuple((n, f"Stage {n}", 10 * n, 10 * n, None, False, False) for n in (1, 2, 3, 4))
    formulas = {1: "5D", 2: "1W", 3: "1M"}  # stage 4 has none: OPPBOT_STALL_DEFAULT (14D) applies
    await seed_cycles(
        sessions, build_cycle("FORM", "Formulas", ProbabilityCalculation.MULTIPLY, rows, formulas)
    )
    await service.set_preferences(seeded.ah, **ANY_TIME)
    numbers = []
    for stage in (1, 2, 3, 4):
        no = await new_opportunity(service, clock, seeded.ah, MONDAY, cycle="FORM")
        for _ in range(stage - 1):
            await service.move(seeded.ah, no, ActionType.NEXT, MoveInput())
        numbers.append(no)
    first_reminder: dict[str, date] = {}
    day = MONDAY
    while day <= date(2027, 2, 10):
        await tick(notifications, notifiers, at(clock, noon(day)))
        for message in recorder.sent:
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


async def test_reminders_arrive_in_each_owners_working_hours_and_days(
    service: OpportunityService,
    notifications: NotificationService,
    notifiers: DirectNotifiers,
    recorder: Recorder,
    seeded: People,
    clock: Clock,
) -> None:
    await service.set_preferences(seeded.ah, timezone="Europe/Rome")  # 09:00-18:00 mon-fri
    await service.set_preferences(seeded.ps, timezone="America/Los_Angeles", working_hours="08:30-17:00")
    await service.set_preferences(seeded.xx, timezone="Asia/Kolkata", working_days="mon-sat")
    owners = {"AH": seeded.ah, "PS": seeded.ps, "XX": seeded.xx}
    numbers = {
        code: await new_opportunity(service, clock, p, date(2026, 12, 18)) for code, p in owners.items()
    }
    # 14D later: stalled from Saturday 2 January 2027. Every 15 minutes from Friday to Monday (UTC):
    received: dict[str, datetime] = {}
    moment = datetime(2027, 1, 1, 0, 0, tzinfo=UTC)
    while moment < datetime(2027, 1, 5, tzinfo=UTC):  # XX's repeat (3D) is on the 5th
        before = len(recorder.sent)
        await tick(notifications, notifiers, at(clock, moment))
        for message in recorder.sent[before:]:
            assert message.person not in received, f"{message.person} reminded twice"
            received[message.person] = moment
        moment += timedelta(minutes=15)
    assert received == {
        "XX": datetime(2027, 1, 2, 3, 30, tzinfo=UTC),  # Saturday 09:00 IST (a working day for XX)
        "AH": datetime(2027, 1, 4, 8, 0, tzinfo=UTC),  # Monday 09:00 CET
        "PS": datetime(2027, 1, 4, 16, 30, tzinfo=UTC),  # Monday 08:30 PST
    }
    for code, no in numbers.items():
        card = recorder.to(code)[0].document
        assert isinstance(card, Card) and card.no == no
        assert "reminder_stalled" in notice_keys(card)
        assert [a.verb for a in card.actions] == ["next", "update", "snooze", "win", "lose"]
        snooze = next(a for a in card.actions if a.verb == "snooze")
        assert [c.value.rsplit(":", 1)[1] for c in snooze.choices] == ["1d", "3d", "1w"]


async def test_repeats_every_remind_every_and_escalates_once(
    service: OpportunityService,
    notifications: NotificationService,
    notifiers: DirectNotifiers,
    recorder: Recorder,
    seeded: People,
    clock: Clock,
) -> None:
    await service.set_preferences(seeded.ah, **ANY_TIME)
    await service.set_preferences(seeded.jo, **ANY_TIME)
    no = await new_opportunity(service, clock, seeded.ah, MONDAY)
    first = MONDAY + timedelta(days=15)
    days: dict[str, list[int]] = {"AH": [], "JO": []}
    for offset in range(12):
        for moment in (
            noon(first + timedelta(days=offset)),
            noon(first + timedelta(days=offset)) + timedelta(hours=3),
        ):
            before = len(recorder.sent)
            await tick(notifications, notifiers, at(clock, moment))
            for message in recorder.sent[before:]:
                days[message.person].append(offset)
    assert days["AH"] == [0, 3, 6, 9]  # every 3D while stalled, once each
    assert days["JO"] == [6]  # after 2 unanswered reminders, the manager once
    escalation = recorder.to("JO")[0].document
    assert isinstance(escalation, Card) and escalation.no == no
    assert notice_keys(escalation) == ["reminder_escalated"]


async def test_snooze_and_moves_reset_the_count(
    service: OpportunityService,
    notifications: NotificationService,
    notifiers: DirectNotifiers,
    recorder: Recorder,
    seeded: People,
    clock: Clock,
) -> None:
    await service.set_preferences(seeded.ah, **ANY_TIME)
    await service.set_preferences(seeded.jo, **ANY_TIME)
    no = await new_opportunity(service, clock, seeded.ah, MONDAY)
    first = MONDAY + timedelta(days=15)
    assert await tick(notifications, notifiers, at(clock, noon(first))) == 1
    # The reminder's Snooze (1 week), through the bot as a click would run it
    reply = await Bot(service).run(grammar.Snooze(no, "1w"), Context(seeded.ah))
    assert isinstance(reply, CardReply) and reply.notices[0].text.key == "snoozed"
    sent: list[tuple[int, str]] = []
    for offset in range(1, 16):
        before = len(recorder.sent)
        await tick(notifications, notifiers, at(clock, noon(first + timedelta(days=offset))))
        sent += [(offset, m.person) for m in recorder.sent[before:]]
    # Nothing for a week; then counted from zero: days 7, 10, 13; the manager only after two of those
    assert sent == [(7, "AH"), (10, "AH"), (13, "AH"), (13, "JO")]
    # A move: no longer stalled, nothing; stalled again 14 days later: a fresh first reminder
    await service.move(seeded.ah, no, ActionType.NEXT, MoveInput())
    moved = clock.now.date()
    for offset in range(1, 15):
        assert await tick(notifications, notifiers, at(clock, noon(moved + timedelta(days=offset)))) == 0
    before = len(recorder.sent)
    await tick(notifications, notifiers, at(clock, noon(moved + timedelta(days=15))))
    assert [m.person for m in recorder.sent[before:]] == ["AH"]


async def test_reminders_off_stops_them_and_a_queued_one_is_dropped(
    service: OpportunityService,
    notifications: NotificationService,
    notifiers: DirectNotifiers,
    recorder: Recorder,
    seeded: People,
    clock: Clock,
) -> None:
    await service.set_preferences(seeded.ah, timezone="Europe/Rome")
    await new_opportunity(service, clock, seeded.ah, MONDAY)
    saturday = datetime(2027, 1, 23, 12, tzinfo=UTC)
    assert await notifications.scan_reminders(at(clock, saturday)) == 1  # queued for Monday 09:00
    await Bot(service).handle("reminders off", Context(seeded.ah))
    monday = datetime(2027, 1, 25, 8, 0, tzinfo=UTC)
    assert await tick(notifications, notifiers, at(clock, monday)) == 0
    assert await notifications.store.counts() == {("reminder", "cancelled"): 1}
    await Bot(service).handle("reminders on", Context(seeded.ah))
    assert await tick(notifications, notifiers, at(clock, monday + timedelta(hours=1))) == 1
    assert [m.person for m in recorder.sent] == ["AH"]  # none sent before: nothing to escalate


async def test_a_closed_opportunity_is_not_reminded(
    service: OpportunityService,
    notifications: NotificationService,
    notifiers: DirectNotifiers,
    seeded: People,
    clock: Clock,
) -> None:
    await service.set_preferences(seeded.ah, **ANY_TIME)
    no = await new_opportunity(service, clock, seeded.ah, MONDAY)
    moment = noon(MONDAY + timedelta(days=15))
    await notifications.scan_reminders(at(clock, moment))
    await service.close(seeded.ah, no, CloseInput(won=False, close_code="BUSINESS_L"))
    assert await tick(notifications, notifiers, moment) == 0


async def test_todos_are_reminded_on_their_due_date_in_working_hours(
    service: OpportunityService,
    notifications: NotificationService,
    notifiers: DirectNotifiers,
    recorder: Recorder,
    seeded: People,
    clock: Clock,
) -> None:
    await service.set_preferences(seeded.ps, timezone="America/Los_Angeles")
    # Created (and started: stage 1's activity INIT makes a to-do due that day) on Monday 11 Jan, LA.
    clock.now = datetime(2027, 1, 11, 17, 0, tzinfo=UTC)  # 09:00 PST
    result = await service.create(
        seeded.ps, contact="CT000002", description="Chairs", cycle="NEW", value=Decimal(1000),
        close=date(2027, 12, 31), tz=ZoneInfo("America/Los_Angeles"),
    )  # fmt: skip
    assert result.tasks
    sent: list[datetime] = []
    moment = datetime(2027, 1, 11, 17, 0, tzinfo=UTC)
    while moment < datetime(2027, 1, 13, tzinfo=UTC):
        before = len(recorder.sent)
        await tick(notifications, notifiers, at(clock, moment))
        sent += [moment for m in recorder.sent[before:] if "todo_due" in notice_keys(m.document)]
        moment += timedelta(minutes=30)
    assert sent == [datetime(2027, 1, 11, 17, 0, tzinfo=UTC)]
    card = recorder.sent[0].document
    assert isinstance(card, Card) and card.no == result.view.no and recorder.sent[0].person == "PS"


async def test_retry_after_and_unreachable(
    service: OpportunityService,
    notifications: NotificationService,
    notifiers: DirectNotifiers,
    recorder: Recorder,
    seeded: People,
    clock: Clock,
) -> None:
    await service.set_preferences(seeded.ah, **ANY_TIME)
    await service.set_preferences(seeded.ps, **ANY_TIME)
    await new_opportunity(service, clock, seeded.ah, MONDAY)
    await new_opportunity(service, clock, seeded.ps, MONDAY)
    recorder.fail = [RetryLater(120), Unreachable("user_not_found")]
    moment = noon(MONDAY + timedelta(days=15))
    report_sent = await tick(notifications, notifiers, at(clock, moment))
    assert report_sent == 0
    counts = await notifications.store.counts()
    assert counts == {("reminder", "pending"): 1, ("reminder", "unreachable"): 1}
    assert (await notifications.send_due(notifiers, "test", now=moment + timedelta(seconds=60))).sent == {}
    report = await notifications.send_due(notifiers, "test", now=moment + timedelta(seconds=121))
    assert report.sent == {"reminder": 1} and len(recorder.sent) == 1
    # Unreachable is not tried again
    assert (await notifications.send_due(notifiers, "test", now=moment + timedelta(days=1))).sent == {}


async def test_a_claim_whose_sender_died_is_sent_once_after_the_lease(
    service: OpportunityService,
    notifications: NotificationService,
    notifiers: DirectNotifiers,
    recorder: Recorder,
    seeded: People,
    clock: Clock,
) -> None:
    await service.set_preferences(seeded.ah, **ANY_TIME)
    await new_opportunity(service, clock, seeded.ah, MONDAY)
    moment = noon(MONDAY + timedelta(days=15))
    await notifications.scan_reminders(at(clock, moment))
    claimed = await notifications.store.claim("dead", now=moment, lease=LEASE, limit=10)
    assert len(claimed) == 1  # … and the claimer dies before sending
    assert await notifications.store.counts() == {("reminder", SENDING): 1}
    assert (await notifications.send_due(notifiers, "alive", now=moment + LEASE)).sent == {}
    report = await notifications.send_due(notifiers, "alive", now=moment + LEASE + timedelta(seconds=1))
    assert report.sent == {"reminder": 1}
    # The dead claimer's late finish changes nothing; nobody sends it again
    assert not await notifications.store.finish("dead", claimed[0].id, "sent", now=moment + LEASE)
    assert (await notifications.send_due(notifiers, "alive", now=moment + 2 * LEASE)).sent == {}
    assert len(recorder.sent) == 1


async def test_every_platform_that_knows_the_person_gets_it_once(
    service: OpportunityService, notifications: NotificationService, seeded: People, clock: Clock
) -> None:
    await service.set_preferences(seeded.ah, **ANY_TIME)
    await new_opportunity(service, clock, seeded.ah, MONDAY)
    slack, teams, gone = Recorder("slack"), Recorder("teams"), Recorder("other")
    gone.fail = [Unreachable("no identity")]
    teams.fail = [RetryLater(30)]  # busy; Slack took it: sent, and Teams is not tried again later
    both = DirectNotifiers([gone, teams, slack])
    moment = noon(MONDAY + timedelta(days=15))
    assert await tick(notifications, both, at(clock, moment)) == 1
    assert (len(slack.sent), len(teams.sent)) == (1, 0)
    assert (await notifications.send_due(both, "test", now=moment + timedelta(minutes=5))).sent == {}
    assert await notifications.store.counts() == {("reminder", "sent"): 1}


async def test_finished_rows_are_purged_after_a_while_and_nothing_is_sent_again(
    service: OpportunityService,
    notifications: NotificationService,
    notifiers: DirectNotifiers,
    recorder: Recorder,
    seeded: People,
    clock: Clock,
) -> None:
    await service.set_preferences(seeded.ah, **ANY_TIME)
    await new_opportunity(service, clock, seeded.ah, MONDAY)
    first = noon(MONDAY + timedelta(days=15))
    assert await tick(notifications, notifiers, at(clock, first)) == 1
    # While its key can still come up (until the next repeat, and at least 30 days) it stays
    assert await notifications.purge(first + timedelta(days=2)) == 0
    assert await tick(notifications, notifiers, at(clock, first + timedelta(days=2))) == 0
    assert await notifications.purge(first + timedelta(days=29)) == 0
    # A month on it goes; what is due then is a later repeat, never the purged one again
    assert await notifications.purge(first + timedelta(days=31)) >= 1
    assert await tick(notifications, notifiers, at(clock, first + timedelta(days=31))) == 1
    assert await notifications.store.counts() == {("reminder", "sent"): 1}
    assert len(recorder.sent) == 2
