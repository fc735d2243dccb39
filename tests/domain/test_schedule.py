"""domain.schedule: wall-clock times across DST, working hours across zones, digest slots, repeats."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from oppbot.domain.preferences import Preferences, parse_digest, parse_working_days, parse_working_hours
from oppbot.domain.schedule import (
    latest_digest_slot,
    local_instant,
    next_digest_slot,
    next_working_instant,
    reminder_slot,
    repeat_number,
)

ROME = ZoneInfo("Europe/Rome")
LA = ZoneInfo("America/Los_Angeles")
NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# --- wall-clock times: 2027's changes (EU: 28 March, 31 October; US: 14 March, 7 November) -----------
@pytest.mark.parametrize(
    ("zone", "day", "minute", "expected"),
    [
        (ROME, date(2027, 3, 28), 2 * 60 + 30, utc(2027, 3, 28, 1, 0)),  # gap: 03:00 CEST, the first valid
        (ROME, date(2027, 10, 31), 2 * 60 + 30, utc(2027, 10, 31, 0, 30)),  # fold: the first 02:30 (CEST)
        (ROME, date(2027, 10, 31), 9 * 60, utc(2027, 10, 31, 8, 0)),  # after the change: CET
        (NEW_YORK, date(2027, 3, 14), 2 * 60 + 30, utc(2027, 3, 14, 7, 0)),  # gap: 03:00 EDT
        (NEW_YORK, date(2027, 11, 7), 1 * 60 + 30, utc(2027, 11, 7, 5, 30)),  # fold: the first (EDT)
        (LA, date(2027, 3, 14), 2 * 60, utc(2027, 3, 14, 10, 0)),  # the gap's very start: 03:00 PDT
        (KOLKATA, date(2027, 3, 28), 9 * 60, utc(2027, 3, 28, 3, 30)),  # +05:30, no DST
    ],
)
def test_local_instant_is_dst_safe(zone: ZoneInfo, day: date, minute: int, expected: datetime) -> None:
    assert local_instant(day, minute, zone) == expected


def _slots(digest: str, zone: ZoneInfo, start: datetime, end: datetime) -> dict[str, datetime]:
    """What a scheduler passing every 15 minutes would queue: one row per key (the local date)."""
    keys: dict[str, datetime] = {}
    now = start
    while now <= end:
        slot = latest_digest_slot(parse_digest(digest), zone, now)
        if slot is not None:
            keys.setdefault(slot.day.isoformat(), slot.at)
        now += timedelta(minutes=15)
    return keys


@pytest.mark.parametrize(
    ("zone", "digest", "day", "due"),
    [
        (ROME, "daily 02:30", date(2027, 10, 31), utc(2027, 10, 31, 0, 30)),  # fold: once, the first
        (ROME, "daily 02:30", date(2027, 3, 28), utc(2027, 3, 28, 1, 0)),  # gap: at 03:00
        (ROME, "weekly sun 02:30", date(2027, 10, 31), utc(2027, 10, 31, 0, 30)),
        (NEW_YORK, "daily 01:30", date(2027, 11, 7), utc(2027, 11, 7, 5, 30)),
        (NEW_YORK, "weekly sun 02:30", date(2027, 3, 14), utc(2027, 3, 14, 7, 0)),
        (LA, "daily 09:00", date(2027, 3, 14), utc(2027, 3, 14, 16, 0)),  # PDT from that morning
        (LA, "daily 09:00", date(2027, 11, 7), utc(2027, 11, 7, 17, 0)),  # PST
    ],
)
def test_digest_across_dst_changes_is_sent_once_per_day(
    zone: ZoneInfo, digest: str, day: date, due: datetime
) -> None:
    start = datetime.combine(day - timedelta(days=1), datetime.min.time(), tzinfo=zone).astimezone(UTC)
    slots = _slots(digest, zone, start, start + timedelta(days=3))
    assert slots[day.isoformat()] == due
    per_day = 1 if digest.startswith("daily") else 0
    assert len(slots) >= 1 + per_day  # the days around it too, each once (a dict: one key per date)


def test_default_manager_digest_monday_0900_local_across_a_spring_change() -> None:
    # US clocks change on Sunday 14 March 2027; Monday 15th 09:00 EDT is 13:00 UTC (EST would be 14:00).
    digest = parse_digest("weekly mon 09:00")
    assert latest_digest_slot(digest, NEW_YORK, utc(2027, 3, 15, 12, 59)) is not None  # last week's
    slot = latest_digest_slot(digest, NEW_YORK, utc(2027, 3, 15, 13, 0))
    assert slot is not None and slot.day == date(2027, 3, 15) and slot.at == utc(2027, 3, 15, 13, 0)
    nxt = next_digest_slot(digest, ROME, utc(2027, 3, 26, 12, 0))
    assert nxt is not None and nxt.at == utc(2027, 3, 29, 7, 0)  # CEST from the 28th


def test_after_downtime_only_the_latest_missed_digest_is_due() -> None:
    digest = parse_digest("daily 08:00")
    # Down from Monday 1 Feb to Thursday 4 Feb 2027, 10:00: Monday's, Tuesday's, Wednesday's and
    # Thursday's slots were missed; the first pass after restart queues Thursday's alone.
    slot = latest_digest_slot(digest, ROME, utc(2027, 2, 4, 9, 0))
    assert slot is not None and slot.day == date(2027, 2, 4)
    weekly = latest_digest_slot(parse_digest("weekly mon 09:00"), ROME, utc(2027, 2, 24, 9, 0))
    assert weekly is not None and weekly.day == date(2027, 2, 22)
    assert latest_digest_slot(parse_digest("off"), ROME, utc(2027, 2, 4, 9, 0)) is None


# --- working hours and days ---------------------------------------------------------------------------
def prefs(hours: str = "09:00-18:00", days: str = "mon-fri", tz: str | None = None) -> Preferences:
    return Preferences(
        timezone=tz, working_hours=parse_working_hours(hours), working_days=parse_working_days(days)
    )


@pytest.mark.parametrize(
    ("zone", "p", "at", "expected"),
    [
        # Rome, Friday 2027-03-26 19:00 CET → Monday 29th 09:00 CEST (the change was on Sunday)
        (ROME, prefs(), utc(2027, 3, 26, 18, 0), utc(2027, 3, 29, 7, 0)),
        # Rome, Tuesday 10:00: working time, now
        (ROME, prefs(), utc(2027, 3, 30, 8, 0), utc(2027, 3, 30, 8, 0)),
        # Los Angeles, 08:30-17:00: Monday 06:00 PDT → 08:30 PDT (15:30 UTC)
        (LA, prefs("08:30-17:00"), utc(2027, 3, 15, 13, 0), utc(2027, 3, 15, 15, 30)),
        # Los Angeles in winter: Saturday → Monday 08:30 PST (16:30 UTC)
        (LA, prefs("08:30-17:00"), utc(2027, 1, 9, 20, 0), utc(2027, 1, 11, 16, 30)),
        # Kolkata (+05:30), mon-sat: Saturday 2027-01-09 07:00 IST → 09:00 IST (03:30 UTC)
        (KOLKATA, prefs(days="mon-sat"), utc(2027, 1, 9, 1, 30), utc(2027, 1, 9, 3, 30)),
        # Kolkata, Saturday 18:30 IST with mon-fri → Monday 09:00 IST
        (KOLKATA, prefs(), utc(2027, 1, 9, 13, 0), utc(2027, 1, 11, 3, 30)),
        # An overnight window 22:00-06:00 starting on weekdays: Saturday 03:00 belongs to Friday's
        (ROME, prefs("22:00-06:00"), utc(2027, 1, 9, 2, 0), utc(2027, 1, 9, 2, 0)),
        (ROME, prefs("22:00-06:00"), utc(2027, 1, 9, 12, 0), utc(2027, 1, 11, 21, 0)),
    ],
)
def test_next_working_instant(zone: ZoneInfo, p: Preferences, at: datetime, expected: datetime) -> None:
    found = next_working_instant(p, zone, at)
    assert found == expected
    assert p.is_working_time(found, zone)


# --- reminder repeats -----------------------------------------------------------------------------------
def test_repeat_numbers_for_day_week_and_month_formulas() -> None:
    first = date(2027, 1, 31)
    assert repeat_number(first, date(2027, 1, 30), "3D") == -1
    assert [repeat_number(first, first + timedelta(days=d), "3D") for d in range(8)] == [
        0,
        0,
        0,
        1,
        1,
        1,
        2,
        2,
    ]
    assert repeat_number(first, date(2027, 2, 14), "1W") == 2
    # Months clamp at the end: 31 Jan + 1M = 28 Feb, + 1M = 28 Mar
    assert repeat_number(first, date(2027, 2, 27), "1M") == 0
    assert repeat_number(first, date(2027, 2, 28), "1M") == 1
    assert repeat_number(first, date(2027, 3, 28), "1M") == 2


def test_reminder_slot_first_stalled_day_then_every_three_days() -> None:
    last, due = date(2027, 1, 4), date(2027, 1, 18)  # 14D
    assert reminder_slot(last, due, date(2027, 1, 18), "3D") is None  # due day: not stalled yet
    slot = reminder_slot(last, due, date(2027, 1, 19), "3D")
    assert slot is not None and slot.period == "2027-01-04#0"
    slot = reminder_slot(last, due, date(2027, 1, 25), "3D")
    assert slot is not None and slot.period == "2027-01-04#2"


def test_snooze_silences_then_counts_from_zero_again() -> None:
    last, due = date(2027, 1, 4), date(2027, 1, 18)
    until = utc(2027, 1, 27, 10, 0)
    # Snoozed: nothing until the snooze ends
    assert (
        reminder_slot(
            last,
            due,
            date(2027, 1, 26),
            "3D",
            snoozed_until=until,
            now=utc(2027, 1, 26, 9, 0),
            snooze_day=date(2027, 1, 27),
        )
        is None
    )
    after = reminder_slot(
        last,
        due,
        date(2027, 1, 27),
        "3D",
        snoozed_until=until,
        now=utc(2027, 1, 27, 11, 0),
        snooze_day=date(2027, 1, 27),
    )
    assert after is not None and after.number == 0 and after.anchor.startswith("z20270127")
    # A snooze that ended before this stall began (an older stall's) changes nothing
    old = reminder_slot(
        last,
        due,
        date(2027, 1, 22),
        "3D",
        snoozed_until=utc(2027, 1, 2),
        now=utc(2027, 1, 22, 9),
        snooze_day=date(2027, 1, 2),
    )
    assert old is not None and old.period == "2027-01-04#1"
