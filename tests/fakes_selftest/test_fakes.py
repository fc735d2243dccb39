"""Prove the fakes against real things: slack_sdk's client and a real slack_bolt app served over HTTP."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond, AsyncSay
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.loopback import LoopbackServer
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_client import SlackRequestSender, sign

SECRET = "test-signing-secret"
SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*Acme* — 10,000 EUR"}}
MODAL = {
    "type": "modal",
    "callback_id": "new_opp",
    "title": {"type": "plain_text", "text": "New opportunity"},
    "submit": {"type": "plain_text", "text": "Create"},
    "blocks": [
        {
            "type": "input",
            "block_id": "name",
            "label": {"type": "plain_text", "text": "Name"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        }
    ],
}


# ---------------------------------------------------------------- (a) slack_sdk against FakeSlack


async def test_sdk_calls_get_realistic_responses(fake_slack: FakeSlack) -> None:
    fake_slack.add_user("U1", name="anna.rossi", email="anna@example.com", locale="it-IT")
    client = AsyncWebClient(token="xoxb-test", base_url=fake_slack.base_url)

    auth = await client.auth_test()
    assert (auth["team_id"], auth["user_id"], auth["bot_id"]) == ("T0DEMO", "UBOT", "B0BOT")

    posted = await client.chat_postMessage(channel="U1", text="hi", blocks=[SECTION])
    assert posted["channel"].startswith("D") and posted["message"]["blocks"] == [SECTION]
    updated = await client.chat_update(channel=posted["channel"], ts=posted["ts"], text="edited")
    assert updated["text"] == "edited"

    opened = await client.views_open(trigger_id="123.456.abc", view=MODAL)
    assert opened["view"]["id"].startswith("V") and opened["view"]["blocks"] == MODAL["blocks"]
    assert opened["view"]["hash"]

    info = await client.users_info(user="U1", include_locale=True)
    assert info["user"]["profile"]["email"] == "anna@example.com" and info["user"]["locale"] == "it-IT"
    assert "locale" not in (await client.users_info(user="U1"))["user"]  # Slack omits it unless asked

    call = fake_slack.calls_to("chat.postMessage")[0]
    assert call.token == "xoxb-test" and call.params["blocks"] == [SECTION]

    with pytest.raises(SlackApiError) as err:
        await client.users_info(user="U404")
    assert err.value.response["error"] == "user_not_found"


async def test_form_encoded_bodies_and_token_param_are_understood(fake_slack: FakeSlack) -> None:
    async with aiohttp.ClientSession() as session:
        form = {"token": "xoxb-form", "channel": "C1", "blocks": json.dumps([SECTION])}
        async with session.post(fake_slack.base_url + "chat.postMessage", data=form) as resp:
            assert (await resp.json())["ok"] is True
        async with session.post(fake_slack.base_url + "chat.postMessage", data={"channel": "C1"}) as resp:
            assert (await resp.json())["error"] == "not_authed"
        bad = {"token": "xoxb-form", "channel": "C1", "blocks": json.dumps([{"text": "no type"}])}
        async with session.post(fake_slack.base_url + "chat.postMessage", data=bad) as resp:
            assert (await resp.json())["error"] == "invalid_blocks"
    assert fake_slack.calls_to("chat.postMessage")[0].params["blocks"] == [SECTION]
    assert fake_slack.calls_to("chat.postMessage")[0].token == "xoxb-form"


async def test_validation_and_errors(fake_slack: FakeSlack) -> None:
    client = AsyncWebClient(token="xoxb-test", base_url=fake_slack.base_url)
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("chat.postMessage", {"channel": "C1", "blocks": [SECTION] * 51}, "invalid_blocks"),
        ("chat.postMessage", {"channel": "C1", "blocks": [{"type": "section"}]}, "invalid_blocks"),
        ("chat.postMessage", {"channel": "C1"}, "no_text"),
        ("chat.update", {"channel": "C1", "ts": "1.2", "text": "x"}, "message_not_found"),
        ("views.open", {"trigger_id": "t", "view": {**MODAL, "blocks": [SECTION] * 101}}, "invalid_blocks"),
        (
            "views.open",
            {"trigger_id": "t", "view": {**MODAL, "title": {"type": "plain_text", "text": "x" * 30}}},
            "invalid_arguments",
        ),
        ("nope.nothing", {}, "unknown_method"),
    ]
    for method, params, error in cases:
        with pytest.raises(SlackApiError) as err:
            await client.api_call(method, json=params)
        assert err.value.response["error"] == error, (method, params)
    with pytest.raises(SlackApiError) as err:
        await AsyncWebClient(token="bogus", base_url=fake_slack.base_url).auth_test()
    assert err.value.response["error"] == "invalid_auth"


async def test_ratelimit_is_retried_once_by_sdk_handler(fake_slack: FakeSlack) -> None:
    fake_slack.fail_next("chat.postMessage", "ratelimited", status=429, retry_after=1)
    client = AsyncWebClient(
        token="xoxb-test",
        base_url=fake_slack.base_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    resp = await client.chat_postMessage(channel="C1", text="retry me")
    assert resp["ok"] is True
    calls = fake_slack.calls_to("chat.postMessage")
    assert [c.status for c in calls] == [429, 200]
    assert calls[1].at - calls[0].at >= 0.9  # honoured Retry-After


@pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")  # inside slack_sdk
async def test_views_update_publish_oauth_and_lookup(fake_slack: FakeSlack) -> None:
    fake_slack.add_user("U1", name="anna", email="Anna@Example.com")
    client = AsyncWebClient(token="xoxb-test", base_url=fake_slack.base_url)
    view = (await client.views_open(trigger_id="t", view=MODAL))["view"]
    with pytest.raises(SlackApiError, match="hash_conflict"):
        await client.views_update(view_id=view["id"], hash="stale", view=MODAL)
    new = (await client.views_update(view_id=view["id"], hash=view["hash"], view=MODAL))["view"]
    assert new["id"] == view["id"] and new["hash"] != view["hash"]
    home = await client.views_publish(user_id="U1", view={"type": "home", "blocks": [SECTION]})
    assert home["view"]["type"] == "home"
    assert (await client.users_lookupByEmail(email="anna@example.com"))["user"]["id"] == "U1"
    assert (await client.conversations_open(users="U1"))["channel"]["id"].startswith("D")
    assert (await client.team_info())["team"]["id"] == "T0DEMO"

    oauth = await AsyncWebClient(base_url=fake_slack.base_url).oauth_v2_access(
        client_id="111.222", client_secret="s3cr3t", code="abc"
    )
    assert oauth["access_token"].startswith("xoxb-") and oauth["team"]["id"] == "T0DEMO"
    assert oauth["enterprise"] is None and oauth["authed_user"]["token_type"] == "user"
    with pytest.raises(SlackApiError, match="invalid_code"):  # codes are single-use
        await AsyncWebClient(base_url=fake_slack.base_url).oauth_v2_access(
            client_id="111.222", client_secret="s3cr3t", code="abc"
        )


# ---------------------------------------------------------------- (b) a real bolt app over HTTP


@pytest.fixture
async def bolt(fake_slack: FakeSlack) -> AsyncIterator[tuple[AsyncApp, SlackRequestSender, list[Any]]]:
    """A bolt AsyncApp served on loopback exactly as production would, plus a signed sender."""
    seen: list[Any] = []
    client = AsyncWebClient(token="xoxb-test", base_url=fake_slack.base_url)
    app = AsyncApp(signing_secret=SECRET, client=client)

    @app.command("/opp")
    async def on_command(
        ack: AsyncAck, command: dict[str, Any], say: AsyncSay, respond: AsyncRespond
    ) -> None:
        await ack()  # the HTTP response is sent as soon as ack() is awaited
        seen.append(command)
        await respond(f"you said {command['text']}")
        await say(f"echo {command['text']}")

    @app.action("pick")
    async def on_action(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        seen.append(body)

    @app.view("new_opp")
    async def on_view(ack: AsyncAck, view: dict[str, Any]) -> None:
        seen.append(view)
        await ack(response_action="errors", errors={"name": "too short"})

    @app.options("account")
    async def on_options(ack: AsyncAck, payload: dict[str, Any]) -> None:
        await ack(options=[{"text": {"type": "plain_text", "text": payload["value"]}, "value": "1"}])

    @app.shortcut("quick_opp")
    async def on_shortcut(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        seen.append(body)

    @app.event("app_mention")
    async def on_mention(body: dict[str, Any]) -> None:
        seen.append(body)

    server = LoopbackServer(app.web_app(path="/slack/events"))
    url = await server.start()
    sender = SlackRequestSender(f"{url}/slack/events", SECRET, response_url_for=fake_slack.response_url)
    try:
        yield app, sender, seen
    finally:
        await sender.close()
        await server.stop()


async def test_signed_slash_command_is_acked_and_handled(
    fake_slack: FakeSlack, bolt: tuple[AsyncApp, SlackRequestSender, list[Any]]
) -> None:
    _, sender, seen = bolt
    resp = await sender.slash_command("new Acme 10k", user_id="U1")
    assert resp.status == 200 and resp.text == ""
    assert seen[0]["text"] == "new Acme 10k" and seen[0]["user_id"] == "U1"
    # ack() returned first; respond()/say() keep running after the HTTP response.
    (posted,) = await fake_slack.wait_for("chat.postMessage")
    # bolt's per-request client adds team_id to every Web API call it makes
    assert posted.params == {"channel": "C0DEMO", "text": "echo new Acme 10k", "team_id": "T0DEMO"}
    (responded,) = await fake_slack.wait_for("response_url")
    assert responded.params["text"] == "you said new Acme 10k"
    assert len(fake_slack.calls_to("auth.test")) == 1  # bolt's single-team authorize, cached after first


async def test_forged_and_stale_requests_are_rejected(
    fake_slack: FakeSlack, bolt: tuple[AsyncApp, SlackRequestSender, list[Any]]
) -> None:
    _, sender, seen = bolt
    forged = await sender.slash_command("x", user_id="U1", signature="v0=" + "0" * 64)
    stale = await sender.slash_command("x", user_id="U1", timestamp=int(time.time()) - 600)
    assert (forged.status, stale.status) == (401, 401)
    assert forged.json() == {"error": "invalid request"}
    body = b"token=x&command=%2Fopp"
    assert sign(SECRET, 1, body) == sign(SECRET, 1, body) != sign("other", 1, body)
    assert seen == [] and fake_slack.calls == []


async def test_interactivity_payloads_parse_in_bolt(
    fake_slack: FakeSlack, bolt: tuple[AsyncApp, SlackRequestSender, list[Any]]
) -> None:
    _, sender, seen = bolt
    r = await sender.block_action(user_id="U1", action_id="pick", value="opp-7")
    assert r.status == 200 and seen[-1]["actions"][0]["value"] == "opp-7"
    assert seen[-1]["container"]["type"] == "message"

    r = await sender.view_submission(
        user_id="U1",
        callback_id="new_opp",
        state_values={"name": {"value": {"type": "plain_text_input", "value": "A"}}},
        private_metadata='{"c":"C0DEMO"}',
    )
    assert r.json() == {"response_action": "errors", "errors": {"name": "too short"}}
    assert seen[-1]["state"]["values"]["name"]["value"]["value"] == "A"

    r = await sender.block_suggestion(user_id="U1", action_id="account", value="Acm")
    assert r.json()["options"][0]["text"]["text"] == "Acm"

    r = await sender.shortcut(user_id="U1", callback_id="quick_opp")
    assert r.status == 200 and seen[-1]["type"] == "shortcut"

    r = await sender.message_shortcut(user_id="U1", callback_id="nobody_listens", message_text="hi")
    assert r.status == 404  # bolt answers unhandled requests with 404


async def test_events_and_url_verification(
    fake_slack: FakeSlack, bolt: tuple[AsyncApp, SlackRequestSender, list[Any]]
) -> None:
    _, sender, seen = bolt
    r = await sender.url_verification("chal-123")
    assert r.status == 200 and r.json() == {"challenge": "chal-123"}
    r = await sender.event({"type": "app_mention", "user": "U1", "text": "<@UBOT> hi", "channel": "C0DEMO"})
    assert r.status == 200
    r = await sender.event(
        {"type": "app_mention", "user": "U1", "text": "again", "channel": "C0DEMO"}, retry_num=1
    )
    assert r.status == 200  # bolt does not dedupe retries itself; the app must (X-Slack-Retry-Num)
    for _ in range(50):  # event listeners run after the ack
        if len(seen) == 2:
            break
        await asyncio.sleep(0.01)
    assert [b["event"]["text"] for b in seen] == ["<@UBOT> hi", "again"]
