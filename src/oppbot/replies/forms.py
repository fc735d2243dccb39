"""The forms (New, Update, Set quote, Won, Lost), decided once for every surface.

Which forms exist, their fields in order, each field's kind, label (a catalog key), whether it is
required, its choices and its initial value live here; Slack's modals (adapters.slack.modal_views)
and Teams' cards (adapters.teams.forms) only map a `Form` to their own inputs. A field's `name` is
the input's id on every surface and the `DomainError.field` a refusal names, so an error lands
under the input it concerns. `read_form` turns the submitted values back into the grammar command the
typed words would make, for every surface alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from oppbot import grammar
from oppbot.domain.actions import MAX_DESCRIPTION, MAX_QUOTE_REF, MAX_REASON
from oppbot.domain.model import Contact, SalesCycle, Salesperson
from oppbot.grammar.values import parse_chances
from oppbot.replies.build import card_title, stage_value
from oppbot.replies.document import Choice
from oppbot.replies.i18n import t
from oppbot.replies.parts import Msg, Phrase, msg, phrase
from oppbot.service.views import OpportunityView

KINDS = ("new", "update", "quote", "win", "lose")

# What each kind of field holds; a surface picks its own input for each.
TEXT = "text"  # one line
LONG_TEXT = "long_text"  # several lines (a reason)
MONEY = "money"  # an amount as people type it (`50k`, `€ 50.000,00`): read by the grammar
PERCENT = "percent"  # a whole number from 1 to 100
DATE = "date"  # ISO date
CHOICE = "choice"  # one of `choices`
CONTACT = "contact"  # a contact: searched as one types where the surface can, else `choices`
PERSON = "person"  # a salesperson: the surface's own people picker, else `choices` (codes)

PRIORITIES = ("low", "normal", "high")
# Each field's label (a catalog key), whichever form has it; an error naming a field shows it too.
LABELS = {
    "contact": "contact",
    "description": "form_description",
    "cycle": "cycle",
    "owner": "owner",
    "value": "estimated_value",
    "chances": "form_chances",
    "close": "close_date",
    "priority": "priority",
    "date": "form_date_of_change",
    "quote": "form_quote_ref",
    "code": "close_code",
    "amount": "form_amount_won",
    "reason": "reason",
}
# The field that shows an error no single field owns (a refused change, say).
MAIN = {"new": "description", "update": "value", "quote": "quote", "win": "code", "lose": "code"}


@dataclass(frozen=True)
class FormField:
    name: str
    kind: str
    label: Msg
    required: bool = False
    choices: tuple[Choice, ...] = ()
    initial: str | None = None  # as the input holds it: plain decimal, ISO date, a choice's value
    hint: Msg | None = None
    placeholder: Msg | None = None
    max_length: int | None = None


@dataclass(frozen=True)
class Form:
    """One form. `no`/`version`: the opportunity it changes and the version its reader saw (a
    submission on a changed opportunity is refused as "changed meanwhile"); `context` the card's
    line shown on top; `main` the field an error no single field owns is shown under."""

    kind: str
    title: Msg
    submit: Msg
    fields: tuple[FormField, ...]
    main: str
    no: str = ""
    version: int | None = None
    context: Phrase | None = None

    def field(self, name: str) -> FormField | None:
        return next((f for f in self.fields if f.name == name), None)

    def error_field(self, name: str | None) -> str:
        """Where an error about `name` is shown: that field when the form has it, else `main`."""
        return name if name and self.field(name) else self.main


def _label(name: str) -> Msg:
    return msg(LABELS[name])


def money_text(amount: Decimal | None) -> str | None:
    return None if amount is None else format(amount.normalize(), "f")


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _context(view: OpportunityView) -> Phrase:
    return phrase(card_title(view), " · ", stage_value(view))


def _chances(initial: int | None) -> FormField:
    return FormField("chances", PERCENT, _label("chances"), initial=str(initial) if initial else None)


def _date_of_change() -> FormField:
    return FormField("date", DATE, _label("date"))


def update_form(view: OpportunityView) -> Form:
    o = view.opp
    fields = (
        FormField("value", MONEY, _label("value"), initial=money_text(o.estimated_value)),
        _chances(o.chances_pct),
        FormField("close", DATE, _label("close"), initial=_day(o.estimated_close_date)),
        _date_of_change(),
    )
    title = msg("form_update", no=view.no)
    return Form("update", title, msg("form_save"), fields, MAIN["update"], view.no, o.version, _context(view))


def quote_form(view: OpportunityView) -> Form:
    quote = FormField(
        "quote",
        TEXT,
        _label("quote"),
        initial=view.opp.quote_ref,
        hint=msg("form_quote_hint"),
        max_length=MAX_QUOTE_REF,
    )
    title = msg("form_quote", no=view.no)
    return Form(
        "quote", title, msg("form_save"), (quote,), MAIN["quote"], view.no, view.opp.version, _context(view)
    )


def close_form(view: OpportunityView, codes: Sequence[tuple[str, str, str]], *, won: bool) -> Form:
    """Won or Lost: `codes` are the service's close codes (code, type, description); those of the
    other type are left out, and with none the code field is too (the domain then needs none)."""
    kind = "win" if won else "lose"
    wanted = "won" if won else "lost"
    choices = tuple(Choice((code, " · ", desc), code) for code, ctype, desc in codes if ctype == wanted)
    fields: list[FormField] = []
    if choices:
        fields.append(
            FormField(
                "code",
                CHOICE,
                _label("code"),
                required=True,
                choices=choices,
                placeholder=msg("form_pick"),
            )
        )
    if won:
        amount = money_text(view.opp.estimated_value)
        fields.append(FormField("amount", MONEY, _label("amount"), initial=amount))
    fields += [
        FormField("reason", LONG_TEXT, _label("reason"), max_length=MAX_REASON),
        _date_of_change(),
    ]
    title = msg(f"form_{kind}", no=view.no)
    main = MAIN[kind] if choices else "reason"
    return Form(kind, title, msg("form_save"), tuple(fields), main, view.no, view.opp.version, _context(view))


def new_form(
    cycles: Sequence[SalesCycle],
    *,
    description: str = "",
    contacts: Sequence[Contact] = (),
    people: Sequence[Salesperson] = (),
) -> Form:
    """`cycles`: the service's cycles_for_new(), offered as they are (the service decides); the only
    one is chosen already. `contacts` and `people` are offered where a surface can't search."""
    cycle_choices = tuple(Choice((c.code, " · ", c.description), c.code) for c in cycles)
    contact_choices = tuple(Choice((c.no, " · ", c.name), c.no) for c in contacts)
    people_choices = tuple(Choice((p.name, " (", p.code, ")"), p.code) for p in people)
    fields: list[FormField] = [
        FormField(
            "contact",
            CONTACT,
            _label("contact"),
            required=True,
            choices=contact_choices,
            placeholder=msg("form_contact_search"),
        ),
        FormField(
            "description",
            TEXT,
            _label("description"),
            required=True,
            initial=_cut(description, MAX_DESCRIPTION) or None,
            max_length=MAX_DESCRIPTION,
        ),
    ]
    if cycle_choices:
        only = cycle_choices[0].value if len(cycle_choices) == 1 else None
        fields.append(
            FormField(
                "cycle",
                CHOICE,
                _label("cycle"),
                required=True,
                choices=cycle_choices,
                initial=only,
                placeholder=msg("form_pick"),
            )
        )
    priorities = tuple(Choice((msg(f"priority_{p}"),), p) for p in PRIORITIES)
    fields += [
        FormField(
            "owner",
            PERSON,
            _label("owner"),
            choices=people_choices,
            hint=msg("form_owner_hint"),
            placeholder=msg("form_pick"),
        ),
        FormField("value", MONEY, _label("value")),
        _chances(None),
        FormField("close", DATE, _label("close")),
        FormField("priority", CHOICE, _label("priority"), choices=priorities, initial="normal"),
    ]
    return Form("new", msg("form_new"), msg("form_create"), tuple(fields), MAIN["new"])


