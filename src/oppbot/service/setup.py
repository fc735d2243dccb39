"""Set-up files (`oppbot setup load FILE`, `oppbot setup demo`): master data and demo opportunities.

The format is conventions.md's "Set-up file", plus an `activities` section (BC has activities, and a
stage's `activity_code` must name one) and a few keys that let demo opportunities carry a history.

How a file is loaded:

1. Parse YAML (JSON is YAML) keeping every key's and item's line, then validate the shape of every
   record with pydantic (unknown keys are errors, so typos are reported). Any problem: SetupError
   listing each as ``path (line N): message``; nothing has been read from or written to the database.
2. In ONE write transaction: check the references (managers, companies, activities, cycles, stages
   in use, close codes, ...) against the file and the database together, then upsert activities,
   close codes, salespeople (with their chat identities), contacts and sales cycles by code, then
   create the opportunities by calling the domain's actions (the very functions the service's `new`,
   `start`, `next`, `quote` and `win`/`lose` call), so each has a real ledger and real tasks.
   Any error rolls the whole transaction back: a bad file changes nothing.

Upsert rules: records are matched by code (contacts by `number`). A key left out of a record keeps
the stored value (a new record gets the default), so ``{code: PRICE_W, description: Cheapest}``
changes only the description. A cycle's `stages` list, when given, replaces the stored stages:
stages not listed are deleted, which is refused while an open opportunity is on one of them.
Identities are added (or moved to this salesperson), never removed. Only records that actually
change are written, and the report counts those: loading the same file twice writes nothing.

Opportunities (demo extensions beyond conventions.md): `start: false` (not started), `stage`
(reached by `next` moves from the first stage), `moved` (date of the last move; the moves before it
are spread evenly between `created` and `moved`), `quote` (set right after the first stage is
activated, so before any move that needs it), `status: won|lost` with `closed`, `code`, `amount`,
`reason`. `chances` are the chances at the stage the opportunity ends on; stages passed on the way
take their default chances (or these, when their default is 0). `close` is given to every move.
Dates are absolute (`2026-10-01`) or relative to the load day (`-40D`, `+2W`). An opportunity
with the same description, contact and owner as an existing one is skipped (not updated), which
makes the demo idempotent. The acting salesperson of every entry is the opportunity's owner.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, ClassVar, TypeVar, Union, get_args, get_origin

import sqlalchemy as sa
import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, ValidationInfo

from oppbot import demo as demo_package
from oppbot.domain import actions
from oppbot.domain.actions import CloseInput, MoveInput
from oppbot.domain.dateformula import calc_date, normalize_formula
from oppbot.domain.enums import (
    ActionType,
    CloseType,
    ContactType,
    OpportunityStatus,
    Priority,
    ProbabilityCalculation,
    Role,
)
from oppbot.domain.errors import DomainError
from oppbot.domain.model import (
    Activity,
    CloseOpportunityCode,
    Contact,
    Opportunity,
    SalesCycle,
    SalesCycleStage,
    Salesperson,
)
from oppbot.domain.money import round_money
from oppbot.service.auth import require_admin
from oppbot.service.opportunities import OpportunityService
from oppbot.service.views import SetupReport
from oppbot.store.orm import ContactRow, OpportunityRow
from oppbot.store.repository import Repository

SLACK = "slack"
TEAMS = "teams"
# Teams identities are stored without a tenant: (TEAMS, "", AAD object id).
TEAMS_TEAM_ID = ""

MAX_TEXT = 100
MAX_EMAIL = 200
MAX_PHONE = 50
MAX_REASON = 250
MAX_QUOTE = 50
MAX_CHAT_ID = 64
MAX_STAGE = 9999

Loc = tuple[str | int, ...]
E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")


class SetupError(Exception):
    """A set-up file that cannot be loaded. Each problem reads ``path (line N): message``."""

    def __init__(self, errors: str | Sequence[str], *, source: str = "<file>") -> None:
        self.errors: list[str] = [errors] if isinstance(errors, str) else list(errors)
        self.source = source
        super().__init__("\n".join(self.errors))


# --- field validators (their messages are what the user reads) -----------------------------------
def _code(max_len: int) -> Callable[[object], str]:
    def check(value: object) -> str:
        if isinstance(value, bool):
            raise ValueError(
                "must be a code, not true/false (YAML reads yes/no/on/off as booleans: quote it)"
            )
        if not isinstance(value, (str, int)):
            raise ValueError(f"must be a code of 1-{max_len} characters")
        text = str(value).strip().upper()
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
        text = str(value).strip()
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
    return amount


def _when(value: object, info: ValidationInfo) -> date:
    """An absolute date, or a signed date formula relative to the load day (`-40D`, `+2W`)."""
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
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > MAX_CHAT_ID:
        raise ValueError("must be a chat id like T0DEMO or U0DEMO1")
    text = value.strip()
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


# --- record models -------------------------------------------------------------------------------
class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # file key -> domain attribute, for the keys that update a stored record
    domain_names: ClassVar[dict[str, str]] = {}

    def given(self) -> set[str]:
        """The domain attributes this record sets (keys left out keep the stored value)."""
        return {self.domain_names[k] for k in self.model_fields_set if k in self.domain_names}


class SlackIdIn(_Record):
    team: ChatId
    user: ChatId


class SalespersonIn(_Record):
    domain_names: ClassVar[dict[str, str]] = {
        "name": "name", "email": "email", "role": "role", "manager": "manager_code",
    }  # fmt: skip
    code: Code20
    name: RequiredText = ""
    email: Email = None
    role: RoleField = Role.REP
    manager: OptCode20 = None
    slack: Annotated[list[SlackIdIn], BeforeValidator(_list)] = []
    teams: Annotated[list[AadId], BeforeValidator(_list)] = []


class ContactIn(_Record):
    domain_names: ClassVar[dict[str, str]] = {
        "type": "type", "name": "name", "company": "company_no", "email": "email", "phone": "phone",
    }  # fmt: skip
    number: Code20
    type: ContactTypeField = None
    name: RequiredText = ""
    company: OptCode20 = None
    email: Email = None
    phone: Phone = None


class ActivityIn(_Record):
    domain_names: ClassVar[dict[str, str]] = {"description": "description"}
    code: Code10
    description: Text = ""


class CloseCodeIn(_Record):
    domain_names: ClassVar[dict[str, str]] = {"type": "type", "description": "description"}
    code: Code10
    type: CloseTypeField = None
    description: Text = ""


class StageIn(_Record):
    domain_names: ClassVar[dict[str, str]] = {
        "description": "description", "completed": "completed_pct", "chances": "chances_pct",
        "activity_code": "activity_code", "quote_required": "quote_required", "allow_skip": "allow_skip",
        "date_formula": "date_formula",
    }  # fmt: skip
    stage: StageNo
    description: Text = ""
    completed: Pct = 0
    chances: Pct = 0
    activity_code: OptCode10 = None
    quote_required: Flag = False
    allow_skip: Flag = False
    date_formula: Formula = ""


class CycleIn(_Record):
    domain_names: ClassVar[dict[str, str]] = {
        "description": "description", "probability_calculation": "probability_calculation",
        "blocked": "blocked",
    }  # fmt: skip
    code: Code10
    description: Text = ""
    probability_calculation: CalcField = ProbabilityCalculation.MULTIPLY
    blocked: Flag = False
    stages: list[StageIn] | None = None


class OpportunityIn(_Record):
    description: RequiredText
    contact: Code20
    owner: Code20
    cycle: Code10
    value: Money = None
    chances: Chances = None
    close: When = None
    priority: PriorityField = None
    created: When = None
    start: Flag = True
    stage: OptStageNo = None
    moved: When = None
    quote: QuoteRef = None
    status: CloseTypeField = None
    closed: When = None
    code: OptCode10 = None
    amount: Money = None
    reason: Reason = None


class SetupFileIn(_Record):
    currency: Currency = None
    salespeople: Annotated[list[SalespersonIn], BeforeValidator(_list)] = []
    contacts: Annotated[list[ContactIn], BeforeValidator(_list)] = []
    activities: Annotated[list[ActivityIn], BeforeValidator(_list)] = []
    close_codes: Annotated[list[CloseCodeIn], BeforeValidator(_list)] = []
    sales_cycles: Annotated[list[CycleIn], BeforeValidator(_list)] = []
    opportunities: Annotated[list[OpportunityIn], BeforeValidator(_list)] = []


# --- reading: YAML with line numbers ---------------------------------------------------------------
def _format_loc(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out or "(file)"


class _Problems:
    """Problems found so far, each placed at a path and, when the text had one, a line."""

    def __init__(self, lines: Mapping[Loc, int], source: str) -> None:
        self.lines = lines
        self.source = source
        self.items: list[str] = []

    def line(self, loc: Loc) -> int | None:
        for end in range(len(loc), 0, -1):
            if loc[:end] in self.lines:
                return self.lines[loc[:end]]
        return None

    def add(self, loc: Loc, message: str) -> None:
        line = self.line(loc)
        where = _format_loc(loc) + (f" (line {line})" if line else "")
        self.items.append(f"{where}: {message}")

    def check(self) -> None:
        if self.items:
            raise SetupError(self.items, source=self.source)


def _walk(node: yaml.Node, path: Loc, lines: dict[Loc, int], problems: list[tuple[Loc, str]]) -> None:
    if len(path) > 32:
        return
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key = str(key_node.value)
            here = (*path, key)
            lines.setdefault(here, key_node.start_mark.line + 1)
            if key_node.tag == "tag:yaml.org,2002:bool":
                hint = " (did you mean `number`?)" if key.lower() == "no" else ""
                problems.append((here, f"YAML reads the key `{key}` as true/false{hint}"))
            elif key in seen and key != "<<":
                problems.append((here, "this key is given twice"))
            seen.add(key)
            _walk(value_node, here, lines, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines.setdefault((*path, index), item.start_mark.line + 1)
            _walk(item, (*path, index), lines, problems)


def _read(data_or_text: str | bytes | Mapping[str, Any], source: str) -> tuple[Any, _Problems]:
    if isinstance(data_or_text, Mapping):
        return dict(data_or_text), _Problems({}, source)
    loader = yaml.SafeLoader(data_or_text)
    lines: dict[Loc, int] = {}
    found: list[tuple[Loc, str]] = []
    try:
        node = loader.get_single_node()
        if node is not None:
            _walk(node, (), lines, found)
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"(file) (line {mark.line + 1})" if mark else "(file)"
        raise SetupError(f"{where}: not valid YAML: {exc.problem or exc.context}", source=source) from exc
    except yaml.YAMLError as exc:
        raise SetupError(f"(file): not valid YAML: {exc}", source=source) from exc
    finally:
        loader.dispose()
    problems = _Problems(lines, source)
    for loc, message in found:
        problems.add(loc, message)
    problems.check()
    return data, problems


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (list, Union, types.UnionType, Annotated):
        for arg in get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def _model_at(loc: Loc) -> type[BaseModel] | None:
    """The record model that owns the last key of `loc` (for "did you mean" hints)."""
    model: type[BaseModel] | None = SetupFileIn
    for part in loc[:-1]:
        if isinstance(part, int) or model is None:
            continue
        info = model.model_fields.get(part)
        model = _model_in(info.annotation) if info else None
    return model


def _message(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    loc = tuple(error["loc"])
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        model = _model_at(loc)
        known = [k for k in model.model_fields] if model else []
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = f" (did you mean `{close[0]}`?)" if close else f" (known keys: {', '.join(known)})"
        return f"unknown key{hint}"
    text = str(error["msg"])
    if text.startswith("Value error, "):
        return text.removeprefix("Value error, ")
    return text.replace("Input should be", "must be")


def _validate(data: Any, problems: _Problems, today: date, currency: str) -> SetupFileIn:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problems.add((), "must be a mapping of sections: " + ", ".join(SetupFileIn.model_fields))
        problems.check()
    try:
        return SetupFileIn.model_validate(data, context={"today": today, "currency": currency})
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            problems.add(tuple(error["loc"]), _message(error))
        problems.check()
        raise  # unreachable: a ValidationError always has errors


# --- planning: the final state of every record, checked against file and database ----------------
@dataclass
class _CyclePlan:
    header: SalesCycle  # without stages
    header_changed: bool
    stages: list[SalesCycleStage] | None  # the full new list, or None to keep the stored stages
    changed_stages: list[SalesCycleStage] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)


@dataclass
class _OppPlan:
    index: int
    item: OpportunityIn
    created: date
    cycle: SalesCycle


@dataclass
class _Plan:
    salespeople: list[Salesperson] = field(default_factory=list)  # changed ones, managers first
    identities: list[tuple[str, str, str, str]] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    close_codes: list[CloseOpportunityCode] = field(default_factory=list)
    cycles: list[_CyclePlan] = field(default_factory=list)
    opportunities: list[_OppPlan] = field(default_factory=list)
    skipped: int = 0


def _merge(existing: T | None, fresh: T, given: Iterable[str]) -> T:
    """A new record as given; a stored one with only the given attributes replaced."""
    if existing is None:
        return fresh
    return dataclasses.replace(existing, **{name: getattr(fresh, name) for name in given})  # type: ignore[type-var]


def _first_seen(problems: _Problems, section: Loc, codes: Sequence[str], key: str) -> list[bool]:
    """Flags the records whose code already appeared earlier in the section (the others are reported)."""
    seen: dict[str, int] = {}
    keep: list[bool] = []
    for index, code in enumerate(codes):
        if code in seen:
            also = _format_loc((*section, seen[code]))
            problems.add((*section, index, key), f"{code} is listed twice (also {also})")
            keep.append(False)
        else:
            seen[code] = index
            keep.append(True)
    return keep


class _Planner:
    def __init__(self, repo: Repository, setup: SetupFileIn, problems: _Problems, today: date) -> None:
        self.repo = repo
        self.setup = setup
        self.problems = problems
        self.today = today
        self.plan = _Plan()
        self.people: dict[str, Salesperson] = {}
        self.contacts: dict[str, Contact] = {}
        self.activities: dict[str, Activity] = {}
        self.codes: dict[str, CloseOpportunityCode] = {}
        self.cycles: dict[str, SalesCycle] = {}

    async def run(self) -> _Plan:
        await self._activities()
        await self._close_codes()
        await self._salespeople()
        await self._identities()
        await self._contacts()
        await self._cycles()
        await self._opportunities()
        self.problems.check()
        return self.plan

    async def _activities(self) -> None:
        stored = await self.repo.activities()
        self.activities = dict(stored)
        items = self.setup.activities
        keep = _first_seen(self.problems, ("activities",), [i.code for i in items], "code")
        for item, first in zip(items, keep, strict=True):
            if not first:
                continue
            new = _merge(stored.get(item.code), Activity(item.code, item.description), item.given())
            self.activities[item.code] = new
            if new != stored.get(item.code):
                self.plan.activities.append(new)

    async def _close_codes(self) -> None:
        stored = await self.repo.close_codes()
        self.codes = dict(stored)
        items = self.setup.close_codes
        keep = _first_seen(self.problems, ("close_codes",), [i.code for i in items], "code")
        for index, (item, first) in enumerate(zip(items, keep, strict=True)):
            old = stored.get(item.code)
            if not first:
                continue
            if old is None and item.type is None:
                self.problems.add(
                    ("close_codes", index, "type"), "is required for a new close code (won or lost)"
                )
                continue
            fresh = CloseOpportunityCode(item.code, item.type or CloseType.WON, item.description)
            new = _merge(old, fresh, item.given() - ({"type"} if item.type is None else set()))
            self.codes[item.code] = new
            if new != old:
                self.plan.close_codes.append(new)

    async def _salespeople(self) -> None:
        stored = {p.code: p for p in await self.repo.salespeople()}
        self.people = dict(stored)
        items = self.setup.salespeople
        keep = _first_seen(self.problems, ("salespeople",), [i.code for i in items], "code")
        where: dict[str, int] = {}
        for index, (item, first) in enumerate(zip(items, keep, strict=True)):
            if not first:
                continue
            old = stored.get(item.code)
            if old is None and "name" not in item.model_fields_set:
                self.problems.add(("salespeople", index, "name"), "is required for a new salesperson")
                continue
            fresh = Salesperson(item.code, item.name, item.email, item.role, item.manager)
            self.people[item.code] = _merge(old, fresh, item.given())
            where[item.code] = index
        # Every manager_code must name a manager, in the final state of file and database together.
        for code, person in self.people.items():
            manager = self.people.get(person.manager_code) if person.manager_code else None
            if person.manager_code is None:
                continue
            if code in where:
                loc: Loc = ("salespeople", where[code], "manager")
                if person.manager_code == code:
                    self.problems.add(loc, "a salesperson can't report to themselves")
                elif manager is None:
                    self.problems.add(
                        loc, f"{person.manager_code} is not a salesperson in the file or the database"
                    )
                elif manager.role != Role.MANAGER:
                    self.problems.add(loc, f"{manager.code} is not a manager (role {manager.role.value})")
            elif manager is not None and manager.role != Role.MANAGER and manager.code in where:
                self.problems.add(
                    ("salespeople", where[manager.code], "role"),
                    f"{code} still reports to {manager.code}, who must stay a manager",
                )
        order = self._managers_first(list(where), where)
        self.plan.salespeople = [self.people[c] for c in order if self.people[c] != stored.get(c)]

    def _managers_first(self, codes: list[str], where: Mapping[str, int]) -> list[str]:
        """Insert order that satisfies the manager foreign key; a reporting loop is an error."""
        done: set[str] = set()
        order: list[str] = []
        for code in codes:
            chain: list[str] = []
            current: str | None = code
            while current is not None and current in where and current not in done:
                if current in chain:
                    self.problems.add(
                        ("salespeople", where[code], "manager"),
                        "reporting loop: " + " -> ".join([*chain, current]),
                    )
                    break
                chain.append(current)
                current = self.people[current].manager_code
            for member in reversed(chain):
                if member not in done:
                    done.add(member)
                    order.append(member)
        return order

    async def _identities(self) -> None:
        owners: dict[tuple[str, str, str], tuple[int, str]] = {}
        for index, item in enumerate(self.setup.salespeople):
            wanted = [((SLACK, s.team, s.user), ("slack", i)) for i, s in enumerate(item.slack)]
            wanted += [((TEAMS, TEAMS_TEAM_ID, t), ("teams", i)) for i, t in enumerate(item.teams)]
            for key, (kind, position) in wanted:
                other = owners.get(key)
                if other is not None and other[1] != item.code:
                    self.problems.add(
                        ("salespeople", index, kind, position),
                        f"this {kind} identity is also given to {other[1]} (salespeople[{other[0]}])",
                    )
                    continue
                if other is not None:
                    continue
                owners[key] = (index, item.code)
                current = await self.repo.salesperson_by_identity(*key)
                if current is None or current.code != item.code:
                    self.plan.identities.append((*key, item.code))

    async def _contacts(self) -> None:
        items = self.setup.contacts
        wanted = {i.number for i in items} | {i.company for i in items if i.company}
        wanted |= {o.contact for o in self.setup.opportunities}
        stored = await self.repo.contacts_by_no(wanted)
        self.contacts = dict(stored)
        keep = _first_seen(self.problems, ("contacts",), [i.number for i in items], "number")
        where: dict[str, int] = {}
        for index, (item, first) in enumerate(zip(items, keep, strict=True)):
            if not first:
                continue
            old = stored.get(item.number)
            loc: Loc = ("contacts", index)
            missing = [k for k in ("type", "name") if old is None and k not in item.model_fields_set]
            for key in missing:
                self.problems.add((*loc, key), "is required for a new contact")
            if missing or (item.type is None and "type" in item.model_fields_set):
                if not missing:
                    self.problems.add((*loc, "type"), "must be one of company, person")
                continue
            fresh = Contact(
                item.number, item.type or ContactType.PERSON, item.name, item.company, item.email, item.phone
            )
            new = _merge(old, fresh, item.given())
            if new.type == ContactType.COMPANY:
                if item.company not in (None, new.no):
                    self.problems.add((*loc, "company"), "a company's company is itself: leave `company` out")
                new.company_no = new.no
            elif new.company_no == new.no:
                new.company_no = None  # was a company, now a person
            self.contacts[new.no] = new
            where[new.no] = index
        for no, index in where.items():
            contact = self.contacts[no]
            company = self.contacts.get(contact.company_no) if contact.company_no else None
            if contact.type != ContactType.PERSON or contact.company_no is None:
                continue
            if company is None:
                self.problems.add(
                    ("contacts", index, "company"),
                    f"{contact.company_no} is not a contact in the file or the database",
                )
            elif company.type != ContactType.COMPANY:
                self.problems.add(("contacts", index, "company"), f"{company.no} is a person, not a company")
        await self._companies_kept(where)
        self.plan.contacts = [self.contacts[n] for n in where if self.contacts[n] != stored.get(n)]
        # Companies first: readers may look a person's company up.
        self.plan.contacts.sort(key=lambda c: c.type != ContactType.COMPANY)

    async def _companies_kept(self, where: Mapping[str, int]) -> None:
        """A company turned into a person must not leave people of the database without a company."""
        for no, index in where.items():
            if self.contacts[no].type != ContactType.PERSON:
                continue
            rows = await self.repo.session.scalars(
                sa.select(ContactRow.no).where(ContactRow.company_no == no, ContactRow.no != no)
            )
            orphans = [r for r in rows if r not in where or self.contacts[r].company_no == no]
            if orphans:
                self.problems.add(
                    ("contacts", index, "type"), f"{', '.join(sorted(orphans))} still belong to company {no}"
                )

    async def _cycles(self) -> None:
        stored = {c.code: c for c in await self.repo.cycles()}
        self.cycles = dict(stored)
        items = self.setup.sales_cycles
        keep = _first_seen(self.problems, ("sales_cycles",), [i.code for i in items], "code")
        for index, (item, first) in enumerate(zip(items, keep, strict=True)):
            if not first:
                continue
            loc: Loc = ("sales_cycles", index)
            old = stored.get(item.code)
            old_header = dataclasses.replace(old, stages=[]) if old else None
            fresh = SalesCycle(item.code, item.description, item.probability_calculation, item.blocked)
            header = _merge(old_header, fresh, item.given())
            plan = _CyclePlan(header=header, header_changed=header != old_header, stages=None)
            old_stages = {s.stage: s for s in old.stages} if old else {}
            if item.stages is not None:
                plan.stages = self._stages(loc, item.code, item.stages, old_stages)
                plan.changed_stages = [s for s in plan.stages if s != old_stages.get(s.stage)]
                listed = {s.stage for s in plan.stages}
                plan.deleted = sorted(n for n in old_stages if n not in listed)
                await self._deletable(loc, item.code, plan.deleted)
            stages = plan.stages if plan.stages is not None else list(old_stages.values())
            self.cycles[item.code] = dataclasses.replace(header, stages=list(stages))
            self.plan.cycles.append(plan)

    def _stages(
        self, loc: Loc, cycle: str, items: Sequence[StageIn], old: Mapping[int, SalesCycleStage]
    ) -> list[SalesCycleStage]:
        keep = _first_seen(self.problems, (*loc, "stages"), [str(s.stage) for s in items], "stage")
        result: list[SalesCycleStage] = []
        for item, first in zip(items, keep, strict=True):
            if not first:
                continue
            fresh = SalesCycleStage(
                cycle, item.stage, item.description, item.completed, item.chances,
                item.activity_code, item.quote_required, item.allow_skip, item.date_formula,
            )  # fmt: skip
            stage = _merge(old.get(item.stage), fresh, item.given())
            if stage.activity_code and stage.activity_code not in self.activities:
                # conventions.md's own example names PROPOSAL without an activities section:
                # an unknown code becomes an activity of that name rather than a refused file.
                activity = Activity(stage.activity_code, stage.activity_code)
                self.activities[activity.code] = activity
                self.plan.activities.append(activity)
            result.append(stage)
        return sorted(result, key=lambda s: s.stage)

    async def _deletable(self, loc: Loc, cycle: str, doomed: Sequence[int]) -> None:
        if not doomed:
            return
        rows = await self.repo.session.execute(
            sa.select(OpportunityRow.no, OpportunityRow.current_stage).where(
                OpportunityRow.sales_cycle_code == cycle,
                OpportunityRow.status == OpportunityStatus.IN_PROGRESS,
                OpportunityRow.current_stage.in_(doomed),
            )
        )
        for no, stage in rows:
            self.problems.add((*loc, "stages"), f"stage {stage} can't be removed: {no} is open on it")

    async def _opportunities(self) -> None:
        seen: dict[tuple[str, str, str], int] = {}
        for index, item in enumerate(self.setup.opportunities):
            loc: Loc = ("opportunities", index)
            before = len(self.problems.items)
            cycle = self._check_opportunity(loc, item)
            key = (item.description, item.contact, item.owner)
            if key in seen:
                self.problems.add(loc, f"the same opportunity as opportunities[{seen[key]}]")
            seen.setdefault(key, index)
            if cycle is None or len(self.problems.items) > before:
                continue
            exists = await self.repo.session.scalar(
                sa.select(OpportunityRow.no).where(
                    OpportunityRow.description == item.description,
                    OpportunityRow.contact_no == item.contact,
                    OpportunityRow.salesperson_code == item.owner,
                )
            )
            if exists is not None:
                self.plan.skipped += 1
            else:
                self.plan.opportunities.append(_OppPlan(index, item, item.created or self.today, cycle))

    def _check_opportunity(self, loc: Loc, item: OpportunityIn) -> SalesCycle | None:
        add = self.problems.add
        given = item.model_fields_set
        if item.contact not in self.contacts:
            add((*loc, "contact"), f"{item.contact} is not a contact in the file or the database")
        if item.owner not in self.people:
            add((*loc, "owner"), f"{item.owner} is not a salesperson in the file or the database")
        cycle = self.cycles.get(item.cycle)
        if cycle is None:
            add((*loc, "cycle"), f"{item.cycle} is not a sales cycle in the file or the database")
            return None
        if cycle.blocked:
            add((*loc, "cycle"), f"sales cycle {cycle.code} is blocked")
        created = item.created or self.today
        if item.close is not None and item.close < created:
            add((*loc, "close"), f"{item.close} is before the creation date {created}")
        if not item.start:
            for key in ("stage", "moved", "quote", "status", "closed", "code", "amount", "reason"):
                if key in given:
                    add((*loc, key), "needs a started opportunity: remove `start: false`")
            return cycle
        if not cycle.stages:
            add((*loc, "cycle"), f"sales cycle {cycle.code} has no stages")
            return None
        numbers = [s.stage for s in cycle.stages]
        target = item.stage if item.stage is not None else numbers[0]
        if target not in numbers:
            add((*loc, "stage"), f"sales cycle {cycle.code} has no stage {target} (stages: {numbers})")
            return cycle
        moves = [s for s in cycle.stages if numbers[0] < s.stage <= target]
        if item.moved is not None:
            if not moves:
                add((*loc, "moved"), "the opportunity stays on its first stage: give a later `stage`")
            elif item.moved < created:
                add((*loc, "moved"), f"{item.moved} is before the creation date {created}")
        needs_quote = [s for s in moves if s.quote_required]
        if needs_quote and not item.quote:
            add((*loc, "quote"), f"stage {needs_quote[0].label} needs a quote: add `quote: <reference>`")
        last = item.moved or created
        if item.status is None:
            for key in ("closed", "code", "amount", "reason"):
                if key in given:
                    add((*loc, key), "only for a closed opportunity: add `status: won` or `status: lost`")
            return cycle
        if item.closed is not None and item.closed < last:
            add((*loc, "closed"), f"{item.closed} is before the last change {last}")
        if item.amount is not None and item.status != CloseType.WON:
            add((*loc, "amount"), "only for a won opportunity")
        of_type = sorted(c.code for c in self.codes.values() if c.type == item.status)
        if item.code is None and len(of_type) != 1:
            add(
                (*loc, "code"),
                f"is required: one of {', '.join(of_type) or '(no ' + item.status + ' codes)'}",
            )
        elif item.code is not None and item.code not in self.codes:
            add((*loc, "code"), f"{item.code} is not a close code in the file or the database")
        elif item.code is not None and self.codes[item.code].type != item.status:
            add((*loc, "code"), f"{item.code} is a {self.codes[item.code].type.value} code")
        return cycle


# --- writing ----------------------------------------------------------------------------------------
async def _write_master(repo: Repository, plan: _Plan) -> dict[str, int]:
    for activity in plan.activities:
        await repo.upsert_activity(activity)
    for close_code in plan.close_codes:
        await repo.upsert_close_code(close_code)
    for person in plan.salespeople:
        await repo.upsert_salesperson(person)
        # One at a time: SQLite checks the manager foreign key per statement.
        await repo.session.flush()
    for platform, team_id, user_id, code in plan.identities:
        await repo.link_identity(platform, team_id, user_id, code)
    for contact in plan.contacts:
        await repo.upsert_contact(contact)
    stages = deleted = cycles = 0
    for cycle in plan.cycles:
        if cycle.header_changed or cycle.changed_stages:
            await repo.upsert_cycle(dataclasses.replace(cycle.header, stages=list(cycle.changed_stages)))
            await repo.session.flush()
        if cycle.deleted:
            refused = await repo.delete_stages_except(
                cycle.header.code, [s.stage for s in cycle.stages or []]
            )
            if refused:  # checked while planning; the repository checks again inside the transaction
                raise SetupError(f"sales cycle {cycle.header.code}: stages {refused} are in use")
        cycles += cycle.header_changed
        stages += len(cycle.changed_stages)
        deleted += len(cycle.deleted)
    await repo.session.flush()
    return {
        "activities": len(plan.activities),
        "close_codes": len(plan.close_codes),
        "salespeople": len(plan.salespeople),
        "identities": len(plan.identities),
        "contacts": len(plan.contacts),
        "sales_cycles": cycles,
        "stages": stages,
        "stages_deleted": deleted,
    }


_HINTS = {
    "value_not_positive": "needs `value:` greater than 0 to start",
    "chances_not_positive": "needs `chances:` (the first stage's default chances are 0)",
    "close_date_required": "needs `close:`, the estimated closing date",
    "close_date_before_change": "`close` is before a date of change",
    "quote_required": "a stage on the way needs a quote: add `quote: <reference>`",
    "close_code_required": "needs `code:`, a close code",
}


async def _create_opportunity(repo: Repository, plan: _OppPlan, currency: str) -> str:
    item, cycle, created = plan.item, plan.cycle, plan.created
    actor = item.owner
    contact = await repo.contact(item.contact)
    assert contact is not None, item.contact
    first = cycle.first_stage()
    moves = [s for s in cycle.stages if first and first.stage < s.stage <= (item.stage or first.stage)]

    def chances(stage: SalesCycleStage, last: bool) -> int | None:
        return item.chances if last or stage.chances_pct == 0 else None

    opp = Opportunity(
        no="",
        description=item.description,
        contact_no=contact.no,
        contact_company_no=contact.company_no,
        salesperson_code=item.owner,
        sales_cycle_code=cycle.code,
        creation_date=created,
        priority=item.priority or Priority.NORMAL,
    )
    planned = item.chances if not item.start or first is None else chances(first, not moves)
    actions.validate_planned(opp, value=item.value, chances=planned, close_date=item.close, currency=currency)
    opp.no = await repo.next_opportunity_no()
    await repo.add_opportunity(opp)
    if not item.start:
        return opp.no
    start = MoveInput(date_of_change=created)
    await repo.record_outcome(
        opp, actions.start(opp, cycle, start, today=created, currency=currency, actor=actor)
    )
    if item.quote:
        actions.set_quote(opp, item.quote)
        await repo.save_opportunity(opp)
    moved = item.moved or created
    span = (moved - created).days
    for n, target in enumerate(moves, 1):
        dc = created + timedelta(days=span * n // len(moves))
        active = await repo.active_entry(opp.no)
        assert active is not None, opp.no
        inp = MoveInput(
            date_of_change=dc, chances_pct=chances(target, n == len(moves)), estimated_close_date=item.close
        )
        outcome = actions.move(
            opp, cycle, active, ActionType.NEXT, inp, today=dc, currency=currency, actor=actor
        )
        await repo.record_outcome(opp, outcome)
    if item.status is not None:
        closed = item.closed or moved
        active = await repo.active_entry(opp.no)
        assert active is not None, opp.no
        close = CloseInput(
            won=item.status == CloseType.WON,
            close_code=item.code,
            won_amount=item.amount,
            close_reason=item.reason,
            date_of_change=closed,
        )
        codes = await repo.close_codes()
        outcome = actions.close(opp, active, close, codes, today=closed, currency=currency, actor=actor)
        await repo.record_outcome(opp, outcome)
    return opp.no


# --- entry points -------------------------------------------------------------------------------------
async def load_setup(
    service: OpportunityService,
    data_or_text: str | bytes | Mapping[str, Any],
    *,
    actor: Salesperson | None = None,
    today: date | None = None,
    source: str = "<file>",
) -> SetupReport:
    """Load a set-up file in one transaction. `actor` None is the operator (CLI); else admins only."""
    if actor is not None:
        require_admin(actor)
    day = today or service.today()
    data, problems = _read(data_or_text, source)
    setup = _validate(data, problems, day, service.currency)
    if setup.currency is not None and setup.currency != service.currency.upper():
        problems.add(("currency",), f"the file is in {setup.currency} but oppbot runs in {service.currency}")
        problems.check()
    async with service.uow(write=True) as uow:
        plan = await _Planner(uow.repo, setup, problems, day).run()
        counts = await _write_master(uow.repo, plan)
        created = 0
        for opp_plan in plan.opportunities:
            try:
                await _create_opportunity(uow.repo, opp_plan, service.currency)
            except DomainError as exc:
                hint = _HINTS.get(exc.code, "can't be created")
                problems.add(("opportunities", opp_plan.index), f"{hint} ({exc})")
                problems.check()
            created += 1
        await uow.commit()
    counts["opportunities"] = created
    counts["opportunities_skipped"] = plan.skipped
    return SetupReport(counts=counts)


def demo_path() -> Path:
    """The demo's set-up file, shipped inside the package."""
    return Path(demo_package.__file__).with_name("demo.yaml")


async def load_demo(service: OpportunityService, *, today: date | None = None) -> SetupReport:
    """`oppbot setup demo`: BC's demo set-up plus oppbot's people, contacts and opportunities."""
    path = demo_path()
    return await load_setup(service, path.read_text(encoding="utf-8"), today=today, source=str(path))
