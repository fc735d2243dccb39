"""Fixtures of the Teams plumbing tests (the harness lives in tests/teams/harness.py)."""

from tests.fakes.fixtures import fake_slack  # noqa: F401
from tests.teams.harness import teams, teams_on_db, teams_with_slack  # noqa: F401