def form_for(
    kind: str,
    view: OpportunityView | None = None,
    *,
    cycles: Sequence[SalesCycle] = (),
    codes: Sequence[tuple[str, str, str]] = (),
    contacts: Sequence[Contact] = (),
    people: Sequence[Salesperson] = (),
    description: str = "",
) -> Form:
    """The form of `kind` (one of KINDS); every kind but `new` is about `view`'s opportunity."""
    if kind == "new":
        return new_form(cycles, description=description, contacts=contacts, people=people)
    if view is None or kind not in KINDS:
        raise ValueError(f"no form {kind!r} without an opportunity")
    if kind == "update":
        return update_form(view)
    if kind == "quote":
        return quote_form(view)
    return close_form(view, codes, won=kind == "win")


# --- reading a submitted form -----------------------------------------------------------------------------
class FormErrors(Exception):
    """Values a form can't take, each told under its field (field name → message)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


class _Reader:
    """Typed reads of submitted values; a bad one is remembered as that field's error."""

    def __init__(self, values: Mapping[str, str], locale: str, today: date, currency: str | None) -> None:
        self.values, self.locale, self.today, self.currency = values, locale, today, currency
        self.errors: dict[str, str] = {}

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        return value.strip() if value is not None and value.strip() else None

    def money(self, name: str) -> Decimal | None:
        raw = self.text(name)
        try:
            return grammar.parse_money(raw, self.locale, self.currency) if raw else None
        except grammar.ParseError as exc:
            self.errors[name] = exc.message(self.locale)
            return None

    def chances(self) -> int | None:
        raw = self.text("chances")
        try:
            return parse_chances(raw) if raw else None
        except grammar.ParseError:
            self.errors["chances"] = t(self.locale, "form_bad_number")
            return None

    def date(self, name: str) -> date | None:
        """Date inputs send ISO dates; anything else is read as chat reads it, or told "not a date"."""
        raw = self.text(name)
        try:
            return grammar.parse_date(raw, self.today, self.locale) if raw else None
        except grammar.ParseError as exc:
            self.errors[name] = exc.message(self.locale)
            return None


