"""The one chat-neutral document every reply becomes, whatever surface shows it.

replies.build makes it (every content, order and wording decision is there); renderers only map it:
replies.text to plain text, adapters.slack to Block Kit, later Adaptive Cards. Labels and notices
stay catalog keys with parameters (parts.Msg) until a renderer meets its reader, so one document
shared in a channel reads right for everyone; a button's value is already encoded (replies.codec).
"""

from __future__ import annotations

from dataclasses import dataclass

from oppbot.replies.parts import Msg, Phrase


@dataclass(frozen=True)
class Progress:
    """How far along its cycle an opportunity is: stage `position` of `count`."""

    position: int
    count: int


@dataclass(frozen=True)
class Field:
    """A card's labelled value; `progress` goes with the value (the stage field's)."""

    label: Msg
    value: Phrase
    progress: Progress | None = None


@dataclass(frozen=True)
class Notice:
    """What just happened, or a warning, shown above what it concerns."""

    text: Msg
    warning: bool = False


@dataclass(frozen=True)
class Choice:
    label: Phrase
    value: str


@dataclass(frozen=True)
class Action:
    """Something to press. `verb` says what it does (a command's verb, or show/more/page_*), `value`
    what it carries (replies.codec). With `choices`, one of them is picked instead (its value is sent)."""

    verb: str
    label: Msg
    value: str
    form: bool = False  # asks for values in a form first
    choices: tuple[Choice, ...] = ()
    tone: str | None = None  # "primary" (the way forward) or "danger" (closes it lost)


@dataclass(frozen=True)
class Card:
    """One opportunity: what it is, where it stands, what just happened, what it allows now."""

    no: str
    version: int
    title: Phrase
    fields: tuple[Field, ...]
    notices: tuple[Notice, ...] = ()
    actions: tuple[Action, ...] = ()

    @property
    def progress(self) -> Progress | None:
        return next((f.progress for f in self.fields if f.progress), None)


@dataclass(frozen=True)
class Item:
    """One opportunity as a line of a list, with an action that opens its card, and maybe its actions."""

    no: str
    text: Phrase
    stalled: bool
    open: Action
    actions: tuple[Action, ...] = ()


@dataclass(frozen=True)
class Group:
    title: Msg | None
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Pager:
    """Which part of a longer whole this is (`start`–`end` of `total`, 0-based, end exclusive)."""

    start: int
    end: int
    total: int
    previous: Action | None = None
    next: Action | None = None


@dataclass(frozen=True)
class Listing:
    """Opportunities, one line each, in groups; `empty` is said when there are none."""

    title: Msg | None
    groups: tuple[Group, ...]
    empty: Msg
    pager: Pager | None = None
    footnote: Msg | None = None

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for group in self.groups for item in group.items)


@dataclass(frozen=True)
class Row:
    """A table's line: an optional head (what the row is about), then its cells; `level` 1 is a detail
    row under the level-0 row before it."""

    cells: tuple[Phrase, ...]
    head: Phrase | None = None
    level: int = 0


@dataclass(frozen=True)
class Section:
    rows: tuple[Row, ...]
    title: Msg | None = None


@dataclass(frozen=True)
class Table:
    """Figures or records in rows (history, pipeline, statistics, cycles, contacts, help)."""

    title: Msg
    sections: tuple[Section, ...]
    empty: Msg | None = None
    pager: Pager | None = None
    footnote: Msg | None = None
    notices: tuple[Phrase, ...] = ()  # what just happened, said before the title

    @property
    def rows(self) -> tuple[Row, ...]:
        return tuple(row for section in self.sections for row in section.rows)


@dataclass(frozen=True)
class Error:
    """A refusal, told to the person who asked (in their words already); `field` is the input it
    concerns (a form shows it there), `card` the fresh card when theirs was stale."""

    code: str
    message: str
    field: str | None = None
    card: Card | None = None


@dataclass(frozen=True)
class Note:
    """One sentence."""

    text: Phrase


@dataclass(frozen=True)
class Report:
    """Several documents under one title, in order: a manager's digest (pipeline, changes, stalled...).
    Each part keeps its own title, pager and footnote."""

    title: Msg
    parts: tuple[Table | Listing | Note, ...]


Document = Card | Listing | Table | Error | Note | Report
