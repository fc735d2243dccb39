"""Through the real server with signed requests: the contact type-ahead folds accents, and two first
requests of a Slack user not linked yet (found by email) both get their answer, on both databases."""

from __future__ import annotations

import asyncio

import pytest

from oppbot.domain.enums import ContactType
from oppbot.domain.model import Contact
from oppbot.service.uow import UnitOfWork
from tests.slack.conftest import SlackHarness
from tests.slack.seed import TEAM

RENEE = Contact("CT000010", ContactType.PERSON, "Renée Åberg-Müller", "CT000001")
ROUNDS = 5


async def add_renee(slack: SlackHarness) -> None:
    async with UnitOfWork(slack.runtime.sessions, "EUR", write=True) as uow:
        await uow.repo.upsert_contact(RENEE)
        await uow.commit()


@pytest.mark.parametrize("typed", ["ÅBERG", "renee aberg", "Müller", "Renée Åberg-Müller"])
async def test_contact_type_ahead_ignores_case_and_accents(slack: SlackHarness, typed: str) -> None:
    await add_renee(slack)
    resp = await slack.sender.block_suggestion(user_id="U0DEMO1", action_id="contact_search", value=typed)
    assert resp.status == 200, resp.text
    options = resp.json()["options"]
    assert [o["value"] for o in options] == [RENEE.no]
    assert options[0]["text"]["text"] == "CT000010 · Renée Åberg-Müller"


async def test_two_first_requests_at_once_both_get_their_answer(slack_on_db: SlackHarness) -> None:
    slack = slack_on_db
    for n in range(ROUNDS):
        user = f"U0FRESH{n}"
        slack.fake.add_user(user, name=f"xavier.{n}", email="XX@example.com")  # XX's email, not linked yet
        before = len(slack.fake.calls_to("response_url"))
        acks = await asyncio.gather(
            slack.sender.slash_command("list", user_id=user), slack.sender.slash_command("list", user_id=user)
        )
        assert [a.status for a in acks] == [200, 200]
        answers = (await slack.fake.wait_for("response_url", before + 2))[before:]
        assert ["Your opportunities" in a.params["text"] for a in answers] == [True, True], answers
    async with slack.service.uow() as uow:
        linked = await uow.repo.identities("XX")
    assert sorted(linked) == [("slack", TEAM, f"U0FRESH{n}") for n in range(ROUNDS)]
