"""Business Central's option values, as lower-case Python enums (spec 1.2)."""

from __future__ import annotations

from enum import StrEnum


class ProbabilityCalculation(StrEnum):
    MULTIPLY = "multiply"
    ADD = "add"
    CHANCES = "chances"
    COMPLETED = "completed"


class OpportunityStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    WON = "won"
    LOST = "lost"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


class CloseType(StrEnum):
    WON = "won"
    LOST = "lost"


class ActionTaken(StrEnum):
    """What an entry did (BC enum 5091; BC's blank value is `first`)."""

    FIRST = "first"
    NEXT = "next"
    PREVIOUS = "previous"
    UPDATED = "updated"
    JUMPED = "jumped"
    WON = "won"
    LOST = "lost"


class ActionType(StrEnum):
    """The command that wrote an entry (BC blanks it; oppbot keeps it)."""

    FIRST = "first"
    NEXT = "next"
    PREVIOUS = "previous"
    SKIP = "skip"
    JUMP = "jump"
    UPDATE = "update"
    CLOSE = "close"


class Role(StrEnum):
    REP = "rep"
    MANAGER = "manager"
    ADMIN = "admin"


class ContactType(StrEnum):
    COMPANY = "company"
    PERSON = "person"


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"
