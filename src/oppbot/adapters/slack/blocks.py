"""Block Kit for the opportunity card, built with slack_sdk's block models, within Block Kit's limits."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)

from oppbot.adapters.slack.labels import label
from oppbot.replies.format import Formatter
from oppbot.replies.text import card_fields, card_title, summary_line
from oppbot.service.views import OpportunityView

# Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks)
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3000
SECTION_FIELDS = 10
FIELD_TEXT = 2000
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
CONTEXT_ELEMENTS = 10
OPTION_TEXT = 75
MODAL_TITLE = 24
FALLBACK_TEXT = 3000

# Verbs that run at once (a button), verbs that open a modal first.
DIRECT_VERBS = ("start", "next", "previous", "skip")
MODAL_VERBS = ("update", "quote", "win", "lose")
BUTTON_STYLES = {"next": "primary", "start": "primary", "win": "primary", "lose": "danger"}


def esc(text: str) -> str:
    """Escape user data for Slack text (its three control characters): `<!channel>`, `<@U…>` and
    `<https://…|…>` typed by a person must show as typed, never notify or link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def esc_cut(text: str, limit: int) -> str:
    """Escaped and within `limit` characters, never splitting an entity."""
    escaped = esc(text)
    if len(escaped) <= limit:
        return escaped
    out: list[str] = []
    size = 0
    for char in text:
        piece = esc(char)
        if size + len(piece) > limit - 1:
            break
        out.append(piece)
        size += len(piece)
    return "".join(out) + "…"


def mrkdwn(text: str) -> MarkdownTextObject:
    """Already escaped mrkdwn: the caller escapes the user data in it (the rest is our markup)."""
    return MarkdownTextObject(text=cut(text, SECTION_TEXT))


def plain(text: str, limit: int = SECTION_TEXT) -> PlainTextObject:
    """Plain text, escaped here: Slack decodes the three entities in every text object."""
    return PlainTextObject(text=esc_cut(text, limit), emoji=True)


def button(text: str, action_id: str, value: str, style: str | None = None) -> ButtonElement:
    return ButtonElement(
        text=plain(text, BUTTON_TEXT), action_id=action_id, value=cut(value, BUTTON_VALUE), style=style
    )


def card_value(view: OpportunityView) -> str:
    """What a card button carries: the opportunity and the version the user saw."""
    return f"{view.no}:{view.opp.version}"


def parse_card_value(value: str) -> tuple[str, int | None, int | None]:
    """`OP000001:3[:2]` → (no, version, stage); a bare number has no version (read-only uses)."""
    parts = value.split(":")
    no = parts[0]
    version = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
    stage = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else None
    return no, version, stage


def text_sections(lines: Iterable[str], *, block_prefix: str | None = None) -> list[Block]:
    """Lines packed into as few sections as the 3,000-character limit allows."""
    blocks: list[Block] = []
    chunk: list[str] = []
    size = 0
    for raw in lines:
        line = cut(raw, SECTION_TEXT)
        if chunk and size + len(line) + 1 > SECTION_TEXT:
            blocks.append(SectionBlock(text=mrkdwn("\n".join(chunk))))
            chunk, size = [], 0
        chunk.append(line)
        size += len(line) + 1
    if chunk:
        blocks.append(SectionBlock(text=mrkdwn("\n".join(chunk))))
    if block_prefix:
        for i, block in enumerate(blocks):
            block.block_id = f"{block_prefix}{i}"
    return blocks


def notice_blocks(notices: Sequence[str], *, warning: bool = False) -> list[Block]:
    if not notices:
        return []
    icon = ":warning: " if warning else ""
    return text_sections(f"{icon}{esc(n)}" for n in notices)


def action_elements(
    view: OpportunityView, f: Formatter, *, share: bool = False
) -> list[ButtonElement | StaticSelectElement]:
    """Exactly the actions allowed now; Set quote… only when the next stage needs one."""
    value = card_value(view)
    elements: list[ButtonElement | StaticSelectElement] = []
    for verb in view.actions:
        if verb == "quote" and not view.quote_needed:
            continue
        if verb == "jump":
            targets = [s for s in view.cycle.stages if s.stage in view.jump_targets]
            if not targets:
                continue
            elements.append(
                StaticSelectElement(
                    action_id="opp_jump",
                    placeholder=plain(f.t("action_jump"), OPTION_TEXT),
                    options=[
                        Option(value=f"{value}:{s.stage}", text=plain(s.label, OPTION_TEXT)) for s in targets
                    ][:100],
                )
            )
            continue
        elements.append(button(f.t(f"action_{verb}"), f"opp_{verb}", value, BUTTON_STYLES.get(verb)))
    if share:
        elements.append(button(f.t("share"), "opp_share", value))
    return elements[:25]


def card_blocks(
    view: OpportunityView,
    f: Formatter,
    *,
    notices: Sequence[str] = (),
    share: bool = False,
    warning: bool = False,
) -> list[Block]:
    """The opportunity card: header, fields (≤10 per section), then its buttons."""
    blocks = notice_blocks(notices, warning=warning)
    blocks.append(HeaderBlock(text=plain(card_title(view), HEADER_TEXT), block_id=f"card:{view.no}"))
    fields = [cut(f"*{esc(k)}*\n{esc(v)}", FIELD_TEXT) for k, v in card_fields(view, f)]
    for i in range(0, len(fields), SECTION_FIELDS):
        chunk = [mrkdwn(x) for x in fields[i : i + SECTION_FIELDS]]
        blocks.append(SectionBlock(fields=chunk, block_id=f"fields:{view.no}:{i // SECTION_FIELDS}"))
    elements = action_elements(view, f, share=share)
    if elements:
        blocks.append(ActionsBlock(elements=elements, block_id=f"actions:{view.no}"))
    return blocks


def summary_blocks(view: OpportunityView, f: Formatter, *, with_actions: bool = False) -> list[Block]:
    """One compact line per opportunity (lists, App Home), with an Open button or its actions."""
    text = esc(summary_line(view, f))
    open_button = button(label(f.locale, "open"), "opp_show", view.no)
    if not with_actions:
        return [SectionBlock(text=mrkdwn(text), accessory=open_button, block_id=f"item:{view.no}")]
    blocks: list[Block] = [SectionBlock(text=mrkdwn(text), block_id=f"item:{view.no}")]
    elements: list[Any] = action_elements(view, f)
    if elements:
        blocks.append(ActionsBlock(elements=elements, block_id=f"actions:{view.no}"))
    return blocks


def as_dicts(blocks: Sequence[Block]) -> list[dict[str, Any]]:
    return [b.to_dict() for b in blocks]


def page_value(text: str, page: int) -> str | None:
    """A "More" button re-runs the command for the next page; None if it can't fit in a button."""
    value = json.dumps({"t": text, "p": page}, ensure_ascii=False)
    return value if len(value) <= BUTTON_VALUE else None


def pager_blocks(f: Formatter, start: int, end: int, total: int, more: str | None) -> list[Block]:
    """`Showing 1–20 of 57` and a More button when there is a next page."""
    if total <= end and start == 0:
        return []
    blocks: list[Block] = [
        ContextBlock(elements=[mrkdwn(label(f.locale, "showing", start=start + 1, end=end, total=total))])
    ]
    if more is not None and end < total:
        blocks.append(ActionsBlock(elements=[button(label(f.locale, "more"), "opp_page", more)]))
    return blocks
