"""The playground's Teams pane: each demo person's 1:1 chat with the bot, driven as Teams drives it.

What a person types becomes a message activity, and a click on a card's `Action.Execute` an
`adaptiveCard/action` invoke, each signed by the stand-in's channel key (teams_standin.TokenSigner) and
POSTed to the bot's real `/api/messages`, which validates the token against the stand-in's JWKS. What
the bot sends through the Connector (teams_standin.FakeConnector: replies, updated live cards) reaches
``TeamsChat.observe`` and becomes the chat the page draws; an invoke's answer (the refreshed card)
replaces the clicked card in place, as Teams shows it to whoever clicked.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import logging
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp

from oppbot.playground.longpoll import LongPolled
from oppbot.playground.teams_standin import ADAPTIVE_CARD, FakeConnector, KeyServer, Sent, TokenSigner
from oppbot.playground.workspace import DEMO_PEOPLE, PEOPLE, Person, PlaygroundInputError

log = logging.getLogger(__name__)

TENANT = "00000000-0000-4000-8000-0000000000f0"  # the playground's made-up tenant
# The demo people's Microsoft Entra object ids (conventions.md, "Demo data"), as the demo data links them.
AAD_IDS = {
    "AH": "00000000-0000-4000-8000-000000000001",
    "PS": "00000000-0000-4000-8000-000000000002",
    "JO": "00000000-0000-4000-8000-000000000003",
    "OF": "00000000-0000-4000-8000-000000000004",
}
MAX_ENTRIES = 300  # per chat; older messages scroll out
INVOKE = "adaptiveCard/action"
REQUEST_TIMEOUT = 60.0  # seconds for one activity: the bot answers well within, on a loaded machine too


def teams_user_id(person: Person) -> str:
    return f"29:playground-{person.code.lower()}"


def personal_chat(person: Person) -> str:
    """A person's 1:1 chat with the bot: the same every run (the bot keeps references to it)."""
    return f"a:playground-personal-{person.code.lower()}"


@dataclass
class ChatEntry:
    """One message of a 1:1 chat as the page shows it."""

    id: str  # the activity id (the Connector's for the bot's, ours for the person's)
    conversation: str
    author: str  # "bot" or the person's (Slack) user id, the page's key for people
    activity: dict[str, Any]
    at: float = field(default_factory=time.time)
    rev: int = 0

    def as_json(self) -> dict[str, Any]:
        act = self.activity
        return {
            "id": self.id,
            "rev": self.rev,
            "at": self.at,
            "author": self.author,
            "text": act.get("text") or "",
            "attachments": act.get("attachments") or [],
        }


