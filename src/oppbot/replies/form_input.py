"""A submitted form (a Slack modal, a Teams card's inputs) read into the grammar command it stands for.

Every surface reads its form's inputs the same way: amounts, chances and dates as chat reads them
(grammar), a bad value remembered as that input's error (inputs are named as replies.forms and the
domain's `DomainError.field` name them), and the same command a typed `/opp …` would build.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from oppbot import grammar
from oppbot.grammar.values import parse_chances

FORM_KINDS = ("new", "update", "quote", "win", "lose")


class FieldErrors(Exception):
    """Inputs that could not be read: input name → message (in the reader's language)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


class FormInput:
    """Typed reads of a form's values (input name → raw text; empty or missing: None)."""

    def __init__(
        self,
        values: Mapping[str, str | None],
        *,
        locale: str,
        currency: str,
        today: date,
        bad_chances: str | None = None,
    ) -> None:
        self.values, self.locale, self.currency, self.today = values, locale, currency, today
        self.bad_chances = bad_chances  # the surface's own words for a bad percentage, if any
        self.errors: dict[str, str] = {}

    def text(self, name: str) -> str | None:
        raw = self.values.get(name)
        return raw.strip() or None if isinstance(raw, str) else None

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
        except grammar.ParseError as exc:
            self.errors["chances"] = self.bad_chances or exc.message(self.locale)
            return None

    def date(self, name: str) -> date | None:
        """A date picker sends ISO dates; anything else is told "not a date" under its input, as in chat."""
        raw = self.text(name)
        try:
            return grammar.parse_date(raw, self.today, self.locale) if raw else None
        except grammar.ParseError as exc:
            self.errors[name] = exc.message(self.locale)
            return None

    def check(self) -> None:
        if self.errors:
            raise FieldErrors(self.errors)


def form_command(kind: str, form: FormInput, no: str, *, owner: str | None = None) -> grammar.Command:
    """The grammar command a form of `kind` stands for; FieldErrors when an input can't be read.
    `owner` is the new opportunity's owner code, already resolved by the surface (its people picker)."""
    if kind == "update":
        cmd: grammar.Command = grammar.Move(
            action="update",
            no=no,
            value=form.money("value"),
            chances=form.chances(),
            close=form.date("close"),
            to_stage=None,
            date=form.date("date"),
        )
    elif kind == "quote":
        cmd = grammar.SetQuote(no=no, reference=form.text("quote"))
    elif kind in ("win", "lose"):
        cmd = grammar.CloseOpportunity(
            no=no,
            won=kind == "win",
            code=form.text("code"),
            reason=form.text("reason"),
            amount=form.money("amount") if kind == "win" else None,
            date=form.date("date"),
        )
    elif kind == "new":
        cmd = grammar.NewOpportunity(
            contact=form.text("contact") or "",
            description=form.text("description") or "",
            value=form.money("value"),
            cycle=form.text("cycle"),
            close=form.date("close"),
            chances=form.chances(),
            owner=owner,
            priority=form.text("priority"),
            start=True,
        )
    else:
        raise ValueError(f"no form {kind!r}")
    form.check()
    return cmd
