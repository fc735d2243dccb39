"""The forms as Teams cards: the same fields as Slack's modals (decided once, in replies.forms), valid
Adaptive Cards 1.5, and a refusal shown under its field with what was typed kept."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oppbot import grammar
from oppbot.adapters.slack.modal_views import Meta, close_modal, new_modal, quote_modal, update_modal
from oppbot.adapters.teams.forms import FIELD_PREFIX, form_card, input_id, read_inputs
from oppbot.bot import Bot, Context
from oppbot.replies import forms
from oppbot.replies.build import document
from oppbot.replies.document import Error
from oppbot.replies.format import Formatter
from oppbot.replies.forms import Form, form_for
from oppbot.replies.model import ErrorReply
from oppbot.service.opportunities import OpportunityService
from oppbot.service.setup import load_demo
from oppbot.service.views import OpportunityView
from tests.dbfixtures import People
from tests.slack.validate import valid_view
from tests.teams.validate import card_text, of_type, valid_card

CHAIRS = 'new CT000001 "Chairs" value=50k cycle=EXISTING close=2026-12-31'
INPUTS = ("Input.Text", "Input.Number", "Input.Date", "Input.ChoiceSet")


def inputs(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in card["body"] if b["type"] in INPUTS]


def after(card: dict[str, Any], name: str) -> dict[str, Any]:
    """The element right under the input of field `name` (its hint, or its error)."""
    body = card["body"]
    at = next(i for i, b in enumerate(body) if b.get("id") == input_id(name))
    return body[at + 1]


def runs_text(block: dict[str, Any]) -> str:
    return "".join(r["text"] for r in block.get("inlines", []))


async def demo_forms(service: OpportunityService) -> list[Form]:
    """Every form the demo offers: New, and each opportunity's Update/Set quote/Won/Lost it allows."""
    await load_demo(service)
    people = await service.salespeople()
    ah = next(p for p in people if p.code == "AH")
    cycles, codes = await service.cycles_for_new(), await service.close_codes()
    contacts = await service.contacts("", limit=100)
    out = [form_for("new", cycles=cycles, contacts=contacts, people=people, description="From chat")]
    listed = await service.list_opportunities(ah, scope="all", status="all")
    for item in listed.items:
        view = await service.show(ah, item.no)
        for spec in view.offers:
            if spec.form:
                out.append(form_for(spec.verb, view, codes=codes))
        out += [form_for(kind, view, codes=codes) for kind in ("update", "quote", "win", "lose")]
    assert {f.kind for f in out} == set(forms.KINDS)
    return out


async def test_every_form_is_a_valid_card_in_english_and_italian(service: OpportunityService) -> None:
    for form in await demo_forms(service):
        for locale in ("en", "it"):
            card = valid_card(form_card(form, locale))
            ids = [b["id"] for b in inputs(card)]
            assert ids == [input_id(f.name) for f in form.fields], (form.kind, ids)
            (submit, *cancel) = card["actions"]
            assert submit["type"] == "Action.Execute" and submit["verb"] == form.kind
            expected = {"form": form.kind, **({"no": form.no, "version": form.version} if form.no else {})}
            assert submit["data"] == expected
            if form.no:  # Cancel shows the card again, whatever the inputs hold
                assert cancel == [
                    {
                        "type": "Action.Execute",
                        "title": "Cancel" if locale == "en" else "Annulla",
                        "verb": "show",
                        "data": {"no": form.no, "value": form.no},
                        "associatedInputs": "none",
                    }
                ]
            for field in form.fields:  # required inputs are checked by Teams before sending
                element = next(b for b in inputs(card) if b["id"] == input_id(field.name))
                assert element.get("isRequired", False) == field.required


def slack_inputs(view: dict[str, Any]) -> list[tuple[str, str, bool]]:
    return [
        (b["block_id"], b["label"]["text"], not b.get("optional", False))
        for b in view["blocks"]
        if b["type"] == "input"
    ]


def teams_inputs(card: dict[str, Any]) -> list[tuple[str, str, bool]]:
    return [(b["id"][len(FIELD_PREFIX) :], b["label"], b.get("isRequired", False)) for b in inputs(card)]


@pytest.mark.parametrize("locale", ["en", "it"])
async def test_slack_and_teams_ask_the_same_fields_with_the_same_labels(
    service: OpportunityService, seeded: People, locale: str
) -> None:
    await Bot(service).handle(
        'new CT000001 "Chairs" value=50k cycle=EXISTING close=2026-12-31', Context(seeded.ah)
    )
    view = await service.show(seeded.ah, "OP000001")
    f = Formatter(locale, "EUR")
    codes, cycles = await service.close_codes(), await service.cycles_for_new()
    pairs: list[tuple[Any, Form]] = [
        (update_modal(view, f, Meta()), forms.update_form(view)),
        (quote_modal(view, f, Meta()), forms.quote_form(view)),
        (close_modal(view, f, Meta(), won=True, codes=codes), forms.close_form(view, codes, won=True)),
        (close_modal(view, f, Meta(), won=False, codes=codes), forms.close_form(view, codes, won=False)),
        (new_modal(f, Meta(), cycles), forms.new_form(cycles)),
    ]
    for modal, form in pairs:
        slack = valid_view(modal.to_dict())
        card = valid_card(form_card(form, locale))
        assert slack_inputs(slack) == teams_inputs(card), form.kind
        assert slack["title"]["text"] == card_text({"body": card["body"][:1]})  # the form's title
    labels = [label for _, label, _ in teams_inputs(valid_card(form_card(forms.update_form(view), locale)))]
    assert labels == (
        ["Estimated value", "Chances (%)", "Close date", "Date of change"]
        if locale == "en"
        else ["Valore stimato", "Probabilità di successo (%)", "Chiusura stimata", "Data della modifica"]
    )


