"""Slack's DirectNotifier: a reminder or digest as a DM from the bot (notify.port).

conversations.open gives the DM channel; chat.postMessage carries the document rendered like every
reply; a digest's chart follows with files_upload_v2 (Slack's current upload flow). An opportunity card
sent this way is recorded, so later changes redraw it (live cards). Rate limits are not waited out here:
a 429 becomes RetryLater with Slack's Retry-After, and the notification row waits in the database.
"""

from __future__ import annotations

import logging
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
            posted = await client.chat_postMessage(channel=channel, **rendered.kwargs())
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
