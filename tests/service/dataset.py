"""The data set of spec 6.3, built through the service in date order (entry order E1–E14)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from oppbot.domain.actions import CloseInput, MoveInput
from oppbot.domain.enums import ActionType
from oppbot.domain.model import Salesperson
from oppbot.service.opportunities import OpportunityService
from tests.dbfixtures import Clock, People

CLOSE = date(2026, 12, 31)  # the spec's table does not show close dates; any later date will do


async def build_dataset(service: OpportunityService, clock: Clock, people: People) -> list[str]:
    """Returns the opportunity numbers OP000001–OP000007."""
    ps, ah, jo = people.ps, people.ah, people.jo

    async def new(day: date, actor: Salesperson, cycle: str, value: str, *, start: bool = True) -> str:
        clock.set(day)
        result = await service.create(
            actor,
            contact="CT000002",
            description=f"{cycle} deal",
            value=Decimal(value),
            cycle=cycle,
            close=CLOSE,
            start=start,
        )
        return result.view.no

    async def nxt(day: date, actor: Salesperson, no: str, inp: MoveInput | None = None) -> None:
        clock.set(day)
        await service.move(actor, no, ActionType.NEXT, inp)

    async def close(day: date, actor: Salesperson, no: str, inp: CloseInput) -> None:
        clock.set(day)
        await service.close(actor, no, inp)

    op1 = await new(date(2026, 9, 1), ps, "EXISTING", "2500")  # E1
    op2 = await new(date(2026, 9, 15), ps, "NEW", "12000")  # E2
    await close(date(2026, 9, 21), ps, op1, CloseInput(won=False, close_code="WALKED_L"))  # E3
    await nxt(date(2026, 9, 25), ps, op2)  # E4
    op3 = await new(date(2026, 10, 1), ah, "EXISTING", "10000")  # E5
    op4 = await new(date(2026, 10, 5), ah, "EXISTING", "4000")  # E6
    await nxt(date(2026, 10, 8), ah, op3)  # E7
    await nxt(date(2026, 10, 10), ah, op4)  # E8
    op5 = await new(date(2026, 10, 12), ps, "EXISTING", "7500")  # E9
    await close(date(2026, 10, 15), ps, op2, CloseInput(won=False, close_code="PRICE_L"))  # E10
    clock.set(date(2026, 10, 20))
    await service.set_quote(ah, op4, "SQ-4")  # stage 3 of EXISTING needs a quote
    await nxt(date(2026, 10, 20), ah, op4)  # E11
    op6 = await new(date(2026, 10, 20), jo, "NEW", "30000")  # E12
    await nxt(date(2026, 10, 27), jo, op6, MoveInput(chances_pct=25))  # E13
    op7 = await new(date(2026, 11, 1), ah, "NEW", "5000", start=False)  # not started, no entry
    await close(
        date(2026, 11, 2), ah, op4, CloseInput(won=True, close_code="PRICE_W", won_amount=Decimal("4200"))
    )  # E14
    numbers = [op1, op2, op3, op4, op5, op6, op7]
    assert numbers == [f"OP00000{i}" for i in range(1, 8)]
    return numbers
