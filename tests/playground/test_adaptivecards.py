"""The page's Adaptive Cards renderer on every card the Teams adapter can send.

The corpus is collected as tests/teams/test_cards.py and test_cards_forms.py do: every demo reply (English
and Italian, with and without pagers, in pages), the longest replies, every form (with errors and typed
values), a channel card's refresh variants and a digest. A guard checks it holds every card element and
action type the Teams adapter writes, so a new one without a renderer fails here. Each card is then drawn
in headless Chromium by static/adaptivecards.js: no "unsupported" marker, and everything it says shown.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from oppbot.adapters.teams.cards import HISTORY_PAGE, LIST_PAGE, document_card, reply_card, with_refresh
from oppbot.adapters.teams.forms import form_card
from oppbot.replies.build import Paging, card_document, document, page_listing
from oppbot.service.digests import DigestService
from oppbot.service.opportunities import OpportunityService
from oppbot.service.views import ListView
from tests.playground.conftest import InProcess
from tests.replies.test_document import big_view, huge_replies
from tests.teams.test_cards import demo_replies
from tests.teams.test_cards_forms import demo_forms
from tests.teams.validate import walk

TEAMS_ADAPTER = Path(__file__).resolve().parents[2] / "src" / "oppbot" / "adapters" / "teams"
NOT_CARD_TYPES = {"message", "AdaptiveCard"}


def adapter_types() -> set[str]:
    """Every card element, inline and action type the Teams adapter's modules write."""
    found: set[str] = set()
    for path in TEAMS_ADAPTER.glob("*.py"):
        found.update(re.findall(r'"type": "([A-Za-z.]+)"', path.read_text(encoding="utf-8")))
    return found - NOT_CARD_TYPES


async def corpus(service: OpportunityService) -> list[dict[str, Any]]:
    cards: list[dict[str, Any]] = []
    replies = await demo_replies(service)
    for text, reply in replies:
        for locale in ("en", "it"):
            for paging in (
                Paging(list_size=LIST_PAGE, history_size=HISTORY_PAGE, source=text),
                Paging(list_size=2, history_size=2, source=text),
            ):
                cards.append(document_card(document(reply, paging), locale))
        cards.append(reply_card(reply, "it", source=text))
    for name, reply in huge_replies().items():
        cards.append(reply_card(reply, "en", source=name))  # a page, and More
        cards.append(document_card(document(reply), "en"))  # no command to re-run: cut, with "…"
    # App Home's listing (each item with its actions), as test_cards.py builds it.
    items = [big_view(n, stage=3) for n in range(26, 31)]
    cards.append(
        document_card(page_listing(ListView("list_mine", "mine", items, total=60, offset=25), 25), "en")
    )
    for form in await demo_forms(service):
        cards.append(form_card(form, "en"))
        if form.fields:
            first = form.fields[0].name
            values = {f.name: "typed" for f in form.fields if f.kind == "text"}
            cards.append(form_card(form, "it", values=values, errors={first: "Not like this."}))
    people = {p.code: p for p in await service.salespeople()}
    view = await service.show(people["AH"], "OP000001")
    card = document_card(card_document(view), "en")
    ids = [f"29:viewer-{n}" for n in range(61)]
    cards += [with_refresh(card, ids[:3]), with_refresh(card, ids)]  # refresh for a few; a Refresh action
    direct = await DigestService(service).build("JO", since=None, now=datetime.now(UTC))
    cards.append(document_card(direct.document, "en"))
    return cards


def expected_text(card: dict[str, Any]) -> list[str]:
    """What a reader must find on the drawn card: its text, facts and button titles."""
    out: list[str] = []
    for node in walk(card):
        kind = node.get("type")
        if kind == "RichTextBlock":
            out.append("".join(r["text"] for r in node["inlines"]))
        elif kind == "TextBlock":
            out.append(node["text"])
        elif kind == "FactSet":
            out += [x for fact in node["facts"] for x in (fact["title"], fact["value"])]
        elif kind in ("Action.Execute", "Action.ShowCard") and node.get("title"):
            out.append(node["title"])
        elif kind and kind.startswith("Input.") and node.get("label"):
            out.append(node["label"])
    return [" ".join(t.split()) for t in out if t.strip()]


