"""A stand-in for Slack's Web API on loopback that parses requests and answers the way api.slack.com does.

The playground runs it beside the bot; the tests use it as their fake Slack. Point the bot's
``AsyncWebClient(base_url=fake.base_url)`` at it. Every request (including ones that fail) is recorded in
``calls`` (the newest ``max_calls`` when set) and handed to each ``observers`` callback; tests assert on
what the bot *sent*, not on our own internals.

Deliberately strict where Slack is strict, so bugs surface here instead of in production:
- unknown users → ``user_not_found`` / ``users_not_found`` / ``channel_not_found`` (call ``add_user`` first);
- ``users.info`` only returns ``locale`` when ``include_locale=true`` (as Slack does);
- ``chat.update`` on a message Slack never saw → ``message_not_found`` (see ``add_message``);
- blocks / views are validated (count, ``type``, slack_sdk model validation);
- OAuth codes are single use.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import contextlib
import itertools
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from oppbot.playground.loopback import LoopbackServer

TEAM_ID = "T0DEMO"
TEAM_NAME = "Demo Workspace"
TEAM_DOMAIN = "demo"
APP_ID = "A0DEMO"
BOT_ID = "B0BOT"
BOT_USER_ID = "UBOT"
BOT_SCOPES = "chat:write,commands,users:read,users:read.email,im:write,team:read"

# Form-encoded Web API calls carry these as JSON strings; Slack decodes them server-side.
JSON_FIELDS = ("blocks", "attachments", "view", "metadata", "unfurls", "options", "option_groups")
MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100


@dataclass(frozen=True)
class RecordedCall:
    method: str  # Web API method name, or "response_url"
    params: dict[str, Any]  # decoded body + query (JSON-in-form fields already decoded)
    token: str | None
    at: float  # time.monotonic() when received
    status: int = 200  # HTTP status we answered with
    response: Any = None  # the JSON we answered with
    response_url_id: str | None = None  # only for method == "response_url"


@dataclass
class _Failure:
    error: str
    status: int
    retry_after: int | None


class SlackApiError(Exception):
    """Raised inside handlers to produce ``{"ok": false, "error": ...}``."""

    def __init__(self, error: str, *, messages: list[str] | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.messages = messages


@dataclass
class FakeSlack:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[RecordedCall] = field(default_factory=list)
    # (channel, ts) -> message, for everything chat.postMessage created (or add_message seeded).
    messages: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)  # view id -> view
    home_views: dict[str, dict[str, Any]] = field(default_factory=dict)  # user id -> published home view
    # file id -> {"name", "title", "bytes" (None until uploaded), "complete"}: files.uploadV2's three steps
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    revoked_tokens: set[str] = field(default_factory=set)
    oauth_installer_user_id: str = "U0ADMIN"
    max_calls: int | None = None  # a long-running playground keeps only the newest calls
    observers: list[Callable[[RecordedCall], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.base_url = ""
        self.url = ""
        self._server: LoopbackServer | None = None
        self._failures: dict[str, collections.deque[_Failure]] = collections.defaultdict(collections.deque)
        self._cond: asyncio.Condition | None = None
        self._seq = itertools.count(1)
        self._ts_base = int(time.time())
        self._dm_channels: dict[str, str] = {}
        self._used_oauth_codes: set[str] = set()
        self._sockets: list[web.WebSocketResponse] = []
        self._socket_acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        # method -> gate: calls wait there until released (tests: a client killed mid-call)
        self._holds: dict[str, asyncio.Event] = {}
        self.held: collections.Counter[str] = collections.Counter()

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        self._cond = asyncio.Condition()
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/response_url/{id}", self._handle_response_url)
        app.router.add_get("/socket-mode", self._handle_socket)
        app.router.add_post("/upload/{id}", self._handle_upload)
        app.router.add_get("/files/{id}", self._handle_file)
        self._server = LoopbackServer(app)
        self.url = await self._server.start()
        self.base_url = f"{self.url}/api/"

    @property
    def listening_on(self) -> list[str]:
        """The host part of every socket the stand-in listens on (loopback only)."""
        return self._server.addresses if self._server is not None else []

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._server is not None:
            await self._server.stop()
            self._server = None

    async def __aenter__(self) -> FakeSlack:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ test-facing API

    def response_url(self, id: str) -> str:
        return f"{self.url}/response_url/{id}"

    def calls_to(self, method: str) -> list[RecordedCall]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[RecordedCall]:
        """Wait until at least ``count`` calls to ``method`` arrived (acks return before listeners finish)."""
        assert self._cond is not None, "FakeSlack.start() was not awaited"
        cond = self._cond

        async def _wait() -> None:
            async with cond:
                await cond.wait_for(lambda: len(self.calls_to(method)) >= count)

        try:
            await asyncio.wait_for(_wait(), timeout)
        except TimeoutError:
            seen = [c.method for c in self.calls]
            raise AssertionError(
                f"expected >= {count} call(s) to {method} within {timeout}s; got "
                f"{len(self.calls_to(method))}. All calls so far: {seen}"
            ) from None
        return self.calls_to(method)

    def add_user(
        self,
        user_id: str,
        *,
        team_id: str = TEAM_ID,
        name: str,
        email: str | None,
        locale: str = "en-US",
        tz: str = "Europe/Rome",
        real_name: str | None = None,
        is_bot: bool = False,
    ) -> None:
        real = real_name or name.replace(".", " ").title()
        profile: dict[str, Any] = {
            "real_name": real,
            "real_name_normalized": real,
            "display_name": name,
            "display_name_normalized": name,
            "title": "",
            "phone": "",
            "status_text": "",
            "status_emoji": "",
            "avatar_hash": "g" + secrets.token_hex(5),
            "image_72": f"https://secure.gravatar.com/avatar/{user_id}.jpg?s=72",
            "team": team_id,
        }
        if email is not None:  # users without users:read.email scope / bots have no email key at all
            profile["email"] = email
        self.users[user_id] = {
            "id": user_id,
            "team_id": team_id,
            "name": name,
            "deleted": False,
            "color": "9f69e7",
            "real_name": real,
            "tz": tz,
            "tz_label": "Central European Time",
            "tz_offset": 3600,
            "profile": profile,
            "is_admin": False,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": self._ts_base,
            "is_email_confirmed": email is not None,
            "locale": locale,
        }

    def add_message(
        self,
        channel: str,
        *,
        text: str = "",
        blocks: list[dict[str, Any]] | None = None,
        ts: str | None = None,
    ) -> str:
        """Seed a bot message that exists 'in Slack' (e.g. one a block_action payload refers to)."""
        ts = ts or self._next_ts()
        self.messages[(channel, ts)] = self._bot_message(text, blocks, ts)
        return ts

    def fail_next(
        self, method: str, error: str, *, status: int = 200, retry_after: int | None = None
    ) -> None:
        """Make the next call to ``method`` fail; queue several calls to fail several times."""
        self._failures[method].append(_Failure(error, status, retry_after))

    def hold(self, method: str) -> None:
        """Calls to `method` get no answer until `release(method)`; `held` counts those that waited."""
        self._holds[method] = asyncio.Event()

    def release(self, method: str) -> None:
        gate = self._holds.pop(method, None)
        if gate is not None:
            gate.set()

    def dm_channel_for(self, user_id: str) -> str:
        return self._dm_channels.setdefault(user_id, f"D{user_id.lstrip('UW')}{len(self._dm_channels):02d}")

    # ------------------------------------------------------------------ HTTP plumbing

    async def _record(self, call: RecordedCall) -> None:
        self.calls.append(call)
        if self.max_calls is not None and len(self.calls) > self.max_calls:
            del self.calls[: len(self.calls) - self.max_calls]
        for observer in self.observers:
            observer(call)
        assert self._cond is not None
        async with self._cond:
            self._cond.notify_all()

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params, token, format_error = await self._parse(request)
        gate = self._holds.get(method)
        if gate is not None:
            self.held[method] += 1
            await gate.wait()
        status, headers, body = self._dispatch(method, params, token, format_error, request)
        await self._record(RecordedCall(method, params, token, time.monotonic(), status, body))
        headers.setdefault("x-oauth-scopes", BOT_SCOPES)
        return web.json_response(body, status=status, headers=headers)

    async def _parse(self, request: web.Request) -> tuple[dict[str, Any], str | None, str | None]:
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            ctype = request.content_type
            if ctype == "application/json":
                try:
                    body = await request.json()
                except json.JSONDecodeError:
                    return params, None, "invalid_json"
                if not isinstance(body, dict):
                    return params, None, "invalid_json"
                params.update(body)
            else:  # application/x-www-form-urlencoded or multipart/form-data
                form = await request.post()
                params.update({k: v for k, v in form.items() if isinstance(v, str)})
                for key in JSON_FIELDS:
                    if isinstance(params.get(key), str):
                        try:
                            params[key] = json.loads(params[key])
                        except json.JSONDecodeError:
                            # Slack's real code for an undecodable blocks/attachments string
                            return (
                                params,
                                None,
                                "invalid_blocks_format" if key == "blocks" else "invalid_json",
                            )
        token: str | None = None
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            token = auth.removeprefix("Bearer ").strip()
        elif "token" in params:
            token = str(params.pop("token"))
        return params, token, None

    def _dispatch(
        self,
        method: str,
        params: dict[str, Any],
        token: str | None,
        format_error: str | None,
        request: web.Request,
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        if self._failures.get(method):
            failure = self._failures[method].popleft()
            headers = {} if failure.retry_after is None else {"Retry-After": str(failure.retry_after)}
            return failure.status, headers, {"ok": False, "error": failure.error}
        if method == "apps.connections.open":
            # Socket Mode takes the app-level token (xapp-), nothing else.
            if not (token or "").startswith("xapp-"):
                return 200, {}, {"ok": False, "error": "invalid_auth" if token else "not_authed"}
            return 200, {}, {"ok": True, "url": self.url.replace("http://", "ws://") + "/socket-mode"}
        handler = _HANDLERS.get(method)
        if handler is None:
            return 200, {}, {"ok": False, "error": "unknown_method", "req_method": method}
        if format_error is not None:
            return 200, {}, {"ok": False, "error": format_error}
        if method != "oauth.v2.access":
            if not token:
                return 200, {}, {"ok": False, "error": "not_authed"}
            if not token.startswith(("xoxb-", "xoxp-")):
                return 200, {}, {"ok": False, "error": "invalid_auth"}
            if token in self.revoked_tokens:
                return 200, {}, {"ok": False, "error": "token_revoked"}
        try:
            if method == "oauth.v2.access":
                return 200, {}, self._oauth_v2_access(params, request.headers.get("Authorization", ""))
            return 200, {}, handler(self, params, token or "")
        except SlackApiError as e:
            body: dict[str, Any] = {"ok": False, "error": e.error}
            if e.messages:
                body["response_metadata"] = {"messages": e.messages}
            return 200, {}, body

    # ------------------------------------------------------------------ Socket Mode

    async def _handle_socket(self, request: web.Request) -> web.WebSocketResponse:
        """Slack's Socket Mode server side: `hello`, then envelopes out and acks back."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": len(self._sockets),
                "debug_info": {"host": "applink-fake", "approximate_connection_time": 18060},
                "connection_info": {"app_id": "A0DEMO"},
            }
        )
        try:
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    continue
                data = json.loads(msg.data)
                future = self._socket_acks.pop(str(data.get("envelope_id")), None)
                if future is not None and not future.done():
                    future.set_result(data)
        finally:
            self._sockets.remove(ws)
        return ws

    async def wait_for_socket(self, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not self._sockets:
            if time.monotonic() > deadline:
                raise AssertionError("no Socket Mode client connected")
            await asyncio.sleep(0.02)

    async def send_envelope(self, type: str, payload: dict[str, Any], timeout: float = 5.0) -> dict[str, Any]:
        """Deliver one envelope to the connected client; returns its ack (`envelope_id`, optional payload)."""
        await self.wait_for_socket(timeout)
        envelope_id = f"env-{next(self._seq)}"
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._socket_acks[envelope_id] = future
        await self._sockets[-1].send_json(
            {"envelope_id": envelope_id, "type": type, "payload": payload, "accepts_response_payload": True}
        )
        return await asyncio.wait_for(future, timeout)

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        rid = request.match_info["id"]
        try:
            payload = await request.json()
        except json.JSONDecodeError:
            payload = None
        status, text = 200, "ok"
        if not isinstance(payload, dict):
            status, text = 400, "invalid_payload"
        elif self._failures.get("response_url"):
            failure = self._failures["response_url"].popleft()
            status, text = failure.status, failure.error
        else:
            try:
                if "blocks" in payload:
                    _validate_blocks(payload["blocks"], MESSAGE_BLOCK_LIMIT)
                elif not payload.get("text") and not payload.get("delete_original"):
                    raise SlackApiError("no_text")
            except SlackApiError as e:
                status, text = 400, e.error
        # response_url answers plain text ("ok" / error name), unlike the Web API.
        await self._record(
            RecordedCall(
                "response_url", payload or {}, None, time.monotonic(), status, text, response_url_id=rid
            )
        )
        return web.Response(status=status, text=text)

    async def _handle_upload(self, request: web.Request) -> web.Response:
        """Step two of files.uploadV2: the bytes, POSTed to the URL files.getUploadURLExternal gave."""
        record = self.files.get(request.match_info["id"])
        if record is None or record["bytes"] is not None:
            return web.Response(status=404, text="not_found")
        data = await request.read()
        if len(data) != record["length"]:
            return web.Response(status=400, text="length_mismatch")
        record["bytes"] = data
        return web.Response(text=f"OK - {len(data)}")

    async def _handle_file(self, request: web.Request) -> web.Response:
        record = self.files.get(request.match_info["id"])
        if record is None or not record["complete"]:
            return web.Response(status=404, text="file_not_found")
        return web.Response(body=record["bytes"], content_type=record["mimetype"])

    def file_url(self, file_id: str) -> str:
        return f"{self.url}/files/{file_id}"

    # ------------------------------------------------------------------ helpers

    def _next_ts(self) -> str:
        n = next(self._seq)
        return f"{self._ts_base + n}.{n:06d}"

    def _bot_message(self, text: str, blocks: list[dict[str, Any]] | None, ts: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "user": BOT_USER_ID,
            "type": "message",
            "ts": ts,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "text": text,
            "team": TEAM_ID,
            "bot_profile": {
                "id": BOT_ID,
                "app_id": APP_ID,
                "name": "oppbot",
                "deleted": False,
                "team_id": TEAM_ID,
                "icons": {"image_36": "https://a.slack-edge.com/80588/img/plugins/app/bot_36.png"},
            },
        }
        if blocks is not None:
            message["blocks"] = blocks
        return message

    def _user(self, user_id: str | None) -> dict[str, Any]:
        if not user_id or user_id not in self.users:
            raise SlackApiError("user_not_found")
        return self.users[user_id]

    def _resolve_channel(self, channel: str | None) -> str:
        if not channel:
            raise SlackApiError("channel_not_found")
        if channel[0] in "UW":  # posting to a user id lands in the app's DM with them
            if channel not in self.users:
                raise SlackApiError("channel_not_found")
            return self.dm_channel_for(channel)
        return channel

    def put_view(self, view: Any, *, view_id: str | None = None) -> dict[str, Any]:
        _validate_view(view)
        vid = view_id or f"V{next(self._seq):04d}"
        stored: dict[str, Any] = {
            "id": vid,
            "team_id": TEAM_ID,
            "type": view["type"],
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "title": view.get("title"),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "previous_view_id": None,
            "root_view_id": vid,
            "app_id": APP_ID,
            "external_id": view.get("external_id", ""),
            "app_installed_team_id": TEAM_ID,
            "bot_id": BOT_ID,
        }
        self.views[vid] = stored
        return stored

    # ------------------------------------------------------------------ Web API methods

    def _auth_test(self, p: dict[str, Any], token: str) -> dict[str, Any]:
        base = {"ok": True, "url": f"https://{TEAM_DOMAIN}.slack.com/", "team": TEAM_NAME, "team_id": TEAM_ID}
        if token.startswith("xoxp-"):
            return {
                **base,
                "user": "admin",
                "user_id": self.oauth_installer_user_id,
                "is_enterprise_install": False,
            }
        return {
            **base,
            "user": "oppbot",
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, p: dict[str, Any], token: str) -> dict[str, Any]:
        channel = self._resolve_channel(p.get("channel"))
        if not p.get("text") and not p.get("blocks") and not p.get("attachments"):
            raise SlackApiError("no_text")
        blocks = p.get("blocks")
        if blocks is not None:
            _validate_blocks(blocks, MESSAGE_BLOCK_LIMIT)
        ts = self._next_ts()
        message = self._bot_message(str(p.get("text") or ""), blocks, ts)
        if p.get("thread_ts"):
            message["thread_ts"] = p["thread_ts"]
        self.messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _chat_post_ephemeral(self, p: dict[str, Any], token: str) -> dict[str, Any]:
        self._resolve_channel(p.get("channel"))
        if not p.get("user") or p["user"] not in self.users:
            raise SlackApiError("user_not_in_channel")
        if not p.get("text") and not p.get("blocks") and not p.get("attachments"):
            raise SlackApiError("no_text")
        if p.get("blocks") is not None:
            _validate_blocks(p["blocks"], MESSAGE_BLOCK_LIMIT)
        return {"ok": True, "message_ts": self._next_ts()}

    def _chat_update(self, p: dict[str, Any], token: str) -> dict[str, Any]:
        channel, ts = p.get("channel"), p.get("ts")
        if not channel:
            raise SlackApiError("channel_not_found")
        key = (str(channel), str(ts))
        if key not in self.messages:
            raise SlackApiError("message_not_found")
        if p.get("blocks") is not None:
            _validate_blocks(p["blocks"], MESSAGE_BLOCK_LIMIT)
        message = self.messages[key]
        if "text" in p:
            message["text"] = p["text"]
        if "blocks" in p:
            message["blocks"] = p["blocks"]
        message["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
        return {"ok": True, "channel": channel, "ts": ts, "text": message["text"], "message": message}

    def _files_get_upload_url_external(self, p: dict[str, Any], token: str) -> dict[str, Any]:
        name, length = str(p.get("filename") or ""), str(p.get("length") or "")
        if not name or not length.isdigit() or int(length) < 1:
            raise SlackApiError("invalid_arguments")
        file_id = f"F{next(self._seq):08d}"
        mimetype = "image/png" if name.lower().endswith(".png") else "application/octet-stream"
        self.files[file_id] = {
            "name": name,
            "title": name,
            "length": int(length),
            "mimetype": mimetype,
            "alt_txt": p.get("alt_txt") or "",
            "bytes": None,
            "complete": False,
        }
        return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload_external(self, p: dict[str, Any], token: str) -> dict[str, Any]:
        files = p.get("files")
        if isinstance(files, str):
            try:
                files = json.loads(files)
            except json.JSONDecodeError:
                raise SlackApiError("invalid_json") from None
        if not isinstance(files, list) or not files:
            raise SlackApiError("invalid_arguments")
        shared: list[dict[str, Any]] = []
        for item in files:
            record = self.files.get(str(item.get("id") if isinstance(item, dict) else ""))
            if record is None or record["bytes"] is None:
                raise SlackApiError("file_not_found")
            record["complete"] = True
            record["title"] = item.get("title") or record["name"]
            shared.append(self._file_object(str(item["id"]), record))
        channel = p.get("channel_id") or p.get("channels")
        if channel:
            channel = self._resolve_channel(str(channel).split(",")[0])
            ts = self._next_ts()
            message = self._bot_message(str(p.get("initial_comment") or ""), None, ts)
            message["files"] = shared
            if p.get("thread_ts"):
                message["thread_ts"] = p["thread_ts"]
            self.messages[(channel, ts)] = message
            for obj in shared:
                obj["shares"] = {"private" if channel[0] == "D" else "public": {channel: [{"ts": ts}]}}
        return {"ok": True, "files": shared}

    def _file_object(self, file_id: str, record: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": file_id,
            "name": record["name"],
            "title": record["title"],
            "mimetype": record["mimetype"],
            "filetype": record["name"].rsplit(".", 1)[-1].lower(),
            "size": record["length"],
            "alt_txt": record["alt_txt"],
            "url_private": self.file_url(file_id),
            "user": BOT_USER_ID,
        }

    def _views_open(self, p: dict[str, Any], token: str) -> dict[str, Any]:
        if not p.get("trigger_id"):
            raise SlackApiError("invalid_arguments", messages=["[ERROR] missing required field: trigger_id"])
        return {"ok": True, "view": self.put_view(p.get("view"))}

    def _views_push(self, p: dict[str, Any], token: str) -> dict[str, Any]:
        return self._views_open(p, token)

    def _views_update(self, p: dict[str, Any], token: str) -> dict[str, Any]:
        vid = p.get("view_id")
        if not vid and p.get("external_id"):
            vid = next((v["id"] for v in self.views.values() if v["external_id"] == p["external_id"]), None)
        if not vid or vid not in self.views:
            raise SlackApiError("not_found")
        old = self.views[vid]
        if p.get("hash") and p["hash"] != old["hash"]:
            raise SlackApiError("hash_conflict")
        new = self.put_view(p.get("view"), view_id=vid)
        new["root_view_id"], new["previous_view_id"] = old["root_view_id"], old["previous_view_id"]
        return {"ok": True, "view": new}

    def _views_publish(self, p: dict[str, Any], token: str) -> dict[str, Any]:
        user_id = p.get("user_id")
        self._user(user_id)
        view = p.get("view")
        if isinstance(view, dict) and view.get("type") != "home":
            raise SlackApiError(
                "invalid_arguments", messages=["[ERROR] must be home [json-pointer:/view/type]"]
            )
        old = self.home_views.get(str(user_id))
        if old and p.get("hash") and p["hash"] != old["hash"]:
            raise SlackApiError("hash_conflict")
        stored = self.put_view(view, view_id=old["id"] if old else None)
        self.home_views[str(user_id)] = stored
        return {"ok": True, "view": stored}

    def _users_info(self, p: dict[str, Any], token: str) -> dict[str, Any]:
        user = dict(self._user(p.get("user")))
        if str(p.get("include_locale", "")).lower() not in ("true", "1"):
            user.pop("locale")  # Slack omits locale unless asked for it
        return {"ok": True, "user": user}

    def _users_lookup_by_email(self, p: dict[str, Any], token: str) -> dict[str, Any]:
        email = str(p.get("email", "")).lower()
        for user in self.users.values():
            if str(user["profile"].get("email", "")).lower() == email and email:
                found = dict(user)
                found.pop("locale")
                return {"ok": True, "user": found}
        raise SlackApiError("users_not_found")

    def _conversations_open(self, p: dict[str, Any], token: str) -> dict[str, Any]:
        if p.get("channel"):
            return {"ok": True, "no_op": True, "already_open": True, "channel": {"id": p["channel"]}}
        raw = p.get("users") or ""
        users = [u.strip() for u in (raw if isinstance(raw, list) else str(raw).split(",")) if u.strip()]
        if not users:
            raise SlackApiError("users_list_not_supplied")
        for u in users:
            self._user(u)
        if len(users) > 1:
            return {"ok": True, "channel": {"id": "G" + secrets.token_hex(4).upper()}}
        already = users[0] in self._dm_channels
        cid = self.dm_channel_for(users[0])
        return {"ok": True, "no_op": already, "already_open": already, "channel": {"id": cid}}

    def _team_info(self, p: dict[str, Any], token: str) -> dict[str, Any]:
        return {
            "ok": True,
            "team": {
                "id": TEAM_ID,
                "name": TEAM_NAME,
                "url": f"https://{TEAM_DOMAIN}.slack.com/",
                "domain": TEAM_DOMAIN,
                "email_domain": "",
                "icon": {
                    "image_default": True,
                    "image_34": "https://a.slack-edge.com/80588/img/avatars-teams/ava_0001-34.png",
                },
                "avatar_base_url": "https://ca.slack-edge.com/",
                "is_verified": False,
            },
        }

    def _oauth_v2_access(self, p: dict[str, Any], authorization: str) -> dict[str, Any]:
        client_id = p.get("client_id")
        if authorization.startswith("Basic "):  # slack_sdk sends client credentials as HTTP Basic auth
            with contextlib.suppress(ValueError):
                client_id = base64.b64decode(authorization[6:]).decode().split(":", 1)[0]
        if not client_id:
            return {"ok": False, "error": "invalid_client_id"}
        code = p.get("code")
        if not code or code in self._used_oauth_codes:
            return {"ok": False, "error": "invalid_code"}
        self._used_oauth_codes.add(str(code))
        suffix = secrets.token_hex(12)
        return {
            "ok": True,
            "access_token": f"xoxb-1234567890-{next(self._seq)}-{suffix}",
            "token_type": "bot",
            "scope": BOT_SCOPES,
            "bot_user_id": BOT_USER_ID,
            "app_id": APP_ID,
            "team": {"name": TEAM_NAME, "id": TEAM_ID},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {
                "id": self.oauth_installer_user_id,
                "scope": "identity.basic",
                "access_token": f"xoxp-1234567890-{suffix[:8]}",
                "token_type": "user",
            },
        }


def _validate_blocks(blocks: Any, limit: int) -> None:
    """What Slack rejects with invalid_blocks: not a list, too many, untyped, or not a valid Block model."""
    if not isinstance(blocks, list) or len(blocks) > limit:
        raise SlackApiError("invalid_blocks", messages=[f"[ERROR] must be a list of at most {limit} blocks"])
    for i, block in enumerate(blocks):
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            raise SlackApiError(
                "invalid_blocks", messages=[f"[ERROR] missing type [json-pointer:/blocks/{i}]"]
            )
        try:
            parsed = Block.parse(block)
            if parsed is None:  # slack_sdk returns None for block types it does not know
                raise ValueError(f"unknown block type {block['type']!r}")
            parsed.validate_json()
        except Exception as e:  # slack_sdk raises SlackObjectFormationError, TypeError, ValueError...
            raise SlackApiError(
                "invalid_blocks", messages=[f"[ERROR] {e} [json-pointer:/blocks/{i}]"]
            ) from None


def _validate_view(view: Any) -> None:
    if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
        raise SlackApiError(
            "invalid_arguments", messages=["[ERROR] must provide a view of type modal or home"]
        )
    _validate_blocks(view.get("blocks", []), VIEW_BLOCK_LIMIT)
    try:
        View(**view).validate_json()
    except Exception as e:
        raise SlackApiError("invalid_arguments", messages=[f"[ERROR] {e} [json-pointer:/view]"]) from None


_HANDLERS: dict[str, Callable[..., dict[str, Any]]] = {
    "auth.test": FakeSlack._auth_test,
    "chat.postMessage": FakeSlack._chat_post_message,
    "chat.postEphemeral": FakeSlack._chat_post_ephemeral,
    "chat.update": FakeSlack._chat_update,
    "views.open": FakeSlack._views_open,
    "views.push": FakeSlack._views_push,
    "views.update": FakeSlack._views_update,
    "views.publish": FakeSlack._views_publish,
    "users.info": FakeSlack._users_info,
    "users.lookupByEmail": FakeSlack._users_lookup_by_email,
    "conversations.open": FakeSlack._conversations_open,
    "team.info": FakeSlack._team_info,
    "files.getUploadURLExternal": FakeSlack._files_get_upload_url_external,
    "files.completeUploadExternal": FakeSlack._files_complete_upload_external,
    "oauth.v2.access": FakeSlack._oauth_v2_access,
}
