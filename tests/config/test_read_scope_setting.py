"""OPPBOT_READ_SCOPE: `all` by default, read like the other settings, passed into the service."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from oppbot.config import SettingsError, load_settings
from oppbot.runtime import Runtime
from oppbot.service.auth import ReadScope


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in list(os.environ):
        if key.startswith("OPPBOT_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_default_is_all() -> None:
    assert load_settings().read_scope == ReadScope.ALL


@pytest.mark.parametrize(
    ("given", "scope"), [("team", ReadScope.TEAM), (" OWN ", ReadScope.OWN), ("All", "all")]
)
def test_values_from_the_environment(monkeypatch: pytest.MonkeyPatch, given: str, scope: str) -> None:
    monkeypatch.setenv("OPPBOT_READ_SCOPE", given)
    assert load_settings().read_scope == scope


@pytest.mark.parametrize("bad", ["everyone", "", "mine"])
def test_a_bad_value_stops_start_up_with_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, bad: str
) -> None:
    monkeypatch.setenv("OPPBOT_READ_SCOPE", bad)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    text = str(caught.value)
    assert text == "OPPBOT_READ_SCOPE: Input should be 'all', 'team' or 'own'", text


async def test_the_runtime_hands_it_to_the_service(tmp_path: Path) -> None:
    runtime = Runtime.create(
        load_settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/o.db", read_scope="own")
    )
    try:
        assert runtime.service.read_scope == ReadScope.OWN
    finally:
        await runtime.close()
