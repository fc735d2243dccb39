"""Digest scheduling: each manager's schedule in their zone, once per local date, `digest now`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from oppbot.bot import Bot, Context
from oppbot.notify.port import Direct, DirectNotifiers
from oppbot.replies.document import Note
from oppbot.service.digests import DigestService
from oppbot.service.notifications import NotificationService
from oppbot.service.opportunities import OpportunityService
from tests.dbfixtures import Clock, People
from tests.scheduler.conftest import Recorder, at


class SpyDigests(DigestService):
    """The real interface; records what the scheduler asked for."""

    def __init__(self, service: OpportunityService) -> None:
        super().__init__(service)
        self.calls: list[tuple[str, datetime | None, datetime]] = []

    async def build(self, manager: str, *, since: datetime | None, now: datetime) -> Direct:
        self.calls.append((manager, since, now))
        return Direct(manager, Note((f"digest {len(self.calls)}",)))


async def run(notifications: NotificationService, notifiers: DirectNotifiers, moment: datetime) -> int:
    await notifications.scan_digests(moment)
    return (await notifications.send_due(notifiers, "test", now=moment)).digests


async def test_weekly_default_across_the_us_and_eu_spring_changes_and_after_downtime(
    service: OpportunityService, notifiers: DirectNotifiers, recorder: Recorder, seeded: People, clock: Clock
) -> None:
    spy = SpyDigests(service)
    notifications = NotificationService(service, digests=spy)
    await service.set_preferences(seeded.jo, timezone="America/New_York")  # default: weekly mon 09:00
    await service.set_preferences(seeded.ah, digest="daily 02:30", timezone="Europe/Rome")
    sent: list[tuple[str, datetime]] = []
    moment = datetime(2027, 3, 7, 12, tzinfo=UTC)
    # Every 15 minutes for three weeks, except a downtime from Thursday 18 to Wednesday 24 March.
    while moment < datetime(2027, 3, 29, 12, tzinfo=UTC):
        down = datetime(2027, 3, 18, tzinfo=UTC) <= moment < datetime(2027, 3, 24, 10, tzinfo=UTC)
        if not down:
            before = len(recorder.sent)
            await run(notifications, notifiers, at(clock, moment))
            sent += [(m.person, moment) for m in recorder.sent[before:]]
        moment += timedelta(minutes=15)
    jo = [when for who, when in sent if who == "JO"]
    # Mondays 09:00 New York: EST on the 8th (14:00 UTC), EDT from the 14th (13:00 UTC); the 22nd was
    # missed during the downtime and goes once when it ends; the 29th is past the end of the run.
    assert jo[0] == datetime(2027, 3, 7, 12, tzinfo=UTC)  # the first pass: last Monday's (1 March)
    assert jo[1:] == [
        datetime(2027, 3, 8, 14, 0, tzinfo=UTC),
        datetime(2027, 3, 15, 13, 0, tzinfo=UTC),
        datetime(2027, 3, 24, 10, 0, tzinfo=UTC),
    ]
    ah = [when for who, when in sent if who == "AH"]
    # Daily 02:30 Rome: on the 28th (clocks forward at 02:00) at 03:00 CEST = 01:00 UTC; one per day,
    # and one (not six) after the downtime.
    assert datetime(2027, 3, 28, 1, 0, tzinfo=UTC) in ah
    assert datetime(2027, 3, 24, 10, 0, tzinfo=UTC) in ah
    assert len(ah) == len({when.astimezone(UTC).date() for when in ah}) == 22 - 6 + 1
    # `since` is the previous digest's sending time
    jo_calls = [c for c in spy.calls if c[0] == "JO"]
    assert jo_calls[0][1] is None
    assert [c[1] for c in jo_calls[1:]] == [c[2] for c in jo_calls[:-1]]


async def test_autumn_fold_sends_once(
    service: OpportunityService, notifiers: DirectNotifiers, recorder: Recorder, seeded: People, clock: Clock
) -> None:
    notifications = NotificationService(service, digests=SpyDigests(service))
    await service.set_preferences(seeded.ah, digest="daily 02:30", timezone="Europe/Rome")
    await service.set_preferences(seeded.ps, digest="daily 01:30", timezone="America/New_York")
    moment = datetime(2027, 10, 30, 12, tzinfo=UTC)
    await run(notifications, notifiers, at(clock, moment))  # today's (30th) for both
    recorder.sent.clear()
    sent: list[tuple[str, datetime]] = []
    while moment < datetime(2027, 11, 8, 12, tzinfo=UTC):
        moment += timedelta(minutes=15)
        before = len(recorder.sent)
        await run(notifications, notifiers, at(clock, moment))
        sent += [(m.person, moment) for m in recorder.sent[before:]]
    ah = [when for who, when in sent if who == "AH"]
    ps = [when for who, when in sent if who == "PS"]
    assert datetime(2027, 10, 31, 0, 30, tzinfo=UTC) in ah  # the first 02:30 of the 31st, once
    assert datetime(2027, 11, 7, 5, 30, tzinfo=UTC) in ps  # the first 01:30 of 7 November, once
    assert len(ah) == len({w.date() for w in ah}) == 9
    assert len(ps) == 9


async def test_digest_now_is_queued_and_wakes_the_sender(
    service: OpportunityService, notifiers: DirectNotifiers, recorder: Recorder, seeded: People, clock: Clock
) -> None:
    bot = Bot(service)
    woken: list[bool] = []
    bot.notifications.wakers.append(lambda: woken.append(True))
    reply = await bot.handle("digest now", Context(seeded.jo))
    assert woken == [True]
    assert reply.message == "Your digest is on its way."  # type: ignore[union-attr]
    report = await bot.notifications.send_due(notifiers, "test", now=clock.now)
    assert report.digests == 1 and [m.person for m in recorder.sent] == ["JO"]
    # Sent once: the next pass finds nothing
    assert (await bot.notifications.send_due(notifiers, "test", now=clock.now)).digests == 0
