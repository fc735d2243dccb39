"""The scheduler, Teams and logging settings of conventions.md: defaults, and one clear line per bad value."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from oppbot.config import LogFormat, SettingsError, Switch, TeamsAppType, load_settings


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in list(os.environ):
        if key.startswith("OPPBOT_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults() -> None:
    s = load_settings()
    assert (s.scheduler, s.remind_every, s.escalate_after, s.scan_every) == (Switch.ON, "3D", 3, 15)
    assert s.log_format == LogFormat.TEXT
    assert s.teams_app_type == TeamsAppType.MULTI_TENANT
    assert s.teams_openid_metadata_url is None and s.teams_token_url is None


def test_values_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPPBOT_SCHEDULER", "OFF")
    monkeypatch.setenv("OPPBOT_REMIND_EVERY", "1W")
    monkeypatch.setenv("OPPBOT_ESCALATE_AFTER", "5")
    monkeypatch.setenv("OPPBOT_LOG_FORMAT", "json")
    monkeypatch.setenv("OPPBOT_TEAMS_APP_TYPE", "SingleTenant")
    monkeypatch.setenv("OPPBOT_TEAMS_TOKEN_URL", "http://127.0.0.1:9/token")
    s = load_settings()
    assert (s.scheduler, s.remind_every, s.escalate_after) == (Switch.OFF, "1W", 5)
    assert s.log_format == LogFormat.JSON
    assert s.teams_app_type == TeamsAppType.SINGLE_TENANT
    assert s.teams_token_url == "http://127.0.0.1:9/token"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("OPPBOT_SCHEDULER", "sometimes"),
        ("OPPBOT_REMIND_EVERY", "-3D"),
        ("OPPBOT_REMIND_EVERY", "soon"),
        ("OPPBOT_ESCALATE_AFTER", "0"),
        ("OPPBOT_SCAN_EVERY", "-1"),
        ("OPPBOT_LOG_FORMAT", "xml"),
        ("OPPBOT_TEAMS_APP_TYPE", "Personal"),
        ("OPPBOT_TEAMS_TOKEN_URL", "http://login.example/token"),
        ("OPPBOT_TEAMS_OPENID_METADATA_URL", "ftp://127.0.0.1/keys"),
    ],
)
def test_a_bad_value_names_its_setting(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=f"^{name}: "):
        load_settings()
