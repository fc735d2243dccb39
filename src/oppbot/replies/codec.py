"""What a button carries, the same on every surface: which opportunity, the version shown, a stage.

A card's button holds `OP000001:3` (number and the version the reader saw, so a click on a stale
card is refused as "changed meanwhile"), a stage choice `OP000001:3:2`; a "More" button the command
to run again and the page it asks for.
"""

from __future__ import annotations

import json

# The most a button's value may hold on any surface we render to (Slack: 2,000 characters).
VALUE_LIMIT = 2000


def card_value(no: str, version: int, stage: int | None = None) -> str:
    """`OP000001:3`, or `OP000001:3:2` for a choice of stage."""
    return f"{no}:{version}" if stage is None else f"{no}:{version}:{stage}"


def choice_value(no: str, version: int, choice: str) -> str:
    """`OP000001:3:1w`: a card's menu choice that is not a stage (snooze: how long)."""
    return f"{no}:{version}:{choice}"


def parse_choice_value(value: str) -> tuple[str, int | None, str]:
    """`OP000001:3:1w` → (no, version, choice)."""
    parts = value.split(":")
    version = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
    return parts[0], version, parts[2] if len(parts) > 2 else ""


def parse_card_value(value: str) -> tuple[str, int | None, int | None]:
    """`OP000001:3[:2]` → (no, version, stage); a bare number has no version (read-only uses)."""
    parts = value.split(":")
    no = parts[0]
    version = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
    stage = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else None
    return no, version, stage


def page_value(text: str, page: int, limit: int = VALUE_LIMIT) -> str | None:
    """A "More" button re-runs the command for the next page; None if it can't fit in a button."""
    value = json.dumps({"t": text, "p": page}, ensure_ascii=False)
    return value if len(value) <= limit else None


def parse_page_value(value: str) -> tuple[str, int]:
    """(command text, page) of a "More" button; anything unreadable asks for `help`'s first page."""
    try:
        data = json.loads(value or "{}")
    except json.JSONDecodeError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    page = data.get("p")
    return str(data.get("t") or "help"), page if isinstance(page, int) and page >= 0 else 0
