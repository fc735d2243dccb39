"""Socket Mode: the same AsyncApp over Slack's websocket protocol, against a fake Socket Mode server."""

from __future__ import annotations

import dataclasses

from oppbot.adapters.slack import SLACK_APP, mount_slack, start_socket_mode
from oppbot.server import build_app
from tests.fakes.slack_api import FakeSlack
from tests.slack.conftest import SlackHarness


async def test_slash_command_over_socket_mode_is_acked_and_answered(slack: SlackHarness) -> None:
    fake: FakeSlack = slack.fake
    runtime = dataclasses.replace(
        slack.runtime, settings=slack.runtime.settings.model_copy(update={"slack_app_token": "xapp-1-test"})
    )
    app = build_app(runtime, [mount_slack])
    handler = await start_socket_mode(runtime, app[SLACK_APP])
    assert handler is not None
    try:
        opened = fake.calls_to("apps.connections.open")
        assert opened and opened[0].token == "xapp-1-test"
        before = len(fake.calls_to("response_url"))
        ack = await fake.send_envelope(
            "slash_commands",
            {
                "token": "legacy",
                "team_id": "T0DEMO",
                "team_domain": "demo",
                "channel_id": "C0DEMO",
                "channel_name": "sales",
                "user_id": "U0DEMO1",
                "user_name": "annette",
                "command": "/opp",
                "text": "show OP000001",
                "api_app_id": "A0DEMO",
                "is_enterprise_install": "false",
                "response_url": fake.response_url("socket-1"),
                "trigger_id": "1234.5678.socket",
            },
        )
        assert ack["envelope_id"].startswith("env-")
        answer = (await fake.wait_for("response_url", before + 1))[before]
        assert answer.params["response_type"] == "ephemeral"
        assert "OP000001" in answer.params["text"]
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]


async def test_no_app_token_means_no_socket_mode(slack: SlackHarness) -> None:
    assert await start_socket_mode(slack.runtime) is None
    assert slack.fake.calls_to("apps.connections.open") == []
