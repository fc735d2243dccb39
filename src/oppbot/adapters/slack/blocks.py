"""The Slack renderer: a reply's document (replies.document) as Block Kit, within Block Kit's limits.

It only maps: what a reply says, in which order and words, and which actions it offers come from
replies.build. Here live Slack's own choices: block types, mrkdwn, escaping, action ids, limits.
"""

from __future__ import annotations

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

from oppbot.replies.codec import card_value
from oppbot.replies.document import (
    Action,
    Card,
    Document,
    Error,
    Field,
    Item,
    Listing,
    Note,
    Notice,
    Pager,
    Report,
    Row,
    Table,
)
from oppbot.replies.format import Formatter
from oppbot.replies.parts import Code, Inline, Phrase
from oppbot.replies.text import progress_bar

# Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks)
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3000
SECTION_FIELDS = 10
FIELD_TEXT = 2000
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
ACTION_ELEMENTS = 25
OPTIONS = 100
CONTEXT_ELEMENTS = 10
OPTION_TEXT = 75
MODAL_TITLE = 24
FALLBACK_TEXT = 3000

# A document action's verb → the action id its listener is registered for (card verbs: `opp_<verb>`).
ACTION_IDS = {
    "show": "opp_show",
    "more": "opp_page",
    "open": "opp_open",
    "page_previous": "home_page_prev",
    "page_next": "home_page_next",
}


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


def say(part: Inline | Phrase, f: Formatter) -> str:
    """A phrase as escaped mrkdwn in the reader's words; `Code` in backticks."""
    if isinstance(part, tuple):
        return "".join(say(p, f) for p in part)
    if isinstance(part, Code):
        return f"`{esc(part.text)}`"
    return esc(f.say(part))


def text_sections(lines: Iterable[str], *, block_prefix: str | None = None) -> list[Block]:
    """Lines (escaped mrkdwn) packed into as few sections as the 3,000-character limit allows."""
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


def header(text: str, block_id: str | None = None) -> HeaderBlock:
    return HeaderBlock(text=plain(text, HEADER_TEXT), block_id=block_id)


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[mrkdwn(text)])


def fit(blocks: list[Block], limit: int) -> list[Block]:
    """At most `limit` blocks: the first ones and the last (a total, a pager or a footnote)."""
    return blocks if len(blocks) <= limit else [*blocks[: limit - 1], blocks[-1]]


# --- actions --------------------------------------------------------------------------------------------
def action_id(action: Action) -> str:
    return ACTION_IDS.get(action.verb, f"opp_{action.verb}")


def element(action: Action, f: Formatter) -> ButtonElement | StaticSelectElement:
    """A button, or a menu when the action asks to choose (jump: which stage)."""
    if action.choices:
        options = [Option(value=c.value, text=plain(f.say(c.label), OPTION_TEXT)) for c in action.choices]
        return StaticSelectElement(
            action_id=action_id(action),
            placeholder=plain(f.say(action.label), OPTION_TEXT),
            options=options[:OPTIONS],
        )
    return button(f.say(action.label), action_id(action), action.value, action.tone)


def action_elements(
    actions: Sequence[Action], f: Formatter, *, share: str | None = None
) -> list[ButtonElement | StaticSelectElement]:
    """The document's actions in its order; `share` (a card's value) adds "Share in channel", Slack's
    way out of an ephemeral reply."""
    elements = [element(a, f) for a in actions]
    if share is not None:
        elements.append(button(f.t("share"), "opp_share", share))
    return elements[:ACTION_ELEMENTS]


# --- the parts ------------------------------------------------------------------------------------------
def notice_blocks(notices: Sequence[Notice], f: Formatter) -> list[Block]:
    return text_sections(f"{':warning: ' if n.warning else ''}{say(n.text, f)}" for n in notices)


def field_text(field: Field, f: Formatter) -> str:
    value = say(field.value, f)
    if field.progress:
        value += " " + progress_bar(field.progress)
    return cut(f"*{say(field.label, f)}*\n{value}", FIELD_TEXT)


def card_blocks(card: Card, f: Formatter, *, share: bool = False) -> list[Block]:
    """Notices, the title, the fields (≤10 per section), then the actions."""
    blocks = notice_blocks(card.notices, f)
    blocks.append(header(f.say(card.title), f"card:{card.no}"))
    fields = [field_text(x, f) for x in card.fields]
    for i in range(0, len(fields), SECTION_FIELDS):
        chunk = [mrkdwn(x) for x in fields[i : i + SECTION_FIELDS]]
        blocks.append(SectionBlock(fields=chunk, block_id=f"fields:{card.no}:{i // SECTION_FIELDS}"))
    shared = card_value(card.no, card.version) if share else None
    elements = action_elements(card.actions, f, share=shared)
    if elements:
        blocks.append(ActionsBlock(elements=elements, block_id=f"actions:{card.no}"))
    return blocks


