"""The manifest names exactly what the adapter listens to."""

from __future__ import annotations

from pathlib import Path

import yaml

from oppbot.adapters.slack.oauth import BOT_SCOPES
from oppbot.adapters.slack.shortcuts import MESSAGE_SHORTCUT, NEW_SHORTCUT

MANIFEST = Path(__file__).parents[2] / "manifests" / "slack" / "manifest.yaml"


def test_manifest_matches_the_adapter() -> None:
    m = yaml.safe_load(MANIFEST.read_text())
    features, settings = m["features"], m["settings"]
    assert [c["command"] for c in features["slash_commands"]] == ["/opp"]
    assert features["slash_commands"][0]["usage_hint"]
    assert {(s["type"], s["callback_id"]) for s in features["shortcuts"]} == {
        ("global", NEW_SHORTCUT),
        ("message", MESSAGE_SHORTCUT),
    }
    assert features["app_home"]["home_tab_enabled"] and features["app_home"]["messages_tab_enabled"]
    assert set(m["oauth_config"]["scopes"]["bot"]) == set(BOT_SCOPES)
    assert settings["event_subscriptions"]["bot_events"] == [
        "app_home_opened",
        "message.channels",
        "message.groups",
    ]
    urls = [
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
        settings["interactivity"]["message_menu_options_url"],
        features["slash_commands"][0]["url"],
    ]
    assert set(urls) == {"https://oppbot.example.com/slack/events"}
    assert m["oauth_config"]["redirect_urls"] == ["https://oppbot.example.com/slack/oauth_redirect"]
    assert settings["socket_mode_enabled"] is False
    for shortcut in features["shortcuts"]:
        assert len(shortcut["name"]) <= 40
