"""Money, dates and percentages for a person's locale (babel)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency

from oppbot.domain.money import format_pct
from oppbot.replies.i18n import language, t

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
