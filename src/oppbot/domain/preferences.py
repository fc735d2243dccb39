"""People's chat preferences (conventions.md, "People's chat preferences"): values, formats, defaults.

A `Preferences` holds what a person has SET; a field left as None means "not set", so its default
applies and follows the person (a rep promoted to manager gets the manager's digest default; a person
without a time zone follows their chat platform's). The formats are the conventions' own:

- `timezone`: an IANA name (`Europe/Rome`); `locale`: `en` or `it`;
- `working_hours`: `HH:MM-HH:MM` local time, `00:00-24:00` meaning any time (a window that ends
  before it starts, `22:00-06:00`, runs overnight and belongs to the day it starts on);
- `working_days`: day names as a list or ranges (`mon-fri`, `mon,wed,fri`);
- `reminders`: on or off; `digest`: `daily HH:MM`, `weekly DAY HH:MM` or `off`.

Every parser takes what a person typed or a set-up file holds (YAML reads `on`/`off` as booleans)
and raises DomainError `bad_<field>` (with the value) for anything else; nothing else escapes.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from oppbot.domain.enums import Role
from oppbot.domain.errors import DomainError
from oppbot.domain.text import clean_text

FIELDS = ("timezone", "locale", "working_hours", "working_days", "reminders", "digest")
# What the person's chat platform last said (Slack `tz`/`locale`, Teams `localTimezone`/`locale`):
# not settings, but kept, because the scheduler writes first and has no request to read them from.
PLATFORM_FIELDS = ("platform_timezone", "platform_locale")
STORED_FIELDS = FIELDS + PLATFORM_FIELDS
LOCALES = ("en", "it")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = datetime.weekday()
DAY_MINUTES = 24 * 60
MAX_ECHO = 40

# Words that clear a preference, so its default applies again (`settings timezone=default`).
DEFAULT_WORDS = frozenset({"default", "auto", "reset", "predefinito", "predefinita"})

_DAY_WORDS: dict[str, tuple[int, ...]] = {
    **{name: (i,) for i, name in enumerate(WEEKDAYS)},
    **{name: (i,) for i, name in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))},
    **{name: (i,) for i, name in enumerate(("lun", "mar", "mer", "gio", "ven", "sab", "dom"))},
    **{name: (i,) for i, name in enumerate(
        ("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"))},
    **{name: (i,) for i, name in enumerate(
        ("lunedi", "martedi", "mercoledi", "giovedi", "venerdi"))},
    "weekdays": (0, 1, 2, 3, 4), "feriali": (0, 1, 2, 3, 4),
    "weekend": (5, 6),
    "all": tuple(range(7)), "tutti": tuple(range(7)),
}  # fmt: skip
_ON = frozenset({"on", "yes", "true", "1", "si", "sì", "attivi", "attivo", "acceso"})
_OFF = frozenset({"off", "no", "false", "0", "disattivi", "disattivo", "spento"})
_DAILY = frozenset({"daily", "giornaliero", "quotidiano"})
_WEEKLY = frozenset({"weekly", "settimanale"})
_LANGUAGE_NAMES = {"english": "en", "inglese": "en", "italian": "it", "italiano": "it"}
_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?$")
_RANGE = re.compile(r"^\s*([^\s-]+)\s*-\s*([^\s-]+)\s*$")


# --- values -----------------------------------------------------------------------------------------
def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class WorkingHours:
    """A daily window of local time, in minutes after midnight; `end` may be 1440 (24:00)."""

    start: int
    end: int

    def __str__(self) -> str:
        return f"{_hhmm(self.start)}-{_hhmm(self.end)}"

    @property
    def any_time(self) -> bool:
        return self.start == 0 and self.end == DAY_MINUTES

    @property
    def overnight(self) -> bool:
        return self.end < self.start


@dataclass(frozen=True)
class Digest:
    """When a digest goes out: `every` is off, daily or weekly; `day` the weekday of a weekly one."""

    every: str = "off"
    day: int | None = None
    at: int = 0  # minutes after local midnight

    def __str__(self) -> str:
        if self.every == "daily":
            return f"daily {_hhmm(self.at)}"
        if self.every == "weekly" and self.day is not None:
            return f"weekly {WEEKDAYS[self.day]} {_hhmm(self.at)}"
        return "off"

    @property
    def off(self) -> bool:
        return self.every == "off"


DEFAULT_WORKING_HOURS = WorkingHours(9 * 60, 18 * 60)
DEFAULT_WORKING_DAYS = (0, 1, 2, 3, 4)
DEFAULT_REMINDERS = True
DIGEST_OFF = Digest()
MANAGER_DIGEST = Digest("weekly", 0, 9 * 60)


def default_digest(role: Role) -> Digest:
    """Managers get a weekly Monday digest of their team; everyone else none until they ask."""
    return MANAGER_DIGEST if role == Role.MANAGER else DIGEST_OFF


def format_days(days: Iterable[int]) -> str:
    """(0, 1, 2, 3, 4) → `mon-fri`; (0, 2, 4) → `mon,wed,fri`: runs of three or more as ranges."""
    ordered = sorted(set(days))
    parts: list[str] = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        if j - i >= 2:
            parts.append(f"{WEEKDAYS[ordered[i]]}-{WEEKDAYS[ordered[j]]}")
        else:
            parts += [WEEKDAYS[d] for d in ordered[i : j + 1]]
        i = j + 1
    return ",".join(parts)


# --- parsing ----------------------------------------------------------------------------------------
def _echo(value: object) -> str:
    """What the person gave, readable and short, for the error that names it."""
    if isinstance(value, list | tuple):
        value = ",".join(str(v) for v in value)
    text = " ".join(clean_text(str(value)).split())
    return text if len(text) <= MAX_ECHO else text[: MAX_ECHO - 1] + "…"


def _bad(field: str, value: object) -> DomainError:
    return DomainError(f"bad_{field}", value=_echo(value))


def _words(value: object) -> str | None:
    """Text as lower-case single-spaced words, or None when it isn't text."""
    if not isinstance(value, str):
        return None
    return " ".join(clean_text(value).split()).lower()


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    """IANA names by their lower-case spelling (so `europe/rome` is `Europe/Rome`)."""
    skip = {"localtime", "factory", "posixrules"}
    return {
        name.lower(): name
        for name in available_timezones()
        if name.lower() not in skip and not name.startswith(("posix/", "right/"))
    }


