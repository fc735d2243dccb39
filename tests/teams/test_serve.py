"""`oppbot serve` mounts Teams at /api/messages exactly when a Teams app id is set."""

from __future__ import annotations

from oppbot.adapters.teams import mount_teams
from oppbot.config import load_settings
from oppbot.serve import adapter_mounts


def test_teams_is_mounted_only_when_configured() -> None:
    assert mount_teams not in adapter_mounts(load_settings(teams_app_id=None))
    configured = load_settings(teams_app_id="11111111-2222-4333-8444-555555555555", teams_app_password="x")
    assert mount_teams in adapter_mounts(configured)
