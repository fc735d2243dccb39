"""Money, dates and percentages for a person's locale (babel), and a reply's pieces in their words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency

from oppbot.domain.money import format_pct
from oppbot.replies.i18n import language, t
from oppbot.replies.parts import Amount, Code, Day, Inline, Msg, Percent, Phrase

BABEL_LOCALES = {"en": "en_US", "it": "it_IT"}


@dataclass(frozen=True)
class Formatter:
    locale: str
    currency: str

    @property
    def lang(self) -> str:
        return language(self.locale)

    def t(self, key: str, **params: object) -> str:
        return t(self.locale, key, **params)

    def money(self, amount: Decimal | None) -> str:
        if amount is None:
            return self.t("none")
        return str(format_currency(amount, self.currency, locale=BABEL_LOCALES[self.lang]))

    def date(self, value: date | None) -> str:
        if value is None:
            return self.t("none")
        return str(format_date(value, format="medium", locale=BABEL_LOCALES[self.lang]))

    def pct(self, value: Decimal | int | None) -> str:
        return self.t("none") if value is None else f"{format_pct(value)} %"

    def say(self, part: Inline | Phrase) -> str:
        """A piece or a phrase as this reader reads it (plain text, no markup)."""
        if isinstance(part, tuple):
            return "".join(self.say(p) for p in part)
        match part:
            case str():
                return part
            case Msg(key=key, params=params):
                return self.t(key, **{k: self._param(v) for k, v in params})
            case Amount(value=value):
                return self.money(value)
            case Day(value=value):
                return self.date(value)
            case Percent(value=value):
                return self.pct(value)
            case Code(text=text):
                return text
        raise AssertionError(f"unknown piece {part!r}")

    def _param(self, value: Any) -> Any:
        if isinstance(value, Msg | Amount | Day | Percent | Code):
            return self.say(value)
        return value
