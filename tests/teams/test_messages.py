"""Messages to the bot end to end: signed activity in, an Adaptive Card posted to the Connector.

The Teams twins of tests/slack/test_commands.py.
"""

from __future__ import annotations

import asyncio
from typing import Any

from oppbot.bot import Context
from tests.fakes.teams_connector import BOT_ID, TENANT
from tests.slack.seed import COMMANDS
from tests.teams.harness import AH, CHANNEL, OF, PS, STRANGER, XAVIER, TeamsHarness, card_actions, card_text


def _card(sent: Any) -> dict[str, Any]:
    card = sent.card
    assert card is not None, sent.activity
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    return dict(card)


async def _count_all(teams: TeamsHarness, description: str) -> int:
    of = await teams.service.salesperson("OF")
    assert of is not None
    listing = await teams.service.list_opportunities(of, scope="all", status="all")
    return [v.opp.description for v in listing.items].count(description)


async def test_every_command_answers_with_a_card(teams: TeamsHarness) -> None:
    for text, expected in COMMANDS:
        sent = await teams.say(text)
        assert sent.conversation == "a:personal-annette"
        assert expected in card_text(_card(sent)), (text, card_text(_card(sent)))
    # Every reply went with a token the token endpoint issued; none without.
    assert teams.connector.unauthorized_calls == 0
    assert teams.connector.token_requests == 1  # cached, not fetched per call


async def test_with_or_without_a_leading_opp(teams: TeamsHarness) -> None:
    sent = await teams.say("opp show OP000001")
    assert "OP000001 · Office chairs" in card_text(_card(sent))
    sent = await teams.say("OPP list")
    assert "Your opportunities" in card_text(_card(sent))


async def test_card_carries_exactly_the_allowed_actions(teams: TeamsHarness) -> None:
    card = _card(await teams.say("show OP000001"))
    verbs = [a["verb"] for a in card_actions(card)]
    assert verbs == ["next", "skip", "update", "win", "lose"]
    for action in card_actions(card):
        assert action["data"]["no"] == "OP000001" and action["data"]["version"] == 2
    card = _card(await teams.say("show OP000003"))  # not started: Start only
    assert [a["verb"] for a in card_actions(card)] == ["start"]


async def test_bad_input_gets_a_friendly_error(teams: TeamsHarness) -> None:
    for text in (
        "frobnicate",
        "next",
        "show OP999999",
        'new CT000001 "x" value=-5',
        "",
        "next OP000001 date=banana",
    ):
        sent = await teams.say(text)
        assert card_text(_card(sent)).strip(), text


async def test_rep_touching_another_reps_opportunity_is_refused(teams: TeamsHarness) -> None:
    sent = await teams.say("next OP000002", user=AH)
    assert "belongs to Peter Saddow" in card_text(_card(sent))
    sent = await teams.say("show OP000002", user=PS)
    assert "1 of 4" in card_text(_card(sent))  # unchanged


async def test_unknown_person_gets_an_explanation(teams: TeamsHarness) -> None:
    sent = await teams.say("list", user=STRANGER)
    assert "I don't know you yet" in sent.text


async def test_person_found_by_roster_email_and_linked(teams: TeamsHarness) -> None:
    sent = await teams.say("list", user=XAVIER)  # roster email xx@example.com → XX
    assert "Your opportunities" in card_text(_card(sent))
    person = await teams.service.identify("teams", "", XAVIER.aad or "")
    assert person is not None and person.code == "XX"  # linked for next time


async def test_locale_and_time_zone_from_the_activity(teams: TeamsHarness) -> None:
    sent = await teams.say("show OP000001", user=OF, locale="it-IT")
    assert "Valore stimato" in card_text(_card(sent))
    assert "50.000,00" in card_text(_card(sent))
    sent = await teams.say("settings", user=OF, locale="it-IT", timezone="Asia/Tokyo")
    assert "Asia/Tokyo" in card_text(_card(sent))


async def test_a_set_locale_wins_over_the_activitys(teams: TeamsHarness) -> None:
    await teams.say("settings locale=it", user=AH)
    sent = await teams.say("show OP000001", user=AH, locale="en-US")
    assert "Valore stimato" in card_text(_card(sent))


async def test_mention_in_a_channel_is_removed(teams: TeamsHarness) -> None:
    text = "<at>oppbot</at> show OP000001"
    mention = {"type": "mention", "text": "<at>oppbot</at>", "mentioned": {"id": BOT_ID, "name": "oppbot"}}
    sent = await teams.say(
        text, conversation=f"{CHANNEL};messageid=123", conversation_type="channel", entities=[mention]
    )
    assert "OP000001 · Office chairs" in card_text(_card(sent))
    assert sent.conversation == f"{CHANNEL};messageid=123"  # answered in the thread


