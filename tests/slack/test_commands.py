"""Slash commands end to end: signed HTTP in, ephemeral Block Kit out through the response_url."""

from __future__ import annotations

import time

import pytest

from tests.slack.conftest import SlackHarness
from tests.slack.seed import COMMANDS
from tests.slack.validate import action_ids, texts, valid_blocks


async def test_every_command_answers_ephemerally_with_valid_blocks(slack: SlackHarness) -> None:
    for text, expected in COMMANDS:
        call = await slack.command(text)
        assert call.status == 200, (text, call.response)
        assert call.params["response_type"] == "ephemeral", text
        blocks = valid_blocks(call.params["blocks"])
        assert expected in texts(blocks) + call.params["text"], (text, texts(blocks))


async def test_moves_back_jump_win_and_lose(slack: SlackHarness) -> None:
    await slack.command("next OP000001")
    await slack.command("quote OP000001 Q-1")
    await slack.command("next OP000001")
    call = await slack.command("back OP000001")
    assert "went back to stage 2" in call.params["text"]
    await slack.command("next OP000001")
    call = await slack.command("jump OP000001 to=1")
    assert "jumped back to stage 1" in call.params["text"]
    call = await slack.command('win OP000001 code=PRICE_W "Best price"')
    assert "won" in call.params["text"]
    valid_blocks(call.params["blocks"])
    assert "opp_next" not in action_ids(call.params["blocks"])  # closed: no more moves
    call = await slack.command('lose OP000003 code=PRICE_L "too expensive"', user="U0DEMO1")
    assert "OP000003" in call.params["text"]


async def test_card_shows_fields_and_exactly_the_allowed_buttons(slack: SlackHarness) -> None:
    call = await slack.command("show OP000001")
    blocks = valid_blocks(call.params["blocks"])
    shown = texts(blocks)
    for label in (
        "Contact",
        "Owner",
        "Stage",
        "Estimated value",
        "Probability",
        "Current value",
        "Close date",
        "Days in stage",
        "Status",
        "Last change",
        "1 of 4",
        "€50,000.00",
    ):
        assert label in shown, label
    assert action_ids(blocks) == ["opp_next", "opp_skip", "opp_update", "opp_win", "opp_lose", "opp_share"]
    call = await slack.command("show OP000003")  # not started: Start only
    assert action_ids(call.params["blocks"]) == ["opp_start", "opp_share"]


async def test_bad_input_gets_a_friendly_error_never_a_500(slack: SlackHarness) -> None:
    for text in (
        "frobnicate",
        "next",
        "show OP999999",
        'new CT000001 "x" value=-5',
        "",
        "next OP000001 date=banana",
    ):
        call = await slack.command(text)
        assert call.params["response_type"] == "ephemeral"
        valid_blocks(call.params["blocks"])
        assert call.params["text"], text


async def test_rep_touching_another_reps_opportunity_is_refused(slack: SlackHarness) -> None:
    call = await slack.command("next OP000002", user="U0DEMO1")  # AH on PS's
    assert "belongs to Peter Saddow" in call.params["text"]
    assert (await slack.service.salesperson("PS")) is not None
    call = await slack.command("show OP000002", user="U0DEMO2")
    assert "1 of 4" in texts(call.params["blocks"])  # unchanged


async def test_unknown_user_gets_an_explanation(slack: SlackHarness) -> None:
    call = await slack.command("list", user="U0STRANGER")
    assert "I don't know you yet" in call.params["text"]
    call = await slack.command("list", user="U0NOTINSLACK")  # users.info fails: still friendly
    assert "I don't know you yet" in call.params["text"]


async def test_user_is_linked_by_email_and_speaks_italian(slack: SlackHarness) -> None:
    call = await slack.command("list", user="U0XAVIER")  # email xx@example.com → XX
    assert "Your opportunities" in call.params["text"]
    call = await slack.command("show OP000001", user="U0DEMO4")  # OF, it-IT
    assert "Valore stimato" in texts(call.params["blocks"])
    assert "50.000,00" in texts(call.params["blocks"])


async def test_admin_links_a_user(slack: SlackHarness) -> None:
    call = await slack.command("link <@U0STRANGER|stranger> PS", user="U0DEMO4")
    assert "PS" in call.params["text"], call.params
    call = await slack.command("list", user="U0STRANGER")
    assert "Your opportunities" in call.params["text"]
    call = await slack.command("link <@U0XAVIER> AH", user="U0DEMO1")  # not an admin
    assert "Only an admin" in call.params["text"]


@pytest.mark.parametrize("kind", ["forged", "stale"])
async def test_forged_or_stale_requests_are_rejected_without_work(slack: SlackHarness, kind: str) -> None:
    kwargs = {"signature": "v0=" + "0" * 64} if kind == "forged" else {"timestamp": int(time.time()) - 360}
    resp = await slack.sender.slash_command(
        'new CT000001 "Sneaky" value=1k cycle=EXISTING close=2026-12-31', user_id="U0DEMO1", **kwargs
    )
    assert resp.status == 401
    listing = await slack.service.list_opportunities(
        (await slack.service.salesperson("OF")), scope="all", status="all"
    )  # type: ignore[arg-type]
    assert all(v.opp.description != "Sneaky" for v in listing.items)
    assert slack.fake.calls_to("response_url") == []


async def test_retried_new_creates_exactly_one(slack: SlackHarness) -> None:
    text = 'new CT000001 "Only once" value=5k cycle=EXISTING close=2026-12-31'
    trigger = slack.sender.new_trigger_id()
    url = slack.sender.new_response_url()
    first = await slack.sender.slash_command(text, user_id="U0DEMO1", trigger_id=trigger, response_url=url)
    again = await slack.sender.slash_command(
        text, user_id="U0DEMO1", trigger_id=trigger, response_url=url, retry_num=1
    )
    assert (first.status, again.status) == (200, 200)
    await slack.fake.wait_for("response_url")
    of = await slack.service.salesperson("OF")
    assert of is not None
    listing = await slack.service.list_opportunities(of, scope="all", status="all")
    assert [v.opp.description for v in listing.items].count("Only once") == 1
    assert len(slack.fake.calls_to("response_url")) == 1


async def test_retry_reaching_a_fresh_process_is_still_not_duplicated(slack: SlackHarness) -> None:
    """The durable guard: the service's claimed request key (a retry may reach another replica)."""
    text = 'new CT000001 "Once more" value=5k cycle=EXISTING close=2026-12-31'
    trigger = slack.sender.new_trigger_id()
    await slack.command(text, trigger_id=trigger)
    from oppbot.adapters.slack.support import request_key
    from oppbot.bot import Context

    ah = await slack.service.salesperson("AH")
    assert ah is not None
    key = request_key({"team": {"id": "T0DEMO"}, "trigger_id": trigger})
    reply = await slack.runtime.bot.handle(text, Context(ah), request_key=key)
    assert getattr(reply, "code", None) == "duplicate_request"
