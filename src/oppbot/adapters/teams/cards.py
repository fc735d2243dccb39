"""PLACEHOLDER of the Adaptive Card renderer (the `cards` branch brings the real one; the merger
replaces this file). The agreed interface: `document_card(doc, locale)` → one Adaptive Card 1.5
(with the `currency` keyword the real one has).

This stand-in shows the document's plain text and, for a card, its actions as `Action.Execute`
(verb: the grammar's verb; data: `no`, `version` and the codec `value`), so the plumbing can be
driven end to end.
"""

from __future__ import annotations

from typing import Any

from oppbot.replies.document import Card, Document, Error
from oppbot.replies.format import Formatter
from oppbot.replies.text import render_document

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERBS = {"previous": "back"}
DEFAULT_CURRENCY = "EUR"  # document verbs → Action.Execute verbs (conventions.md)


def _actions(card: Card, f: Formatter) -> list[dict[str, Any]]:
    actions = []
    for action in card.actions:
        value = action.choices[0].value if action.choices else action.value
        data = {"no": card.no, "version": card.version, "value": value}
        verb = VERBS.get(action.verb, action.verb)
        actions.append({"type": "Action.Execute", "title": f.say(action.label), "verb": verb, "data": data})
    return actions


def document_card(doc: Document, locale: str, *, currency: str = DEFAULT_CURRENCY) -> dict[str, Any]:
    f = Formatter(locale, currency)
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": "1.5",
        "body": [{"type": "TextBlock", "text": render_document(doc, f), "wrap": True}],
    }
    shown = doc if isinstance(doc, Card) else doc.card if isinstance(doc, Error) else None
    if shown is not None and shown.actions:
        card["actions"] = _actions(shown, f)
    return card
