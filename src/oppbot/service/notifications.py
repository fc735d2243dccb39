"""Reminders, escalations, to-do reminders and digests: what is due, and sending each exactly once.

A pass never sends directly: it computes what is due (domain.schedule) and inserts one row per
notification under its unique key (kind, target, period); any number of schedulers computing the same
thing insert one row. Sending claims due rows with a lease (store.notifications), builds each message
fresh (a reminder about an opportunity that moved meanwhile is dropped), hands it to every platform's
DirectNotifier and records the outcome: sent, retry later (the platform said so), or unreachable.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from oppbot.domain.dateformula import calc_date
from oppbot.domain.enums import OpportunityStatus
from oppbot.domain.errors import DomainError
from oppbot.domain.model import Salesperson
from oppbot.domain.preferences import Preferences
from oppbot.domain.schedule import (
    DEFAULT_SNOOZE,
    SNOOZE_DAYS,
    ReminderSlot,
    latest_digest_slot,
    next_working_instant,
    reminder_slot,
    snooze_until,
)
from oppbot.domain.stall import stall_due
from oppbot.notify.port import DeliveryLookup, Direct, DirectNotifiers, RetryLater, Unreachable
from oppbot.replies.build import card_document
from oppbot.replies.document import Notice
from oppbot.replies.parts import msg
from oppbot.service.auth import require_change
from oppbot.service.digests import DigestService
from oppbot.service.opportunities import OpportunityService
from oppbot.service.views import OpportunityView
from oppbot.store import scans
from oppbot.store.notifications import (
    CANCELLED,
    PENDING,
    SENT,
    UNREACHABLE,
    Claimed,
    NewNotification,
    NotificationStore,
)
from oppbot.store.repository import required

log = logging.getLogger(__name__)

REMINDER, ESCALATION, TODO, DIGEST = "reminder", "escalation", "todo", "digest"
BATCH = 5000  # opportunities per page of the reminder scan (one SELECT and one INSERT each)
LEASE = timedelta(minutes=5)  # a sender that dies holding a claim: retried after this
MAX_BACKOFF = timedelta(hours=1)
UNKNOWN_ERROR_WAIT = timedelta(minutes=1)
KEEP = timedelta(
    days=30
)  # finished notifications are kept at least this long (what went to whom, or why not)


@dataclass
class SendReport:
    sent: dict[str, int] = field(default_factory=dict)
    retried: int = 0
    unreachable: int = 0
    cancelled: int = 0

    def add(self, kind: str) -> None:
        self.sent[kind] = self.sent.get(kind, 0) + 1

    @property
    def reminders(self) -> int:
        return sum(n for kind, n in self.sent.items() if kind != DIGEST)

    @property
    def digests(self) -> int:
        return self.sent.get(DIGEST, 0)


@dataclass(frozen=True)
class SnoozeResult:
    view: OpportunityView
    until: datetime


class NotificationService:
    def __init__(
        self,
        service: OpportunityService,
        *,
        remind_every: str = "3D",
        escalate_after: int = 3,
        digests: DigestService | None = None,
        batch: int = BATCH,
    ) -> None:
        self.service = service
        self.store = NotificationStore(service.sessions)
        self.remind_every = remind_every
        self.escalate_after = escalate_after
        self.digests = digests or DigestService(service)
        self.batch = batch
        # Nudged when something is due at once (`digest now`): the running scheduler sends it.
        self.wakers: list[Callable[[], None]] = []
        self._owners: dict[tuple[str, datetime], tuple[ZoneInfo, date, datetime] | None] = {}
        self._slots: dict[tuple[date, date, date, datetime | None, str], ReminderSlot | None] = {}

    def now(self) -> datetime:
        return self.service.clock().astimezone(UTC)

    def _zone(self, prefs: Preferences) -> ZoneInfo:
        # Set, else the platform's last word (Slack `tz`, Teams `localTimezone`), else OPPBOT_TIMEZONE.
        return ZoneInfo(prefs.effective_timezone(None, self.service.timezone.key))

    # --- chat use cases -----------------------------------------------------------------------------
    async def snooze(
        self, actor: Salesperson, no: str, duration: str = DEFAULT_SNOOZE, tz: ZoneInfo | None = None
    ) -> SnoozeResult:
        """No reminder about `no` until the snooze ends; then reminders count from zero again."""
        if duration not in SNOOZE_DAYS:
            raise DomainError("bad_snooze", value=duration)
        until = snooze_until(self.now(), duration)
        async with self.service.uow(write=True) as uow:
            opp = await uow.repo.opportunity(no.upper())
            if opp is None:
                raise DomainError("not_found", no=no.upper())
            owner = required(await uow.repo.salesperson(opp.salesperson_code), f"salesperson of {opp.no}")
            require_change(actor, owner, opp.no)
            await scans.save_snooze(uow.session, opp.no, until, actor.code)
            await uow.commit()
        # No change event: the opportunity itself did not change (its cards stay as they are).
        return SnoozeResult(await self.service.show(actor, no, tz=tz), until)

    async def digest_now(self, actor: Salesperson) -> None:
        """Queue the actor's digest, due now, and wake the sender."""
        now = self.now()
        stamp = now.strftime("%Y%m%dT%H%M%S.%f")
        await self.store.enqueue([NewNotification(DIGEST, actor.code, f"now {stamp}", actor.code, now)], now)
        for wake in self.wakers:
            wake()

    async def recipient(
        self, code: str
    ) -> tuple[Salesperson, Preferences, list[tuple[str, str, str]]] | None:
        """A person to write to: who, what they set, their chat identities (platform, team, user)."""
        async with self.service.uow() as uow:
            person = await uow.repo.salesperson(code)
            if person is None:
                return None
            return person, await uow.repo.preferences(code), await uow.repo.identities(code)

    # --- the passes: what is due ---------------------------------------------------------------------
    async def _people(self) -> dict[str, tuple[Salesperson, Preferences]]:
        async with self.service.uow() as uow:
            return await scans.people(uow.session)

    async def scan_reminders(self, now: datetime | None = None) -> int:
        """Queue the reminder due now for every stalled opportunity (and escalations); how many new."""
        now = now or self.now()
        people = await self._people()
        self._owners.clear()  # preferences are read afresh each pass
        self._slots.clear()
        as_of = now.astimezone(self.service.timezone).date()
        async with self.service.uow() as uow:
            cutoffs = await self.service._stall_cutoffs(uow.repo, as_of)
        due_dates: dict[tuple[str, date], date] = {}
        added = 0

        async def page(after: tuple[date, str] | None) -> Sequence[scans.StalledRow]:
            async with self.service.uow() as uow:
                return await scans.stalled_page(uow.session, cutoffs, after, self.batch)

        rows = await page(None)
        while rows:
            # The next page is read while this one's reminders are written (two connections).
            following = (
                asyncio.ensure_future(page((rows[-1][2], rows[-1][0]))) if len(rows) == self.batch else None
            )
            items: list[NewNotification] = []
            for no, owner, last_change, formula, snoozed, stalled in rows:
                if not stalled:  # in progress, but its stage's formula gives it longer
                    continue
                key = (formula, last_change)
                due = due_dates.get(key)
                if due is None:
                    due = due_dates[key] = stall_due(formula, self.service.stall_default, last_change)
                items += self._reminders_of(people, now, no, owner, last_change, due, snoozed)
            try:
                items = await self._escalations(people, items, now)
                added += await self.store.enqueue(items, now)
            except BaseException:
                if following is not None:
                    following.cancel()
                raise
            rows = await following if following is not None else []
        return added

    def _reminders_of(
        self,
        people: dict[str, tuple[Salesperson, Preferences]],
        now: datetime,
        no: str,
        owner_code: str,
        last_change: date,
        due: date,
        snoozed: datetime | None,
    ) -> list[NewNotification]:
        owner = self._owner_now(people, owner_code, now)
        if owner is None:
            return []
        zone, today, due_at = owner
        snoozed = _utc(snoozed) if snoozed is not None else None
        key = (last_change, due, today, snoozed, zone.key)
        if key in self._slots:  # many opportunities share these: compute each once per pass
            slot = self._slots[key]
        else:
            if len(self._slots) > 50_000:  # bounded, whatever the data
                self._slots.clear()
            slot = self._slots[key] = reminder_slot(
                last_change,
                due,
                today,
                self.remind_every,
                snoozed_until=snoozed,
                now=now,
                snooze_day=snoozed.astimezone(zone).date() if snoozed else None,
            )
        if slot is None:
            return []
        return [NewNotification(REMINDER, no, slot.period, owner_code, due_at)]

    def _owner_now(
        self, people: dict[str, tuple[Salesperson, Preferences]], code: str, now: datetime
    ) -> tuple[ZoneInfo, date, datetime] | None:
        """An owner's zone, local date and next working instant: once per pass, not once per row."""
        key = (code, now)
        if key in self._owners:
            return self._owners[key]
        found = people.get(code)
        value = None
        if found is not None and found[1].reminders_on:
            prefs = found[1]
            zone = self._zone(prefs)
            value = (zone, now.astimezone(zone).date(), next_working_instant(prefs, zone, now))
        if len(self._owners) > 10_000:
            self._owners.clear()
        self._owners[key] = value
        return value

    async def _escalations(
        self, people: dict[str, tuple[Salesperson, Preferences]], items: list[NewNotification], now: datetime
    ) -> list[NewNotification]:
        """After `escalate_after` reminders of one stall were sent and went unanswered (a move, closing
        or snooze starts a new anchor), the owner's manager hears once, in their own hours. One
        statement per page, and only for stalls that have had enough reminders to qualify."""
        candidates = {i.target: i for i in items if int(i.period.rsplit("#", 1)[1]) >= self.escalate_after}
        if not candidates:
            return items
        sent = await self.store.sent_periods(REMINDER, list(candidates))
        for no, item in candidates.items():
            anchor = item.period.rsplit("#", 1)[0]
            count = sum(1 for period in sent.get(no, ()) if period.rsplit("#", 1)[0] == anchor)
            owner = people[item.person][0]
            manager = people.get(owner.manager_code or "")
            if count >= self.escalate_after and manager is not None:
                m, m_prefs = manager
                at = next_working_instant(m_prefs, self._zone(m_prefs), now)
                items.append(NewNotification(ESCALATION, no, anchor, m.code, at))
        return items

    async def scan_todos(self, now: datetime | None = None) -> int:
        """Queue a reminder for each open to-do due today in its owner's time zone."""
        now = now or self.now()
        people = await self._people()
        today = now.astimezone(self.service.timezone).date()
        after, added = 0, 0
        while True:
            async with self.service.uow() as uow:
                # A day either side: the owner's local date may differ from the configured zone's.
                rows = await scans.due_todos(
                    uow.session, today - timedelta(days=1), today + timedelta(days=1), after, self.batch
                )
            if not rows:
                return added
            items: list[NewNotification] = []
            for task_id, _no, owner_code, day, _activity in rows:
                found = people.get(owner_code)
                if found is None:
                    continue
                _, prefs = found
                zone = self._zone(prefs)
                if day != now.astimezone(zone).date():
                    continue
                at = next_working_instant(prefs, zone, now)
                items.append(NewNotification(TODO, str(task_id), day.isoformat(), owner_code, at))
            added += await self.store.enqueue(items, now)
            after = rows[-1][0]
            if len(rows) < self.batch:
                return added

    async def scan_digests(self, now: datetime | None = None) -> int:
        """Queue each person's latest scheduled digest (one per local date, however late)."""
        now = now or self.now()
        items: list[NewNotification] = []
        for person, prefs in (await self._people()).values():
            slot = latest_digest_slot(prefs.digest_for(person.role), self._zone(prefs), now)
            if slot is not None:
                items.append(NewNotification(DIGEST, person.code, slot.day.isoformat(), person.code, slot.at))
        return await self.store.enqueue(items, now)

    async def purge(self, now: datetime | None = None) -> int:
        """Delete finished notifications once no pass can compute their keys again: a reminder's key
        is due until its next repeat (`remind_every`), a digest's for a week, a to-do's for a day."""
        now = now or self.now()
        today = now.date()
        span = timedelta(days=(calc_date(self.remind_every, today) - today).days + 2)
        return await self.store.purge(now - max(KEEP, span))

    # --- sending ------------------------------------------------------------------------------------
    async def send_due(
        self, notifiers: DirectNotifiers, claimer: str, *, now: datetime | None = None, limit: int = 100
    ) -> SendReport:
        """Claim what is due and send it, batch after batch, until nothing due is left."""
        report = SendReport()
        while True:
            at = now or self.now()
            claimed = await self.store.claim(claimer, now=at, lease=LEASE, limit=limit)
            for item in claimed:
                await self._send_one(notifiers, claimer, item, at, report)
            if len(claimed) < limit:
                return report

    async def _send_one(
        self, notifiers: DirectNotifiers, claimer: str, item: Claimed, now: datetime, report: SendReport
    ) -> None:
        finish = self.store.finish
        try:
            people = await self._people()
            recipient = people.get(item.person)
            if recipient is None:
                await finish(claimer, item.id, CANCELLED, now=now, detail="no such salesperson")
                report.cancelled += 1
                return
            person, prefs = recipient
            if item.kind != DIGEST:
                zone = self._zone(prefs)
                if not prefs.is_working_time(now, zone):  # their hours changed since it was queued
                    later = next_working_instant(prefs, zone, now)
                    await finish(claimer, item.id, PENDING, now=now, retry_at=later)
                    return
            message = await self._compose(item, person, prefs, people, now)
        except DomainError as exc:  # refused for good (a person or opportunity gone): never due again
            await finish(claimer, item.id, CANCELLED, now=now, detail=exc.code)
            report.cancelled += 1
            return
        except Exception as exc:  # a bug or the database away: the row stays, retried with backoff
            log.exception("composing notification %s failed", item.id)
            await self._retry(claimer, item, now, _backoff(item.attempts), repr(exc))
            report.retried += 1
            return
        if message is None:
            await finish(claimer, item.id, CANCELLED, now=now, detail="no longer due")
            report.cancelled += 1
            return
        message = dataclasses.replace(message, key=f"{item.kind}:{item.target}:{item.period}")
        # A row claimed before (a lease that ran out, a retry after a timeout) may have been delivered
        # by that attempt without being recorded: ask the platforms first, so it is not sent twice.
        try:
            earlier = item.attempts > 1 and await _already_delivered(notifiers, message, item.due_at)
        except RetryLater as exc:  # the platform is busy: look again later rather than risk a copy
            await self._retry(claimer, item, now, timedelta(seconds=max(exc.seconds, 1.0)), str(exc))
            report.retried += 1
            return
        if earlier:
            if await finish(claimer, item.id, SENT, now=now, detail="delivered by an earlier attempt"):
                report.add(item.kind)
            return
        outcome, wait, detail = await _deliver(notifiers, message)
        if outcome == SENT:
            if await finish(claimer, item.id, SENT, now=now):
                report.add(item.kind)
        elif outcome == PENDING:
            await self._retry(claimer, item, now, wait, detail)
            report.retried += 1
        else:
            await finish(claimer, item.id, UNREACHABLE, now=now, detail=detail)
            report.unreachable += 1

    async def _retry(self, claimer: str, item: Claimed, now: datetime, wait: timedelta, detail: str) -> None:
        await self.store.finish(claimer, item.id, PENDING, now=now, retry_at=now + wait, detail=detail)

    async def _compose(
        self,
        item: Claimed,
        person: Salesperson,
        prefs: Preferences,
        people: dict[str, tuple[Salesperson, Preferences]],
        now: datetime,
    ) -> Direct | None:
        """The message, built now from the current data; None when it is no longer due."""
        if item.kind == DIGEST:
            since = await self.store.last_sent(DIGEST, person.code)
            direct = await self.digests.build(person.code, since=since, now=now)
            return Direct(person.code, direct.document, direct.images, direct.live_no)
        if item.kind == TODO:
            async with self.service.uow() as uow:
                todo = await scans.task(uow.session, int(item.target))
            if todo is None:  # done or cancelled meanwhile
                return None
            try:
                view = await self.service.shared_card(todo[1])
            except DomainError:
                return None
            notice = Notice(msg("todo_due", no=view.no, activity=todo[4]))
            return Direct(person.code, card_document(view, [notice]), live_no=view.no)
        try:
            view = await self.service.shared_card(item.target)
        except DomainError:  # gone
            return None
        owner_prefs = people[view.opp.salesperson_code][1] if view.opp.salesperson_code in people else prefs
        if not self._still_due(item, view, owner_prefs):
            return None
        stage = view.stage.label if view.stage else ""
        if item.kind == REMINDER:
            text = msg("reminder_stalled", no=view.no, stage=stage, days=view.days_overdue)
        else:
            owner = view.owner.name if view.owner else view.opp.salesperson_code
            count = self.escalate_after
            text = msg(
                "reminder_escalated",
                owner=owner,
                count=count,
                no=view.no,
                stage=stage,
                days=view.days_overdue,
            )
        notice = Notice(text, warning=True)
        if item.kind == REMINDER:
            view = dataclasses.replace(view, reminder=True)
        return Direct(person.code, card_document(view, [notice]), live_no=view.no)

    def _still_due(self, item: Claimed, view: OpportunityView, owner_prefs: Preferences) -> bool:
        """The stall the row was queued for still stands (no move, closing or `reminders off` since)."""
        opp = view.opp
        if opp.status != OpportunityStatus.IN_PROGRESS or not view.stalled or not owner_prefs.reminders_on:
            return False
        anchor = item.period.split("#", 1)[0]
        if anchor.startswith("z"):  # counted from a snooze's end: still stalled is enough
            return True
        return opp.last_change_date is not None and anchor == opp.last_change_date.isoformat()


