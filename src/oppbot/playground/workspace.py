"""The playground's small Slack workspace: what each demo person sees, and what they do sent as Slack would.

What the bot sends through the Web API reaches the stand-in (standin.py), which hands every recorded call
to ``Workspace.observe``; the workspace turns them into conversations, ephemeral replies, modals and App
Home per person. What a person does in the page becomes the exact request Slack would send, signed with
the run's secret, POSTed to the bot's ``/slack/events``.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import logging
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from oppbot.playground.longpoll import LongPolled
from oppbot.playground.sender import SlackRequestSender, SlackResponse
from oppbot.playground.standin import APP_ID, TEAM_ID, FakeSlack, RecordedCall, SlackApiError

log = logging.getLogger(__name__)

CHANNEL_ID = "C0DEMO"
CHANNEL_NAME = "sales"
MAX_ENTRIES = 300  # per conversation; older messages scroll out of the playground
MAX_REMEMBERED = 2000  # trigger ids and response_urls the playground still knows


@dataclass(frozen=True)
class Person:
    user_id: str
    code: str
    name: str
    role: str

    @property
    def email(self) -> str:
        return self.name.lower().replace(" ", ".") + "@cronus.example"


# The demo people of conventions.md ("Demo data"), as the demo data links them in Slack team T0DEMO.
DEMO_PEOPLE = (
    Person("U0DEMO1", "AH", "Annette Hill", "rep"),
    Person("U0DEMO2", "PS", "Peter Saddow", "rep"),
    Person("U0DEMO3", "JO", "Jim Olive", "manager"),
    Person("U0DEMO4", "OF", "Otis Falls", "admin"),
)
PEOPLE = {p.user_id: p for p in DEMO_PEOPLE}


class PlaygroundInputError(ValueError):
    """A request from the page that names no known person, conversation, message or view."""


@dataclass
class Entry:
    """One message in a conversation as the page shows it."""

    id: int
    channel: str
    message: dict[str, Any]  # Slack's message object; the stand-in's own dict for bot messages
    visible_to: str | None  # a user id: ephemeral, only they see it
    author: str  # "bot" or the user id of a person
    rev: int = 0
    deleted: bool = False

    def as_json(self) -> dict[str, Any]:
        msg = self.message
        return {
            "id": self.id,
            "rev": self.rev,
            "ts": msg.get("ts", ""),
            "text": msg.get("text", ""),
            "blocks": msg.get("blocks") or [],
            "thread_ts": msg.get("thread_ts"),
            "files": [
                {k: f.get(k) for k in ("id", "name", "title", "mimetype", "url_private", "alt_txt")}
                for f in msg.get("files") or []
            ],
            "edited": "edited" in msg,
            "ephemeral": self.visible_to is not None,
            "author": self.author,
        }


@dataclass(frozen=True)
class UrlContext:
    """Where a response_url's messages go: the conversation, the person, the message it came from."""

    channel: str
    user: str
    entry: int | None


class _Bounded(OrderedDict[str, Any]):
    def remember(self, key: str, value: Any) -> None:
        self[key] = value
        while len(self) > MAX_REMEMBERED:
            self.popitem(last=False)


