"""When reminders and digests are due: plain calendar arithmetic in each person's own time zone.

Everything here is pure (no clock, no database): the scheduler passes `now` in. Wall-clock times are
turned into instants DST-safely: a time that happens twice (a fold, clocks going back) is its first
occurrence, one that never happens (a gap, clocks going forward) is the first instant after the gap.
Notifications are keyed by local dates, so a fold can never make a second one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from oppbot.domain.dateformula import calc_date, parse_formula
from oppbot.domain.preferences import DAY_MINUTES, Digest, Preferences

SNOOZE_DAYS = {"1d": 1, "3d": 3, "1w": 7}
DEFAULT_SNOOZE = "1d"
_WEEK = 7


def local_instant(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """The UTC instant of local `day` at `minute` after midnight (1440 is the next midnight)."""
    if minute >= DAY_MINUTES:
        return local_instant(day + timedelta(days=1), minute - DAY_MINUTES, zone)
    wall = datetime.combine(day, time(minute // 60, minute % 60))
    first = wall.replace(tzinfo=zone, fold=0)
    instant = first.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall:
        return instant  # exists (in a fold, fold=0 is the earlier of the two)
    # A gap: fold=0 reads the wall time with the offset before the change, which lands after the gap;
    # fold=1 with the offset after it, which lands before. The change itself lies between: find it.
    low = int(wall.replace(tzinfo=zone, fold=1).timestamp())
    high = int(instant.timestamp())
    while high - low > 1:  # whole seconds: transitions happen on them
        mid = (low + high) // 2
        if datetime.fromtimestamp(mid, zone).replace(tzinfo=None) >= wall:
            high = mid
        else:
            low = mid
    return datetime.fromtimestamp(high, UTC)


def next_working_instant(prefs: Preferences, zone: ZoneInfo, at: datetime) -> datetime:
    """`at` itself when it is working time for this person, else the start of their next window."""
    if prefs.is_working_time(at, zone):
        return at
    hours, days = prefs.hours, prefs.days
    today = at.astimezone(zone).date()
    for offset in range(-1, 2 * _WEEK + 1):
        day = today + timedelta(days=offset)
        if day.weekday() not in days:
            continue
        start = local_instant(day, hours.start, zone)
        if start >= at:
            return start
    return at  # no working day at all cannot happen (working_days is never empty)


@dataclass(frozen=True)
class DigestSlot:
    day: date  # the manager's local date: the digest's key
    at: datetime  # when it is due (UTC)


def latest_digest_slot(digest: Digest, zone: ZoneInfo, now: datetime) -> DigestSlot | None:
    """The most recent scheduled digest at or before `now`; None when digests are off.

    Only the latest slot counts: after downtime a missed digest is sent once, not once per missed slot.
    """
    if digest.off:
        return None
    today = now.astimezone(zone).date()
    for back in range(_WEEK + 1):
        day = today - timedelta(days=back)
        if digest.every == "weekly" and day.weekday() != digest.day:
            continue
        at = local_instant(day, digest.at, zone)
        if at <= now:
            return DigestSlot(day, at)
    return None


def next_digest_slot(digest: Digest, zone: ZoneInfo, now: datetime) -> DigestSlot | None:
    """The first scheduled digest strictly after `now` (what `digest` could tell a manager)."""
    if digest.off:
        return None
    today = now.astimezone(zone).date()
    for ahead in range(_WEEK + 2):
        day = today + timedelta(days=ahead)
        if digest.every == "weekly" and day.weekday() != digest.day:
            continue
        at = local_instant(day, digest.at, zone)
        if at > now:
            return DigestSlot(day, at)
    return None


# --- stall reminders ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReminderSlot:
    """Which reminder of a stall is due: `anchor` names the stall (its last change, or the end of a
    snooze), `number` counts the reminders of that anchor from 0."""

    anchor: str
    number: int

    @property
    def period(self) -> str:
        return f"{self.anchor}#{self.number}"


def _fixed_step(every: str) -> int | None:
    """Days per step when the formula is a plain number of days or weeks (no calendar months)."""
    terms = parse_formula(every)
    if len(terms) == 1 and terms[0][1] in ("D", "W") and terms[0][0] > 0:
        amount, unit = terms[0]
        return amount * (_WEEK if unit == "W" else 1)
    return None


def repeat_number(first: date, today: date, every: str) -> int:
    """How many times `every` has elapsed from `first` up to `today` (0 on `first` itself)."""
    if today < first:
        return -1
    step = _fixed_step(every)
    if step is not None:
        return (today - first).days // step
    n, day = 0, first
    while True:
        following = calc_date(every, day)
        if following <= day or following > today:
            return n
        n, day = n + 1, following


def reminder_slot(
    last_change: date,
    stall_due: date,
    today: date,
    every: str,
    *,
    snoozed_until: datetime | None = None,
    now: datetime | None = None,
    snooze_day: date | None = None,
) -> ReminderSlot | None:
    """The reminder due now for a stalled opportunity, or None (not yet stalled, or snoozed).

    The first reminder is on the first stalled day (the day after the stall's due date), then one every
    `every` while it stays stalled. A move or closing changes the last change (a new anchor, counting
    from zero again); a snooze silences it until it ends, and reminders then count from zero again.
    """
    first = stall_due + timedelta(days=1)
    anchor = last_change.isoformat()
    if snoozed_until is not None and now is not None:
        if now < snoozed_until:
            return None
        if snooze_day is not None and snooze_day >= first:
            first, anchor = snooze_day, "z" + snoozed_until.astimezone(UTC).strftime("%Y%m%dT%H%M%S")
    n = repeat_number(first, today, every)
    return None if n < 0 else ReminderSlot(anchor, n)


def snooze_until(now: datetime, duration: str) -> datetime:
    return now + timedelta(days=SNOOZE_DAYS[duration])
