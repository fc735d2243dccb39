"""The port through which the scheduler and digests write to a person first, on any chat platform.

The scheduler knows no chat platform: it hands a reply document (keys, rendered in the recipient's own
language by the platform) to every registered `DirectNotifier`. Slack implements it now, Teams later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from oppbot.replies.document import Document


@dataclass(frozen=True)
class Image:
    """A picture sent with a message (a digest's chart): PNG bytes."""

    filename: str
    title: str
    png: bytes


@dataclass(frozen=True)
class Direct:
    """One direct message to a salesperson (by code)."""

    person: str
    document: Document
    images: tuple[Image, ...] = ()
    live_no: str | None = None  # an opportunity card kept live after changes (recorded like any card)
    # The notification it delivers (kind:target:period), carried along with the message so that a
    # later attempt can find out whether an earlier one got through (DeliveryLookup).
    key: str | None = None


class Unreachable(Exception):
    """The person cannot be reached on this platform (no identity, removed the bot): mark and skip."""


class RetryLater(Exception):
    """The platform is busy or away (429, timeout): keep the message pending and try after `seconds`."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds:.0f} s")
        self.seconds = seconds


@dataclass
class DirectNotifiers:
    """Every platform's notifier; a person is written to on each platform that knows them."""

    notifiers: list[DirectNotifier] = field(default_factory=list)

    def add(self, notifier: DirectNotifier) -> None:
        self.notifiers.append(notifier)


class DirectNotifier(Protocol):
    platform: str

    async def send(self, message: Direct) -> None:
        """Deliver `message`; raise Unreachable or RetryLater when it could not be delivered."""
        ...


@runtime_checkable
class DeliveryLookup(Protocol):
    """A platform that can tell whether a message already arrived: a sender that died after delivering
    and before recording it leaves a row that is claimed again; looking first keeps it exactly once."""

    async def delivered(self, message: Direct, since: datetime) -> bool:
        """True when a message carrying `message.key` was delivered since `since`; False when not, or
        when the platform cannot tell (then it is sent again: at least once)."""
        ...
