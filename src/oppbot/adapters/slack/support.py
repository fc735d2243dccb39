"""What every Slack listener shares: the runtime, identities, retry dedupe and the reply plumbing."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from oppbot.adapters.slack.identity import Identities, Who
from oppbot.adapters.slack.messages import Message
from oppbot.replies.i18n import t
from oppbot.runtime import Runtime

log = logging.getLogger(__name__)
RECENT_TTL = 30 * 60.0  # Slack retries within minutes; response_urls live 30 minutes
RECENT_MAX = 20_000


class RecentKeys:
    """Request ids seen lately in this process: a Slack retry of a request we already took is dropped.

    The durable guard is the service's claimed request key (same transaction as the change); this
    only spares the work (and a second visible answer) when the retry reaches the same process.
    """

    def __init__(self, ttl: float = RECENT_TTL, size: int = RECENT_MAX) -> None:
        self.ttl, self.size = ttl, size
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, key: str) -> bool:
        now = time.monotonic()
        while self._seen and next(iter(self._seen.values())) < now - self.ttl:
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now
        if len(self._seen) > self.size:
            self._seen.popitem(last=False)
        return True


def request_id(body: dict[str, Any]) -> str | None:
    """The id Slack repeats on a retry of the same request."""
    if body.get("type") == "event_callback":
        return f"event:{body.get('event_id')}" if body.get("event_id") else None
    trigger = body.get("trigger_id")
    return f"trigger:{trigger}" if trigger else None


def team_of(body: dict[str, Any]) -> str:
    team = body.get("team")
    if isinstance(team, dict) and team.get("id"):
        return str(team["id"])
    user = body.get("user")
    if isinstance(user, dict) and user.get("team_id"):
        return str(user["team_id"])
    return str(body.get("team_id") or "")


def user_of(body: dict[str, Any]) -> str:
    user = body.get("user")
    if isinstance(user, dict):
        return str(user.get("id") or "")
    if isinstance(user, str):
        return user
    return str(body.get("user_id") or "")


def request_key(body: dict[str, Any], kind: str = "") -> str | None:
    """The key the service claims with a change, so a retried request never acts twice."""
    rid = request_id(body)
    return f"slack:{team_of(body)}:{kind}{rid}" if rid else None


# Post-ack work running at once. More only lengthens every event-loop turn (the CPU is the limit),
# which delays the acks of new requests; the rest wait their turn after being acked.
WORK_SLOTS = 8


@dataclass
class SlackDeps:
    runtime: Runtime
    identities: Identities
    recent: RecentKeys = field(default_factory=RecentKeys)
    slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(WORK_SLOTS))

    async def safely(self, what: str, work: Callable[[], Awaitable[None]]) -> None:
        """Run listener work after the ack, a bounded number at a time; failures are logged."""
        async with self.slots:
            await safely(what, work)

    async def who(self, client: AsyncWebClient, body: dict[str, Any]) -> Who:
        return await self.identities.who(client, team_of(body), user_of(body))

    def not_linked(self, who: Who) -> Message:
        text = t(who.locale, "not_linked")
        return Message.plain_text(text)


class ReplySession:
    """One HTTP session for every response_url post: a new session per reply costs a TCP handshake."""

    _session: aiohttp.ClientSession | None = None
    _loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def get(cls) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if cls._session is None or cls._session.closed or cls._loop is not loop:
            cls._session, cls._loop = aiohttp.ClientSession(), loop
        return cls._session

    @classmethod
    async def close(cls) -> None:
        if cls._session is not None and cls._loop is asyncio.get_running_loop():
            await cls._session.close()
        cls._session = cls._loop = None


async def send_to_url(url: str, message: Message, **kwargs: Any) -> bool:
    """Post to a response_url (ephemeral by default); False when it failed (logged, never raised)."""
    try:
        client = AsyncWebhookClient(url, session=ReplySession.get())
        resp = await client.send(text=message.text, blocks=message.blocks, **kwargs)
    except Exception:
        log.exception("response_url post failed")
        return False
    if resp.status_code != 200:
        log.warning("response_url answered %s: %s", resp.status_code, resp.body)
    return bool(resp.status_code == 200)


async def safely(what: str, work: Callable[[], Awaitable[None]]) -> None:
    """Run listener work after the ack: a failure is logged; Slack already has its 200."""
    try:
        await work()
    except SlackApiError as exc:
        log.warning("%s: Slack API error %s", what, exc.response.get("error"))
    except Exception:
        log.exception("%s failed", what)
