"""A stored preference wins over what Slack says about the person (conventions, "People's chat
preferences"): signed `/opp` requests to the real server, FakeSlack's users.info says en-US."""

from __future__ import annotations

from tests.dbfixtures import AH, PS
from tests.slack.conftest import SlackHarness
from tests.slack.validate import texts, valid_blocks


async def test_a_stored_locale_it_wins_over_slacks_en_us(slack: SlackHarness) -> None:
    call = await slack.command("show OP000001")  # Annette: Slack says en-US, nothing stored
    assert "Contact" in texts(valid_blocks(call.params["blocks"]))

    call = await slack.command("settings locale=it timezone=America/New_York")
    shown = texts(valid_blocks(call.params["blocks"]))
    assert "Saved: Language, Time zone." in shown  # still in the language the request came in
    assert "America/New_York" in shown
    assert (await slack.service.preferences_of(AH)).locale == "it"

    # Every later reply is in Italian, whatever Slack says.
    call = await slack.command("show OP000001")
    shown = texts(valid_blocks(call.params["blocks"]))
    assert "Contatto" in shown and "Contact" not in shown
    call = await slack.command("settings")
    shown = texts(valid_blocks(call.params["blocks"]))
    assert "Impostazioni di Annette Hill (AH)" in shown
    assert "*Fuso orario*: America/New_York" in shown and "*Lingua*: it" in shown

    # Peter set nothing: Slack's locale and time zone (FakeSlack: en-US, Europe/Rome) apply.
    call = await slack.command("settings", user="U0DEMO2")
    shown = texts(valid_blocks(call.params["blocks"]))
    assert "Settings of Peter Saddow (PS)" in shown
    assert "*Time zone*: Europe/Rome (default)" in shown and "*Language*: en (default)" in shown


async def test_a_bad_value_is_a_friendly_ephemeral_refusal(slack: SlackHarness) -> None:
    call = await slack.command("settings hours=9-5pm")
    assert call.params["response_type"] == "ephemeral"
    assert "Working hours (`hours=`): “9-5pm” isn't a time range" in call.params["text"]
    assert (await slack.service.preferences_of(AH)).working_hours is None


async def test_slacks_zone_and_locale_are_kept_for_the_scheduler(slack: SlackHarness) -> None:
    # Peter's Slack profile: Los Angeles, Italian. He sets nothing and asks for his list.
    slack.fake.add_user(
        "U0DEMO2", name="peter.saddow", email="ps@example.com", locale="it-IT", tz="America/Los_Angeles"
    )
    call = await slack.command("list", user="U0DEMO2")
    assert call.params["response_type"] == "ephemeral"
    prefs = await slack.service.preferences_of(PS)  # what a reminder, with no request, goes by
    assert (prefs.timezone, prefs.locale) == (None, None)  # nothing set …
    assert (prefs.platform_timezone, prefs.platform_locale) == ("America/Los_Angeles", "it")  # … but seen
    assert prefs.effective_timezone(None, "Europe/Rome") == "America/Los_Angeles"
    assert prefs.effective_locale(None, "en") == "it"