async def test_initial_values_and_choices(service: OpportunityService, seeded: People) -> None:
    await Bot(service).handle(
        'new CT000001 "Chairs" value=50k cycle=EXISTING close=2026-12-31', Context(seeded.ah)
    )
    view = await service.show(seeded.ah, "OP000001")
    update = valid_card(form_card(forms.update_form(view), "en"))
    values = {b["id"]: b.get("value") for b in inputs(update)}
    assert values == {
        "field_value": "50000",
        "field_chances": view.opp.chances_pct,
        "field_close": "2026-12-31",
        "field_date": None,
    }
    assert {b["type"] for b in inputs(update)} == {"Input.Text", "Input.Number", "Input.Date"}
    assert card_text(update).startswith("Update OP000001\nOP000001 · Chairs · 1 Initial (1 of 4)")
    codes = await service.close_codes()
    won = valid_card(form_card(forms.close_form(view, codes, won=True), "it"))
    (code,) = of_type(won, "Input.ChoiceSet")
    assert [c["value"] for c in code["choices"]] == [c for c, kind, _ in codes if kind == "won"]
    assert code["isRequired"] and code["placeholder"] == "Scegli…" and code["label"] == "Codice chiusura"
    reason = next(b for b in inputs(won) if b["id"] == "field_reason")
    assert reason["isMultiline"] and reason["maxLength"] == 250
    people, contacts = await service.salespeople(), await service.contacts("", limit=50)
    new = valid_card(
        form_card(forms.new_form(await service.cycles_for_new(), contacts=contacts, people=people), "en")
    )
    choices = {b["id"]: b for b in of_type(new, "Input.ChoiceSet")}
    assert [c["value"] for c in choices["field_contact"]["choices"]] == [c.no for c in contacts]
    assert [c["value"] for c in choices["field_owner"]["choices"]] == [p.code for p in people]
    assert choices["field_priority"]["value"] == "normal" and choices["field_cycle"].get("value") is None
    assert [c["title"] for c in choices["field_priority"]["choices"]] == ["low", "normal", "high"]
    # Nothing to offer: a contact is typed (its number or name, as in chat).
    bare = valid_card(form_card(forms.new_form([]), "en"))
    assert next(b for b in inputs(bare) if b["id"] == "field_contact")["type"] == "Input.Text"


async def refused(service: OpportunityService, people: People, text: str) -> tuple[OpportunityView, Error]:
    bot = Bot(service)
    await bot.handle(CHAIRS, Context(people.ah))
    doc = document(await bot.handle(text, Context(people.ah)))
    assert isinstance(doc, Error), doc
    return await service.show(people.ah, "OP000001"), doc


async def test_a_refusal_is_shown_under_its_field_with_the_inputs_kept(
    service: OpportunityService, seeded: People
) -> None:
    view, error = await refused(service, seeded, "update OP000001 value=0")
    assert error.field == "value"
    typed = {"value": "0", "chances": "35", "close": "2027-01-15", "date": "2026-10-01"}
    card = valid_card(form_card(forms.update_form(view), "en", values=typed, error=error))
    assert {b["id"]: b.get("value") for b in inputs(card)} == {
        "field_value": "0",
        "field_chances": 35,
        "field_close": "2027-01-15",
        "field_date": "2026-10-01",
    }
    under = after(card, "value")
    assert runs_text(under) == "⚠ " + error.message and under["inlines"][0]["color"] == "Attention"
    assert card_text(card).count("⚠") == 1
    # Italian, and an error about a field the form doesn't have: under the form's main field.
    general = Error("changed_meanwhile", "OP000001 è cambiata nel frattempo.", None)
    card = valid_card(form_card(forms.quote_form(view), "it", values={"quote": "Q-9"}, error=general))
    assert "⚠ OP000001 è cambiata nel frattempo." in card_text(card)
    quote = next(b for b in inputs(card) if b["id"] == "field_quote")
    assert quote["value"] == "Q-9"
    # The hint stays right under its input, the error after it.
    body = card["body"]
    at = body.index(quote)
    assert runs_text(body[at + 1]) == "Lascia vuoto per rimuovere l'offerta."
    assert runs_text(body[at + 2]).startswith("⚠ ")
    # Several field errors at once (as Slack's response_action errors), each under its own input.
    errors = {"chances": "A whole number from 1 to 100.", "close": "Not a date."}
    card = valid_card(form_card(forms.update_form(view), "en", values={"chances": "x"}, errors=errors))
    assert runs_text(after(card, "chances")) == "⚠ A whole number from 1 to 100."
    assert runs_text(after(card, "close")) == "⚠ Not a date."
    assert "value" not in next(b for b in inputs(card) if b["id"] == "field_chances")  # not a number
    assert "value" not in next(b for b in inputs(card) if b["id"] == "field_value")  # cleared: stays so