def parse_timezone(value: object) -> str:
    text = _words(value)
    name = _zones().get(text) if text else None
    if name is None:
        raise _bad("timezone", value)
    return name


def parse_locale(value: object) -> str:
    text = _words(value)
    if text:
        lang = _LANGUAGE_NAMES.get(text) or text.replace("-", "_").split("_")[0]
        if lang in LOCALES:
            return lang
    raise _bad("locale", value)


def _minutes(text: str, *, allow_24: bool) -> int | None:
    m = _TIME.match(text)
    if m is None:
        return None
    hours, minutes = int(m.group(1)), int(m.group(2) or 0)
    if hours == 24 and minutes == 0 and allow_24:
        return DAY_MINUTES
    if hours > 23 or minutes > 59:
        return None
    return hours * 60 + minutes


def parse_working_hours(value: object) -> WorkingHours:
    text = _words(value)
    m = _RANGE.match(text) if text else None
    if m is not None:
        start = _minutes(m.group(1), allow_24=False)
        end = _minutes(m.group(2), allow_24=True)
        # Equal ends would be an empty (or ambiguous) window: any time is 00:00-24:00.
        if start is not None and end is not None and start != end:
            return WorkingHours(start, end)
    raise _bad("working_hours", value)


def _day_run(word: str, field: str, value: object) -> tuple[int, ...]:
    m = _RANGE.match(word)
    if m is None:
        found = _DAY_WORDS.get(word)
        if found is None:
            raise _bad(field, value)
        return found
    first, last = _DAY_WORDS.get(m.group(1)), _DAY_WORDS.get(m.group(2))
    if first is None or last is None or len(first) != 1 or len(last) != 1:
        raise _bad(field, value)
    # A range may wrap the week: `fri-mon` is fri, sat, sun, mon.
    span = (last[0] - first[0]) % 7
    return tuple((first[0] + k) % 7 for k in range(span + 1))


def parse_working_days(value: object) -> tuple[int, ...]:
    """`mon-fri`, `mon,wed,fri`, `[mon, tue]` (a YAML list), Italian names too → sorted weekdays."""
    items: list[object] = list(value) if isinstance(value, list | tuple) else [value]
    days: set[int] = set()
    for item in items:
        text = _words(item)
        if text is None:
            raise _bad("working_days", value)
        for word in re.split(r"[,;\s]+", re.sub(r"\s*-\s*", "-", text)):
            if word:
                days.update(_day_run(word, "working_days", value))
    if not days:
        raise _bad("working_days", value)
    return tuple(sorted(days))


