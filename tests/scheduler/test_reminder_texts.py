"""What a stall reminder and an escalation say on the first day overdue and after one reminder: singular
where the count is 1, in English and Italian (the catalog's plural forms), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from oppbot.notify.port import DirectNotifiers
from oppbot.replies.format import Formatter
from oppbot.replies.text import render_document
from oppbot.service.notifications import NotificationService
from oppbot.service.opportunities import OpportunityService
from tests.dbfixtures import Clock, People
from tests.scheduler.conftest import Recorder, at, new_opportunity

ANY_TIME = {"working_hours": "00:00-24:00", "working_days": "all"}
MONDAY = date(2027, 1, 4)


async def test_the_first_reminder_and_an_escalation_after_one(
    service: OpportunityService, notifiers: DirectNotifiers, recorder: Recorder, seeded: People, clock: Clock
) -> None:
    notifications = NotificationService(service, remind_every="1D", escalate_after=1)
    await service.set_preferences(seeded.ah, **ANY_TIME)
    await service.set_preferences(seeded.jo, **ANY_TIME)
    no = await new_opportunity(service, clock, seeded.ah, MONDAY)
    day = MONDAY
    while not recorder.to("JO") and day < MONDAY + timedelta(days=60):
        day += timedelta(days=1)
        moment = at(clock, datetime.combine(day, time(12, 0), tzinfo=UTC))
        await notifications.scan_reminders(moment)
        await notifications.send_due(notifiers, "test", now=moment)

    first = recorder.to("AH")[0].document  # sent on the first day the opportunity is overdue
    assert f"⏰ {no} is stalled in " in render_document(first, Formatter("en", "EUR"))
    assert ": 1 day past its usual time." in render_document(first, Formatter("en", "EUR"))
    assert ": 1 giorno oltre il tempo abituale." in render_document(first, Formatter("it", "EUR"))

    escalation = [
        render_document(recorder.to("JO")[0].document, Formatter(lang, "EUR")) for lang in ("en", "it")
    ]
    assert (
        f"Annette Hill has had 1 reminder about {no}, stalled in 1 Initial for 2 days, without acting"
        in escalation[0]
    )
    assert f"Annette Hill ha ricevuto 1 promemoria su {no}, ferma in 1 Initial da 2 giorni" in escalation[1]