@dataclass
class Workspace(LongPolled):
    standin: FakeSlack
    sender: SlackRequestSender
    entries: dict[int, Entry] = field(default_factory=dict)
    modals: dict[str, list[str]] = field(default_factory=dict)  # user -> stack of view ids
    rev: int = 0
    closing: bool = False

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)
        self._by_message: dict[tuple[str, str], int] = {}
        self._urls: _Bounded = _Bounded()
        self._triggers: _Bounded = _Bounded()
        self._changed = asyncio.Event()
        self.standin.observers.append(self.observe)

    # ------------------------------------------------------------------ people and conversations

    def person(self, user_id: str) -> Person:
        if user_id not in PEOPLE:
            raise PlaygroundInputError(f"no demo person {user_id!r}")
        return PEOPLE[user_id]

    def dm(self, user_id: str) -> str:
        return self.standin.dm_channel_for(user_id)

    def conversation(self, user_id: str, channel: str) -> str:
        if channel not in (CHANNEL_ID, self.dm(user_id)):
            raise PlaygroundInputError(f"{user_id} is not in conversation {channel!r}")
        return channel

    # ------------------------------------------------------------------ what the bot sent

    def observe(self, call: RecordedCall) -> None:
        """Every Web API call and response_url post the stand-in answered; failed ones change nothing."""
        try:
            self._observe(call)
        except Exception:  # one odd call must not stop the playground
            log.exception("playground could not show %s", call.method)
        self._bump()

    def _observe(self, call: RecordedCall) -> None:
        ok = call.status == 200 and (
            call.response == "ok" if call.method == "response_url" else bool((call.response or {}).get("ok"))
        )
        if not ok:
            return
        p, r = call.params, call.response
        if call.method == "chat.postMessage":
            key = (str(r["channel"]), str(r["ts"]))
            self._add(key[0], self.standin.messages[key], visible_to=None, author="bot")
        elif call.method == "chat.postEphemeral":
            channel = str(p["channel"])
            channel = self.dm(channel) if channel[0] in "UW" else channel
            message = {"ts": r.get("message_ts", ""), "text": p.get("text") or "", "blocks": p.get("blocks")}
            self._add(channel, message, visible_to=str(p["user"]), author="bot")
        elif call.method == "files.completeUploadExternal":
            # The file message the stand-in made in the conversation, if it was shared in one.
            for obj in r.get("files") or []:
                for kind in ("public", "private"):
                    for channel, shares in (obj.get("shares") or {}).get(kind, {}).items():
                        key = (str(channel), str(shares[0]["ts"]))
                        if key not in self._by_message and key in self.standin.messages:
                            self._add(key[0], self.standin.messages[key], visible_to=None, author="bot")
        elif call.method == "chat.update":
            entry_id = self._by_message.get((str(r["channel"]), str(r["ts"])))
            if entry_id is not None and entry_id in self.entries:
                self.entries[entry_id].rev += 1
        elif call.method == "response_url":
            self._from_response_url(call.response_url_id or "", p)
        elif call.method == "views.open":
            user = self._triggers.get(str(p.get("trigger_id")))
            if user is not None:
                self.modals[user] = [str(r["view"]["id"])]
        elif call.method == "views.push":
            user = self._triggers.get(str(p.get("trigger_id")))
            if user is not None:
                self.modals.setdefault(user, []).append(str(r["view"]["id"]))

    def _from_response_url(self, rid: str, payload: dict[str, Any]) -> None:
        ctx: UrlContext | None = self._urls.get(rid)
        if ctx is None:
            return
        source = self.entries.get(ctx.entry) if ctx.entry is not None else None
        if _truthy(payload.get("delete_original")):
            if source is not None:
                source.deleted = True
                source.rev += 1
            return
        content: dict[str, Any] = {k: payload[k] for k in ("text", "blocks") if k in payload}
        if _truthy(payload.get("replace_original")) and source is not None:
            source.message.update(content)
            if "blocks" not in content:
                source.message.pop("blocks", None)
            source.rev += 1
            return
        if payload.get("response_type") == "in_channel":
            ts = self.standin.add_message(ctx.channel, text=str(payload.get("text") or ""), blocks=None)
            message = self.standin.messages[(ctx.channel, ts)]
            message.update(content)
            self._add(ctx.channel, message, visible_to=None, author="bot")
        else:
            message = {"ts": self._ts(), **content}
            self._add(ctx.channel, message, visible_to=ctx.user, author="bot")

    def _add(self, channel: str, message: dict[str, Any], *, visible_to: str | None, author: str) -> Entry:
        entry = Entry(next(self._ids), channel, message, visible_to, author)
        self.entries[entry.id] = entry
        if visible_to is None and message.get("ts"):
            self._by_message[(channel, str(message["ts"]))] = entry.id
        in_channel = [e for e in self.entries.values() if e.channel == channel]
        for old in in_channel[: max(0, len(in_channel) - MAX_ENTRIES)]:
            # Scrolled out for good: Slack's copy goes too (a later chat.update gets message_not_found).
            del self.entries[old.id]
            key = (channel, str(old.message.get("ts")))
            self._by_message.pop(key, None)
            if old.visible_to is None:
                self.standin.messages.pop(key, None)
        return entry

    def _ts(self) -> str:
        return f"{time.time():.6f}"

    # ------------------------------------------------------------------ what the page reads

    def state(self, user_id: str) -> dict[str, Any]:
        person = self.person(user_id)
        dm = self.dm(user_id)
        conversations = [
            {"id": CHANNEL_ID, "name": f"#{CHANNEL_NAME}", "kind": "channel"},
            {"id": dm, "name": "oppbot", "kind": "dm"},
        ]
        messages: dict[str, list[dict[str, Any]]] = {CHANNEL_ID: [], dm: []}
        for entry in self.entries.values():
            if entry.deleted or entry.channel not in messages:
                continue
            if entry.visible_to not in (None, user_id):
                continue
            messages[entry.channel].append(entry.as_json())
        home = self.standin.home_views.get(user_id)
        stack = [self.standin.views[v] for v in self.modals.get(user_id, []) if v in self.standin.views]
        return {
            "rev": self.rev,
            "me": {"id": person.user_id, "code": person.code, "name": person.name, "role": person.role},
            "people": [
                {"id": p.user_id, "code": p.code, "name": p.name, "role": p.role} for p in DEMO_PEOPLE
            ],
            "conversations": conversations,
            "messages": messages,
            "home": home,
            "modals": stack,
        }

    # ------------------------------------------------------------------ what people do

    def _trigger(self, user_id: str) -> str:
        trigger = self.sender.new_trigger_id()
        self._triggers.remember(trigger, user_id)
        return trigger

    def _response_url(self, ctx: UrlContext) -> str:
        rid = f"pg-{secrets.token_hex(8)}"
        self._urls.remember(rid, ctx)
        return self.standin.response_url(rid)

    async def say(self, user_id: str, channel: str, text: str) -> dict[str, Any]:
        """A line typed in the composer: `/opp …` is a slash command, anything else a channel message."""
        person = self.person(user_id)
        channel = self.conversation(user_id, channel)
        text = text.strip()
        if not text:
            raise PlaygroundInputError("nothing to send")
        if text.startswith("/"):
            command, _, rest = text.partition(" ")
            if command != "/opp":
                raise PlaygroundInputError(f"{command} is not a valid command (try /opp help)")
            # Slack shows nobody the typed command; the page echoes it to its author alone.
            self._add(channel, {"ts": self._ts(), "text": text}, visible_to=user_id, author=user_id)
            self._bump()
            resp = await self.sender.slash_command(
                rest.strip(),
                user_id=user_id,
                user_name=person.name.lower().replace(" ", "."),
                channel_id=channel,
                channel_name=CHANNEL_NAME,
                response_url=self._response_url(UrlContext(channel, user_id, None)),
                trigger_id=self._trigger(user_id),
            )
            self._immediate_reply(resp, UrlContext(channel, user_id, None), "/opp")
            return {"status": resp.status}
        ts = self.standin.add_message(channel, text=text)
        message = self.standin.messages[(channel, ts)]
        for key in ("bot_id", "app_id", "bot_profile"):  # a person's message, not the bot's
            message.pop(key, None)
        message["user"] = user_id
        self._add(channel, message, visible_to=None, author=user_id)
        self._bump()
        event = {
            "type": "message",
            "channel": channel,
            "user": user_id,
            "text": text,
            "ts": ts,
            "team": TEAM_ID,
            "channel_type": "im" if channel.startswith("D") else "channel",
            "client_msg_id": secrets.token_hex(16),
        }
        resp = await self.sender.event(event)
        return {"status": resp.status}

    def _immediate_reply(self, resp: SlackResponse, ctx: UrlContext, what: str) -> None:
        """A reply in the HTTP answer itself (an ack with a message), or Slack's note on a failure."""
        if resp.status != 200:
            error = "dispatch_failed" if resp.status >= 500 else f"http_{resp.status}"
            text = f'{what} failed with the error "{error}"'
            self._add(ctx.channel, {"ts": self._ts(), "text": text}, visible_to=ctx.user, author="slackbot")
            self._bump()
            return
        if not resp.text.strip():
            return
        try:
            body = resp.json()
        except json.JSONDecodeError:
            body = {"text": resp.text}
        if isinstance(body, dict) and (body.get("text") or body.get("blocks")):
            rid = f"pg-{secrets.token_hex(8)}"
            self._urls.remember(rid, ctx)
            self._from_response_url(rid, body)
            self._bump()

    async def act(
        self,
        user_id: str,
        action: dict[str, Any],
        *,
        entry_id: int | None = None,
        view_id: str | None = None,
        state: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A click or a choice in a message (``entry_id``), a modal or App Home (``view_id``)."""
        self.person(user_id)
        action = {**action, "action_ts": self._ts()}
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user(user_id),
            "api_app_id": APP_ID,
            "token": "verification-token-deprecated",
            "trigger_id": self._trigger(user_id),
            "team": {"id": TEAM_ID, "domain": "demo"},
            "enterprise": None,
            "is_enterprise_install": False,
            "actions": [action],
        }
        if view_id is not None:
            view = self._view(user_id, view_id)
            view["state"] = {"values": state or {}}
            payload["container"] = {"type": "view", "view_id": view_id}
            payload["view"] = view
        elif entry_id is not None:
            entry = self.entries.get(entry_id)
            if entry is None or entry.deleted or entry.visible_to not in (None, user_id):
                raise PlaygroundInputError(f"no message {entry_id}")
            self.conversation(user_id, entry.channel)
            ephemeral = entry.visible_to is not None
            payload["container"] = {
                "type": "message",
                "message_ts": entry.message.get("ts", ""),
                "channel_id": entry.channel,
                "is_ephemeral": ephemeral,
            }
            payload["channel"] = {
                "id": entry.channel,
                "name": CHANNEL_NAME if entry.channel == CHANNEL_ID else "directmessage",
            }
            if not ephemeral:  # Slack sends no message for a click in an ephemeral one
                payload["message"] = copy.deepcopy(entry.message)
            payload["state"] = {"values": state or {}}
            ctx = UrlContext(entry.channel, user_id, entry.id)
            payload["response_url"] = self._response_url(ctx)
        else:
            raise PlaygroundInputError("an action needs a message or a view")
        resp = await self.sender.send_payload(payload)
        return {"status": resp.status}

    async def submit(self, user_id: str, view_id: str, state: dict[str, Any]) -> dict[str, Any]:
        """A modal's submit button: the view_submission payload, and Slack's handling of the answer."""
        view = self._view(user_id, view_id)
        view["state"] = {"values": state}
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM_ID, "domain": "demo"},
            "user": self._user(user_id),
            "api_app_id": APP_ID,
            "token": "verification-token-deprecated",
            "trigger_id": self._trigger(user_id),
            "view": view,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        resp = await self.sender.send_payload(payload)
        if resp.status != 200:
            return {"status": resp.status, "error": "We had some trouble connecting. Try again?"}
        body: Any = {}
        if resp.text.strip():
            try:
                body = resp.json()
            except json.JSONDecodeError:
                body = {}
        stack = self.modals.setdefault(user_id, [])
        action = body.get("response_action") if isinstance(body, dict) else None
        if action == "errors":
            return {"status": 200, "errors": body.get("errors") or {}}
        try:
            if action == "update":
                self.standin.put_view(body["view"], view_id=view_id)
            elif action == "push":
                stack.append(str(self.standin.put_view(body["view"])["id"]))
            elif action == "clear":
                stack.clear()
            elif view_id in stack:
                del stack[stack.index(view_id) :]
        except SlackApiError as exc:  # what Slack shows when the answer is not a valid view
            return {"status": 200, "error": f"The app answered with a bad view: {exc.error}"}
        finally:
            self._bump()
        return {"status": 200}

    def close(self, user_id: str, view_id: str) -> None:
        """Cancel: the modal goes away (the bot asks for no view_closed)."""
        stack = self.modals.get(user_id, [])
        if view_id in stack:
            del stack[stack.index(view_id) :]
        self._bump()

    async def suggest(
        self, user_id: str, view_id: str, action_id: str, block_id: str, value: str
    ) -> dict[str, Any]:
        """An external select's typeahead: block_suggestion, answered in the HTTP response."""
        view = self._view(user_id, view_id)
        resp = await self.sender.block_suggestion(
            user_id=user_id, action_id=action_id, value=value, block_id=block_id, view=view
        )
        if resp.status != 200 or not resp.text.strip():
            return {"options": []}
        try:
            body = resp.json()
        except json.JSONDecodeError:
            return {"options": []}
        if not isinstance(body, dict):
            return {"options": []}
        return {k: body[k] for k in ("options", "option_groups") if k in body} or {"options": []}

    async def open_home(self, user_id: str) -> dict[str, Any]:
        """The App Home tab opened: Slack's app_home_opened event."""
        self.person(user_id)
        event: dict[str, Any] = {"type": "app_home_opened", "user": user_id, "channel": self.dm(user_id)}
        event["tab"] = "home"
        if user_id in self.standin.home_views:
            event["view"] = copy.deepcopy(self.standin.home_views[user_id])
        resp = await self.sender.event(event)
        return {"status": resp.status}

    # ------------------------------------------------------------------ helpers

    def _user(self, user_id: str) -> dict[str, Any]:
        person = self.person(user_id)
        name = person.name.lower().replace(" ", ".")
        return {"id": user_id, "username": name, "name": name, "team_id": TEAM_ID}

    def _view(self, user_id: str, view_id: str) -> dict[str, Any]:
        home = self.standin.home_views.get(user_id)
        if home is not None and home["id"] == view_id:
            return copy.deepcopy(home)
        if view_id not in self.modals.get(user_id, []) or view_id not in self.standin.views:
            raise PlaygroundInputError(f"{user_id} has no open view {view_id!r}")
        return copy.deepcopy(self.standin.views[view_id])


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")