async def test_a_close_refusal_lands_under_its_field(service: OpportunityService, seeded: People) -> None:
    view, error = await refused(service, seeded, "win OP000001 code=PRICE_L")
    codes = await service.close_codes()
    form = forms.close_form(view, codes, won=True)
    card = valid_card(form_card(form, "en", values={"code": "PRICE_W", "reason": "Best price"}, error=error))
    assert error.field == "code" and runs_text(after(card, "code")) == "⚠ " + error.message
    assert next(b for b in inputs(card) if b["id"] == "field_reason")["value"] == "Best price"


def test_read_inputs_gives_the_values_back_by_field_name() -> None:
    data = {
        "form": "update",
        "no": "OP000001",
        "version": 3,
        "field_value": " 50k ",
        "field_close": "",
        "x": 1,
    }
    assert read_inputs(data) == {"value": "50k"}


# --- a submission, read as Slack's modals are (replies.forms.read_form) ------------------------------------
def submitted(card: dict[str, Any], typed: dict[str, str]) -> dict[str, Any]:
    """What Teams sends for the card's submit action: its data merged with every input's value."""
    (submit, *_) = card["actions"]
    data = dict(submit["data"])
    for element in inputs(card):
        value = typed.get(element["id"][len(FIELD_PREFIX) :], element.get("value"))
        data[element["id"]] = "" if value is None else str(value)
    return data


async def test_a_submitted_form_runs_the_command_chat_would(
    service: OpportunityService, seeded: People
) -> None:
    bot = Bot(service)
    ah = Context(seeded.ah)
    await bot.handle(CHAIRS, ah)
    view = await service.show(seeded.ah, "OP000001")
    today = service.today(None)
    card = form_card(forms.update_form(view), "it")
    data = submitted(card, {"value": "€ 60.000,00", "chances": "70", "close": "2027-02-01"})
    command = forms.read_form("update", read_inputs(data), no=data["no"], locale="it", today=today)
    reply = await bot.run(command, ah, expected_version=data["version"])
    fresh = await service.show(seeded.ah, "OP000001")
    assert not isinstance(reply, ErrorReply) and str(fresh.opp.estimated_value) == "60000.00"
    assert (fresh.opp.chances_pct, str(fresh.opp.estimated_close_date)) == (70, "2027-02-01")
    # Bad values: every one told under its field, in the reader's words, nothing run.
    bad = submitted(card, {"value": "lots", "chances": "150", "date": "someday"})
    with pytest.raises(forms.FormErrors) as caught:
        forms.read_form("update", read_inputs(bad), no="OP000001", locale="it", today=today)
    assert set(caught.value.errors) == {"value", "chances", "date"}
    assert caught.value.errors["chances"] == "Un numero intero da 1 a 100."
    again = valid_card(
        form_card(forms.update_form(fresh), "it", values=read_inputs(bad), errors=caught.value.errors)
    )
    for name in ("value", "chances", "date"):
        assert runs_text(after(again, name)) == "⚠ " + caught.value.errors[name]
    assert next(b for b in inputs(again) if b["id"] == "field_value")["value"] == "lots"
    # New: the owner is a salesperson's code (Teams offers the people by code).
    people = await service.salespeople()
    new_card = form_card(forms.new_form(await service.cycles_for_new(), people=people), "en")
    typed = {
        "contact": "CT000002",
        "description": "Desks",
        "cycle": "NEW",
        "owner": "PS",
        "close": "2027-01-31",
    }
    command = forms.read_form(
        "new", read_inputs(submitted(new_card, {**typed, "value": "20k"})), locale="en", today=today
    )
    assert isinstance(command, grammar.NewOpportunity)
    assert (command.owner, command.priority, str(command.value)) == ("PS", "normal", "20000")
    reply = await bot.run(command, Context(seeded.jo))
    assert not isinstance(reply, ErrorReply), reply


@settings(max_examples=150, deadline=None)
@given(
    kind=st.sampled_from(forms.KINDS),
    values=st.dictionaries(st.sampled_from(sorted(forms.LABELS)), st.text(max_size=40), max_size=8),
    locale=st.sampled_from(["en", "it"]),
)
def test_any_submitted_values_make_a_command_or_field_errors(
    kind: str, values: dict[str, str], locale: str
) -> None:
    """Whatever a person types into a form (or a forged submission carries): a command, or each bad
    value named under a field the form shows."""
    try:
        forms.read_form(kind, values, no="OP000001", locale=locale, today=date(2026, 10, 1), currency="EUR")
    except forms.FormErrors as exc:
        assert exc.errors and set(exc.errors) <= set(forms.LABELS)
        assert all(isinstance(m, str) and m for m in exc.errors.values())
