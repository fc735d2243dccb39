"""Who sees a team pipeline beside their own list (App Home): the service says, every surface asks."""

from __future__ import annotations

import pytest

from oppbot.service.auth import ReadScope
from oppbot.service.opportunities import OpportunityService
from tests.dbfixtures import Clock, People, Sessions


@pytest.mark.parametrize(
    ("scope", "rep", "manager", "admin"),
    [
        (ReadScope.ALL, False, True, True),
        (ReadScope.TEAM, False, True, True),
        (ReadScope.OWN, False, False, True),  # a manager reads only their own: no team to show
    ],
)
async def test_managers_and_admins_see_the_team_pipeline_when_they_may_read_it(
    sessions: Sessions, clock: Clock, seeded: People, scope: ReadScope, rep: bool, manager: bool, admin: bool
) -> None:
    service = OpportunityService(sessions, currency="EUR", clock=clock, read_scope=scope)
    seen = [await service.team_pipeline(p) is not None for p in (seeded.ah, seeded.jo, seeded.of)]
    assert seen == [rep, manager, admin]
    team = await service.team_pipeline(seeded.jo)
    assert team is None or team.scope == "team"
