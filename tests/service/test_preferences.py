"""The preferences use cases on SQLite and PostgreSQL: one's own, all or nothing, defaults by role."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
import sqlalchemy as sa

from oppbot.domain.errors import DomainError
from oppbot.domain.preferences import Digest, Preferences, WorkingHours
from oppbot.service.opportunities import OpportunityService
from tests.dbfixtures import People, Sessions
from tests.service.tables import table_rows


async def test_nothing_set_means_the_conventions_defaults(
    service: OpportunityService, seeded: People
) -> None:
    rep = await service.preferences(seeded.ah)
    assert rep.stored == Preferences()
    assert (str(rep.working_hours), rep.working_days, rep.reminders) == ("09:00-18:00", (0, 1, 2, 3, 4), True)
    assert str(rep.digest) == "off"
    assert str((await service.preferences(seeded.jo)).digest) == "weekly mon 09:00"  # a manager
    assert str((await service.preferences(seeded.of)).digest) == "off"  # an admin


async def test_a_person_changes_their_own(service: OpportunityService, seeded: People) -> None:
    view = await service.set_preferences(
        seeded.ah,
        timezone="Europe/Rome",
        locale="it",
        working_hours="08:30-17:00",
        working_days="mon,wed,fri",
    )
    assert view.changed == ("timezone", "locale", "working_hours", "working_days")
    expected = Preferences("Europe/Rome", "it", WorkingHours(510, 1020), (0, 2, 4))
    assert view.stored == expected
    assert (await service.preferences(seeded.ah)).stored == expected
    # Later changes keep what they don't name; PS is untouched.
    await service.set_preferences(seeded.ah, reminders=False, digest="weekly fri 16:00")
    stored = (await service.preferences(seeded.ah)).stored
    assert stored == dataclasses.replace(expected, reminders=False, digest=Digest("weekly", 4, 960))
    assert (await service.preferences(seeded.ps)).stored == Preferences()


async def test_default_restores_the_default(service: OpportunityService, seeded: People) -> None:
    await service.set_preferences(seeded.jo, digest="off", timezone="Asia/Tokyo")
    assert (await service.preferences(seeded.jo)).digest.off
    view = await service.set_preferences(seeded.jo, digest="default", timezone=None)
    assert view.stored == Preferences() and str(view.digest) == "weekly mon 09:00"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"timezone": "Europe/Rome", "locale": "fr"}, "bad_locale"),
        ({"working_hours": "9 to 5"}, "bad_working_hours"),
        ({"working_days": "someday"}, "bad_working_days"),
        ({"reminders": "maybe"}, "bad_reminders"),
        ({"digest": "hourly"}, "bad_digest"),
        ({"timezone": "Europe/Rome", "colour": "blue"}, "unknown_preference"),
    ],
)
async def test_one_bad_value_changes_nothing(
    service: OpportunityService, seeded: People, sessions: Sessions, changes: dict[str, object], code: str
) -> None:
    await service.set_preferences(seeded.ah, locale="en")
    before = await table_rows(sessions)
    with pytest.raises(DomainError) as caught:
        await service.set_preferences(seeded.ah, **changes)
    assert caught.value.code == code
    assert await table_rows(sessions) == before


async def test_an_unknown_actor_is_refused(service: OpportunityService, seeded: People) -> None:
    ghost = dataclasses.replace(seeded.ah, code="GHOST")
    with pytest.raises(DomainError) as caught:
        await service.set_preferences(ghost, locale="it")
    assert caught.value.code == "unknown_salesperson"


async def test_changes_of_different_fields_at_once_both_land(
    service: OpportunityService, seeded: People
) -> None:
    """Each change writes only its own columns (an upsert), so neither overwrites the other."""
    for _ in range(3):
        await asyncio.gather(
            service.set_preferences(seeded.ps, timezone="Europe/Rome"),
            service.set_preferences(seeded.ps, locale="it"),
            service.set_preferences(seeded.ps, working_days="mon-thu"),
        )
        stored = (await service.preferences(seeded.ps)).stored
        assert stored == Preferences("Europe/Rome", "it", working_days=(0, 1, 2, 3))
        await service.set_preferences(seeded.ps, timezone=None, locale=None, working_days=None)


async def test_the_role_of_now_decides_the_digest_default(
    service: OpportunityService, seeded: People
) -> None:
    """A stale actor (a rep promoted since they were identified) gets the stored role's default."""
    stale = dataclasses.replace(seeded.jo, role=seeded.ah.role)
    assert str((await service.preferences(stale)).digest) == "weekly mon 09:00"


async def test_what_the_platform_says_is_kept_once_and_a_set_value_still_wins(
    service: OpportunityService, seeded: People, sessions: Sessions
) -> None:
    async def setup_version() -> int:
        async with sessions() as session:
            return int((await session.execute(sa.text("SELECT version FROM setup_version"))).scalar_one())

    seen = await service.preferences_of(
        seeded.ah, platform_timezone="America/Los_Angeles", platform_locale="it-IT"
    )
    assert (seen.platform_timezone, seen.platform_locale) == ("America/Los_Angeles", "it")
    assert (await service.preferences(seeded.ah)).stored == seen  # stored for whoever reads next
    assert (seen.timezone, seen.locale) == (None, None)  # not settings: `settings` still says "default"

    version = await setup_version()
    # Said again, not said, or said in a way oppbot doesn't know: nothing to store, nothing written.
    for zone, locale in (("America/Los_Angeles", "it"), (None, None), ("Mars/Olympus_Mons", "tlh")):
        assert await service.preferences_of(seeded.ah, platform_timezone=zone, platform_locale=locale) == seen
    assert await setup_version() == version

    await service.set_preferences(seeded.ah, timezone="Asia/Kolkata")
    prefs = await service.preferences_of(seeded.ah, platform_timezone="Europe/Rome")
    assert prefs.platform_timezone == "Europe/Rome"  # a trip: the newest word kept …
    assert prefs.effective_timezone(None, "UTC") == "Asia/Kolkata"  # … and what she set still wins
    with pytest.raises(DomainError):  # and nobody sets it by hand
        await service.set_preferences(seeded.ah, platform_timezone="Europe/Rome")