@dataclass
class TeamsChat(LongPolled):
    connector: FakeConnector
    keys: KeyServer
    signer: TokenSigner
    app_id: str
    locale: str = "en-US"
    timezone: str = "UTC"
    messages_url: str = ""  # the bot's /api/messages, known once the server listens
    entries: dict[str, ChatEntry] = field(default_factory=dict)
    rev: int = 0
    closing: bool = False

    def __post_init__(self) -> None:
        self._run = secrets.token_hex(4)  # activity ids unique across runs (the bot claims them by id)
        self._ids = itertools.count(1)
        self._changed = asyncio.Event()
        self._http: aiohttp.ClientSession | None = None
        self._chats = {personal_chat(p): p for p in DEMO_PEOPLE}
        for person in DEMO_PEOPLE:
            aad = AAD_IDS[person.code]
            member = {
                "id": teams_user_id(person),
                "name": person.name,
                "aadObjectId": aad,
                "email": person.email,
                "userPrincipalName": person.email,
            }
            self.connector.roster[teams_user_id(person)] = member
            self.connector.personal[aad] = personal_chat(person)  # the bot opens a chat by AAD id
        self.connector.observers.append(self.observe)

    @property
    def bot_id(self) -> str:
        return f"28:{self.app_id}"

    def person(self, user_id: str) -> Person:
        if user_id not in PEOPLE:
            raise PlaygroundInputError(f"no demo person {user_id!r}")
        return PEOPLE[user_id]

    # ------------------------------------------------------------------ what the bot sent

    def observe(self, sent: Sent) -> None:
        """Every Connector call the stand-in answered; a refused one changes nothing."""
        try:
            if sent.status < 300 and sent.conversation in self._chats:
                if sent.method == "send":
                    self._add(sent.activity_id, sent.conversation, "bot", sent.activity)
                elif sent.method == "update" and sent.activity_id in self.entries:
                    entry = self.entries[sent.activity_id]
                    entry.activity = sent.activity
                    entry.rev += 1
        except Exception:  # one odd call must not stop the playground
            log.exception("playground could not show Teams %s", sent.method)
        self._bump()

    def _add(self, entry_id: str, conversation: str, author: str, activity: dict[str, Any]) -> ChatEntry:
        entry = ChatEntry(entry_id, conversation, author, activity)
        self.entries[entry_id] = entry
        in_chat = [e for e in self.entries.values() if e.conversation == conversation]
        for old in in_chat[: max(0, len(in_chat) - MAX_ENTRIES)]:
            del self.entries[old.id]
        return entry

    # ------------------------------------------------------------------ what the page reads

    def state(self, user_id: str) -> dict[str, Any]:
        person = self.person(user_id)
        chat = personal_chat(person)
        return {
            "rev": self.rev,
            "me": {"id": user_id, "teams_id": teams_user_id(person), "aad": AAD_IDS[person.code]},
            "chat": chat,
            "messages": [e.as_json() for e in self.entries.values() if e.conversation == chat],
        }

    # ------------------------------------------------------------------ what people do

    def activity(self, person: Person, kind: str, **extra: Any) -> dict[str, Any]:
        """An activity from `person` in their 1:1 chat, as Teams sends it."""
        return {
            "type": kind,
            "id": f"pg-{self._run}-{next(self._ids)}",
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "localTimestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "serviceUrl": self.connector.service_url,
            "channelId": "msteams",
            "from": {"id": teams_user_id(person), "name": person.name, "aadObjectId": AAD_IDS[person.code]},
            "conversation": {"id": personal_chat(person), "conversationType": "personal", "tenantId": TENANT},
            "recipient": {"id": self.bot_id, "name": "oppbot"},
            "locale": self.locale,
            "localTimezone": self.timezone,
            "channelData": {"tenant": {"id": TENANT}},
            **extra,
        }

    async def post(self, activity: dict[str, Any]) -> tuple[int, Any]:
        """POST a signed activity to the bot; (HTTP status, the JSON answer or None)."""
        if not self.messages_url:
            raise PlaygroundInputError("the bot is not listening yet")
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT))
        token = self.signer.token(self.connector.service_url, audience=self.app_id)
        headers = {"Authorization": f"Bearer {token}"}
        try:
            async with self._http.post(self.messages_url, json=activity, headers=headers) as resp:
                body = await resp.json() if resp.content_type == "application/json" else None
                return resp.status, body
        except (aiohttp.ClientError, TimeoutError) as exc:  # the page hears of it, not a 500
            log.warning("playground: Teams activity %s not delivered: %r", activity.get("type"), exc)
            return 0, None

    async def install(self) -> None:
        """The app added to each demo person's chat (conversationUpdate), as Teams tells a bot: the bot
        stores where it may write to them first (reminders, digests) with this run's serviceUrl."""
        for person in DEMO_PEOPLE:
            added = [{"id": self.bot_id, "name": "oppbot"}]
            status, _ = await self.post(self.activity(person, "conversationUpdate", membersAdded=added))
            if status != 200:
                log.warning("playground: Teams install for %s answered %s", person.code, status)

    async def say(self, user_id: str, text: str) -> dict[str, Any]:
        """A line typed in the chat: a message activity (Teams sends the typed text as it is)."""
        person = self.person(user_id)
        text = text.strip()
        if not text:
            raise PlaygroundInputError("nothing to send")
        activity = self.activity(person, "message", text=text, textFormat="plain")
        self._add(activity["id"], personal_chat(person), user_id, activity)
        self._bump()
        status, _ = await self.post(activity)
        if status != 200:
            note = {
                "type": "message",
                "text": f"The message was not delivered (HTTP {status}).",
                "note": True,
            }
            self._add(f"note-{activity['id']}", personal_chat(person), "teams", note)
            self._bump()
        return {"status": status}

    async def execute(
        self, user_id: str, entry_id: str, verb: str, data: dict[str, Any], *, trigger: str = "manual"
    ) -> dict[str, Any]:
        """A click on an Action.Execute (`data` already holds the card's inputs), or a card's automatic
        refresh: the `adaptiveCard/action` invoke; its answer's card replaces the one clicked."""
        person = self.person(user_id)
        entry = self.entries.get(entry_id)
        if entry is None or entry.conversation != personal_chat(person) or entry.author != "bot":
            raise PlaygroundInputError(f"no card {entry_id!r} in {person.name}'s chat")
        value = {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": trigger}
        activity = self.activity(person, "invoke", name=INVOKE, value=value, replyToId=entry_id)
        status, answer = await self.post(activity)
        if status != 200 or not isinstance(answer, dict):
            return {"status": status, "error": f"The bot answered HTTP {status}." if status else "No answer."}
        card = answer.get("value")
        if answer.get("type") == ADAPTIVE_CARD and isinstance(card, dict):
            entry.activity = {**copy.deepcopy(entry.activity), "attachments": [
                {"contentType": ADAPTIVE_CARD, "content": card}
            ]}  # fmt: skip
            entry.rev += 1
            self._bump()
            return {"status": 200}
        # `application/vnd.microsoft.activity.message`: a line Teams shows the clicker instead.
        return {"status": 200, "message": str(card or "")}

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None
