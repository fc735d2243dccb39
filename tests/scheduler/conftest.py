"""The scheduler's tests: a recording DirectNotifier (the port is ours; Slack's is tested over HTTP)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from oppbot.domain.model import Salesperson
from oppbot.notify.port import Direct, DirectNotifiers, RetryLater, Unreachable
from oppbot.service.notifications import NotificationService
from oppbot.service.opportunities import OpportunityService
from tests.dbfixtures import Clock

CLOSE = date(2027, 12, 31)


@dataclass
class Recorder:
    """Takes every message; `fail` queues exceptions to raise first (RetryLater, Unreachable)."""

    platform: str = "test"
    sent: list[Direct] = field(default_factory=list)
    fail: list[Exception] = field(default_factory=list)

    async def send(self, message: Direct) -> None:
        if self.fail:
            raise self.fail.pop(0)
        self.sent.append(message)

    def to(self, person: str) -> list[Direct]:
        return [m for m in self.sent if m.person == person]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def notifiers(recorder: Recorder) -> DirectNotifiers:
    return DirectNotifiers([recorder])


@pytest.fixture
def notifications(service: OpportunityService) -> NotificationService:
    return NotificationService(service, remind_every="3D", escalate_after=2)


def at(clock: Clock, moment: datetime) -> datetime:
    clock.now = moment
    return moment


async def new_opportunity(
    service: OpportunityService, clock: Clock, actor: Salesperson, day: date, cycle: str = "NEW", **kw: Any
) -> str:
    clock.set(day)
    result = await service.create(
        actor,
        contact="CT000002",
        description=f"Deal {day}",
        cycle=cycle,
        value=Decimal(1000),
        close=CLOSE,
        **kw,
    )
    return result.view.no


__all__ = ["Recorder", "RetryLater", "Unreachable", "at", "new_opportunity"]
