"""Chat preferences in the set-up file: `salespeople:` records carry them (conventions, "People's chat
preferences"); bad values are reported at their line and field and change nothing."""

from __future__ import annotations

import pytest

from oppbot.domain.preferences import Digest, Preferences, WorkingHours
from oppbot.service.opportunities import OpportunityService
from oppbot.service.setup import SetupError, load_setup
from tests.dbfixtures import Sessions
from tests.service.tables import table_rows

PEOPLE = """\
salespeople:
  - {code: JO, name: Jim Olive, role: manager, timezone: Europe/Rome, locale: it,
     working_hours: "08:30-17:00", working_days: [mon, tue, wed, thu], reminders: off,
     digest: daily 08:00}
  - {code: AH, name: Annette Hill, manager: JO, working_days: mon-fri, digest: off}
  - {code: PS, name: Peter Saddow, manager: JO}
"""


async def test_preferences_load_with_the_people(service: OpportunityService, sessions: Sessions) -> None:
    report = await load_setup(service, PEOPLE)
    assert report.counts["salespeople"] == 3
    assert report.counts["preferences"] == 2  # PS gives none: no row, every default
    jo = await service.salesperson("JO")
    ah = await service.salesperson("AH")
    ps = await service.salesperson("PS")
    assert jo and ah and ps
    jo_view = await service.preferences(jo)
    assert jo_view.stored == Preferences(
        "Europe/Rome", "it", WorkingHours(510, 1020), (0, 1, 2, 3), False, Digest("daily", None, 480)
    )
    ah_view = await service.preferences(ah)
    assert ah_view.stored == Preferences(working_days=(0, 1, 2, 3, 4), digest=Digest("off"))
    ps_view = await service.preferences(ps)
    assert ps_view.stored == Preferences()
    rows = (await table_rows(sessions))["salesperson_preference"]
    assert rows == [
        ("AH", None, None, None, "mon-fri", None, "off", None, None),  # nothing seen on a platform yet
        ("JO", "Europe/Rome", "it", "08:30-17:00", "mon-thu", False, "daily 08:00", None, None),
    ]


async def test_loading_twice_writes_nothing_and_left_out_keys_keep_their_value(
    service: OpportunityService, sessions: Sessions
) -> None:
    await load_setup(service, PEOPLE)
    before = await table_rows(sessions)
    again = await load_setup(service, PEOPLE)
    assert again.counts["preferences"] == 0
    assert await table_rows(sessions) == before
    # Only the locale changes; `timezone: null` unsets JO's zone (his chat platform's applies again).
    report = await load_setup(service, "salespeople:\n  - {code: JO, locale: en, timezone: null}\n")
    assert report.counts["preferences"] == 1
    jo = await service.salesperson("JO")
    assert jo
    stored = (await service.preferences(jo)).stored
    assert (stored.locale, stored.timezone, str(stored.working_hours)) == ("en", None, "08:30-17:00")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("timezone: Europe/Roma", "salespeople[1].timezone (line 3): must be an IANA time zone"),
        ("locale: fr", "salespeople[1].locale (line 3): must be en or it"),
        ("working_hours: 9 to 5", "salespeople[1].working_hours (line 3): must be HH:MM-HH:MM"),
        ('working_hours: "18:00-18:00"', "salespeople[1].working_hours (line 3): must be HH:MM-HH:MM"),
        ("working_days: [mon, funday]", "salespeople[1].working_days (line 3): must be days like"),
        ("working_days: []", "salespeople[1].working_days (line 3): must be days like"),
        ("reminders: sometimes", "salespeople[1].reminders (line 3): must be on or off"),
        ("digest: monthly", "salespeople[1].digest (line 3): must be daily HH:MM, weekly DAY HH:MM"),
        ("digest: weekly 09:00", "salespeople[1].digest (line 3): must be daily HH:MM, weekly DAY HH:MM"),
        ("timezone_: UTC", "salespeople[1].timezone_ (line 3): unknown key (did you mean `timezone`?)"),
    ],
)
async def test_a_bad_preference_is_reported_at_its_line_and_field_and_changes_nothing(
    service: OpportunityService, sessions: Sessions, line: str, expected: str
) -> None:
    await load_setup(service, PEOPLE)
    before = await table_rows(sessions)
    text = f"salespeople:\n  - {{code: PS, name: Peter S}}\n  - {{code: AH, {line}}}\n"
    with pytest.raises(SetupError) as caught:
        await load_setup(service, text)
    assert expected in str(caught.value), str(caught.value)
    assert await table_rows(sessions) == before


async def test_a_preference_needs_its_salesperson(service: OpportunityService, sessions: Sessions) -> None:
    with pytest.raises(SetupError) as caught:
        await load_setup(service, "salespeople:\n  - {code: ZZ, locale: it}\n")
    assert "salespeople[0].name (line 2): is required for a new salesperson" in str(caught.value)
    assert (await table_rows(sessions))["salesperson_preference"] == []
