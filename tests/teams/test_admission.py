"""Teams' admission limit (adapters.admission, shared with Slack): with every work slot taken, an
activity is refused with 503 after ADMIT_WAIT, unacknowledged and with nothing done, so Teams sends
it again; once a slot is free the same activity is taken."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from oppbot.adapters.admission import ADMIT_WAIT, WORK_SLOTS, Admission
from tests.teams.harness import TeamsHarness, card_text


@asynccontextmanager
async def all_slots_taken(admission: Admission) -> AsyncIterator[None]:
    """Hold every work slot (as eight slow turns would), from tasks of their own."""
    release = asyncio.Event()
    held = asyncio.Semaphore(0)

    async def hold() -> None:
        async with admission.admitted("held by the test"):
            held.release()
            await release.wait()

    tasks = [asyncio.create_task(hold()) for _ in range(WORK_SLOTS)]
    for _ in range(WORK_SLOTS):
        await asyncio.wait_for(held.acquire(), 10.0)
    try:
        yield
    finally:
        release.set()
        await asyncio.gather(*tasks)


async def _stage(teams: TeamsHarness) -> int | None:
    admin = await teams.service.salesperson("OF")
    assert admin is not None
    return (await teams.service.show(admin, "OP000001")).opp.current_stage


async def test_a_saturated_adapter_answers_503_and_does_nothing(teams: TeamsHarness) -> None:
    admission = teams.adapter.admission
    message = teams.activity(text="next OP000001")
    action = {"type": "Action.Execute", "verb": "next", "data": {"no": "OP000001", "version": 2}}
    click = teams.activity("invoke", name="adaptiveCard/action", value={"action": action})
    async with all_slots_taken(admission):
        for body in (message, click):
            started = time.monotonic()
            status, _ = await teams.post(body)
            assert status == 503
            assert time.monotonic() - started >= ADMIT_WAIT * 0.9
        assert await _stage(teams) == 1  # nothing done
        assert teams.connector.calls("send") == []  # and nothing said
    # Teams sends the refused activity again: now it is taken (it was never marked as seen).
    status, _ = await teams.post(message)
    assert status == 200
    sent = (await teams.connector.wait_for("send", 1))[0]
    assert sent.card is not None and "moved to stage 2" in card_text(sent.card)
    assert await _stage(teams) == 2


async def test_a_signature_is_checked_before_a_slot_is_waited_for(teams: TeamsHarness) -> None:
    """A request without a valid token is 401 at once, busy or not: it never queues for work."""
    async with all_slots_taken(teams.adapter.admission):
        started = time.monotonic()
        status, _ = await teams.post(teams.activity(text="list"), token=None)
        assert status == 401 and time.monotonic() - started < ADMIT_WAIT
