"""Every reply as a Slack message: its document (replies.build) in Block Kit, with a plain-text fallback.

Slack's limits decide how much of a long list or history one message holds (50 blocks); the rest is
a "More" button away.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from oppbot.adapters.slack.blocks import (
    FALLBACK_TEXT,
    SECTION_TEXT,
    as_dicts,
    card_blocks,
    document_blocks,
    esc_cut,
)
from oppbot.replies.build import Paging, document
from oppbot.replies.document import Card, Document
from oppbot.replies.format import Formatter
from oppbot.replies.model import Reply
from oppbot.replies.text import render_card, render_document

LIST_PAGE = 20  # a list item is one block: 20 of them, the header, the pager and a footnote
HISTORY_PAGE = 25


@dataclass(frozen=True)
class Message:
    text: str
    blocks: list[dict[str, Any]]

    def kwargs(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}

    @classmethod
    def plain_text(cls, text: str) -> Message:
        """One sentence as one section (explanations, refusals), escaped: it may echo what was typed."""
        safe = esc_cut(text, SECTION_TEXT)
        return cls(safe, [{"type": "section", "text": {"type": "mrkdwn", "text": safe}}])


def document_message(doc: Document, f: Formatter, *, share: bool = False) -> Message:
    """A document as one message; the fallback text (notifications, screen readers) is the plain-text
    rendering of the same document, escaped (it is mrkdwn too)."""
    blocks = as_dicts(document_blocks(doc, f, share=share))
    return Message(esc_cut(render_document(doc, f), FALLBACK_TEXT), blocks)


def card_message(card: Card, f: Formatter, *, share: bool = False) -> Message:
    """An opportunity's card (replies.build.card_document) for a reader of `f`'s locale: what live
    cards post and update in a channel; `share` adds "Share in channel" (ephemeral copies only)."""
    text = esc_cut(render_card(card, f), FALLBACK_TEXT)
    return Message(text, as_dicts(card_blocks(card, f, share=share)))


def render_message(
    reply: Reply, f: Formatter, *, share: bool = False, source: str | None = None, page: int = 0
) -> Message:
    """`share` adds the "Share in channel" button to cards; `source` is the command text (for More)."""
    paging = Paging(page=page, list_size=LIST_PAGE, history_size=HISTORY_PAGE, source=source)
    return document_message(document(reply, paging), f, share=share)
