"""Slack's DirectNotifier: a reminder or digest as a DM from the bot (notify.port).

conversations.open gives the DM channel; chat.postMessage carries the document rendered like every
reply; a digest's chart follows with files_upload_v2 (Slack's current upload flow). An opportunity card
sent this way is recorded, so later changes redraw it (live cards). Rate limits are not waited out here:
a 429 becomes RetryLater with Slack's Retry-After, and the notification row waits in the database.

Each DM carries its notification's key as message metadata; a later attempt at the same notification
(its sender died after posting, before recording it) finds it in the DM's history and does not post
again (`delivered`, needs the im:history scope; without it the DM is sent again).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncConnectionErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from oppbot.adapters.slack.live import PLATFORM, SlackNotifier
from oppbot.adapters.slack.messages import document_message
from oppbot.notify.port import Direct, RetryLater, Unreachable
from oppbot.replies.document import Card
from oppbot.replies.format import Formatter
from oppbot.runtime import Runtime

log = logging.getLogger(__name__)
# A DM's message metadata: {"event_type": EVENT_TYPE, "event_payload": {"key": "kind:target:period"}}
EVENT_TYPE = "oppbot_notification"
HISTORY_PAGES = 10  # at most this many pages of 200 DMs are searched for an earlier delivery
DEFAULT_RETRY = 30.0  # seconds, when Slack gives no Retry-After
# The person cannot get a DM from the bot: mark the notification and move on.
GONE = frozenset(
    {
        "user_not_found",
        "users_not_found",
        "user_disabled",
        "user_not_visible",
        "account_inactive",
        "cannot_dm_bot",
        "channel_not_found",
        "is_archived",
        "not_in_channel",
        "team_access_not_granted",
        "token_revoked",
        "invalid_auth",
        "not_authed",
        "missing_scope",
    }
)
BUSY = frozenset({"ratelimited", "rate_limited", "service_unavailable", "fatal_error", "internal_error"})


class SlackDirectNotifier:
    platform = PLATFORM

    def __init__(self, runtime: Runtime, live: SlackNotifier) -> None:
        self.runtime = runtime
        self.live = live
        self._clients: dict[str, AsyncWebClient] = {}

    @classmethod
    def for_runtime(cls, runtime: Runtime) -> SlackDirectNotifier:
        """Outside `serve` (the scheduler alone): its own live-card recorder."""
        return cls(runtime, SlackNotifier(runtime))

    async def send(self, message: Direct) -> None:
        found = await self.runtime.notifications.recipient(message.person)
        if found is None:
            raise Unreachable(f"no salesperson {message.person}")
        _person, prefs, known = found
        identities = [(team, user) for platform, team, user in known if platform == PLATFORM]
        if not identities:
            raise Unreachable("no Slack identity")
        locale = prefs.effective_locale(None, self.runtime.settings.locale)
        f = Formatter(locale, self.runtime.service.currency)
        rendered = document_message(message.document, f)
        team, user = identities[0]
        client = await self._client(team)
        if client is None:
            raise Unreachable(f"no Slack token for team {team}")
        try:
            opened = await client.conversations_open(users=user)
            channel = str((opened.get("channel") or {}).get("id") or "")
            extra: dict[str, Any] = {}
            if message.key:
                extra["metadata"] = {"event_type": EVENT_TYPE, "event_payload": {"key": message.key}}
            posted = await client.chat_postMessage(channel=channel, **rendered.kwargs(), **extra)
        except SlackApiError as exc:
            raise _translate(exc) from exc
        except (TimeoutError, aiohttp.ClientError) as exc:  # Slack away: the row waits and is retried
            raise RetryLater(DEFAULT_RETRY) from exc
        if message.live_no and isinstance(message.document, Card):
            card = message.document
            await self.live.cards.record(
                PLATFORM, team, str(posted.get("channel") or channel), str(posted.get("ts") or ""),
                card.no, locale, card.version,
            )  # fmt: skip
        for image in message.images:
            # The message is delivered: a failed picture is logged, never a reason to send it all again.
            try:
                await client.files_upload_v2(
                    channel=channel, content=image.png, filename=image.filename, title=image.title
                )
            except Exception as exc:
                log.warning("chart %s not uploaded to %s: %r", image.filename, message.person, exc)

    async def delivered(self, message: Direct, since: datetime) -> bool:
        """Whether the person's DM holds a message with `message.key` posted since `since`."""
        if not message.key:
            return False
        found = await self.runtime.notifications.recipient(message.person)
        identities = [(t, u) for platform, t, u in (found[2] if found else []) if platform == PLATFORM]
        if not identities:
            return False
        team, user = identities[0]
        client = await self._client(team)
        if client is None:
            return False
        try:
            opened = await client.conversations_open(users=user)
            channel = str((opened.get("channel") or {}).get("id") or "")
            cursor: str | None = None
            for _ in range(HISTORY_PAGES):
                page = await client.conversations_history(
                    channel=channel,
                    oldest=f"{since.timestamp() - 1:.6f}",
                    limit=200,
                    include_all_metadata=True,
                    cursor=cursor,
                )
                for posted in page.get("messages") or []:
                    meta = posted.get("metadata") or {}
                    if (
                        meta.get("event_type") == EVENT_TYPE
                        and (meta.get("event_payload") or {}).get("key") == message.key
                    ):
                        locale = (
                            found[1].effective_locale(None, self.runtime.settings.locale) if found else ""
                        )
                        await self._keep_live(team, channel, str(posted.get("ts") or ""), message, locale)
                        return True
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if not page.get("has_more") or not cursor:
                    return False
        except SlackApiError as exc:
            translated = _translate(exc)
            if isinstance(translated, RetryLater):  # busy: look again later rather than risk a copy
                raise translated from exc
            log.warning("no DM history of %s (%s): the notification is sent again", message.person, exc)
            return False
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise RetryLater(DEFAULT_RETRY) from exc
        return False

    async def _keep_live(self, team: str, channel: str, ts: str, message: Direct, locale: str) -> None:
        """The earlier attempt may have died before recording its card as live: record it (once)."""
        if not (message.live_no and isinstance(message.document, Card) and ts):
            return
        card = message.document
        await self.live.cards.record(PLATFORM, team, channel, ts, card.no, locale, card.version)

    async def _client(self, team_id: str) -> AsyncWebClient | None:
        """A client without the rate-limit retry handler: a 429 goes back to the notification row."""
        if team_id in self._clients:
            return self._clients[team_id]
        token = await self.live.token(team_id)
        if not token:
            return None
        client = AsyncWebClient(token=token, base_url=self.runtime.settings.slack_api_url)
        client.retry_handlers.append(AsyncConnectionErrorRetryHandler(max_retry_count=2))
        self._clients[team_id] = client
        return client


def _translate(exc: SlackApiError) -> Exception:
    response: Any = exc.response
    error = str(response.get("error") or "")
    status = int(getattr(response, "status_code", 200) or 200)
    if status == 429 or error in BUSY or status >= 500:
        headers = getattr(response, "headers", {}) or {}
        raw = headers.get("Retry-After") or headers.get("retry-after")
        try:
            seconds = float(raw) if raw is not None else DEFAULT_RETRY
        except ValueError:
            seconds = DEFAULT_RETRY
        return RetryLater(seconds)
    if error in GONE:
        return Unreachable(error)
    return exc