@pytest.mark.parametrize("db_target", ["sqlite"], indirect=True)
async def test_renderer_draws_every_card_the_teams_adapter_sends(
    browser: Any, in_process: InProcess, service: OpportunityService
) -> None:
    cards = await corpus(service)
    found = {n["type"] for c in cards for n in walk(c) if isinstance(n.get("type"), str)} - NOT_CARD_TYPES
    missing = adapter_types() - found
    assert not missing, f"the Teams adapter writes {sorted(missing)} but no card here has them"
    page = await browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(f"{in_process.url}?as=U0DEMO1")
    result = await page.evaluate(
        """(cards) => cards.map((card, i) => {
            const root = AdaptiveCards.render(card, { onExecute: () => {} });
            document.body.appendChild(root);
            const unsupported = [...root.querySelectorAll(".ac-unsupported")].map((n) => n.textContent);
            const text = root.textContent.replace(/\\s+/g, " ");
            const drawn = [...root.querySelectorAll(".ac-element")].map((n) => n.dataset.type);
            root.remove();
            return { i, unsupported, text, drawn };
        })""",
        cards,
    )
    assert errors == []
    drawn: set[str] = set()
    for card, item in zip(cards, result, strict=True):
        assert item["unsupported"] == [], (item["i"], item["unsupported"])
        text = item["text"].replace(" ", "")
        for piece in expected_text(card):
            assert piece.replace(" ", "") in text, (item["i"], piece, item["text"][:500])
        drawn.update(item["drawn"])
    element_types = {t for t in found if not t.startswith("Action.") and t not in ("TextRun", "Column")}
    assert element_types <= drawn, element_types - drawn


async def test_an_execute_sends_its_data_with_the_cards_inputs(browser: Any, in_process: InProcess) -> None:
    """Action.Execute merges the inputs of its card (and of the cards around a ShowCard) into its data; a
    required one left empty stops it with its error message; associatedInputs "none" sends none."""
    card = {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [
            {"type": "Input.Text", "id": "field_reason", "label": "Reason"},
            {"type": "Input.Number", "id": "field_chances", "label": "Chances", "value": 40},
            {"type": "Input.Date", "id": "field_close", "label": "Close", "value": "2027-01-31"},
            {
                "type": "Input.ChoiceSet",
                "id": "field_code",
                "label": "Code",
                "isRequired": True,
                "errorMessage": "Choose one",
                "style": "compact",
                "choices": [{"title": "Price", "value": "PRICE_W"}, {"title": "Other", "value": "OTHER"}],
            },
            {
                "type": "ActionSet",
                "actions": [
                    {
                        "type": "Action.ShowCard",
                        "title": "Jump back…",
                        "card": {
                            "type": "AdaptiveCard",
                            "body": [
                                {
                                    "type": "Input.ChoiceSet",
                                    "id": "value",
                                    "value": "s1",
                                    "choices": [{"title": "1", "value": "s1"}, {"title": "2", "value": "s2"}],
                                }
                            ],
                            "actions": [
                                {
                                    "type": "Action.Execute",
                                    "title": "Go",
                                    "verb": "jump",
                                    "data": {"no": "OP1"},
                                }
                            ],
                        },
                    }
                ],
            },
        ],
        "actions": [
            {"type": "Action.Execute", "title": "Won", "verb": "win", "data": {"form": "win", "no": "OP1"}},
            {
                "type": "Action.Execute",
                "title": "Cancel",
                "verb": "show",
                "data": {"no": "OP1"},
                "associatedInputs": "none",
            },
        ],
    }
    page = await browser.new_page()
    await page.goto(f"{in_process.url}?as=U0DEMO1")
    await page.evaluate(
        """(card) => {
            window.sent = [];
            const onExecute = (a, data) => window.sent.push([a.verb, data]);
            const root = AdaptiveCards.render(card, { onExecute });
            root.id = "probe";
            document.body.prepend(root);
        }""",
        card,
    )
    probe = page.locator("#probe")
    await probe.locator("button", has_text="Won").click()
    assert await page.evaluate("window.sent") == []  # the code is required
    assert await probe.locator(".ac-input-error", has_text="Choose one").count() == 1
    await probe.locator("select").first.select_option("PRICE_W")
    await probe.locator("input[type=text]").fill("Best price")
    await probe.locator("button", has_text="Won").click()
    await probe.locator("button", has_text="Cancel").click()
    await probe.locator("button", has_text="Jump back…").click()
    await probe.locator(".ac-showcard select").select_option("s2")
    await probe.locator("button", has_text="Go").click()
    sent = await page.evaluate("window.sent")
    assert sent[0] == [
        "win",
        {
            "form": "win",
            "no": "OP1",
            "field_reason": "Best price",
            "field_chances": "40",
            "field_close": "2027-01-31",
            "field_code": "PRICE_W",
        },
    ]
    assert sent[1] == ["show", {"no": "OP1"}]
    assert sent[2][0] == "jump" and sent[2][1]["value"] == "s2" and sent[2][1]["no"] == "OP1"
    assert sent[2][1]["field_code"] == "PRICE_W"  # and the card around it
