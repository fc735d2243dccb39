"""The set-up file's input models (pydantic), and their validation errors turned into problems."""

from __future__ import annotations

import difflib
import types
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, ClassVar, Union, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from oppbot.domain.enums import ProbabilityCalculation, Role
from oppbot.service.setup.errors import Loc, _Problems
from oppbot.service.setup.fields import (
    AadId,
    CalcField,
    Chances,
    ChatId,
    CloseTypeField,
    Code10,
    Code20,
    ContactTypeField,
    Currency,
    DigestField,
    Email,
    Flag,
    Formula,
    LocaleField,
    Money,
    OptCode10,
    OptCode20,
    OptStageNo,
    Pct,
    Phone,
    PriorityField,
    QuoteRef,
    Reason,
    RemindersField,
    RequiredText,
    RoleField,
    StageNo,
    Text,
    TimezoneField,
    When,
    WorkingDaysField,
    WorkingHoursField,
    _list,
)


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
    # chat preferences (domain.preferences): a key left out keeps the stored value, null unsets it
    timezone: TimezoneField = None
    locale: LocaleField = None
    working_hours: WorkingHoursField = None
    working_days: WorkingDaysField = None
    reminders: RemindersField = None
    digest: DigestField = None


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
