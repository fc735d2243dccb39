"""Parse what the bot sent back through slack_sdk's models and check Block Kit's limits."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100


def valid_blocks(blocks: Any, limit: int = MESSAGE_BLOCKS) -> list[dict[str, Any]]:
    assert isinstance(blocks, list) and 0 < len(blocks) <= limit, len(blocks)
    ids = [b.get("block_id") for b in blocks if b.get("block_id")]
    assert len(ids) == len(set(ids)), f"duplicate block ids {ids}"
    for raw in blocks:
        parsed = Block.parse(raw)
        assert parsed is not None, raw
        parsed.validate_json()
        assert parsed.to_dict() == raw
    return blocks


def valid_view(view: Any) -> dict[str, Any]:
    assert isinstance(view, dict)
    valid_blocks(view["blocks"], VIEW_BLOCKS)
    View(**view).validate_json()
    if view["type"] == "modal":
        assert len(view["title"]["text"]) <= 24
        assert len(view.get("private_metadata") or "") <= 3000
    return view


def texts(blocks: list[dict[str, Any]]) -> str:
    """Every visible string in the blocks, for assertions."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    out.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return "\n".join(out)


def action_ids(blocks: list[dict[str, Any]]) -> list[str]:
    return [el["action_id"] for b in blocks if b["type"] == "actions" for el in b["elements"]] + [
        b["accessory"]["action_id"] for b in blocks if b.get("accessory")
    ]
