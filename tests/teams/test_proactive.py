"""Writing first in Teams: direct messages through the stored (or a newly created) 1:1 conversation,
channel feeds, a person who removed the bot (403) marked unreachable, 429s handed back for later."""

from __future__ import annotations

import base64

import pytest

from oppbot.notify.port import Direct, Image, RetryLater, Unreachable
from oppbot.replies.document import Note
from oppbot.replies.parts import msg
from tests.fakes.teams_connector import BOT_ID, TENANT
from tests.teams.harness import AH, CHANNEL, JO, TeamsHarness, card_text

UPDATE_WAIT = 8.0


def _note(text: str) -> Note:
    return Note((text,))


async def test_the_teams_notifier_is_registered(teams: TeamsHarness) -> None:
    assert teams.adapter.notifier in teams.runtime.direct.notifiers


async def test_a_direct_message_goes_to_the_persons_chat(teams: TeamsHarness) -> None:
    await teams.say("list", user=AH)  # AH's 1:1 chat is now known
    before = len(teams.connector.calls("send"))
    await teams.adapter.notifier.send(Direct("AH", _note("OP000001 is stalled")))
    sent = teams.connector.calls("send")[before]
    assert sent.conversation == "a:personal-annette"
    assert sent.card is not None and "OP000001 is stalled" in card_text(sent.card)


async def test_a_direct_message_carries_its_pictures(teams: TeamsHarness) -> None:
    await teams.say("list", user=AH)
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 32
    await teams.adapter.notifier.send(
        Direct("AH", _note("digest"), images=(Image("chart.png", "Chart", png),))
    )
    sent = teams.connector.calls("send")[-1]
    pictures = [a for a in sent.activity["attachments"] if a["contentType"] == "image/png"]
    assert pictures == [
        {"contentType": "image/png", "name": "chart.png",
         "contentUrl": "data:image/png;base64," + base64.b64encode(png).decode()}
    ]  # fmt: skip


async def test_a_direct_card_is_kept_live(teams: TeamsHarness) -> None:
    await teams.say("list", user=AH)
    before = len(teams.connector.calls("send"))
    from oppbot.replies.build import card_document

    view = await teams.service.shared_card("OP000001")
    await teams.adapter.notifier.send(Direct("AH", card_document(view), live_no="OP000001"))
    posted = teams.connector.calls("send")[before]
    await teams.say("next OP000001", user=AH)
    updates = await teams.connector.wait_for("update", 1, timeout=UPDATE_WAIT)
    assert posted.activity_id in [u.activity_id for u in updates]


async def test_someone_who_never_wrote_gets_a_new_1to1_chat(teams: TeamsHarness) -> None:
    await teams.say("list", user=AH)  # a conversation in the tenant is known
    await teams.adapter.notifier.send(Direct("JO", _note("Your weekly digest")))
    created = (await teams.connector.wait_for("create", 1))[0]
    assert created.activity["members"] == [{"id": JO.aad}]
    assert created.activity["bot"]["id"] == BOT_ID
    assert created.activity["channelData"] == {"tenant": {"id": TENANT}}
    sent = teams.connector.calls("send")[-1]
    assert sent.conversation == created.conversation
    ref = await teams.adapter.notifier.conversations.personal_of("JO")
    assert ref is not None and ref.conversation_id == created.conversation


async def test_without_any_teams_identity_the_person_is_unreachable(teams: TeamsHarness) -> None:
    await teams.say("list", user=AH)
    with pytest.raises(Unreachable):
        await teams.adapter.notifier.send(Direct("XX", _note("hello")))  # XX has no Teams id


async def test_a_person_who_removed_the_bot_is_marked_unreachable(teams: TeamsHarness) -> None:
    await teams.say("list", user=AH)
    teams.connector.fail("send", 403, conversation="a:personal-annette")
    with pytest.raises(Unreachable):
        await teams.adapter.notifier.send(Direct("AH", _note("first")))
    attempts = len(teams.connector.sent)
    with pytest.raises(Unreachable):  # not tried again
        await teams.adapter.notifier.send(Direct("AH", _note("second")))
    assert len(teams.connector.sent) == attempts
    await teams.say("list", user=AH)  # they wrote again: reachable again
    await teams.adapter.notifier.send(Direct("AH", _note("third")))
    assert "third" in teams.connector.calls("send")[-1].text


async def test_a_long_retry_after_is_handed_back(teams: TeamsHarness) -> None:
    await teams.say("list", user=AH)
    teams.connector.fail("send", 429, conversation="a:personal-annette", retry_after=120)
    with pytest.raises(RetryLater) as caught:
        await teams.adapter.notifier.send(Direct("AH", _note("later")))
    assert caught.value.seconds == 120


async def test_a_short_retry_after_is_waited_out(teams: TeamsHarness) -> None:
    await teams.say("list", user=AH)
    teams.connector.fail("send", 429, conversation="a:personal-annette", retry_after=0.5)
    await teams.adapter.notifier.send(Direct("AH", _note("soon")))
    tries = [s.status for s in teams.connector.sent if s.conversation == "a:personal-annette"]
    assert tries[-2:] == [429, 200]


async def test_a_channel_feed_posts_each_change(teams: TeamsHarness) -> None:
    sent = await teams.say("feed on team", user=JO, conversation=CHANNEL, conversation_type="channel")
    assert sent.card is not None and "OP000001" not in card_text(sent.card)
    before = len(teams.connector.calls("send"))
    await teams.say("next OP000001", user=AH)
    lines = await teams.connector.wait_for("send", before + 2, timeout=UPDATE_WAIT)  # AH's reply, the line
    line = [s for s in lines[before:] if s.conversation == CHANNEL]
    assert line and "OP000001" in line[0].text
    assert line[0].card is not None


async def test_removing_the_bot_makes_the_person_unreachable(teams: TeamsHarness) -> None:
    await teams.say("list", user=AH)
    status, _ = await teams.post(teams.activity("installationUpdate", user=AH, action="remove"))
    assert status == 200
    with pytest.raises(Unreachable):
        await teams.adapter.notifier.send(Direct("AH", _note("hello?")))
    status, _ = await teams.post(teams.activity("installationUpdate", user=AH, action="add"))
    await teams.adapter.notifier.send(Direct("AH", _note("welcome back")))
    assert "welcome back" in teams.connector.calls("send")[-1].text


async def test_a_direct_message_is_in_the_persons_language(teams: TeamsHarness) -> None:
    await teams.say("list", user=AH, locale="it-IT")  # Teams says Italian
    await teams.adapter.notifier.send(Direct("AH", Note((msg("settings_saved", fields=[]),))))
    assert "Salvato" in teams.connector.calls("send")[-1].text
    await teams.say("settings locale=en", user=AH, locale="it-IT")  # their own setting wins
    await teams.adapter.notifier.send(Direct("AH", Note((msg("settings_saved", fields=[]),))))
    assert "Saved" in teams.connector.calls("send")[-1].text
