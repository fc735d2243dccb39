"""Bad input never reaches an internal error (issue 11): what the store holds can always be summed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from oppbot.bot import Bot, Context
from oppbot.domain.actions import CloseInput
from oppbot.domain.errors import DomainError
from oppbot.domain.model import Salesperson
from oppbot.replies.model import ErrorReply, PipelineReply, Reply, StatsReply
from oppbot.service.opportunities import OpportunityService
from oppbot.store.orm import OpportunityEntryRow, OpportunityRow
from tests.dbfixtures import People, Sessions

MAX = Decimal("999999999999.99")
MAX_EN, MAX_IT = "€999,999,999,999.99", "999.999.999.999,99\u00a0€"
CLOSE = date(2026, 12, 31)


@pytest.fixture
def bot(service: OpportunityService) -> Bot:
    return Bot(service)


async def say(bot: Bot, person: Salesperson, text: str, locale: str = "en") -> Reply:
    return await bot.handle(text, Context(actor=person, locale=locale))


def error(reply: Reply, code: str) -> str:
    assert isinstance(reply, ErrorReply), reply
    assert reply.code == code, reply
    return reply.message


async def new(service: OpportunityService, actor: Salesperson, value: str = "1000", **kw: Any) -> str:
    kw.setdefault("close", CLOSE)
    result = await service.create(
        actor, contact="CT000002", description="Deal", cycle="NEW", value=Decimal(value), **kw
    )
    return result.view.no


async def refused(code: str, call: Any) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await call
    assert caught.value.code == code, caught.value
    return caught.value


# --- sums that never overflow -----------------------------------------------------------------------------
async def test_amounts_stored_before_the_limit_still_sum_exactly(
    bot: Bot, service: OpportunityService, seeded: People, sessions: Sessions
) -> None:
    """The issue's case: two opportunities of 500,000,000,000,000 (written before the limit existed)
    overflowed SQLite's SUM, and stats, pipeline and the manager's App Home failed for everyone."""
    numbers = [await new(service, seeded.ah) for _ in range(2)]
    huge = Decimal("500000000000000")  # stored as 5e18 ten-thousandths: two overflow a BIGINT sum
    async with sessions() as session, session.begin():
        await session.execute(
            sa.update(OpportunityRow).values(estimated_value=huge, calcd_current_value=huge)
        )
        await session.execute(
            sa.update(OpportunityEntryRow).values(estimated_value=huge, calcd_current_value=huge)
        )
    stats = await service.stats(seeded.jo, team=True)
    assert stats.overall.pipeline_estimated_value == 2 * huge
    assert stats.overall.pipeline_calcd_value == 2 * huge
    ledger = {row.salesperson_code: row for row in stats.ledger}
    assert ledger["AH"].estimated_value == 2 * huge
    pipeline = await service.pipeline(seeded.jo, "team")
    assert pipeline.total.pipeline_estimated_value == 2 * huge
    for text in ("stats team", "pipeline team", "stats"):
        assert isinstance(await say(bot, seeded.jo, text), StatsReply | PipelineReply), text
    assert len(numbers) == 2


async def test_many_opportunities_at_the_maximum_sum_exactly(
    bot: Bot, service: OpportunityService, seeded: People, sessions: Sessions
) -> None:
    """1,000 opportunities at the maximum: every sum passes 2**63 ten-thousandths, and stays exact.

    One is made by the service (the real path to the store), then its rows are copied in bulk:
    a thousand `new`s would take the suite half a minute per database.
    """
    count = 1000
    first = await new(service, seeded.ah, value=str(MAX), chances=100)
    await clone_opportunity(sessions, first, count - 1)
    stats = await service.stats(seeded.jo, team=True)
    total = count * MAX
    assert (stats.overall.open, stats.overall.pipeline_estimated_value) == (count, total)
    assert stats.overall.pipeline_calcd_value == total
    assert stats.overall.avg_estimated_value == MAX
    assert [(row.salesperson_code, row.estimated_value) for row in stats.ledger] == [("AH", total)]
    pipeline = await service.pipeline(seeded.jo, "team")
    assert pipeline.total.pipeline_estimated_value == total
    await service.close(seeded.ah, first, CloseInput(True, "PRICE_W", MAX))
    won = await service.stats(seeded.jo, team=True)
    assert (won.overall.won_value, won.overall.pipeline_estimated_value) == (MAX, total - MAX)
    for text in ("stats team", "pipeline team"):
        assert not isinstance(await say(bot, seeded.jo, text), ErrorReply), text


async def clone_opportunity(sessions: Sessions, no: str, copies: int) -> None:
    """`copies` more opportunities just like `no` (with its active entry), numbered after it."""
    o, e = OpportunityRow.__table__, OpportunityEntryRow.__table__
    async with sessions() as session, session.begin():
        opp = (await session.execute(sa.select(o).where(o.c.no == no))).mappings().one()
        entry = (
            (await session.execute(sa.select(e).where(e.c.opportunity_no == no, e.c.active.is_(True))))
            .mappings()
            .one()
        )
        numbers = [f"OP9{i:05d}" for i in range(copies)]
        await session.execute(sa.insert(o), [{**opp, "no": n} for n in numbers])
        entry_values = {k: v for k, v in entry.items() if k != e.primary_key.columns.keys()[0]}
        await session.execute(sa.insert(e), [{**entry_values, "opportunity_no": n} for n in numbers])
