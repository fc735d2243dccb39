"""The pieces a reply's text is made of, kept apart until a reader's language is known.

A `Phrase` is a run of pieces: plain strings (user data, numbers, fixed marks such as `·`) and pieces
each reader sees in their own language and format (catalog sentences, amounts, dates, percentages).
`Formatter.say` turns one into text; a renderer may style `Code` its own way (Slack: backticks).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Msg:
    """A sentence or label of the catalog (replies.i18n) with its parameters, not yet translated."""

    key: str
    params: tuple[tuple[str, Any], ...] = ()


def msg(key: str, **params: Any) -> Msg:
    return Msg(key, tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))


@dataclass(frozen=True)
class Amount:
    """Money in the running currency, written as the reader's locale writes it."""

    value: Decimal | None


@dataclass(frozen=True)
class Day:
    value: date | None


@dataclass(frozen=True)
class Percent:
    value: Decimal | int | None


@dataclass(frozen=True)
class Code:
    """Something typed as is (a command, a number to copy): monospace where the surface has it."""

    text: str


Inline = str | Msg | Amount | Day | Percent | Code
Phrase = tuple[Inline, ...]


def phrase(*parts: Inline | Phrase | None) -> Phrase:
    """Pieces and phrases joined into one phrase; None is left out."""
    out: list[Inline] = []
    for part in parts:
        if part is None:
            continue
        if isinstance(part, tuple):
            out.extend(part)
        else:
            out.append(part)
    return tuple(out)
