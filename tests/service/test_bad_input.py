"""Bad input never reaches an internal error (issue 11): huge amounts, huge sums, control characters
and far dates get a clear answer, change nothing, and what the store holds can always be summed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from oppbot import grammar
from oppbot.bot import Bot, Context
from oppbot.domain.actions import CloseInput, MoveInput
from oppbot.domain.enums import ActionType
from oppbot.domain.errors import DomainError
from oppbot.domain.model import Salesperson
from oppbot.replies.model import CardReply, ContactsReply, ErrorReply, PipelineReply, Reply, StatsReply
from oppbot.service.opportunities import OpportunityService
from oppbot.service.setup import SetupError, load_setup
from oppbot.store.orm import OpportunityEntryRow, OpportunityRow
from tests.dbfixtures import People, Sessions
from tests.service.ledger import read_ledger, read_opportunity
from tests.service.tables import table_rows

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


# --- money beyond what the store holds -------------------------------------------------------------------
async def test_chat_refuses_amounts_above_the_maximum_naming_it(
    bot: Bot, service: OpportunityService, seeded: People, sessions: Sessions
) -> None:
    no = await new(service, seeded.ah)
    before = await table_rows(sessions)
    for text in (
        f'new CT000002 "Deal" cycle=NEW value=922337203685478 close={CLOSE}',
        f"update {no} value=922337203685478",
        f"next {no} value=1000000M",
        f"win {no} amount=1e15",
        f"win {no} amount=922.337.203.685.478,00",
    ):
        reply = await say(bot, seeded.ah, text)
        if "1e15" in text:
            error(reply, "bad_money")  # not an amount at all
            continue
        assert MAX_EN in error(reply, "amount_too_large"), text
    assert MAX_IT in error(await say(bot, seeded.ah, f"update {no} value=2000000M", "it"), "amount_too_large")
    assert await table_rows(sessions) == before


async def test_the_maximum_itself_is_accepted(bot: Bot, seeded: People, sessions: Sessions) -> None:
    reply = await say(bot, seeded.ah, f'new CT000002 "Big" cycle=NEW value=999,999,999,999.99 close={CLOSE}')
    assert isinstance(reply, CardReply), reply
    assert (await read_opportunity(sessions, reply.view.no)).estimated_value == MAX
    won = await say(bot, seeded.ah, f"win {reply.view.no} code=PRICE_W amount=999999999999.99")
    assert isinstance(won, CardReply), won


async def test_service_refuses_amounts_above_the_maximum(
    service: OpportunityService, seeded: People, sessions: Sessions
) -> None:
    """The same limit for callers that bypass the grammar (forms, other adapters)."""
    err = await refused("amount_too_large", new(service, seeded.ah, value="1000000000000"))
    assert err.params["max"] == MAX_EN
    no = await new(service, seeded.ah)
    before = await table_rows(sessions)
    huge = Decimal("500000000000000")
    await refused("amount_too_large", service.move(seeded.ah, no, ActionType.UPDATE, MoveInput(huge)))
    await refused("amount_too_large", service.close(seeded.ah, no, CloseInput(True, "PRICE_W", huge)))
    # Rounding to the minor unit happens first: 999,999,999,999.995 is a trillion.
    big = Decimal("999999999999.995")
    await refused("amount_too_large", service.move(seeded.ah, no, ActionType.UPDATE, MoveInput(big)))
    assert await table_rows(sessions) == before


async def test_error_reply_names_the_maximum_in_the_persons_language(
    bot: Bot, service: OpportunityService, seeded: People
) -> None:
    """A domain refusal (a form's amount that slipped past the grammar) reads the same way."""
    no = await new(service, seeded.ah)
    reply = await bot.run(grammar.Move("update", no, MAX * 10, None, None, None, None), Context(seeded.ah))
    assert MAX_EN in error(reply, "amount_too_large")


async def test_setup_file_refuses_amounts_above_the_maximum(
    service: OpportunityService, seeded: People, sessions: Sessions
) -> None:
    before = await table_rows(sessions)
    text = f"""\
opportunities:
  - {{description: Huge, contact: CT000002, owner: AH, cycle: NEW, value: 922337203685478, close: {CLOSE}}}
"""
    with pytest.raises(SetupError) as caught:
        await load_setup(service, text)
    assert f"must be at most {MAX_EN}" in str(caught.value)
    assert await table_rows(sessions) == before


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


# --- control characters -----------------------------------------------------------------------------------
async def test_control_characters_in_chat_are_dropped_before_the_store(
    bot: Bot, seeded: People, sessions: Sessions
) -> None:
    reply = await say(
        bot, seeded.ah, f'new CT000002 "Chairs\x00 and\ttables\x07" cycle=NEW value=10 close={CLOSE}'
    )
    assert isinstance(reply, CardReply), reply
    no = reply.view.no
    assert (await read_opportunity(sessions, no)).description == "Chairs and tables"
    quoted = await say(bot, seeded.ah, f'quote {no} "SQ\x00-1\x1b"')
    assert isinstance(quoted, CardReply), quoted
    assert (await read_opportunity(sessions, no)).quote_ref == "SQ-1"
    found = await say(bot, seeded.ah, "contacts Rob\x00ert")
    assert isinstance(found, ContactsReply) and [c.no for c in found.contacts] == ["CT000002"], found
    lost = await say(bot, seeded.ah, f'lose {no} PRICE_L "Too\x00 expensive\r\nfor them"')
    assert isinstance(lost, CardReply), lost
    assert (await read_ledger(sessions, no))[-1].close_reason == "Too expensive for them"


async def test_control_characters_reaching_the_service_directly_are_dropped(
    service: OpportunityService, seeded: People, sessions: Sessions
) -> None:
    """Forms build commands straight from their fields: the service cleans them too."""
    result = await service.create(
        seeded.ah, contact="CT000002\x00", description="\x00Desks\u2028and\x7f lamps", cycle="NEW\x00",
        value=Decimal(10), close=CLOSE, owner="AH\x00",
    )  # fmt: skip
    no = result.view.no
    assert (await read_opportunity(sessions, no)).description == "Desks and lamps"
    await service.set_quote(seeded.ah, no, "Q\x00\ud800-7")
    assert (await read_opportunity(sessions, no)).quote_ref == "Q-7"
    assert [c.no for c in await service.contacts("Ro\x00bert")] == ["CT000002"]
    await service.close(seeded.ah, no, CloseInput(False, "PRICE_L", close_reason="\x00Budget\x00 cut"))
    assert (await read_ledger(sessions, no))[-1].close_reason == "Budget cut"


async def test_control_characters_in_a_setup_file_are_dropped(
    service: OpportunityService, seeded: People
) -> None:
    text = """\
contacts:
  - {number: "CT00\\00009", type: person, name: "Rosa\\0 Bianchi\\t", company: CT000001}
"""
    await load_setup(service, text)
    found = await service.contacts("Rosa")
    assert [(c.no, c.name) for c in found] == [("CT000009", "Rosa Bianchi")]


# --- far dates --------------------------------------------------------------------------------------------
async def test_chat_refuses_far_dates_and_changes_nothing(
    bot: Bot, service: OpportunityService, seeded: People, sessions: Sessions
) -> None:
    no = await new(service, seeded.ah)
    before = await table_rows(sessions)
    for text in (
        f"update {no} date=9999-12-25 close=9999-12-31",
        f"update {no} date=9999-12-25",
        f"update {no} close=3000-01-01",
        f"win {no} code=PRICE_W date=1899-12-31",
        'new CT000002 "Deal" cycle=NEW value=10 close=9999-12-31',
    ):
        message = error(await say(bot, seeded.ah, text), "date_out_of_range")
        assert "1900-01-01" in message and "2999-12-31" in message, message
    assert await table_rows(sessions) == before


async def test_service_refuses_far_dates(
    bot: Bot, service: OpportunityService, seeded: People, sessions: Sessions
) -> None:
    """The issue's `update … date=9999-12-25 close=9999-12-31` through a form: refused, not overflowed."""
    no = await new(service, seeded.ah)
    before = await table_rows(sessions)
    far = MoveInput(date_of_change=date(9999, 12, 25), estimated_close_date=date(9999, 12, 31))
    err = await refused("date_out_of_range", service.move(seeded.ah, no, ActionType.UPDATE, far))
    assert err.params == {"date": "9999-12-25", "min": "1900-01-01", "max": "2999-12-31"}
    late_close = MoveInput(estimated_close_date=date(9999, 12, 31))
    await refused("date_out_of_range", service.move(seeded.ah, no, ActionType.UPDATE, late_close))
    far_close = CloseInput(True, "PRICE_W", date_of_change=date(9999, 1, 1))
    await refused("date_out_of_range", service.close(seeded.ah, no, far_close))
    await refused("date_out_of_range", new(service, seeded.ah, close=date(3000, 1, 1)))
    assert await table_rows(sessions) == before
    far_move = grammar.Move("update", no, None, None, date(9999, 12, 31), None, date(9999, 12, 25))
    reply = await bot.run(far_move, Context(seeded.ah))
    assert "9999-12-25" in error(reply, "date_out_of_range")


async def test_the_last_accepted_date_with_a_long_stage_formula_still_shows(
    bot: Bot, service: OpportunityService, seeded: People
) -> None:
    """2999-12-31 plus a stage's formula or the stall default stays computable everywhere."""
    no = await new(service, seeded.ah)
    late = MoveInput(date_of_change=date(2999, 12, 30), estimated_close_date=date(2999, 12, 31))
    await service.move(seeded.ah, no, ActionType.UPDATE, late)
    for text in (f"show {no}", "list", f"history {no}", "stats", "pipeline"):
        assert not isinstance(await say(bot, seeded.ah, text), ErrorReply), text
    assert (await service.stalled_opportunities(date(2999, 12, 31))) == []


async def test_setup_file_refuses_far_dates(service: OpportunityService, seeded: People) -> None:
    text = """\
opportunities:
  - {description: Far, contact: CT000002, owner: AH, cycle: NEW, value: 10, close: 9999-12-31}
  - {description: Formula, contact: CT000002, owner: AH, cycle: NEW, value: 10, close: +9999Y}
"""
    with pytest.raises(SetupError) as caught:
        await load_setup(service, text)
    assert str(caught.value).count("must be a date from 1900-01-01 to 2999-12-31") == 2, caught.value
