"""The forms (replies.forms) as Adaptive Cards: New opportunity, Update, Set quote, Won and Lost.

Which fields a form has, in which order, with which labels, choices and initial values is decided in
replies.forms (Slack's modals map the same); here each field becomes a Teams input. A refused
submission comes back as the same form with the person's values kept and the error under its field.

An input's id is its field's name behind `field_`, so no input can shadow the action's own `data`
(`no`, `version`, `form`); `read_inputs` gives the values back by field name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from oppbot.adapters.teams.cards import (
    DEFAULT_CURRENCY,
    MAX_CHOICES,
    new_card,
    plain_line,
    subtle,
    title_line,
)
from oppbot.replies import forms
from oppbot.replies.document import Error
from oppbot.replies.format import Formatter
from oppbot.replies.forms import Form, FormField

FIELD_PREFIX = "field_"
FORM_KEY = "form"  # in a submission's data: which form it is
CANCEL_VERB = "show"  # Cancel shows the card again, unchanged


def input_id(name: str) -> str:
    return FIELD_PREFIX + name


def read_inputs(data: Mapping[str, Any]) -> dict[str, str]:
    """A submission's values by field name, trimmed; empty ones left out."""
    out: dict[str, str] = {}
    for key, value in data.items():
        if key.startswith(FIELD_PREFIX) and value is not None and str(value).strip():
            out[key[len(FIELD_PREFIX) :]] = str(value).strip()
    return out


def _number(text: str | None) -> int | None:
    try:
        return int(str(text)) if text is not None else None
    except ValueError:
        return None


def field_input(field: FormField, f: Formatter, value: str | None) -> dict[str, Any]:
    """The Teams input for one field, holding `value` (the initial one, or what was submitted)."""
    common: dict[str, Any] = {"id": input_id(field.name), "label": f.say(field.label)}
    if field.required:
        common |= {"isRequired": True, "errorMessage": f.t("form_required")}
    placeholder = {"placeholder": f.say(field.placeholder)} if field.placeholder else {}
    choices = [{"title": f.say(c.label), "value": c.value} for c in field.choices[:MAX_CHOICES]]
    kind = field.kind
    if kind in (forms.CHOICE, forms.CONTACT, forms.PERSON) and choices:
        # A menu. (`filtered`, type-to-filter, is not in the published 1.5 schema: left out.)
        out = {"type": "Input.ChoiceSet", **common, "choices": choices, "style": "compact", **placeholder}
        if value is not None:
            out["value"] = value
        return out
    if kind == forms.PERCENT:
        out = {"type": "Input.Number", **common, "min": 1, "max": 100}
        if (number := _number(value)) is not None:
            out["value"] = number
        return out
    if kind == forms.DATE:
        return {"type": "Input.Date", **common, **({"value": value} if value else {})}
    # Text, amounts (read by the grammar: `50k`), and contacts or people when there is nothing to offer.
    out = {"type": "Input.Text", **common, **placeholder}
    if kind == forms.LONG_TEXT:
        out["isMultiline"] = True
    if field.max_length:
        out["maxLength"] = field.max_length
    if value is not None:
        out["value"] = value
    return out


def submit_data(form: Form) -> dict[str, Any]:
    data: dict[str, Any] = {FORM_KEY: form.kind}
    if form.no:
        data["no"] = form.no
    if form.version is not None:
        data["version"] = form.version
    return data


def form_card(
    form: Form,
    locale: str,
    *,
    currency: str = DEFAULT_CURRENCY,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    error: Error | None = None,
) -> dict[str, Any]:
    """One form as a card. `values` (by field name, as read_inputs gives them), when given, replace
    the initial ones: a refused submission keeps what was typed, and what was cleared stays empty.
    `errors` (field → message) and `error` (a refusal document: under the field it names, else under
    the form's main field) are shown in red under their inputs."""
    f = Formatter(locale, currency)
    shown = {form.error_field(name): message for name, message in (errors or {}).items()}
    if error is not None:
        shown[form.error_field(error.field)] = error.message
    body: list[dict[str, Any]] = [title_line(form.title, f)]
    if form.context:
        body.append(subtle(form.context, f))
    for field in form.fields:
        if field.kind == forms.CHOICE and not field.choices:
            continue
        value = values.get(field.name) if values is not None else field.initial
        body.append(field_input(field, f, value))
        if field.hint:
            body.append(subtle(field.hint, f))
        if field.name in shown:
            body.append(plain_line("⚠ " + shown.pop(field.name), color="Attention"))
    for message in shown.values():  # a field this form doesn't show: said at the top
        body.insert(1, plain_line("⚠ " + message, color="Attention"))
    actions: list[dict[str, Any]] = [
        {
            "type": "Action.Execute",
            "title": f.say(form.submit),
            "verb": form.kind,
            "data": submit_data(form),
            "style": "positive",
        }
    ]
    if form.no:
        actions.append(
            {
                "type": "Action.Execute",
                "title": f.t("form_cancel"),
                "verb": CANCEL_VERB,
                "data": {"no": form.no, "value": form.no},
                "associatedInputs": "none",
            }
        )
    return new_card(body, f, actions=actions)
