"""The plain-text renderer: a reply's document as lines of text (the console, notification fallbacks).

It only lays the document out (replies.build decides what it says); Slack's renderer does the same
with Block Kit, so both show the same things in the same order and words.
"""

from __future__ import annotations

from oppbot.replies.build import WHOLE, Paging, document
from oppbot.replies.document import (
    Action,
    Card,
    Document,
    Error,
    Field,
    Listing,
    Note,
    Pager,
    Progress,
    Report,
    Row,
    Table,
)
from oppbot.replies.format import Formatter
from oppbot.replies.model import CardReply, ErrorReply, Reply

BAR_WIDTH = 10
INDENT = "  "


def progress_bar(progress: Progress | None) -> str:
    """`████░░░░░░`: how far along its cycle (stage 2 of 5)."""
    if progress is None or not progress.position or not progress.count:
        return "░" * BAR_WIDTH
    filled = round(BAR_WIDTH * progress.position / progress.count)
    return "█" * filled + "░" * (BAR_WIDTH - filled)


def field_value(field: Field, f: Formatter) -> str:
    """A field's value, its progress bar after it."""
    value = f.say(field.value)
    return f"{value} {progress_bar(field.progress)}" if field.progress else value


def action_line(actions: tuple[Action, ...], f: Formatter) -> str:
    return "→ " + " | ".join(f.say(a.label) for a in actions)


def render_card(card: Card, f: Formatter) -> str:
    lines = [f.say(n.text) for n in card.notices]
    lines.append(f.say(card.title))
    lines += [f"{INDENT}{f.say(field.label)}: {field_value(field, f)}" for field in card.fields]
    if card.actions:
        lines.append(INDENT + action_line(card.actions, f))
    return "\n".join(lines)


def pager_line(pager: Pager, f: Formatter) -> str:
    return f.t("showing", start=pager.start + 1, end=pager.end, total=pager.total)


def row_line(row: Row, f: Formatter) -> str:
    head = f"{f.say(row.head)}: " if row.head else ""
    return INDENT * (row.level + 1) + head + " · ".join(f.say(cell) for cell in row.cells)


def render_table(table: Table, f: Formatter) -> str:
    lines = [*(f.say(notice) for notice in table.notices), f.say(table.title)]
    if not table.sections and table.empty:
        lines.append(INDENT + f.say(table.empty))
    for section in table.sections:
        if section.title:
            lines.append(f.say(section.title))
        lines += [row_line(row, f) for row in section.rows]
    if table.pager:
        lines.append(pager_line(table.pager, f))
    if table.footnote:
        lines.append(f.say(table.footnote))
    return "\n".join(lines)


def render_listing(listing: Listing, f: Formatter) -> str:
    lines = [f.say(listing.title)] if listing.title else []
    if not listing.items:
        lines.append(INDENT + f.say(listing.empty))
    for group in listing.groups:
        if group.title:
            lines.append(f.say(group.title))
        lines += [INDENT + f.say(item.text) for item in group.items]
    if listing.pager:
        lines.append(pager_line(listing.pager, f))
    if listing.footnote:
        lines.append(f.say(listing.footnote))
    return "\n".join(lines)


def render_document(doc: Document, f: Formatter) -> str:
    match doc:
        case Card():
            return render_card(doc, f)
        case Error(message=message, card=card):
            return message + ("\n" + render_card(card, f) if card else "")
        case Note(text=text):
            return f.say(text)
        case Listing():
            return render_listing(doc, f)
        case Table():
            return render_table(doc, f)
        case Report(title=title, parts=parts):
            # A blank line between the parts, as between paragraphs.
            return "\n\n".join([f.say(title), *(render_document(part, f) for part in parts)])
    raise AssertionError(f"unhandled document {doc!r}")


def render(reply: Reply, f: Formatter, paging: Paging = WHOLE) -> str:
    return render_document(document(reply, paging), f)


def outcome(reply: Reply, f: Formatter) -> str | None:
    """A reply in one line, where only a line fits (App Home's notice): what a change did, or why not."""
    if isinstance(reply, CardReply):
        return " ".join(f.say(n.text) for n in reply.notices) or None
    if isinstance(reply, ErrorReply):
        return reply.message
    return None