async def _already_delivered(notifiers: DirectNotifiers, message: Direct, since: datetime) -> bool:
    for notifier in notifiers.notifiers:
        if not isinstance(notifier, DeliveryLookup):
            continue
        try:
            if await notifier.delivered(message, since):
                return True
        except RetryLater:
            raise
        except Exception:  # cannot tell: sending again is the lesser harm than never sending
            log.exception("%s could not look up an earlier delivery to %s", notifier.platform, message.person)
    return False


async def _deliver(notifiers: DirectNotifiers, message: Direct) -> tuple[str, timedelta, str]:
    """Every platform that knows the person gets it (port.DirectNotifiers); sent when one took it.

    A platform that asks to retry is not tried again once another delivered: a second copy later on
    one platform is worse than none there.
    """
    delivered = False
    wait: timedelta | None = None
    reasons: list[str] = []
    for notifier in notifiers.notifiers:
        try:
            await notifier.send(message)
            delivered = True
        except RetryLater as exc:
            seconds = timedelta(seconds=max(exc.seconds, 1.0))
            wait = seconds if wait is None else max(wait, seconds)
            reasons.append(f"{notifier.platform}: retry after {exc.seconds:.0f} s")
        except Unreachable as exc:
            reasons.append(f"{notifier.platform}: {exc}")
        except Exception as exc:  # an error the platform's notifier did not classify: try again later
            log.exception("%s could not send to %s", notifier.platform, message.person)
            wait = max(wait or UNKNOWN_ERROR_WAIT, UNKNOWN_ERROR_WAIT)
            reasons.append(f"{notifier.platform}: {exc!r}")
    if delivered:
        return SENT, timedelta(0), "; ".join(reasons)
    if wait is not None:
        return PENDING, wait, "; ".join(reasons)
    return UNREACHABLE, timedelta(0), "; ".join(reasons) or "no chat platform"


def _backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=30 * 2 ** min(attempts, 10)), MAX_BACKOFF)


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