def item_blocks(item: Item, f: Formatter) -> list[Block]:
    """One line per opportunity, with its Open button beside it, or its actions under it."""
    text = mrkdwn(say(item.text, f))
    if not item.actions:
        return [SectionBlock(text=text, accessory=element(item.open, f), block_id=f"item:{item.no}")]
    return [
        SectionBlock(text=text, block_id=f"item:{item.no}"),
        ActionsBlock(elements=action_elements(item.actions, f), block_id=f"actions:{item.no}"),
    ]


def pager_blocks(pager: Pager, f: Formatter) -> list[Block]:
    """`Showing 1–20 of 57`, and the buttons to the pages around it."""
    showing = f.t("showing", start=pager.start + 1, end=pager.end, total=pager.total)
    blocks: list[Block] = [context(esc(showing))]
    moves = [a for a in (pager.previous, pager.next) if a is not None]
    if moves:
        blocks.append(ActionsBlock(elements=action_elements(moves, f), block_id="pager"))
    return blocks


def listing_blocks(listing: Listing, f: Formatter) -> list[Block]:
    blocks: list[Block] = [header(f.say(listing.title))] if listing.title else []
    if not listing.items:
        return [*blocks, *text_sections([say(listing.empty, f)])]
    for i, group in enumerate(listing.groups):
        if group.title:
            blocks.append(SectionBlock(text=mrkdwn(f"*{say(group.title, f)}*"), block_id=f"group:{i}"))
        for item in group.items:
            blocks += item_blocks(item, f)
    if listing.pager:
        blocks += pager_blocks(listing.pager, f)
    if listing.footnote:
        blocks.append(context(say(listing.footnote, f)))
    return blocks


def row_text(row: Row, f: Formatter) -> str:
    """`*head*: cell · cell`; a detail row indented under its group, its head not bold."""
    head = ""
    if row.head:
        head = f"*{say(row.head, f)}*: " if row.level == 0 else f"{say(row.head, f)}: "
    return "   " * row.level + head + " · ".join(say(cell, f) for cell in row.cells)


def table_blocks(table: Table, f: Formatter, *, limit: int = MESSAGE_BLOCKS) -> list[Block]:
    """The title as a header, each section in as few sections as fit, then its pager and footnote."""
    blocks: list[Block] = [*text_sections([say(n, f) for n in table.notices]), header(f.say(table.title))]
    if not table.sections and table.empty:
        blocks += text_sections([say(table.empty, f)])
    for section in table.sections:
        lines = [f"*{say(section.title, f)}*"] if section.title else []
        blocks += text_sections([*lines, *(row_text(row, f) for row in section.rows)])
    if table.pager:
        blocks += pager_blocks(table.pager, f)
    if table.footnote:
        blocks.append(context(say(table.footnote, f)))
    return fit(blocks, limit)


def report_blocks(report: Report, f: Formatter) -> list[Block]:
    """The title as a header, then each part's blocks; a part's block ids get the part's number, since
    ids must be unique in a message (two tables both have a `pager`)."""
    blocks: list[Block] = [header(f.say(report.title))]
    for i, part in enumerate(report.parts):
        for block in document_blocks(part, f):
            if block.block_id:
                block.block_id = f"part{i}:{block.block_id}"
            blocks.append(block)
    return blocks


def document_blocks(doc: Document, f: Formatter, *, share: bool = False) -> list[Block]:
    """Any document as the blocks of one message (`share`: its card may be shared in the channel)."""
    match doc:
        case Card():
            blocks = card_blocks(doc, f, share=share)
        case Error(message=message, card=card):
            blocks = text_sections([f":warning: {esc(message)}"])
            blocks += card_blocks(card, f, share=share) if card else []
        case Note(text=text):
            blocks = text_sections([say(text, f)])
        case Listing():
            blocks = listing_blocks(doc, f)
        case Table():
            blocks = table_blocks(doc, f)
        case Report():
            blocks = report_blocks(doc, f)
        case _:
            raise AssertionError(f"unhandled document {doc!r}")
    return fit(blocks, MESSAGE_BLOCKS)


def as_dicts(blocks: Sequence[Block]) -> list[dict[str, Any]]:
    return [b.to_dict() for b in blocks]
