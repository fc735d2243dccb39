"""Checks every Teams card against the official Adaptive Cards 1.5 schema and Teams' size limit.

The schema is microsoft/AdaptiveCards' `schemas/1.5.0/adaptive-card.json`, vendored beside this file
with its licence, so the tests need no network.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft6Validator

from oppbot.adapters.teams.cards import MAX_BYTES, card_bytes

SCHEMAS = Path(__file__).parent / "schema"


@cache
def card_validator() -> Draft6Validator:
    schema = json.loads((SCHEMAS / "adaptive-card-1.5.json").read_text(encoding="utf-8"))
    Draft6Validator.check_schema(schema)
    return Draft6Validator(schema)


def valid_card(card: dict[str, Any]) -> dict[str, Any]:
    """The card, once it is known to be an Adaptive Card 1.5 within 100 KB (UTF-16)."""
    errors = sorted(card_validator().iter_errors(card), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message[:300]}" for e in errors[:5])
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    assert card_bytes(card) <= MAX_BYTES, card_bytes(card)
    return card


def walk(node: Any) -> list[dict[str, Any]]:
    """Every object in a card, depth first."""
    out: list[dict[str, Any]] = []
    if isinstance(node, list):
        for x in node:
            out += walk(x)
    elif isinstance(node, dict):
        out.append(node)
        for value in node.values():
            out += walk(value)
    return out


def of_type(card: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [n for n in walk(card) if n.get("type") == kind]


def card_text(card: dict[str, Any]) -> str:
    """Every text a reader sees on the card (text runs, facts, titles, choices), one per line."""
    out: list[str] = []
    for n in walk(card):
        kind = n.get("type")
        if kind == "RichTextBlock":
            out.append("".join(r["text"] for r in n["inlines"]))
        elif kind == "TextBlock":
            out.append(n["text"])
        elif "facts" in n:
            out += [f"{x['title']}: {x['value']}" for x in n["facts"]]
        elif kind and kind.startswith(("Action.", "Input.")):
            out += [n[k] for k in ("title", "label", "placeholder") if isinstance(n.get(k), str)]
        if kind == "Input.ChoiceSet":
            out += [c["title"] for c in n["choices"]]
    return "\n".join(out)
