"""`settings`, `reminders` and `digest` typed in the console (through Bot), on SQLite and PostgreSQL."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from oppbot.bot import Bot, Context
from oppbot.domain.preferences import Preferences
from oppbot.replies.format import Formatter
from oppbot.replies.model import ErrorReply, PreferencesReply
from oppbot.replies.text import render
from oppbot.service.opportunities import OpportunityService
from tests.dbfixtures import People, Sessions
from tests.fuzz.test_fuzz import FUZZ, nasty_text, readable
from tests.replies.conftest import Console
from tests.service.tables import table_rows

EN = Formatter("en", "EUR")


async def test_settings_shows_the_defaults(console: Console, seeded: People) -> None:
    out = await console.say(seeded.ah, "settings")
    assert "Settings of Annette Hill (AH)" in out
    for line in (
        "Time zone: UTC (default)",
        "Language: en (default)",
        "Working hours: 09:00-18:00 (default)",
        "Working days: mon-fri (default)",
        "Stall reminders: on (default)",
        "Digest: off (default)",
    ):
        assert f"  {line}\n" in out, (line, out)
    assert "weekly mon 09:00 (default)" in await console.say(seeded.jo, "digest")  # a manager


async def test_the_conventions_example_changes_them_and_the_new_language_applies_at_once(
    console: Console, seeded: People
) -> None:
    out = await console.say(
        seeded.ah, "settings timezone=Europe/Rome locale=it hours=08:30-17:00 days=mon-fri", "settings"
    )
    first, second = out.split("\n\n")[:2]
    assert first.startswith("Saved: Time zone, Language, Working hours, Working days.")
    assert "  Time zone: Europe/Rome\n" in first and "  Working days: mon-fri\n" in first
    # The next reply is in Italian: a set locale wins over OPPBOT_LOCALE.
    assert second.startswith("Impostazioni di Annette Hill (AH)")
    assert "  Fuso orario: Europe/Rome\n" in second and "  Lingua: it\n" in second
    assert "  Orario di lavoro: 08:30-17:00\n" in second
    # And it is still so in a new session.
    assert "Impostazioni di Annette Hill" in await console.say(seeded.ah, "impostazioni")


async def test_a_bad_value_names_its_key_and_changes_nothing(
    console: Console, seeded: People, sessions: Sessions
) -> None:
    await console.say(seeded.ah, "settings timezone=Asia/Tokyo")
    before = await table_rows(sessions)
    out = await console.say(seeded.ah, "settings hours=08:00-17:00 locale=fr")
    assert out.startswith("Language (`locale=`): “fr” isn't one I speak; use en or it. Nothing was changed.")
    out = await console.say(seeded.ah, "settings days=mon-funday", "settings tz=Mars/Olympus")
    assert "Working days (`days=`): “mon-funday” isn't a list of days" in out
    assert "Time zone (`timezone=`): I don't know “Mars/Olympus”" in out
    assert await table_rows(sessions) == before
    out = await console.say(seeded.ah, "settings hours=8am")
    assert "Working hours (`hours=`): “8am” isn't a time range" in out


async def test_reminders_on_and_off(console: Console, seeded: People) -> None:
    out = await console.say(seeded.ps, "reminders off", "reminders", "promemoria on")
    saved, shown, back_on = out.split("\n\n")[:3]
    assert saved.startswith("Saved: Stall reminders.") and "  Stall reminders: off\n" in saved
    assert "  Stall reminders: off\n" in shown and "Time zone" not in shown
    assert "  Stall reminders: on\n" in back_on
    out = await console.say(seeded.ps, "reminders maybe")
    assert out.startswith("Reminders are on or off, not “maybe”.")


async def test_digest_schedules_and_digest_now(console: Console, seeded: People) -> None:
    out = await console.say(
        seeded.jo, "digest daily 08:00", "digest off", "digest weekly fri 16:30", "digest"
    )
    replies = out.split("\n\n")
    assert "  Digest: daily 08:00\n" in replies[0]
    assert "  Digest: off\n" in replies[1]  # set: no "(default)" any more
    assert "  Digest: weekly fri 16:30\n" in replies[3]
    out = await console.say(seeded.jo, "digest monthly")
    assert out.startswith("Digest (`digest`): “monthly” isn't a schedule")
    out = await console.say(seeded.jo, "digest now")
    assert out.startswith("Your digest is on its way.")  # queued; tests/scheduler see it sent
    await console.say(seeded.jo, "settings locale=it")
    assert (await console.say(seeded.jo, "riepilogo adesso")).startswith("Il tuo riepilogo è in arrivo.")


async def test_default_gives_the_platform_value_back(service: OpportunityService, seeded: People) -> None:
    """After `timezone=default` the reply shows the platform's zone, not the one just cleared."""
    bot = Bot(service)
    await service.set_preferences(seeded.ah, timezone="Europe/Rome", locale="it")

    def context(prefs: Preferences) -> Context:
        return Context.of(
            seeded.ah, prefs, platform_locale="en-US", platform_tz="America/New_York",
            default_locale="en", default_tz="UTC",
        )  # fmt: skip

    ctx = context(await service.preferences_of(seeded.ah))
    assert (ctx.locale, ctx.tz) == ("it", ZoneInfo("Europe/Rome"))
    reply = await bot.handle("settings timezone=default locale=default", ctx)
    assert isinstance(reply, PreferencesReply)
    text = render(reply, EN)
    assert "  Time zone: America/New_York (default)\n" in text and "  Language: en (default)\n" in text
    ctx = context(await service.preferences_of(seeded.ah))
    assert (ctx.locale, ctx.tz) == ("en", ZoneInfo("America/New_York"))


async def test_every_refusal_is_an_error_reply(service: OpportunityService, seeded: People) -> None:
    bot = Bot(service)
    for text in ("settings locale=xx", "snooze OP999999", "reminders perhaps", "settings colour=red"):
        reply = await bot.handle(text, Context(seeded.ah))
        assert isinstance(reply, ErrorReply) and reply.code != "internal_error", text


PREFERENCE_TEMPLATES = [
    "settings timezone={text}",
    "settings locale={text} hours={text}",
    'settings days="{text}" reminders={text}',
    'settings digest="{text}"',
    "impostazioni giorni={text}",
    "reminders {text}",
    "digest {text}",
    "digest weekly {text} 09:00",
]


@settings(FUZZ, max_examples=40)
@given(
    template=st.sampled_from(PREFERENCE_TEMPLATES),
    text=st.one_of(nasty_text, st.sampled_from(["mon-fri", "08:00-17:00", "Europe/Rome", "it", "on", "now"])),
    locale=st.sampled_from(["en", "it"]),
)
async def test_whatever_is_typed_the_answer_is_friendly_and_a_refusal_changes_nothing(
    service: OpportunityService, seeded: People, sessions: Sessions, template: str, text: str, locale: str
) -> None:
    before = await table_rows(sessions)
    reply = await Bot(service).handle(template.format(text=text), Context(seeded.ah, locale=locale))
    if isinstance(reply, ErrorReply):
        assert reply.code != "internal_error", (template, text)
        assert readable(reply.message), reply
        assert await table_rows(sessions) == before, (template, text, reply)
    else:
        assert isinstance(reply, PreferencesReply)
        assert all(readable(line) for line in render(reply, Formatter(locale, "EUR")).splitlines())
