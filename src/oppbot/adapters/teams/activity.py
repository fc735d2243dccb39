"""Bot Framework activities as oppbot reads and writes them (plain JSON, no SDK types)."""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from typing import Any

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
PERSONAL = "personal"
TAG = re.compile(r"<[^>]+>")
SPACES = re.compile(r"[ \t\u00a0]+")


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def channel_of(conversation_id: str) -> str:
    """A channel's own id: a reply in a thread carries `;messageid=…` after it."""
    return conversation_id.split(";messageid=", 1)[0]


@dataclass(frozen=True)
class Incoming:
    """What oppbot needs of one activity."""

    id: str
    type: str
    name: str
    service_url: str
    conversation_id: str
    conversation_type: str  # personal | channel | groupChat
    tenant_id: str
    user_id: str
    aad_object_id: str | None
    bot_id: str
    locale: str | None
    timezone: str | None
    text: str = ""  # the command: the bot's @mention removed, the others as `<@M0>`, `<@M1>`…
    mentions: tuple[dict[str, Any], ...] = ()  # the others' `mentioned` accounts, in that order
    value: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def personal(self) -> bool:
        return self.conversation_type == PERSONAL

    @property
    def channel(self) -> str:
        return channel_of(self.conversation_id)

    @classmethod
    def parse(cls, body: dict[str, Any]) -> Incoming:
        conv, sender, bot = (
            _dict(body.get("conversation")),
            _dict(body.get("from")),
            _dict(body.get("recipient")),
        )
        channel_data = _dict(body.get("channelData"))
        tenant = str(_dict(channel_data.get("tenant")).get("id") or conv.get("tenantId") or "")
        bot_id = str(bot.get("id") or "")
        text, mentions = _command_text(str(body.get("text") or ""), body.get("entities"), bot_id)
        return cls(
            id=str(body.get("id") or ""),
            type=str(body.get("type") or ""),
            name=str(body.get("name") or ""),
            service_url=str(body.get("serviceUrl") or ""),
            conversation_id=str(conv.get("id") or ""),
            conversation_type=str(conv.get("conversationType") or PERSONAL),
            tenant_id=tenant,
            user_id=str(sender.get("id") or ""),
            aad_object_id=str(sender["aadObjectId"]) if sender.get("aadObjectId") else None,
            bot_id=bot_id,
            locale=str(body["locale"]) if body.get("locale") else None,
            timezone=str(body["localTimezone"]) if body.get("localTimezone") else None,
            text=text,
            mentions=mentions,
            value=_dict(body.get("value")),
            raw=body,
        )


def _command_text(text: str, entities: Any, bot_id: str) -> tuple[str, tuple[dict[str, Any], ...]]:
    """The bot's own @mention removed; another person's becomes `<@M<i>>` for the grammar's `@user`."""
    others: list[dict[str, Any]] = []
    for entity in entities if isinstance(entities, list) else []:
        entity = _dict(entity)
        mentioned, said = _dict(entity.get("mentioned")), str(entity.get("text") or "")
        if entity.get("type") != "mention" or not said:
            continue
        if mentioned.get("id") == bot_id:
            text = text.replace(said, " ", 1)
        else:
            text = text.replace(said, f" <@M{len(others)}> ", 1)
            others.append(mentioned)
    # Teams may send a little HTML (`&nbsp;`, `<p>`): the grammar reads the plain text.
    text = html.unescape(TAG.sub(lambda m: m.group(0) if m.group(0).startswith("<@M") else " ", text))
    return SPACES.sub(" ", text).strip(), tuple(others)


def card_attachment(card: dict[str, Any]) -> dict[str, Any]:
    return {"contentType": CARD_TYPE, "content": card}


def card_message(card: dict[str, Any], summary: str = "") -> dict[str, Any]:
    """A message carrying one Adaptive Card; `summary` is what notifications show."""
    activity: dict[str, Any] = {"type": "message", "attachments": [card_attachment(card)]}
    if summary:
        activity["summary"] = summary[:200]
    return activity


def image_attachment(filename: str, png: bytes) -> dict[str, Any]:
    """A picture sent inline (Teams shows base64 images in chats; a digest's chart is a few KB)."""
    data = base64.b64encode(png).decode()
    return {"contentType": "image/png", "contentUrl": f"data:image/png;base64,{data}", "name": filename}


def text_message(text: str) -> dict[str, Any]:
    return {"type": "message", "text": text, "textFormat": "plain"}


def card_invoke_response(card: dict[str, Any]) -> dict[str, Any]:
    """The `adaptiveCard/action` answer: the card to show instead of the clicked one."""
    return {"statusCode": 200, "type": CARD_TYPE, "value": card}


def message_invoke_response(text: str) -> dict[str, Any]:
    """The `adaptiveCard/action` answer that leaves the clicked card as it is and shows `text`."""
    return {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": text}