async def test_admin_links_a_mentioned_person(teams: TeamsHarness) -> None:
    mention = {
        "type": "mention",
        "text": "<at>Stranger</at>",
        "mentioned": {"id": STRANGER.user_id, "name": "Stranger"},
    }
    sent = await teams.say("link <at>Stranger</at> PS", user=OF, entities=[mention])
    assert "PS" in card_text(_card(sent))
    sent = await teams.say("list", user=STRANGER)
    assert "Your opportunities" in card_text(_card(sent))


async def test_a_retried_activity_acts_once(teams: TeamsHarness) -> None:
    body = teams.activity(text='new CT000001 "Only once" value=5k cycle=EXISTING close=2026-12-31')
    first = await teams.post(body)
    again = await teams.post(body)  # Teams retries after 15 s with the same activity id
    assert (first[0], again[0]) == (200, 200)
    await teams.connector.wait_for("send", 1)
    await asyncio.sleep(0.3)
    assert len(teams.connector.calls("send")) == 1
    assert await _count_all(teams, "Only once") == 1


async def test_a_retry_reaching_another_replica_is_still_not_duplicated(teams: TeamsHarness) -> None:
    """The durable guard: the service's claimed request key (`teams:<activity id>`)."""
    text = 'new CT000001 "Once more" value=5k cycle=EXISTING close=2026-12-31'
    body = teams.activity(text=text)
    await teams.post(body)
    await teams.connector.wait_for("send", 1)
    ah = await teams.service.salesperson("AH")
    assert ah is not None
    reply = await teams.runtime.bot.handle(text, Context(ah), request_key=f"teams:{body['id']}")
    assert getattr(reply, "code", None) == "duplicate_request"
    assert await _count_all(teams, "Once more") == 1


async def test_conversation_references_are_stored(teams: TeamsHarness) -> None:
    await teams.say("list", user=AH)
    await teams.say("list", user=PS, conversation=CHANNEL, conversation_type="channel")
    conversations = teams.adapter.notifier.conversations
    ref = await conversations.personal_of("AH")
    assert ref is not None
    assert (ref.conversation_id, ref.service_url, ref.tenant_id) == (
        "a:personal-annette",
        teams.connector.service_url,
        TENANT,
    )
    assert ref.aad_object_id == AH.aad and ref.user_id == AH.user_id
    channel = await conversations.get(CHANNEL)
    assert channel is not None and channel.kind == "channel" and channel.salesperson_code is None
    assert await conversations.personal_of("PS") is None  # PS only wrote in the channel


async def test_install_stores_the_reference(teams: TeamsHarness) -> None:
    body = teams.activity("conversationUpdate", user=PS, membersAdded=[{"id": BOT_ID}, {"id": PS.user_id}])
    status, _ = await teams.post(body)
    assert status == 200
    ref = await teams.adapter.notifier.conversations.personal_of("PS")
    assert ref is not None and ref.conversation_id == "a:personal-peter"


async def test_a_failure_is_an_apology_or_a_retry_never_a_500(teams: TeamsHarness) -> None:
    import sqlalchemy as sa

    async with teams.runtime.engine.begin() as conn:  # the database loses what oppbot needs
        await conn.execute(sa.text("DROP TABLE chat_identity"))
    sent = await teams.say("list")  # a message: the person hears sorry, nothing was changed
    assert "Nothing was changed" in sent.text
    value = {"action": {"type": "Action.Execute", "verb": "next", "data": {"no": "OP000001", "version": 2}}}
    status, _ = await teams.post(teams.activity("invoke", name="adaptiveCard/action", value=value))
    assert status == 503  # a click: Teams tells the clicker it failed; nothing was done


async def test_who_sees_a_channels_cards(teams: TeamsHarness) -> None:
    """The members a channel card refreshes for (the cards branch puts them in its `refresh`)."""
    identities = teams.adapter.bot.identities
    ids = await identities.viewers(teams.connector.service_url, f"{CHANNEL};messageid=9")
    assert set(ids) == set(teams.connector.roster)
    again = await identities.viewers(teams.connector.service_url, CHANNEL)
    assert again == ids
    assert len(teams.connector.calls("members")) == 1  # cached
    assert teams.connector.calls("members")[0].conversation == CHANNEL
