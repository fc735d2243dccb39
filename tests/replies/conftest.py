"""A console Runtime on the test database (SQLite and PostgreSQL), driven like `oppbot chat`."""

from __future__ import annotations

import io

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from oppbot.adapters.console import chat
from oppbot.bot import Bot
from oppbot.config import load_settings
from oppbot.domain.model import Salesperson
from oppbot.runtime import Runtime
from oppbot.service.opportunities import OpportunityService
from tests.dbfixtures import Sessions


class Console:
    """Types lines into the console adapter as one salesperson and returns what it printed."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def say(self, actor: Salesperson, *lines: str) -> str:
        out = io.StringIO()
        await chat(self.runtime, actor, io.StringIO("".join(f"{line}\n" for line in lines)), out)
        return out.getvalue()


@pytest.fixture
def console(db_url: str, engine: AsyncEngine, sessions: Sessions, service: OpportunityService) -> Console:
    settings = load_settings(database_url=db_url, locale="en", currency="EUR")
    return Console(Runtime(settings, engine, sessions, service, Bot(service)))
