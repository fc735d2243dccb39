"""The modals (New, Update, Set quote, Won, Lost) as slack_sdk View models, and reading their state."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DatePickerElement,
    ExternalDataSelectElement,
    InputBlock,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from oppbot.adapters.slack.blocks import MODAL_TITLE, OPTION_TEXT, VIEW_BLOCKS, esc_cut, mrkdwn, plain, say
from oppbot.adapters.slack.labels import label
from oppbot.domain.model import SalesCycle
from oppbot.replies import forms
from oppbot.replies.document import Choice
from oppbot.replies.format import Formatter
from oppbot.replies.forms import Form, FormField
from oppbot.service.views import OpportunityView

CALLBACKS = {
    "new": "opp_new_modal",
    "update": "opp_update_modal",
    "quote": "opp_quote_modal",
    "win": "opp_win_modal",
    "lose": "opp_lose_modal",
}
CONTACT_ACTION = "contact_search"
# The block that shows an error no single field owns (a refused change, say).
MAIN_BLOCK = forms.MAIN


@dataclass(frozen=True)
class Meta:
    """What a modal remembers (private_metadata, ≤ 3,000 characters): where to show the result."""

    no: str = ""
    v: int | None = None  # the version the user saw
    url: str = ""  # response_url of the message the modal came from
    replace: bool = False  # replace that message (a card) rather than add one
    share: bool = False  # that message was ephemeral: keep the "Share in channel" button
    home: bool = False  # opened from App Home: republish it afterwards
    link: str = ""  # permalink of the message a "from message" opportunity came from

    def dump(self) -> str:
        data = {k: v for k, v in asdict(self).items() if v not in ("", None, False)}
        return json.dumps(data)[:3000]

    @classmethod
    def load(cls, text: str | None) -> Meta:
        try:
            data = json.loads(text or "{}")
        except json.JSONDecodeError:
            data = {}
        fields = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in fields}) if isinstance(data, dict) else cls()


def _modal(form: Form, f: Formatter, blocks: list[Block], meta: Meta) -> View:
    return View(
        type="modal",
        callback_id=CALLBACKS[form.kind],
        title=plain(f.say(form.title), MODAL_TITLE),
        submit=plain(f.say(form.submit), MODAL_TITLE),
        close=plain(f.t("form_cancel"), MODAL_TITLE),
        blocks=blocks[:VIEW_BLOCKS],
        private_metadata=meta.dump(),
    )


def _option(choice: Choice, f: Formatter) -> Option:
    return Option(value=choice.value, text=plain(f.say(choice.label), OPTION_TEXT))


def _element(field: FormField, f: Formatter) -> Any:
    """The Block Kit element for a form field (the block and the action share the field's name)."""
    name, initial = field.name, field.initial
    placeholder = plain(f.say(field.placeholder)) if field.placeholder else None
    match field.kind:
        case forms.CONTACT:  # searched as one types (contact_options answers)
            return ExternalDataSelectElement(
                action_id=CONTACT_ACTION, placeholder=placeholder, min_query_length=1
            )
        case forms.PERSON:
            return UserSelectElement(action_id=name, placeholder=placeholder)
        case forms.CHOICE:
            options = [_option(c, f) for c in field.choices][:100]
            chosen = next(
                (o for o, c in zip(options, field.choices, strict=False) if c.value == initial), None
            )
            return StaticSelectElement(
                action_id=name, placeholder=placeholder, options=options, initial_option=chosen
            )
        case forms.PERCENT:
            return NumberInputElement(
                action_id=name, is_decimal_allowed=False, min_value=1, max_value=100, initial_value=initial
            )
        case forms.DATE:
            return DatePickerElement(action_id=name, initial_date=initial)
        case _:
            return PlainTextInputElement(
                action_id=name,
                initial_value=initial,
                max_length=field.max_length,
                multiline=field.kind == forms.LONG_TEXT or None,
            )


def _blocks(form: Form, f: Formatter) -> list[Block]:
    """The form's context line, then one input block per field (a choice with no choices is left out)."""
    blocks: list[Block] = []
    if form.context:
        blocks.append(ContextBlock(elements=[mrkdwn(say(form.context, f))]))
    for field in form.fields:
        if field.kind == forms.CHOICE and not field.choices:
            continue
        blocks.append(
            InputBlock(
                block_id=field.name,
                label=plain(f.say(field.label), 2000),
                element=_element(field, f),
                optional=not field.required,
                hint=plain(f.say(field.hint), 2000) if field.hint else None,
            )
        )
    return blocks


def update_modal(view: OpportunityView, f: Formatter, meta: Meta) -> View:
    form = forms.update_form(view)
    return _modal(form, f, _blocks(form, f), meta)


def quote_modal(view: OpportunityView, f: Formatter, meta: Meta) -> View:
    form = forms.quote_form(view)
    return _modal(form, f, _blocks(form, f), meta)


def close_modal(
    view: OpportunityView, f: Formatter, meta: Meta, *, won: bool, codes: list[tuple[str, str, str]]
) -> View:
    form = forms.close_form(view, codes, won=won)
    return _modal(form, f, _blocks(form, f), meta)


def new_modal(f: Formatter, meta: Meta, cycles: list[SalesCycle], *, description: str = "") -> View:
    """`cycles`: the service's cycles_for_new(), offered as they are (the service decides)."""
    form = forms.new_form(cycles, description=description)
    blocks: list[Block] = []
    if meta.link:
        blocks.append(ContextBlock(elements=[mrkdwn(label(f.locale, "from_message", link=meta.link))]))
    return _modal(form, f, blocks + _blocks(form, f), meta)


def message_modal(f: Formatter, title: str, text: str) -> View:
    """A modal that only says something (e.g. to a person who isn't linked yet)."""
    return View(
        type="modal",
        title=plain(title, MODAL_TITLE),
        close=plain(f.t("form_cancel"), MODAL_TITLE),
        blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": esc_cut(text, 3000)}}],
    )


def state_value(values: dict[str, Any], block_id: str) -> str | None:
    """The value of a modal input, whatever its element type; None when empty."""
    actions = values.get(block_id) or {}
    for state in actions.values():
        kind = state.get("type")
        if kind in ("static_select", "external_select", "radio_buttons"):
            value = (state.get("selected_option") or {}).get("value")
        elif kind == "users_select":
            value = state.get("selected_user")
        elif kind == "datepicker":
            value = state.get("selected_date")
        else:
            value = state.get("value")
        if value is not None and str(value).strip():
            return str(value).strip()
    return None
