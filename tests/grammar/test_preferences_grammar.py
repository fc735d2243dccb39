"""`settings`, `reminders` and `digest` (conventions, "Reminders, digests and feeds (chat)")."""

from __future__ import annotations

import datetime

import pytest

from oppbot.grammar import USAGE, VERB_ALIASES, DigestSchedule, Help, ParseError, Reminders, Settings, parse

TODAY = datetime.date(2026, 11, 24)


def p(text: str) -> object:
    return parse(text, today=TODAY)


def err(text: str, locale: str = "en") -> ParseError:
    with pytest.raises(ParseError) as info:
        parse(text, today=TODAY, locale=locale)
    return info.value


def test_settings_alone_shows() -> None:
    assert p("settings") == Settings(())
    assert p("/opp impostazioni") == Settings(())


def test_the_conventions_example_names_the_preference_fields() -> None:
    assert p("settings timezone=Europe/Rome locale=it hours=08:30-17:00 days=mon-fri") == Settings(
        (
            ("timezone", "Europe/Rome"),
            ("locale", "it"),
            ("working_hours", "08:30-17:00"),
            ("working_days", "mon-fri"),
        )
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("settings tz=UTC", ("timezone", "UTC")),
        ("impostazioni fuso=Europe/Rome", ("timezone", "Europe/Rome")),
        ("preferenze lingua=it", ("locale", "it")),
        ("settings lang=en", ("locale", "en")),
        ("settings working_hours=00:00-24:00", ("working_hours", "00:00-24:00")),
        ("settings orario=9-17", ("working_hours", "9-17")),
        ("settings giorni=lun,mer,ven", ("working_days", "lun,mer,ven")),
        ("settings reminders=off", ("reminders", "off")),
        ("settings promemoria=on", ("reminders", "on")),
        ('settings digest="weekly mon 09:00"', ("digest", "weekly mon 09:00")),
        ("settings timezone=default", ("timezone", "default")),
        ("SETTINGS TIMEZONE = Europe/Rome", ("timezone", "Europe/Rome")),
    ],
)
def test_settings_keys_and_their_aliases(text: str, expected: tuple[str, str]) -> None:
    assert p(text) == Settings((expected,))


def test_values_stay_as_typed_for_the_domain_to_check() -> None:
    # The grammar doesn't judge values: the domain does, for chat and set-up file alike.
    assert p("settings timezone=Mars/Olympus") == Settings((("timezone", "Mars/Olympus"),))


@pytest.mark.parametrize(
    ("text", "code", "named"),
    [
        ("settings colour=blue", "unknown_option", "colour="),
        ("settings Europe/Rome", "unexpected_argument", "Europe/Rome"),
        ("settings timezone=", "missing_argument", "timezone="),
        ("reminders maybe", "bad_on_off", "maybe"),
        ("reminders on off", "unexpected_argument", "off"),
        ("reminders value=1", "unknown_option", "value="),
    ],
)
def test_settings_refusals_name_what_was_wrong(text: str, code: str, named: str) -> None:
    error = err(text)
    assert error.code == code
    assert named in error.message("en") and "Usage: `" in error.message("en")


def test_a_typo_in_a_key_gets_a_suggestion() -> None:
    assert err("settings timezon=UTC").suggestion == "timezone"


@pytest.mark.parametrize(
    ("text", "on"),
    [("reminders", None), ("reminders on", True), ("reminders OFF", False), ("promemoria sì", True),
     ("promemoria no", False), ("reminder off", False)],
)  # fmt: skip
def test_reminders(text: str, on: bool | None) -> None:
    assert p(text) == Reminders(on)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("digest", DigestSchedule(None)),
        ("digest now", DigestSchedule(None, now=True)),
        ("riepilogo adesso", DigestSchedule(None, now=True)),
        ("digest daily 08:00", DigestSchedule("daily 08:00")),
        ("digest weekly mon 09:00", DigestSchedule("weekly mon 09:00")),
        ("digest off", DigestSchedule("off")),
        ("riepilogo settimanale lun 09:00", DigestSchedule("settimanale lun 09:00")),
    ],
)
def test_digest(text: str, expected: DigestSchedule) -> None:
    assert p(text) == expected


def test_help_and_aliases_know_the_new_verbs() -> None:
    for verb in ("settings", "reminders", "digest"):
        assert verb in USAGE
        assert p(f"help {verb}") == Help(verb)
        assert p(f"{verb} ?") == Help(verb)
    assert VERB_ALIASES["impostazioni"] == "settings"
    assert VERB_ALIASES["promemoria"] == "reminders"
    assert VERB_ALIASES["riepilogo"] == "digest"
    assert err("setings").suggestion == "settings"


def test_italian_messages() -> None:
    assert "I promemoria sono on oppure off" in err("promemoria forse", "it").message("it")
    assert "Uso: `reminders [on|off]`" in err("promemoria forse", "it").message("it")
