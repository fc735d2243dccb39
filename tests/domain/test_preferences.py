"""People's chat preferences: formats, defaults, the platform rule and working time across DST."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oppbot.domain.enums import Role
from oppbot.domain.errors import DomainError
from oppbot.domain.preferences import (
    DIGEST_OFF,
    FIELDS,
    MANAGER_DIGEST,
    Digest,
    Preferences,
    WorkingHours,
    format_days,
    parse_digest,
    parse_locale,
    parse_preference,
    parse_reminders,
    parse_timezone,
    parse_working_days,
    parse_working_hours,
)

ROME = ZoneInfo("Europe/Rome")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- formats ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "expected"),
    [("Europe/Rome", "Europe/Rome"), ("europe/rome", "Europe/Rome"), (" UTC ", "UTC"),
     ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
     ("Europe/Rome\x00", "Europe/Rome")],  # control characters are dropped from all input
)  # fmt: skip
def test_time_zones_are_iana_names_in_their_own_spelling(given: str, expected: str) -> None:
    assert parse_timezone(given) == expected


@pytest.mark.parametrize(
    "given", ["Europe/Roma", "Rome", "CET+1", "", "Europe", "../etc/passwd", "/usr/share/zoneinfo/UTC",
              "localtime", "posix/Europe/Rome", 42, None, True],
)  # fmt: skip
def test_anything_else_is_not_a_time_zone(given: object) -> None:
    with pytest.raises(DomainError) as caught:
        parse_timezone(given)
    assert caught.value.code == "bad_timezone"


@pytest.mark.parametrize(
    ("given", "expected"),
    [("en", "en"), ("it", "it"), ("IT", "it"), ("it-IT", "it"), ("en_US", "en"), ("italiano", "it")],
)
def test_locales_are_en_and_it(given: str, expected: str) -> None:
    assert parse_locale(given) == expected


@pytest.mark.parametrize("given", ["fr", "de-DE", "", "english please", 1, None])
def test_other_languages_are_refused(given: object) -> None:
    with pytest.raises(DomainError) as caught:
        parse_locale(given)
    assert caught.value.code == "bad_locale"


@pytest.mark.parametrize(
    ("given", "start", "end"),
    [("09:00-18:00", 540, 1080), ("8:30-17:00", 510, 1020), ("08.30 - 17.00", 510, 1020),
     ("00:00-24:00", 0, 1440), ("22:00-06:00", 1320, 360), ("9-17", 540, 1020)],
)  # fmt: skip
def test_working_hours(given: str, start: int, end: int) -> None:
    hours = parse_working_hours(given)
    assert (hours.start, hours.end) == (start, end)


def test_working_hours_print_as_hh_mm() -> None:
    assert str(parse_working_hours("8:30-17:00")) == "08:30-17:00"
    assert parse_working_hours("00:00-24:00").any_time
    assert parse_working_hours("22:00-06:00").overnight


@pytest.mark.parametrize(
    "given", ["09:00", "09:00-09:00", "00:00-00:00", "24:00-08:00", "08:00-25:00", "08:60-17:00",
              "8am-5pm", "09:00-18:00-20:00", "", "-", 540, None],
)  # fmt: skip
def test_bad_working_hours(given: object) -> None:
    with pytest.raises(DomainError) as caught:
        parse_working_hours(given)
    assert caught.value.code == "bad_working_hours"


@pytest.mark.parametrize(
    ("given", "expected"),
    [("mon-fri", (0, 1, 2, 3, 4)), ("mon,wed,fri", (0, 2, 4)), ("Mon, Wed , FRI", (0, 2, 4)),
     (["mon", "tue"], (0, 1)), ("fri-mon", (0, 4, 5, 6)), ("lun-ven", (0, 1, 2, 3, 4)),
     ("mon-wed,sat", (0, 1, 2, 5)), ("sun", (6,)), ("mon - fri", (0, 1, 2, 3, 4)),
     ("weekdays", (0, 1, 2, 3, 4))],
)  # fmt: skip
def test_working_days_as_list_or_range(given: object, expected: tuple[int, ...]) -> None:
    assert parse_working_days(given) == expected


@pytest.mark.parametrize("given", ["", "monday-", "mon-funday", "mon-weekend", "1-5", [], [1], "xyz", None])
def test_bad_working_days(given: object) -> None:
    with pytest.raises(DomainError) as caught:
        parse_working_days(given)
    assert caught.value.code == "bad_working_days"


def test_days_print_compactly() -> None:
    assert format_days((0, 1, 2, 3, 4)) == "mon-fri"
    assert format_days((0, 2, 4)) == "mon,wed,fri"
    assert format_days((5, 6)) == "sat,sun"
    assert format_days((0, 1, 2, 4, 5, 6)) == "mon-wed,fri-sun"
    for days in ((0, 1, 2, 3, 4), (0, 2, 4), (5, 6), (0, 1, 2, 4, 5, 6), (3,)):
        assert parse_working_days(format_days(days)) == days


@pytest.mark.parametrize(("given", "expected"), [("on", True), ("OFF", False), (True, True), (False, False)])
def test_reminders_on_or_off(given: object, expected: bool) -> None:
    assert parse_reminders(given) is expected


def test_bad_reminders() -> None:
    with pytest.raises(DomainError) as caught:
        parse_reminders("sometimes")
    assert caught.value.code == "bad_reminders"


@pytest.mark.parametrize(
    ("given", "expected"),
    [("daily 08:00", "daily 08:00"), ("weekly mon 09:00", "weekly mon 09:00"), ("off", "off"),
     (False, "off"), ("Weekly FRI 7:30", "weekly fri 07:30"), ("settimanale lun 09:00", "weekly mon 09:00")],
)  # fmt: skip
def test_digest_schedules(given: object, expected: str) -> None:
    assert str(parse_digest(given)) == expected


@pytest.mark.parametrize(
    "given",
    ["daily", "daily 24:00", "weekly 09:00", "weekly mon-fri 09:00", "monthly 1 09:00", "on", True, 9],
)
def test_bad_digest(given: object) -> None:
    with pytest.raises(DomainError) as caught:
        parse_digest(given)
    assert caught.value.code == "bad_digest"


def test_errors_echo_the_value_cleaned_and_short() -> None:
    with pytest.raises(DomainError) as caught:
        parse_timezone("Mars/\x00Olympus" + "x" * 100)
    value = caught.value.params["value"]
    assert value.startswith("Mars/Olympus") and len(value) <= 40 and "\x00" not in value


# --- defaults and changes --------------------------------------------------------------------------
def test_defaults_follow_the_conventions() -> None:
    prefs = Preferences()
    assert str(prefs.hours) == "09:00-18:00"
    assert format_days(prefs.days) == "mon-fri"
    assert prefs.reminders_on is True
    assert prefs.digest_for(Role.MANAGER) == MANAGER_DIGEST
    assert str(MANAGER_DIGEST) == "weekly mon 09:00"
    assert prefs.digest_for(Role.REP) == DIGEST_OFF
    assert prefs.digest_for(Role.ADMIN) == DIGEST_OFF


def test_a_set_digest_wins_over_the_role_default() -> None:
    prefs = Preferences(digest=Digest("off"))
    assert prefs.digest_for(Role.MANAGER).off


def test_changes_are_parsed_all_or_nothing() -> None:
    prefs = Preferences(locale="en")
    changed = prefs.with_changes({"timezone": "europe/rome", "working_hours": "08:30-17:00"})
    assert changed == Preferences("Europe/Rome", "en", WorkingHours(510, 1020))
    with pytest.raises(DomainError) as caught:
        prefs.with_changes({"timezone": "Europe/Rome", "locale": "fr"})
    assert caught.value.code == "bad_locale"
    assert prefs == Preferences(locale="en")  # frozen: nothing half-applied anywhere


def test_default_clears_a_value() -> None:
    prefs = Preferences(timezone="Europe/Rome", reminders=False)
    assert prefs.with_changes({"timezone": "default", "reminders": None}) == Preferences()


def test_unknown_field_is_refused() -> None:
    with pytest.raises(DomainError) as caught:
        parse_preference("colour", "blue")
    assert caught.value.code == "unknown_preference"


def test_stored_values_round_trip_and_invalid_ones_fall_back_to_defaults() -> None:
    prefs = Preferences(
        "Europe/Rome", "it", WorkingHours(510, 1020), (0, 2, 4), False, Digest("daily", None, 480)
    )
    assert Preferences.stored(prefs.as_stored()) == prefs
    assert Preferences.stored({"timezone": "Atlantis/Capital", "locale": "it"}) == Preferences(locale="it")


# --- the platform's value and the settings' -------------------------------------------------------------
def test_a_set_zone_wins_over_the_platform_which_wins_over_the_setting() -> None:
    assert Preferences("Europe/Rome").effective_timezone("America/New_York", "UTC") == "Europe/Rome"
    assert Preferences().effective_timezone("America/New_York", "UTC") == "America/New_York"
    assert Preferences().effective_timezone(None, "UTC") == "UTC"
    assert Preferences().effective_timezone("Not/AZone", "Europe/London") == "Europe/London"


def test_a_set_locale_wins_over_the_platform_which_wins_over_the_setting() -> None:
    assert Preferences(locale="it").effective_locale("en-US", "en") == "it"
    assert Preferences().effective_locale("it-IT", "en") == "it"
    assert Preferences().effective_locale(None, "it") == "it"
    assert Preferences().effective_locale("fr-FR", "it") == "it"  # a language oppbot doesn't speak


# --- working time -------------------------------------------------------------------------------------
def test_working_time_is_local_hours_on_local_days() -> None:
    prefs = Preferences()  # 09:00-18:00, mon-fri
    assert prefs.is_working_time(utc(2026, 10, 5, 7, 0), ROME)  # Mon 09:00 CEST
    assert not prefs.is_working_time(utc(2026, 10, 5, 6, 59), ROME)  # Mon 08:59
    assert prefs.is_working_time(utc(2026, 10, 5, 15, 59), ROME)  # Mon 17:59
    assert not prefs.is_working_time(utc(2026, 10, 5, 16, 0), ROME)  # Mon 18:00: the end is excluded
    assert not prefs.is_working_time(utc(2026, 10, 3, 10, 0), ROME)  # Saturday


def test_the_local_day_decides_not_the_utc_day() -> None:
    auckland = ZoneInfo("Pacific/Auckland")
    sunday_utc = utc(2026, 10, 4, 21, 0)  # Monday 10:00 in Auckland (NZDT, +13)
    assert Preferences().is_working_time(sunday_utc, auckland)
    assert not Preferences().is_working_time(sunday_utc, ROME)  # Sunday 23:00 in Rome


def test_the_same_utc_hour_is_inside_after_spring_forward_and_outside_before() -> None:
    prefs = Preferences()
    # Rome moved to CEST on Sunday 2026-03-29: 07:30 UTC is 08:30 CET on Friday, 09:30 CEST on Monday.
    assert not prefs.is_working_time(utc(2026, 3, 27, 7, 30), ROME)
    assert prefs.is_working_time(utc(2026, 3, 30, 7, 30), ROME)
    # And back on Sunday 2026-10-25: 16:30 UTC is 18:30 CEST on Friday, 17:30 CET on Monday.
    assert not prefs.is_working_time(utc(2026, 10, 23, 16, 30), ROME)
    assert prefs.is_working_time(utc(2026, 10, 26, 16, 30), ROME)


def test_the_skipped_hour_never_matches_and_the_repeated_hour_matches_twice() -> None:
    every_day = Preferences(working_hours=WorkingHours(120, 180), working_days=tuple(range(7)))  # 02:00-03:00
    # 2026-03-29 in Rome: 01:59 CET is followed by 03:00 CEST.
    spring = [utc(2026, 3, 29, 0, 0) + timedelta(minutes=m) for m in range(0, 120)]
    assert not any(every_day.is_working_time(t, ROME) for t in spring)
    # 2026-10-25 in Rome: 02:00-03:00 happens in CEST (00:00-01:00 UTC) and again in CET (01:00-02:00 UTC).
    autumn = [utc(2026, 10, 24, 23, 30) + timedelta(minutes=m) for m in range(0, 180)]
    inside = [t for t in autumn if every_day.is_working_time(t, ROME)]
    assert inside[0] == utc(2026, 10, 25, 0, 0) and inside[-1] == utc(2026, 10, 25, 1, 59)
    assert len(inside) == 120
    # New York, 2026-03-08: 02:00-03:00 EST doesn't exist.
    assert not any(every_day.is_working_time(utc(2026, 3, 8, 6, 0) + timedelta(minutes=m), NEW_YORK)
                   for m in range(0, 120))  # fmt: skip


def test_any_time_means_any_time_on_working_days() -> None:
    prefs = Preferences(working_hours=WorkingHours(0, 1440))
    assert prefs.is_working_time(utc(2026, 10, 5, 22, 30), ROME)  # Tue 00:30 CEST
    assert prefs.is_working_time(utc(2026, 10, 5, 21, 59), ROME)  # Mon 23:59
    assert not prefs.is_working_time(utc(2026, 10, 3, 12, 0), ROME)  # Saturday


def test_an_overnight_window_belongs_to_the_day_it_starts_on() -> None:
    nights = Preferences(working_hours=WorkingHours(22 * 60, 6 * 60), working_days=(4,))  # Friday nights
    assert nights.is_working_time(utc(2026, 10, 9, 20, 30), ROME)  # Fri 22:30
    assert nights.is_working_time(utc(2026, 10, 10, 3, 0), ROME)  # Sat 05:00, Friday's night
    assert not nights.is_working_time(utc(2026, 10, 10, 4, 0), ROME)  # Sat 06:00
    assert not nights.is_working_time(utc(2026, 10, 9, 3, 0), ROME)  # Fri 05:00 is Thursday's night


def test_any_aware_instant_works_and_a_naive_one_is_refused() -> None:
    plus_two = datetime(2026, 10, 5, 9, 0, tzinfo=timezone(timedelta(hours=2)))  # = Mon 09:00 CEST
    assert Preferences().is_working_time(plus_two, ROME)
    with pytest.raises(ValueError, match="aware"):
        Preferences().is_working_time(datetime(2026, 10, 5, 9, 0), ROME)


# --- anything at all --------------------------------------------------------------------------------
anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(st.characters(exclude_categories=()), max_size=30),
    st.lists(st.text(max_size=8), max_size=4),
    st.sampled_from(
        ["mon-", "-fri", "24:00-24:00", "23:59-24:00", "weekly sun 23:59", "Etc/GMT+12", "fri-fri"]
    ),
)


@settings(derandomize=True, database=None, max_examples=400, deadline=None)
@given(field=st.sampled_from(FIELDS), value=anything)
def test_parsers_raise_only_domain_errors_and_values_round_trip(field: str, value: object) -> None:
    try:
        parsed = parse_preference(field, value)
    except DomainError as exc:
        assert exc.code == f"bad_{field}"
        assert not any(unicodedata.category(c) in ("Cc", "Cs") for c in exc.params["value"])
        return
    prefs = Preferences(**{field: parsed})  # type: ignore[arg-type]
    assert Preferences.stored(prefs.as_stored()) == prefs  # what is stored reads back the same
