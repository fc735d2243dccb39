"""Forms in Teams, over real HTTP: a click on Update…/Set quote…/Won…/Lost… (or `new` alone) opens
the form card as the invoke's answer; a submission runs through the Bot once; a value it can't take
comes back under its field with what was typed kept, and nothing is saved. The twins of Slack's
modal tests."""

from __future__ import annotations

from typing import Any

import pytest

from oppbot.domain.errors import DomainError
from tests.teams.harness import AH, PS, TeamsHarness, action_data, answered_card, card_actions, card_text
from tests.teams.validate import of_type, valid_card

INPUTS = ("Input.Text", "Input.Number", "Input.Date", "Input.ChoiceSet")


def inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The form's inputs by field name."""
    return {i["id"].removeprefix("field_"): i for t in INPUTS for i in of_type(card, t)}


def under(card: dict[str, Any], name: str) -> str:
    """The text right under the input of field `name` (its hint or its error)."""
    body = card["body"]
    at = next(i for i, b in enumerate(body) if b.get("id") == f"field_{name}")
    return card_text(body[at + 1])


def submit(form: dict[str, Any], typed: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """What Teams sends when the form's Save is pressed: the action's data and every input's value."""
    action = next(a for a in card_actions(form) if "form" in a.get("data", {}))
    data = dict(action["data"])
    for name, field in inputs(form).items():
        value = typed.get(name, field.get("value"))
        if value is not None:
            data[f"field_{name}"] = str(value)
    return action["verb"], data


async def open_form(teams: TeamsHarness, no: str, verb: str, user: Any = AH) -> dict[str, Any]:
    card = await teams.shown_card(no, user=user)
    return answered_card(await teams.click(verb, action_data(card, verb), user=user))


async def test_every_form_opens_from_its_button(teams: TeamsHarness) -> None:
    await teams.say("next OP000001")  # stage 2: the next stage needs a quote, so Set quote… is offered
    expected = {
        "update": {"value", "chances", "close", "date"},
        "quote": {"quote"},
        "win": {"code", "amount", "reason", "date"},
        "lose": {"code", "reason", "date"},
    }
    for verb, fields in expected.items():
        form = await open_form(teams, "OP000001", verb)
        assert set(inputs(form)) == fields, verb
        assert "OP000001" in card_text(form)
    update = await open_form(teams, "OP000001", "update")
    assert inputs(update)["value"]["value"] == "50000"  # the current values to change
    win = await open_form(teams, "OP000001", "win")
    won = [code for code, kind, _ in await teams.service.close_codes() if kind == "won"]
    assert [c["value"] for c in inputs(win)["code"]["choices"]] == won  # the service's, of the won type
    assert (await teams.opportunity("OP000001")).current_stage == 2  # opening changes nothing


async def test_new_alone_posts_the_new_opportunity_form(teams: TeamsHarness) -> None:
    sent = await teams.say("new")
    assert sent.card is not None
    form = valid_card(dict(sent.card))
    fields = inputs(form)
    assert {"contact", "description", "cycle", "owner", "value", "chances", "close", "priority"} <= set(
        fields
    )
    assert "CT000001" in [c["value"] for c in fields["contact"]["choices"]]
    cycles = {c.code for c in await teams.service.cycles_for_new()}
    assert {c["value"] for c in fields["cycle"]["choices"]} == cycles
    assert "AH" in [c["value"] for c in fields["owner"]["choices"]]
    # And the same form from a "New opportunity" action.
    again = answered_card(await teams.click("new", {}))
    assert set(inputs(again)) == set(fields)


async def test_a_valid_update_changes_the_opportunity_once(teams: TeamsHarness) -> None:
    before = await teams.opportunity("OP000001")
    form = await open_form(teams, "OP000001", "update")
    verb, data = submit(form, {"value": "65k", "chances": "45", "close": "2027-01-31"})
    body = teams.click_activity(verb, data)
    status, answer = await teams.post(body)
    assert status == 200
    card = answered_card(answer)
    assert "OP000001 updated" in card_text(card) and "€65,000.00" in card_text(card)
    status, _again = await teams.post(body)  # Teams sends it again: it acts once
    assert status == 200
    after = await teams.opportunity("OP000001")
    assert after.estimated_value == 65000 and after.chances_pct == 45
    assert after.version == before.version + 1


async def test_an_invalid_value_comes_back_under_its_field_with_the_values_kept(teams: TeamsHarness) -> None:
    before = await teams.opportunity("OP000001")
    form = await open_form(teams, "OP000001", "update")
    card = answered_card(await teams.click(*submit(form, {"value": "65k", "close": "banana"})))
    assert "banana" in under(card, "close") and "not a date" in under(card, "close")
    assert inputs(card)["value"]["value"] == "65k"  # what was typed, kept
    assert (await teams.opportunity("OP000001")).version == before.version  # nothing half-saved
    # Corrected on the same card: saved.
    card = answered_card(await teams.click(*submit(card, {"close": "2027-02-28"})))
    assert "OP000001 updated" in card_text(card) and "€65,000.00" in card_text(card)


async def test_a_domain_refusal_lands_under_its_field(teams: TeamsHarness) -> None:
    before = await teams.opportunity("OP000001")
    form = await open_form(teams, "OP000001", "win")
    card = answered_card(await teams.click(*submit(form, {"code": "NO_SUCH", "reason": "Best price"})))
    assert "NO_SUCH" in under(card, "code")
    assert inputs(card)["reason"]["value"] == "Best price"
    assert (await teams.opportunity("OP000001")).version == before.version


async def test_won_lost_and_quote_forms_save(teams: TeamsHarness) -> None:
    await teams.say("next OP000001")
    form = await open_form(teams, "OP000001", "quote")
    card = answered_card(await teams.click(*submit(form, {"quote": "SQ-77"})))
    assert "sales quote set to SQ-77" in card_text(card)
    # Set now, so no longer offered on the card; the form still opens (as `quote OP000001` would).
    data = action_data(await teams.shown_card("OP000001"), "update")
    form = answered_card(await teams.click("quote", data))
    assert inputs(form)["quote"]["value"] == "SQ-77"
    card = answered_card(await teams.click(*submit(form, {"quote": ""})))
    assert "OP000001: sales quote cleared" in card_text(card)
    form = await open_form(teams, "OP000001", "win")
    card = answered_card(await teams.click(*submit(form, {"code": "PRICE_W", "amount": "48k"})))
    assert "won" in card_text(card) and card_actions(card) == []
    assert (await teams.opportunity("OP000001")).closed
    await teams.say("start OP000003")
    form = await open_form(teams, "OP000003", "lose")
    card = answered_card(await teams.click(*submit(form, {"code": "PRICE_L", "reason": "too expensive"})))
    assert "lost" in card_text(card).lower()


async def test_a_new_opportunity_from_the_form(teams: TeamsHarness) -> None:
    sent = await teams.say("new")
    assert sent.card is not None
    typed = {"contact": "CT000001", "description": "From a card", "value": "abc", "cycle": "EXISTING"}
    card = answered_card(await teams.click(*submit(dict(sent.card), typed)))
    assert "⚠" in under(card, "value")
    assert inputs(card)["description"]["value"] == "From a card"
    with pytest.raises(DomainError):  # nothing created
        await teams.opportunity("OP000004")
    card = answered_card(await teams.click(*submit(card, {"value": "9k", "close": "2026-12-31"})))
    assert "Created OP000004" in card_text(card)
    assert (await teams.opportunity("OP000004")).estimated_value == 9000


async def test_a_form_opens_only_for_who_may_change_the_opportunity(teams: TeamsHarness) -> None:
    data = action_data(await teams.shown_card("OP000002", user=PS), "update")
    card = answered_card(await teams.click("update", data, user=AH))
    assert "belongs to Peter Saddow" in card_text(card) and not inputs(card)
    form = answered_card(await teams.click("update", data, user=PS))
    assert "value" in inputs(form)


async def test_a_form_on_a_changed_opportunity_says_changed_meanwhile(teams: TeamsHarness) -> None:
    form = await open_form(teams, "OP000001", "update")
    await teams.say("update OP000001 value=70k")
    card = answered_card(await teams.click(*submit(form, {"value": "65k"})))
    assert "changed meanwhile" in card_text(card) and "€70,000.00" in card_text(card)
    assert (await teams.opportunity("OP000001")).estimated_value == 70000


async def test_forms_on_both_databases(teams_on_db: TeamsHarness) -> None:
    teams = teams_on_db
    before = await teams.opportunity("OP000001")
    form = await open_form(teams, "OP000001", "update")
    card = answered_card(await teams.click(*submit(form, {"value": "65k", "chances": "400"})))
    assert "⚠" in under(card, "chances") and inputs(card)["value"]["value"] == "65k"
    assert (await teams.opportunity("OP000001")).version == before.version
    card = answered_card(await teams.click(*submit(card, {"chances": "45"})))
    assert "OP000001 updated" in card_text(card)
    after = await teams.opportunity("OP000001")
    assert (after.version, after.estimated_value) == (before.version + 1, 65000)


async def test_the_new_opportunity_replacing_its_form_is_kept_live(teams: TeamsHarness) -> None:
    sent = await teams.say("new")
    assert sent.card is not None
    typed = {"contact": "CT000001", "description": "Live", "cycle": "EXISTING", "value": "10k",
             "close": "2026-12-31"}  # fmt: skip
    verb, data = submit(dict(sent.card), typed)
    card = answered_card(await teams.click(verb, data, replyToId=sent.activity_id))
    assert "Created OP000004" in card_text(card)
    await teams.kept_live("OP000004", sent.activity_id)
    await teams.say("update OP000004 value=12k")
    update = (await teams.connector.wait_for("update", 1, timeout=8.0))[0]
    assert update.activity_id == sent.activity_id
    assert update.card is not None and "€12,000.00" in card_text(update.card)
