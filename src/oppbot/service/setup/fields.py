"""Field validators and the annotated field types of the set-up file's records."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, TypeVar

from pydantic import BeforeValidator, PlainValidator, ValidationInfo

from oppbot.domain.dateformula import calc_date, normalize_formula
from oppbot.domain.dates import MAX_DATE, MIN_DATE, date_in_range
from oppbot.domain.enums import CloseType, ContactType, Priority, ProbabilityCalculation, Role
from oppbot.domain.errors import DomainError
from oppbot.domain.money import format_amount, max_amount, round_money
from oppbot.domain.preferences import Digest, WorkingHours, parse_preference
from oppbot.domain.text import clean_text

MAX_TEXT = 100
MAX_EMAIL = 200
MAX_PHONE = 50
MAX_REASON = 250
MAX_QUOTE = 50
MAX_CHAT_ID = 64
MAX_STAGE = 9999

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")


# --- field validators (their messages are what the user reads) -----------------------------------
def _code(max_len: int) -> Callable[[object], str]:
    def check(value: object) -> str:
        if isinstance(value, bool):
            raise ValueError(
                "must be a code, not true/false (YAML reads yes/no/on/off as booleans: quote it)"
            )
        if not isinstance(value, (str, int)):
            raise ValueError(f"must be a code of 1-{max_len} characters")
        text = clean_text(str(value)).strip().upper()
        if not text or len(text) > max_len or any(c.isspace() for c in text):
            raise ValueError(f"must be a code of 1-{max_len} characters without spaces")
        return text

    return check


def _optional(check: Callable[[object], T]) -> Callable[[object], T | None]:
    def optional(value: object) -> T | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return check(value)

    return optional


def _text(max_len: int) -> Callable[[object], str]:
    def check(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal, date)):
            raise ValueError("must be text")
        text = clean_text(str(value)).strip()
        if len(text) > max_len:
            raise ValueError(f"must be at most {max_len} characters")
        return text

    return check


def _required_text(max_len: int) -> Callable[[object], str]:
    plain = _text(max_len)

    def check(value: object) -> str:
        text = plain(value)
        if not text:
            raise ValueError("must not be empty")
        return text

    return check


def _email(value: object) -> str:
    text = _text(MAX_EMAIL)(value)
    local, _, domain = text.partition("@")
    if not local or not domain or any(c.isspace() for c in text):
        raise ValueError("must be an email address like first.last@cronus.example")
    return text


def _enum(cls: type[E]) -> Callable[[object], E]:
    choices = ", ".join(m.value for m in cls)

    def check(value: object) -> E:
        if isinstance(value, str):
            try:
                return cls(value.strip().lower())
            except ValueError:
                pass
        raise ValueError(f"must be one of {choices}")

    return check


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    raise ValueError("must be true or false")


def _whole(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _pct(value: object) -> int:
    number = _whole(value)
    if number is None or not 0 <= number <= 100:
        raise ValueError("must be a whole number 0-100")
    return number


def _chances(value: object) -> int:
    number = _whole(value)
    if number is None or not 1 <= number <= 100:
        raise ValueError("must be a whole number 1-100")
    return number


def _stage_no(value: object) -> int:
    number = _whole(value)
    if number is None or not 1 <= number <= MAX_STAGE:
        raise ValueError(f"must be a stage number 1-{MAX_STAGE}")
    return number


def _money(value: object, info: ValidationInfo) -> Decimal:
    message = "must be an amount greater than 0"
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise ValueError(message)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(message) from None
    if not amount.is_finite() or amount <= 0:
        raise ValueError(message)
    currency = (info.context or {}).get("currency")
    if currency and round_money(amount, currency) != amount:
        raise ValueError(f"has more decimals than {currency} allows")
    if amount > (limit := max_amount(currency)):
        raise ValueError(f"must be at most {format_amount(limit, currency)}")
    return amount


def _when(value: object, info: ValidationInfo) -> date:
    """An absolute date, or a signed date formula relative to the load day (`-40D`, `+2W`)."""
    found = _date_or_formula(value, info)
    if not date_in_range(found):
        raise ValueError(f"must be a date from {MIN_DATE} to {MAX_DATE}")
    return found


def _date_or_formula(value: object, info: ValidationInfo) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
        try:
            formula = normalize_formula(text, allow_negative=True)
        except DomainError:
            formula = ""
        if formula:
            today = (info.context or {}).get("today") or date.today()
            return calc_date(formula, today)
    raise ValueError("must be a date (2026-10-01) or a date formula relative to today (-40D, +2W)")


def _formula(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            return normalize_formula(value, allow_negative=False)
        except DomainError:
            pass
    raise ValueError("must be a date formula like 10D, 2W or 1M+10D (no - terms)")


def _chat_id(value: object) -> str:
    text = clean_text(value).strip() if isinstance(value, str) else ""
    if not text or len(text) > MAX_CHAT_ID:
        raise ValueError("must be a chat id like T0DEMO or U0DEMO1")
    if any(c.isspace() for c in text):
        raise ValueError("must be a chat id without spaces")
    return text


def _aad_id(value: object) -> str:
    try:
        return str(uuid.UUID(str(value).strip())) if isinstance(value, str) else ""
    except ValueError:
        pass
    raise ValueError("must be a Teams (Azure AD) object id like 00000000-0000-4000-8000-000000000001")


def _currency(value: object) -> str:
    if isinstance(value, str) and len(value.strip()) == 3 and value.strip().isalpha():
        return value.strip().upper()
    raise ValueError("must be an ISO 4217 currency code like EUR")


def _preference(field: str, message: str) -> Callable[[object], object]:
    """A chat preference in the domain's format (the same parser as `settings` in chat); null or
    `default` leaves it unset, so its default applies."""

    def check(value: object) -> object:
        try:
            return parse_preference(field, value)
        except DomainError:
            raise ValueError(message) from None

    return check


def _list(value: object) -> object:
    return [] if value is None else value


Code10 = Annotated[str, BeforeValidator(_code(10))]
Code20 = Annotated[str, BeforeValidator(_code(20))]
OptCode10 = Annotated[str | None, BeforeValidator(_optional(_code(10)))]
OptCode20 = Annotated[str | None, BeforeValidator(_optional(_code(20)))]
Text = Annotated[str, BeforeValidator(_text(MAX_TEXT))]
RequiredText = Annotated[str, BeforeValidator(_required_text(MAX_TEXT))]
Email = Annotated[str | None, BeforeValidator(_optional(_email))]
Phone = Annotated[str | None, BeforeValidator(_optional(_text(MAX_PHONE)))]
Reason = Annotated[str | None, BeforeValidator(_optional(_text(MAX_REASON)))]
QuoteRef = Annotated[str | None, BeforeValidator(_optional(_text(MAX_QUOTE)))]
Flag = Annotated[bool, BeforeValidator(_flag)]
Pct = Annotated[int, BeforeValidator(_pct)]
Chances = Annotated[int | None, BeforeValidator(_optional(_chances))]
StageNo = Annotated[int, BeforeValidator(_stage_no)]
OptStageNo = Annotated[int | None, BeforeValidator(_optional(_stage_no))]
Money = Annotated[Decimal | None, BeforeValidator(lambda v, info: None if v is None else _money(v, info))]
When = Annotated[date | None, BeforeValidator(lambda v, info: None if v is None else _when(v, info))]
Formula = Annotated[str, BeforeValidator(_formula)]
ChatId = Annotated[str, BeforeValidator(_chat_id)]
AadId = Annotated[str, BeforeValidator(_aad_id)]
RoleField = Annotated[Role, BeforeValidator(_enum(Role))]
ContactTypeField = Annotated[ContactType | None, BeforeValidator(_optional(_enum(ContactType)))]
CloseTypeField = Annotated[CloseType | None, BeforeValidator(_optional(_enum(CloseType)))]
PriorityField = Annotated[Priority | None, BeforeValidator(_optional(_enum(Priority)))]
CalcField = Annotated[ProbabilityCalculation, BeforeValidator(_enum(ProbabilityCalculation))]
Currency = Annotated[str | None, BeforeValidator(_optional(_currency))]
# People's chat preferences: the parsed value, or None for "not set".
TimezoneField = Annotated[
    str | None, PlainValidator(_preference("timezone", "must be an IANA time zone like Europe/Rome"))
]
LocaleField = Annotated[str | None, PlainValidator(_preference("locale", "must be en or it"))]
WorkingHoursField = Annotated[
    WorkingHours | None,
    PlainValidator(
        _preference("working_hours", "must be HH:MM-HH:MM like 09:00-18:00 (00:00-24:00 means any time)")
    ),
]
WorkingDaysField = Annotated[
    tuple[int, ...] | None,
    PlainValidator(_preference("working_days", "must be days like [mon, tue, wed, thu, fri] or mon-fri")),
]
RemindersField = Annotated[bool | None, PlainValidator(_preference("reminders", "must be on or off"))]
DigestField = Annotated[
    Digest | None,
    PlainValidator(
        _preference("digest", "must be daily HH:MM, weekly DAY HH:MM (e.g. weekly mon 09:00) or off")
    ),
]
