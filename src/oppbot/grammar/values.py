"""Value parsers for command options: money, dates, percentages, numbers and codes.

Each raises ParseError with the right code; nothing here lets another exception escape.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta

from oppbot.domain.dates import MAX_DATE, MIN_DATE, date_in_range
from oppbot.domain.money import max_amount
from oppbot.grammar.errors import ParseError

__all__ = [
    "normalize_contact",
    "normalize_opportunity_no",
    "normalize_owner",
    "normalize_user",
    "parse_bool",
    "parse_chances",
    "parse_code",
    "parse_date",
    "parse_money",
    "parse_priority",
    "parse_stage",
    "parse_status",
]

# ---------------------------------------------------------------------------------------------- money

_MONEY_RE = re.compile(
    r"""^(?P<sign>[-+−]?)\s*
        (?P<cur1>[€$£¥]|[a-z]{3}(?=[\s\d.,+\-−]))?\s*
        (?P<sign2>[-+−]?)\s*
        (?P<num>[\d.,]+)\s*
        (?P<mult>k|m|mln|mio|million|millions|milioni|thousand)?\s*
        (?P<cur2>[€$£¥]|[a-z]{3})?$""",
    re.IGNORECASE | re.VERBOSE,
)
_MULTIPLIERS = {"k": 1000, "thousand": 1000}
_MAX_MONEY_DIGITS = 18  # caps the work on absurd input; the real limit is domain.money.max_amount


def _bad_money(text: str) -> ParseError:
    return ParseError("bad_money", {"value": text})


def _too_large(text: str, currency: str | None) -> ParseError:
    limit = str(max_amount(currency))
    return ParseError("amount_too_large", {"value": text, "max": limit, "currency": currency or ""})


def _valid_groups(groups: list[str]) -> bool:
    """Thousands groups: the first has 1-3 digits, every later one exactly 3."""
    return 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])


def _split_number(num: str, has_multiplier: bool) -> tuple[str, str] | None:
    """Return (integer digits, fraction digits) following the separator rules, or None."""
    dots, commas = num.count("."), num.count(",")
    if dots == 0 and commas == 0:
        return num, ""
    if dots and commas:
        dec = "." if num.rfind(".") > num.rfind(",") else ","
        thou = "," if dec == "." else "."
        if num.count(dec) != 1:
            return None
        whole, frac = num.split(dec)
        if thou in frac or not frac or not _valid_groups(whole.split(thou)):
            return None
        return whole.replace(thou, ""), frac
    sep = "." if dots else ","
    parts = num.split(sep)
    if len(parts) > 2:  # repeated separator: thousands
        return ("".join(parts), "") if _valid_groups(parts) else None
    whole, frac = parts
    if not frac:
        return None
    # A single separator before exactly three digits groups thousands (50.000, 50,000), unless a
    # multiplier follows (1.500k) or the leading group cannot be one (0,500 and 1234.567 are decimals).
    if len(frac) == 3 and not has_multiplier and 1 <= len(whole) <= 3 and whole != "0":
        return whole + frac, ""
    return whole or "0", frac


def parse_money(text: str, locale: str = "en", currency: str | None = None) -> Decimal:
    """Parse an amount such as `50k`, `1,2M`, `€ 50.000,00` or `EUR 50,000.00` into a Decimal.

    The separator rule is the same in every locale (the last of `.`/`,` is decimal when both appear),
    so `locale` is accepted for symmetry with parse_date and future locale-specific tweaks.
    Amounts above domain.money.max_amount(currency) are refused (`amount_too_large`); `currency`
    only makes that limit, and the message naming it, exact.
    """
    raw = text
    s = text.strip().replace("\u00a0", " ").replace("\u202f", " ")
    # Group separators that are never decimal: _ ' and spaces between digits.
    s = re.sub(r"(?<=\d)[_'’ ](?=\d)", "", s)
    m = _MONEY_RE.match(s)
    if not m or (m.group("sign") and m.group("sign2")):
        raise _bad_money(raw)
    if m.group("cur1") and m.group("cur2"):
        raise _bad_money(raw)
    mult_word = (m.group("mult") or "").lower()
    split = _split_number(m.group("num"), bool(mult_word))
    if split is None:
        raise _bad_money(raw)
    whole, frac = split
    if not (whole + frac).isdigit() or len(frac) > _MAX_MONEY_DIGITS:
        raise _bad_money(raw)
    if len(whole.lstrip("0")) > _MAX_MONEY_DIGITS:  # above the limit whatever follows: not worth computing
        raise _too_large(raw, currency)
    try:
        amount = Decimal(f"{whole}.{frac}" if frac else whole)
    except InvalidOperation as exc:  # defensive: the checks above should make this unreachable
        raise _bad_money(raw) from exc
    if mult_word:
        amount *= _MULTIPLIERS.get(mult_word, 1_000_000)
        if amount == amount.to_integral_value():
            amount = amount.quantize(Decimal(1))  # 1.2M → 1200000, not 1200000.0
    if (m.group("sign") or m.group("sign2")) in ("-", "−"):
        amount = -amount
    if amount > max_amount(currency):
        raise _too_large(raw, currency)
    return amount


# ---------------------------------------------------------------------------------------------- dates

_WEEKDAYS = {
    "monday": 0, "mon": 0, "lunedì": 0, "lunedi": 0, "lun": 0,
    "tuesday": 1, "tue": 1, "tues": 1, "martedì": 1, "martedi": 1, "mar": 1,
    "wednesday": 2, "wed": 2, "mercoledì": 2, "mercoledi": 2, "mer": 2,
    "thursday": 3, "thu": 3, "thurs": 3, "giovedì": 3, "giovedi": 3, "gio": 3,
    "friday": 4, "fri": 4, "venerdì": 4, "venerdi": 4, "ven": 4,
    "saturday": 5, "sat": 5, "sabato": 5, "sab": 5,
    "sunday": 6, "sun": 6, "domenica": 6, "dom": 6,
}  # fmt: skip
_UNITS = {
    "day": "days", "days": "days", "d": "days", "giorno": "days", "giorni": "days", "g": "days",
    "week": "weeks", "weeks": "weeks", "w": "weeks", "settimana": "weeks", "settimane": "weeks",
    "month": "months", "months": "months", "mese": "months", "mesi": "months",
    "year": "years", "years": "years", "y": "years", "anno": "years", "anni": "years",
}  # fmt: skip
_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "un": 1,
    "uno": 1,
    "una": 1,
    "two": 2,
    "due": 2,
    "three": 3,
    "tre": 3,
}
_SIMPLE_DAYS = {
    "today": 0, "oggi": 0, "tomorrow": 1, "domani": 1, "dopodomani": 2,
    "yesterday": -1, "ieri": -1, "tod": 0, "tom": 1,
}  # fmt: skip

_ISO_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_DMY_RE = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})(?:\2(\d{2}|\d{4}))?$")
_NEXT_WD_RE = re.compile(
    r"^(?:(?:next|this|coming|on|questo|prossimo)\s+)?(\w+)(?:\s+(?:prossimo|prossima))?$"
)
_REL_RE = re.compile(r"^(?:in|tra|fra|\+)\s*(\w+)\s*([a-zà-ù]+)(?:\s+from\s+now)?$")
_END_RE = re.compile(
    r"^(?:end\s+of\s+(?:the\s+)?(?P<en>week|month|quarter|year)|fine\s+(?:del(?:l')?\s*)?(?P<it>settimana|mese|trimestre|anno))$"
)
_PERIODS_IT = {"settimana": "week", "mese": "month", "trimestre": "quarter", "anno": "year"}
_MAX_DATE_TEXT = 60


def _bad_date(text: str) -> ParseError:
    return ParseError("bad_date", {"value": text})


def _make_date(y: int, m: int, d: int) -> datetime.date | None:
    try:
        return datetime.date(y, m, d)
    except ValueError:
        return None


def _numeric_date(s: str, today: datetime.date, locale: str) -> datetime.date | None:
    if m := _ISO_RE.match(s):
        return _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m := _DMY_RE.match(s):
        a, b = int(m.group(1)), int(m.group(3))
        year_text = m.group(4)
        if year_text is None:
            # No year: the next such day from today on, since close dates look ahead.
            found = _make_date(today.year, b, a)
            if found is not None and found < today:
                found = _make_date(today.year + 1, b, a)
            return found
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        found = _make_date(year, b, a)  # day first, always
        if found is None and a <= 12 < b and locale.lower().startswith("en"):
            found = _make_date(year, a, b)  # unambiguous US order
        return found
    return None


def _end_of(period: str, today: datetime.date) -> datetime.date:
    if period == "week":
        return today + datetime.timedelta(days=6 - today.weekday())
    if period == "month":
        return today + relativedelta(day=31)
    if period == "quarter":
        return today + relativedelta(month=((today.month - 1) // 3) * 3 + 3, day=31)
    return datetime.date(today.year, 12, 31)


def _relative_date(s: str, today: datetime.date) -> datetime.date | None:
    """Cheap, predictable phrases dateparser misses or handles slowly (notably Italian ones)."""
    if s in _SIMPLE_DAYS:
        return today + datetime.timedelta(days=_SIMPLE_DAYS[s])
    if (m := _NEXT_WD_RE.match(s)) and m.group(1) in _WEEKDAYS:
        # "friday" and "next friday" both mean the first such day after today.
        ahead = (_WEEKDAYS[m.group(1)] - today.weekday() - 1) % 7 + 1
        return today + datetime.timedelta(days=ahead)
    if m := _REL_RE.match(s):
        count_text, unit = m.group(1), _UNITS.get(m.group(2))
        count = (
            int(count_text)
            if count_text.isdigit() and len(count_text) <= 4
            else _NUMBER_WORDS.get(count_text)
        )
        if unit is None or count is None:
            return None
        try:
            delta = {
                "days": relativedelta(days=count),
                "weeks": relativedelta(weeks=count),
                "months": relativedelta(months=count),
                "years": relativedelta(years=count),
            }[unit]
            return today + delta
        except (ValueError, OverflowError):
            return datetime.date.max  # past the calendar: reported as out of range, not as gibberish
    if m := _END_RE.match(s):
        return _end_of(m.group("en") or _PERIODS_IT[m.group("it")], today)
    return None


def _dateparser_date(s: str, today: datetime.date) -> datetime.date | None:
    import dateparser  # lazy: slow to import, and most dates never need it

    settings = {
        "RELATIVE_BASE": datetime.datetime(today.year, today.month, today.day),
        "PREFER_DATES_FROM": "future",
        "DATE_ORDER": "DMY",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    try:
        found = dateparser.parse(s, languages=["en", "it"], settings=settings)
    except Exception:  # dateparser raises assorted errors on odd input; all mean "not a date"
        return None
    return found.date() if found is not None else None


def parse_date(text: str, today: datetime.date, locale: str = "en") -> datetime.date:
    """Parse ISO, day-first numeric, a few relative phrases (en/it), then anything dateparser knows."""
    s = " ".join(text.strip().lower().replace("’", "'").split())
    if not s or len(s) > _MAX_DATE_TEXT:
        raise _bad_date(text)
    found = _numeric_date(s, today, locale)
    if found is None and not re.fullmatch(r"[\d/.\-]+", s):
        found = _relative_date(s, today)
        if found is None and re.search(r"[a-zà-ù]", s):
            found = _dateparser_date(s, today)
    if found is None:
        raise _bad_date(text)
    if not date_in_range(found):
        raise ParseError(
            "date_out_of_range", {"value": text, "min": MIN_DATE.isoformat(), "max": MAX_DATE.isoformat()}
        )
    return found


# ---------------------------------------------------------------------------------------------- small values

_CHANCES_RE = re.compile(r"^(\d{1,3})\s*%?$")
_STAGE_RE = re.compile(r"^\d{1,4}$")
_OPP_RE = re.compile(r"^#?(?:op)?[-_#]?0*(\d{1,10})$", re.IGNORECASE)
_CONTACT_RE = re.compile(r"^ct[-_]?0*(\d{1,10})$", re.IGNORECASE)
_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_.\-/&]{0,19}$")
_SLACK_MENTION_RE = re.compile(r"^<@([A-Z0-9]+)(?:\|[^>]*)?>$", re.IGNORECASE)
_PLAIN_MENTION_RE = re.compile(r"^@[\w.\-']{1,80}$")
_TEAMS_MENTION_RE = re.compile(r"^<at>[^<>]{1,100}</at>$", re.IGNORECASE)

_PRIORITIES = {
    "low": "low", "bassa": "low", "basso": "low",
    "normal": "normal", "normale": "normal", "medium": "normal", "media": "normal",
    "high": "high", "alta": "high", "alto": "high",
}  # fmt: skip
_STATUSES = {
    "open": "open", "in_progress": "open", "inprogress": "open", "active": "open",
    "aperta": "open", "aperte": "open", "in_corso": "open",
    "not_started": "not_started", "notstarted": "not_started", "new": "not_started",
    "non_iniziata": "not_started", "non_iniziate": "not_started", "da_iniziare": "not_started",
    "won": "won", "win": "won", "vinta": "won", "vinte": "won",
    "lost": "lost", "lose": "lost", "persa": "lost", "perse": "lost",
    "closed": "closed", "chiusa": "closed", "chiuse": "closed",
    "all": "all", "tutte": "all", "tutti": "all",
}  # fmt: skip
_TRUE = {"yes", "y", "true", "1", "on", "si", "sì", "s"}
_FALSE = {"no", "n", "false", "0", "off"}


def parse_chances(text: str) -> int:
    m = _CHANCES_RE.match(text.strip())
    if not m or int(m.group(1)) > 100:
        raise ParseError("bad_chances", {"value": text})
    return int(m.group(1))


def parse_stage(text: str) -> int:
    s = text.strip()
    if not _STAGE_RE.match(s) or int(s) < 1:
        raise ParseError("bad_stage", {"value": text})
    return int(s)


def normalize_opportunity_no(text: str) -> str:
    """`op1`, `OP1`, `1`, `op000001` → `OP000001`."""
    m = _OPP_RE.match(text.strip())
    if not m or int(m.group(1)) == 0:
        raise ParseError("bad_opportunity_no", {"value": text})
    return f"OP{int(m.group(1)):06d}"


def normalize_contact(text: str, quoted: bool) -> str:
    """A contact number is upper-cased (`ct1` → `CT000001`); a name is kept as typed."""
    s = " ".join(text.split())
    if quoted:
        return s
    if m := _CONTACT_RE.match(s):
        return f"CT{int(m.group(1)):06d}"
    return s.upper() if any(c.isdigit() for c in s) and " " not in s else s


def parse_code(text: str, name: str) -> str:
    code = text.strip().upper()
    if not _CODE_RE.match(code):
        raise ParseError("bad_code", {"value": text, "name": name})
    return code


def normalize_user(text: str) -> str | None:
    """A chat mention as typed, Slack's `<@U123|name>` shortened to `<@U123>`; None if not a mention."""
    s = text.strip()
    if m := _SLACK_MENTION_RE.match(s):
        return f"<@{m.group(1).upper()}>"
    if _PLAIN_MENTION_RE.match(s) or _TEAMS_MENTION_RE.match(s):
        return s
    return None


def normalize_owner(text: str) -> str:
    """A salesperson code (upper-cased) or a mention."""
    mention = normalize_user(text)
    if mention is not None:
        return mention
    code = text.strip().upper()
    if not _CODE_RE.match(code):
        raise ParseError("bad_owner", {"value": text})
    return code


def parse_priority(text: str) -> str:
    try:
        return _PRIORITIES[text.strip().lower()]
    except KeyError:
        raise ParseError("bad_priority", {"value": text}, suggestion=_closest(text, _PRIORITIES)) from None


def parse_status(text: str) -> str:
    key = text.strip().lower().replace("-", "_").replace(" ", "_")
    try:
        return _STATUSES[key]
    except KeyError:
        raise ParseError("bad_status", {"value": text}, suggestion=_closest(key, _STATUSES)) from None


def parse_bool(text: str, key: str) -> bool:
    s = text.strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise ParseError("bad_boolean", {"key": key, "value": text})


def _closest(word: str, choices: dict[str, str]) -> str | None:
    import difflib

    found = difflib.get_close_matches(word.strip().lower(), list(choices), n=1, cutoff=0.6)
    return choices[found[0]] if found else None
