"""Settings: defaults per conventions.md, and one clear line naming a bad one."""

from __future__ import annotations

import pytest

from oppbot.config import Playground, SettingsError, load_settings


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    import os

    for key in list(os.environ):
        if key.startswith("OPPBOT_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(str(tmp_path))  # no stray .env


def test_defaults_follow_the_conventions() -> None:
    s = load_settings()
    assert s.database_url == "sqlite+aiosqlite:///./oppbot.db"
    assert (s.host, s.port, s.currency, s.locale, s.timezone) == ("127.0.0.1", 3000, "EUR", "en", "UTC")
    assert s.stall_default == "14D"
    assert s.slack_api_url == "https://slack.com/api/"
    assert s.playground == Playground.AUTO


def test_values_are_normalized() -> None:
    s = load_settings(currency=" jpy ", locale="it-IT", stall_default="<2w>")
    assert (s.currency, s.locale, s.stall_default) == ("JPY", "it", "2W")


@pytest.mark.parametrize(
    ("override", "name"),
    [
        ({"currency": "XYZ"}, "OPPBOT_CURRENCY"),
        ({"locale": "fr"}, "OPPBOT_LOCALE"),
        ({"timezone": "Mars/Olympus"}, "OPPBOT_TIMEZONE"),
        ({"stall_default": "-1W"}, "OPPBOT_STALL_DEFAULT"),
        ({"stall_default": ""}, "OPPBOT_STALL_DEFAULT"),
        ({"port": 70000}, "OPPBOT_PORT"),
        ({"database_url": "not a url"}, "OPPBOT_DATABASE_URL"),
        ({"playground": "maybe"}, "OPPBOT_PLAYGROUND"),
        ({"playground": "on", "slack_signing_secret": "s", "slack_bot_token": "xoxb-1"}, "OPPBOT_PLAYGROUND"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it(override: dict[str, object], name: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(**override)
    text = str(caught.value)
    assert text.startswith(f"{name}: ") and "\n" not in text, text


def test_environment_and_dotenv_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.setenv("OPPBOT_CURRENCY", "USD")
    with open(".env", "w") as env:
        env.write("OPPBOT_LOCALE=it\n")
    s = load_settings()
    assert (s.currency, s.locale) == ("USD", "it")
