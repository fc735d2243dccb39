"""A committed change to an opportunity, as subscribers (live cards, feeds, reminders) receive it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ChangeEvent:
    id: int
    no: str  # the opportunity
    version: int  # its version after the change
    verb: str  # the grammar's verb: new, start, next, previous, skip, jump, update, quote, win, lose
    actor: str  # the salesperson code of whoever made the change
    at: datetime  # when it was committed (UTC)