def parse_reminders(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = _words(value)
    if text in _ON:
        return True
    if text in _OFF:
        return False
    raise _bad("reminders", value)


def parse_digest(value: object) -> Digest:
    if value is False:  # YAML reads `digest: off` as false
        return DIGEST_OFF
    text = _words(value)
    if text is None:
        raise _bad("digest", value)
    if text in _OFF or text in {"none", "nessuno"}:
        return DIGEST_OFF
    words = text.split()
    if len(words) == 2 and words[0] in _DAILY:
        at = _minutes(words[1], allow_24=False)
        if at is not None:
            return Digest("daily", None, at)
    if len(words) == 3 and words[0] in _WEEKLY:
        day, at = _DAY_WORDS.get(words[1]), _minutes(words[2], allow_24=False)
        if day is not None and len(day) == 1 and at is not None:
            return Digest("weekly", day[0], at)
    raise _bad("digest", value)


PARSERS: dict[str, Callable[[object], object]] = {
    "timezone": parse_timezone,
    "locale": parse_locale,
    "working_hours": parse_working_hours,
    "working_days": parse_working_days,
    "reminders": parse_reminders,
    "digest": parse_digest,
}


def parse_preference(field: str, value: object) -> object | None:
    """One field's value as given; None (or `default`) clears it. DomainError for anything else."""
    if field not in PARSERS:
        raise DomainError("unknown_preference", key=_echo(field))
    words = _words(value)
    if value is None or words == "" or words in DEFAULT_WORDS:
        return None
    return PARSERS[field](value)


def _known(parse: Callable[[object], str], value: str | None) -> str | None:
    """A platform's value as oppbot knows it, or None (none given, or not a zone / language it has)."""
    if not value:
        return None
    try:
        return parse(value)
    except DomainError:
        return None


# --- the preferences of one person ------------------------------------------------------------------
@dataclass(frozen=True)
class Preferences:
    """What one person has set (None everywhere is "all defaults"), and what their platform last said."""

    timezone: str | None = None
    locale: str | None = None
    working_hours: WorkingHours | None = None
    working_days: tuple[int, ...] | None = None
    reminders: bool | None = None
    digest: Digest | None = None
    platform_timezone: str | None = None
    platform_locale: str | None = None

    def with_changes(self, changes: Mapping[str, object]) -> Preferences:
        """Every change parsed first: one bad value raises and leaves nothing changed."""
        parsed = {field: parse_preference(field, value) for field, value in changes.items()}
        return dataclasses.replace(self, **parsed)  # type: ignore[arg-type]

    @classmethod
    def stored(cls, values: Mapping[str, object]) -> Preferences:
        """Read back what was saved; a value no longer valid (a zone gone from tzdata) is not set."""
        kept: dict[str, object] = {}
        for field, value in values.items():
            try:
                kept[field] = parse_preference(field.removeprefix("platform_"), value)
            except DomainError:
                continue
        return cls(**kept)  # type: ignore[arg-type]

    def as_stored(self) -> dict[str, str | bool | None]:
        """Each field in its conventions format (what a set-up file or a chat command would say)."""
        return {
            "timezone": self.timezone,
            "locale": self.locale,
            "working_hours": None if self.working_hours is None else str(self.working_hours),
            "working_days": None if self.working_days is None else format_days(self.working_days),
            "reminders": self.reminders,
            "digest": None if self.digest is None else str(self.digest),
            "platform_timezone": self.platform_timezone,
            "platform_locale": self.platform_locale,
        }

    def as_seen(self, timezone: str | None, locale: str | None) -> Preferences:
        """With what the platform says now; a value it doesn't give, or that oppbot doesn't know, keeps
        the one seen before (a Slack user without `tz` doesn't erase the zone their last request had)."""
        return dataclasses.replace(
            self,
            platform_timezone=_known(parse_timezone, timezone) or self.platform_timezone,
            platform_locale=_known(parse_locale, locale) or self.platform_locale,
        )

    # --- with defaults applied ---
    @property
    def hours(self) -> WorkingHours:
        return self.working_hours or DEFAULT_WORKING_HOURS

    @property
    def days(self) -> tuple[int, ...]:
        return self.working_days or DEFAULT_WORKING_DAYS

    @property
    def reminders_on(self) -> bool:
        return DEFAULT_REMINDERS if self.reminders is None else self.reminders

    def digest_for(self, role: Role) -> Digest:
        return self.digest or default_digest(role)

    def effective_timezone(self, platform: str | None, default: str) -> str:
        """A set value wins over the platform's (Slack `tz`, Teams `localTimezone`: the request's, else
        the last one seen), when it is a zone oppbot knows; else `default` (OPPBOT_TIMEZONE)."""
        return self.timezone or _known(parse_timezone, platform) or self.platform_timezone or default

    def effective_locale(self, platform: str | None, default: str) -> str:
        """A set value wins; else the platform's (the request's, else the last one seen) when oppbot
        speaks it (`it-IT` is `it`); else `default` (OPPBOT_LOCALE)."""
        return self.locale or _known(parse_locale, platform) or self.platform_locale or default

    def is_working_time(self, instant: datetime, zone: ZoneInfo) -> bool:
        """Whether an instant (aware, e.g. UTC) falls inside the working hours and days, in `zone`.

        Local time comes from the zone's rules at that instant, so daylight saving is exact: on the
        night clocks go forward the skipped hour never matches, on the night they go back the repeated
        hour matches twice. An overnight window belongs to the day it starts on.
        """
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ValueError("is_working_time needs an aware datetime")
        local = instant.astimezone(zone)
        minute = local.hour * 60 + local.minute
        day = local.weekday()
        hours, days = self.hours, self.days
        if not hours.overnight:
            return day in days and hours.start <= minute < hours.end
        if minute >= hours.start:
            return day in days
        return minute < hours.end and (day - 1) % 7 in days
