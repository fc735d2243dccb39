"""Send correctly signed Slack requests (slash commands, interactivity, events) to our real HTTP server.

Payload shapes follow what Slack actually sends (cf. bolt-python's scenario tests and opsdroid's recorded
payloads). Signing follows https://docs.slack.dev/authentication/verifying-requests-from-slack/.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp

API_APP_ID = "A0DEMO"
TEAM_DOMAIN = "demo"
VERIFICATION_TOKEN = "verification-token-deprecated"  # Slack still sends it; signature is what counts


def sign(signing_secret: str, timestamp: int, body: bytes) -> str:
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class SlackResponse:
    status: int
    headers: Mapping[str, str]
    text: str
    elapsed: float  # seconds; Slack gives up after 3 s, so tests can assert on ack latency

    def json(self) -> Any:
        return json.loads(self.text)


class SlackRequestSender:
    """``base_url`` is the full events URL of the server under test, e.g. ``http://127.0.0.1:1234/slack/events``.

    ``response_url_for`` (typically ``FakeSlack.response_url``) builds response_urls pointing at the fake;
    without it a ``*.invalid`` URL is used so a stray ``respond()`` can never reach the real internet.
    """

    def __init__(
        self,
        base_url: str,
        signing_secret: str,
        *,
        team_id: str = "T0DEMO",
        session: aiohttp.ClientSession | None = None,
        response_url_for: Callable[[str], str] | None = None,
    ) -> None:
        self.base_url = base_url
        self.signing_secret = signing_secret
        self.team_id = team_id
        self._session = session
        self._owns_session = session is None
        self._response_url_for = response_url_for
        self._seq = itertools.count(1)

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> SlackRequestSender:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ------------------------------------------------------------------ ids

    def new_trigger_id(self) -> str:
        return f"{next(self._seq)}{int(time.time())}.{self.team_id[1:]}.{secrets.token_hex(16)}"

    def new_response_url(self, kind: str = "commands") -> str:
        rid = f"{kind}-{next(self._seq)}-{secrets.token_hex(6)}"
        if self._response_url_for is not None:
            return self._response_url_for(rid)
        return f"https://hooks.slack.invalid/{kind}/{self.team_id}/{rid}"

    def _team(self) -> dict[str, Any]:
        return {"id": self.team_id, "domain": TEAM_DOMAIN}

    def _user(self, user_id: str) -> dict[str, Any]:
        name = user_id.lower()
        return {"id": user_id, "username": name, "name": name, "team_id": self.team_id}

    # ------------------------------------------------------------------ request kinds

    async def slash_command(
        self,
        text: str,
        *,
        user_id: str,
        command: str = "/opp",
        channel_id: str = "C0DEMO",
        channel_name: str = "general",
        user_name: str | None = None,
        response_url: str | None = None,
        trigger_id: str | None = None,
        retry_num: int | None = None,
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> SlackResponse:
        fields = {
            "token": VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "team_domain": TEAM_DOMAIN,
            "channel_id": channel_id,
            "channel_name": "directmessage" if channel_id.startswith("D") else channel_name,
            "user_id": user_id,
            "user_name": user_name or user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": API_APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url or self.new_response_url("commands"),
            "trigger_id": trigger_id or self.new_trigger_id(),
        }
        body = urlencode(fields).encode()
        return await self.raw(
            body,
            "application/x-www-form-urlencoded",
            timestamp=timestamp,
            signature=signature,
            headers=_retry_headers(retry_num),
        )

    async def block_action(
        self,
        *,
        user_id: str,
        action_id: str,
        value: str,
        block_id: str = "actions",
        action_type: str = "button",
        message: dict[str, Any] | None = None,
        view: dict[str, Any] | None = None,
        channel_id: str = "C0DEMO",
        response_url: str | None = None,
        container: dict[str, Any] | None = None,
        state_values: dict[str, Any] | None = None,
        trigger_id: str | None = None,
    ) -> SlackResponse:
        """A click in a message (default) or, when ``view`` is given, inside a modal / App Home.

        ``trigger_id`` repeats an earlier click's id: the same request sent again."""
        now = f"{time.time():.6f}"
        action: dict[str, Any] = {"action_id": action_id, "block_id": block_id, "type": action_type}
        if action_type == "button":
            action["text"] = {"type": "plain_text", "text": value, "emoji": True}
            action["value"] = value
        elif action_type in ("static_select", "external_select", "radio_buttons"):
            action["selected_option"] = {
                "text": {"type": "plain_text", "text": value, "emoji": True},
                "value": value,
            }
        elif action_type == "users_select":
            action["selected_user"] = value
        elif action_type == "datepicker":
            action["selected_date"] = value
        else:
            action["value"] = value
        action["action_ts"] = now

        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user(user_id),
            "api_app_id": API_APP_ID,
            "token": VERIFICATION_TOKEN,
            "trigger_id": trigger_id or self.new_trigger_id(),
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if view is not None:
            full_view = _modal_view(self.team_id, view)
            if state_values is not None:
                full_view["state"] = {"values": state_values}
            payload["container"] = container or {
                "type": "view",
                "view_id": full_view["id"],
            }
            payload["view"] = full_view
        else:
            msg = message or {
                "bot_id": "B0BOT",
                "type": "message",
                "text": "",
                "user": "UBOT",
                "ts": "1700000000.000100",
                "app_id": API_APP_ID,
                "team": self.team_id,
                "blocks": [],
            }
            payload["container"] = container or {
                "type": "message",
                "message_ts": msg["ts"],
                "channel_id": channel_id,
                "is_ephemeral": False,
            }
            payload["channel"] = {"id": channel_id, "name": "general"}
            payload["message"] = msg
            payload["state"] = {"values": state_values or {}}
            payload["response_url"] = response_url or self.new_response_url("actions")
        payload["actions"] = [action]
        return await self.send_payload(payload)

    async def view_submission(
        self,
        *,
        user_id: str,
        callback_id: str,
        state_values: dict[str, Any],
        private_metadata: str = "",
        view_id: str = "V0001",
        blocks: list[dict[str, Any]] | None = None,
        title: str = "oppbot",
    ) -> SlackResponse:
        view = _modal_view(
            self.team_id,
            {
                "id": view_id,
                "callback_id": callback_id,
                "private_metadata": private_metadata,
                "blocks": blocks or [],
                "title": {"type": "plain_text", "text": title, "emoji": True},
            },
        )
        view["state"] = {"values": state_values}
        payload = {
            "type": "view_submission",
            "team": self._team(),
            "user": self._user(user_id),
            "api_app_id": API_APP_ID,
            "token": VERIFICATION_TOKEN,
            "trigger_id": self.new_trigger_id(),
            "view": view,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return await self.send_payload(payload)

    async def block_suggestion(
        self,
        *,
        user_id: str,
        action_id: str,
        value: str,
        block_id: str = "actions",
        view: dict[str, Any] | None = None,
    ) -> SlackResponse:
        """An external_select typeahead request; bolt answers it with ``ack(options=...)`` in the body."""
        full_view = _modal_view(self.team_id, view or {})
        payload = {
            "type": "block_suggestion",
            "user": self._user(user_id),
            "container": {"type": "view", "view_id": full_view["id"]},
            "api_app_id": API_APP_ID,
            "token": VERIFICATION_TOKEN,
            "action_id": action_id,
            "block_id": block_id,
            "value": value,
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
            "view": full_view,
        }
        return await self.send_payload(payload)

    async def shortcut(self, *, user_id: str, callback_id: str) -> SlackResponse:
        payload = {
            "type": "shortcut",
            "token": VERIFICATION_TOKEN,
            "action_ts": f"{time.time():.6f}",
            "team": self._team(),
            "user": {"id": user_id, "username": user_id.lower(), "team_id": self.team_id},
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": self.new_trigger_id(),
        }
        return await self.send_payload(payload)

    async def message_shortcut(
        self,
        *,
        user_id: str,
        callback_id: str,
        message_text: str,
        message_ts: str = "1700000000.000100",
        channel_id: str = "C0DEMO",
        message_user: str | None = None,
    ) -> SlackResponse:
        payload = {
            "type": "message_action",
            "token": VERIFICATION_TOKEN,
            "action_ts": f"{time.time():.6f}",
            "team": self._team(),
            "user": {
                "id": user_id,
                "name": user_id.lower(),
                "username": user_id.lower(),
                "team_id": self.team_id,
            },
            "channel": {"id": channel_id, "name": "general"},
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": self.new_trigger_id(),
            "message_ts": message_ts,
            "message": {
                "client_msg_id": secrets.token_hex(16),
                "type": "message",
                "text": message_text,
                "user": message_user or user_id,
                "ts": message_ts,
                "team": self.team_id,
                "blocks": [
                    {
                        "type": "rich_text",
                        "block_id": secrets.token_hex(2),
                        "elements": [
                            {
                                "type": "rich_text_section",
                                "elements": [{"type": "text", "text": message_text}],
                            }
                        ],
                    }
                ],
            },
            "response_url": self.new_response_url("app"),
        }
        return await self.send_payload(payload)

    async def event(
        self, event: dict[str, Any], *, retry_num: int | None = None, event_id: str | None = None
    ) -> SlackResponse:
        """Wraps ``event`` (e.g. ``{"type": "app_mention", ...}``) in an Events API ``event_callback``."""
        now = int(time.time())
        envelope = {
            "token": VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "context_team_id": self.team_id,
            "context_enterprise_id": None,
            "api_app_id": API_APP_ID,
            "event": {"event_ts": f"{now}.000200", **event},
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._seq):04d}{secrets.token_hex(4).upper()}",
            "event_time": now,
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": "UBOT",
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{secrets.token_hex(24)}",
        }
        return await self.raw(
            json.dumps(envelope).encode(), "application/json", headers=_retry_headers(retry_num)
        )

    async def url_verification(self, challenge: str) -> SlackResponse:
        body = {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
        return await self.raw(json.dumps(body).encode(), "application/json")

    async def raw(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> SlackResponse:
        """POST ``body`` signed as Slack would; override ``timestamp``/``signature`` to forge or replay."""
        ts = int(time.time()) if timestamp is None else timestamp
        all_headers = {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": signature if signature is not None else sign(self.signing_secret, ts, body),
            **(headers or {}),
        }
        if self._session is None:
            self._session = aiohttp.ClientSession()
        started = time.monotonic()
        async with self._session.post(self.base_url, data=body, headers=all_headers) as resp:
            text = await resp.text()
        return SlackResponse(resp.status, dict(resp.headers), text, time.monotonic() - started)

    async def send_payload(self, payload: dict[str, Any]) -> SlackResponse:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self.raw(body, "application/x-www-form-urlencoded")


def _retry_headers(retry_num: int | None) -> dict[str, str]:
    if retry_num is None:
        return {}
    return {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}


def _modal_view(team_id: str, overrides: dict[str, Any]) -> dict[str, Any]:
    view_id = overrides.get("id", "V0001")
    view: dict[str, Any] = {
        "id": view_id,
        "team_id": team_id,
        "type": "modal",
        "blocks": [],
        "private_metadata": "",
        "callback_id": "",
        "state": {"values": {}},
        "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
        "title": {"type": "plain_text", "text": "oppbot", "emoji": True},
        "clear_on_close": False,
        "notify_on_close": False,
        "close": {"type": "plain_text", "text": "Cancel", "emoji": True},
        "submit": {"type": "plain_text", "text": "Save", "emoji": True},
        "previous_view_id": None,
        "root_view_id": view_id,
        "app_id": API_APP_ID,
        "external_id": "",
        "app_installed_team_id": team_id,
        "bot_id": "B0BOT",
    }
    view.update(overrides)
    return view