def read_form(
    kind: str,
    values: Mapping[str, str],
    *,
    no: str = "",
    locale: str,
    today: date,
    currency: str | None = None,
) -> grammar.Command:
    """The grammar command a submitted form stands for (the one the typed command would build), from
    its values by field name (`owner`: a salesperson's code, which the surface resolves). Bad values
    raise FormErrors, all of them at once."""
    r = _Reader(values, locale, today, currency)
    command: grammar.Command
    if kind == "update":
        command = grammar.Move(
            action="update",
            no=no,
            value=r.money("value"),
            chances=r.chances(),
            close=r.date("close"),
            to_stage=None,
            date=r.date("date"),
        )
    elif kind == "quote":
        command = grammar.SetQuote(no=no, reference=r.text("quote"))
    elif kind in ("win", "lose"):
        command = grammar.CloseOpportunity(
            no=no,
            won=kind == "win",
            code=r.text("code"),
            reason=r.text("reason"),
            amount=r.money("amount") if kind == "win" else None,
            date=r.date("date"),
        )
    elif kind == "new":
        command = grammar.NewOpportunity(
            contact=r.text("contact") or "",
            description=r.text("description") or "",
            value=r.money("value"),
            cycle=r.text("cycle"),
            close=r.date("close"),
            chances=r.chances(),
            owner=r.text("owner"),
            priority=r.text("priority"),
            start=True,
        )
    else:
        raise ValueError(f"no form {kind!r}")
    if r.errors:
        raise FormErrors(r.errors)
    return command
