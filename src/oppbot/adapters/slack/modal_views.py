"""The modals (New, Update, Set quote, Won, Lost) as slack_sdk View models, and reading their state."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
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

from oppbot.adapters.slack.blocks import (
    MODAL_TITLE,
    OPTION_TEXT,
    VIEW_BLOCKS,
    cut,
    esc_cut,
    mrkdwn,
    plain,
    say,
)
from oppbot.adapters.slack.labels import label
from oppbot.domain.actions import MAX_DESCRIPTION, MAX_QUOTE_REF, MAX_REASON
from oppbot.domain.model import SalesCycle
from oppbot.replies.build import card_title, stage_value
from oppbot.replies.format import Formatter
from oppbot.replies.parts import phrase
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
MAIN_BLOCK = {"new": "description", "update": "value", "quote": "quote", "win": "code", "lose": "code"}


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


def _modal(kind: str, f: Formatter, title: str, blocks: list[Block], meta: Meta, submit: str) -> View:
    return View(
        type="modal",
        callback_id=CALLBACKS[kind],
        title=plain(title, MODAL_TITLE),
        submit=plain(submit, MODAL_TITLE),
        close=plain(label(f.locale, "cancel"), MODAL_TITLE),
        blocks=blocks[:VIEW_BLOCKS],
        private_metadata=meta.dump(),
    )


def _input(
    block_id: str, text: str, element: Any, *, optional: bool = True, hint: str | None = None
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=plain(text, 2000),
        element=element,
        optional=optional,
        hint=plain(hint, 2000) if hint else None,
    )


def _money_text(amount: Decimal | None) -> str | None:
    return None if amount is None else format(amount.normalize(), "f")


def _date_input(block_id: str, text: str, initial: date | None = None) -> InputBlock:
    element = DatePickerElement(action_id=block_id, initial_date=initial.isoformat() if initial else None)
    return _input(block_id, text, element)


def _chances_input(f: Formatter, initial: int | None) -> InputBlock:
    element = NumberInputElement(
        action_id="chances",
        is_decimal_allowed=False,
        min_value=1,
        max_value=100,
        initial_value=str(initial) if initial else None,
    )
    return _input("chances", f.t("chances") + " (%)", element)


def _card_context(view: OpportunityView, f: Formatter) -> ContextBlock:
    return ContextBlock(elements=[mrkdwn(say(phrase(card_title(view), " · ", stage_value(view)), f))])


def update_modal(view: OpportunityView, f: Formatter, meta: Meta) -> View:
    o = view.opp
    blocks: list[Block] = [
        _card_context(view, f),
        _input(
            "value",
            f.t("estimated_value"),
            PlainTextInputElement(action_id="value", initial_value=_money_text(o.estimated_value)),
        ),
        _chances_input(f, o.chances_pct),
        _date_input("close", f.t("close_date"), o.estimated_close_date),
        _date_input("date", label(f.locale, "date_of_change")),
    ]
    return _modal(
        "update", f, label(f.locale, "modal_update", no=view.no), blocks, meta, label(f.locale, "save")
    )


def quote_modal(view: OpportunityView, f: Formatter, meta: Meta) -> View:
    element = PlainTextInputElement(
        action_id="quote", initial_value=view.opp.quote_ref, max_length=MAX_QUOTE_REF
    )
    blocks: list[Block] = [
        _card_context(view, f),
        _input("quote", label(f.locale, "quote_ref"), element, hint=label(f.locale, "quote_hint")),
    ]
    return _modal(
        "quote", f, label(f.locale, "modal_quote", no=view.no), blocks, meta, label(f.locale, "save")
    )


def close_modal(
    view: OpportunityView, f: Formatter, meta: Meta, *, won: bool, codes: list[tuple[str, str, str]]
) -> View:
    kind = "win" if won else "lose"
    options = [
        Option(value=code, text=plain(f"{code} · {desc}", OPTION_TEXT))
        for code, ctype, desc in codes
        if ctype == ("won" if won else "lost")
    ][:100]
    blocks: list[Block] = [_card_context(view, f)]
    if options:
        select = StaticSelectElement(
            action_id="code", placeholder=plain(label(f.locale, "pick")), options=options
        )
        blocks.append(_input("code", f.t("close_code"), select, optional=False))
    if won:
        amount = PlainTextInputElement(
            action_id="amount", initial_value=_money_text(view.opp.estimated_value)
        )
        blocks.append(_input("amount", label(f.locale, "amount_won"), amount))
    reason = PlainTextInputElement(action_id="reason", multiline=True, max_length=MAX_REASON)
    blocks += [
        _input("reason", f.t("reason"), reason),
        _date_input("date", label(f.locale, "date_of_change")),
    ]
    title = label(f.locale, f"modal_{kind}", no=view.no)
    return _modal(kind, f, title, blocks, meta, label(f.locale, "save"))


def new_modal(f: Formatter, meta: Meta, cycles: list[SalesCycle], *, description: str = "") -> View:
    """`cycles`: the service's cycles_for_new(), offered as they are (the service decides)."""
    cycle_options = [
        Option(value=c.code, text=plain(f"{c.code} · {c.description}", OPTION_TEXT)) for c in cycles
    ][:100]
    priorities = [
        Option(value=p, text=plain(f.t(f"priority_{p}"), OPTION_TEXT)) for p in ("low", "normal", "high")
    ]
    blocks: list[Block] = []
    if meta.link:
        blocks.append(ContextBlock(elements=[mrkdwn(label(f.locale, "from_message", link=meta.link))]))
    contact = ExternalDataSelectElement(
        action_id=CONTACT_ACTION, placeholder=plain(label(f.locale, "contact_search")), min_query_length=1
    )
    blocks.append(_input("contact", f.t("contact"), contact, optional=False))
    desc = PlainTextInputElement(
        action_id="description",
        initial_value=cut(description, MAX_DESCRIPTION) or None,
        max_length=MAX_DESCRIPTION,
    )
    blocks.append(_input("description", label(f.locale, "description"), desc, optional=False))
    if cycle_options:
        initial = cycle_options[0] if len(cycle_options) == 1 else None
        select = StaticSelectElement(
            action_id="cycle",
            placeholder=plain(label(f.locale, "pick")),
            options=cycle_options,
            initial_option=initial,
        )
        blocks.append(_input("cycle", f.t("cycle"), select, optional=False))
    owner = UserSelectElement(action_id="owner", placeholder=plain(label(f.locale, "pick")))
    blocks += [
        _input("owner", f.t("owner"), owner, hint=label(f.locale, "owner_hint")),
        _input("value", f.t("estimated_value"), PlainTextInputElement(action_id="value")),
        _chances_input(f, None),
        _date_input("close", f.t("close_date")),
        _input(
            "priority",
            f.t("priority"),
            StaticSelectElement(action_id="priority", options=priorities, initial_option=priorities[1]),
        ),
    ]
    return _modal("new", f, label(f.locale, "modal_new"), blocks, meta, label(f.locale, "create"))


def message_modal(f: Formatter, title: str, text: str) -> View:
    """A modal that only says something (e.g. to a person who isn't linked yet)."""
    return View(
        type="modal",
        title=plain(title, MODAL_TITLE),
        close=plain(label(f.locale, "cancel"), MODAL_TITLE),
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
