"""What every Slack listener shares: the runtime, identities, retry dedupe and the reply plumbing."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from oppbot import metrics
from oppbot.adapters.admission import DRAIN_WAIT, Admission, Overloaded
from oppbot.adapters.slack.identity import Identities, Who
from oppbot.adapters.slack.live import SlackNotifier
from oppbot.adapters.slack.messages import Message
from oppbot.grammar import VERB_ALIASES
from oppbot.logs import request_context
from oppbot.replies.i18n import t
from oppbot.runtime import Runtime

log = logging.getLogger(__name__)
RECENT_TTL = 30 * 60.0  # Slack retries within minutes; response_urls live 30 minutes
RECENT_MAX = 20_000


class RecentKeys:
    """Request ids this process has acknowledged lately: a Slack retry of one of them is dropped.

    Only acknowledged requests are remembered (an ack follows the commit), so a retry of a request
    still waiting, or one that failed unacknowledged, is processed. The durable guard is the
    service's claimed request key (same transaction as the change); this spares the work (and a
    second visible answer) when the retry reaches the same process.
    """

    def __init__(self, ttl: float = RECENT_TTL, size: int = RECENT_MAX) -> None:
        self.ttl, self.size = ttl, size
        self._seen: OrderedDict[str, float] = OrderedDict()

    def __contains__(self, key: str) -> bool:
        now = time.monotonic()
        while self._seen and next(iter(self._seen.values())) < now - self.ttl:
            self._seen.popitem(last=False)
        return key in self._seen

    def add(self, key: str) -> None:
        self._seen[key] = time.monotonic()
        self._seen.move_to_end(key)
        if len(self._seen) > self.size:
            self._seen.popitem(last=False)


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


# --- metrics and log context (deploy): bounded labels, the opportunity a request is about ----------
SURFACE = "slack"
_OPPORTUNITY = re.compile(r"\bOP\d{6}\b", re.IGNORECASE)


def command_of(what: str, body: dict[str, Any]) -> str:
    """The metrics label: the grammar's verb of a /opp command, a card button's verb, else `what`."""
    if body.get("command"):
        words = str(body.get("text") or "").split(maxsplit=1)
        return VERB_ALIASES.get(words[0].lower(), "other") if words else "help"
    actions = body.get("actions") or []
    if actions and isinstance(actions[0], dict) and str(actions[0].get("action_id", "")).startswith("opp_"):
        return str(actions[0]["action_id"]).removeprefix("opp_")
    return what


def opportunity_of(body: dict[str, Any]) -> str | None:
    """The opportunity number a request names (command text or button value), for the logs."""
    actions = body.get("actions") or []
    value = actions[0].get("value") if actions and isinstance(actions[0], dict) else None
    for text in (body.get("text"), value):
        if isinstance(text, str) and (match := _OPPORTUNITY.search(text)):
            return match.group(0).upper()
    return None


class Acker:
    """Acknowledges a request once: when the listener says so (after its change has committed),
    or when the work ends. Remembers the request as done for the retry filter."""

    def __init__(
        self,
        ack: AsyncAck | None,
        recent: RecentKeys,
        rid: str | None,
        on_ack: Callable[[], None] | None = None,
    ) -> None:
        self._ack, self._recent, self._rid, self._on_ack = ack, recent, rid, on_ack
        self.done = False

    async def __call__(self, **kwargs: Any) -> None:
        if self.done:
            return
        self.done = True
        if self._ack is not None:
            await self._ack(**kwargs)
        if self._on_ack is not None:
            self._on_ack()
        if self._rid is not None:
            self._recent.add(self._rid)


Work = Callable[[Acker], Awaitable[None]]


@dataclass
class SlackDeps:
    runtime: Runtime
    identities: Identities
    notifier: SlackNotifier
    recent: RecentKeys = field(default_factory=RecentKeys)
    admission: Admission = field(default_factory=lambda: Admission("Slack"))

    async def handle(
        self, what: str, ack: AsyncAck | None, body: dict[str, Any], client: AsyncWebClient, work: Work
    ) -> None:
        """Run one request: its work acknowledges it once its change is committed, never before.

        A request that cannot start within ADMIT_WAIT raises Overloaded (no ack: Slack shows the
        person its error). A failure is logged once and answered with an apology in the person's
        language; before the ack that apology says nothing was changed, and is the ack itself.
        """
        started = time.perf_counter()
        command, outcome = command_of(what, body), "ok"
        context = request_context(
            request_key=request_key(body),
            surface=SURFACE,
            user=f"{team_of(body)}:{user_of(body)}",
            opportunity=opportunity_of(body),
        )
        with context, self.runtime.service.request_scope():
            try:
                async with self.admission.admitted(what):
                    rid = request_id(body)
                    if ack is None and rid is not None:
                        self.recent.add(rid)  # an event: Bolt acknowledged it on arrival

                    def acked() -> None:
                        metrics.ACK_SECONDS.labels(SURFACE).observe(time.perf_counter() - started)

                    acker = Acker(ack, self.recent, rid, acked)
                    try:
                        await work(acker)
                        await acker()
                    except Exception as exc:
                        outcome = "error"
                        await self._failed(what, body, client, acker, exc)
                    finally:
                        metrics.REPLY_SECONDS.labels(SURFACE).observe(time.perf_counter() - started)
            except Overloaded:
                outcome = "busy"
                raise
            finally:
                metrics.REQUESTS.labels(SURFACE, command, outcome).inc()
                duration = round((time.perf_counter() - started) * 1000, 1)
                extra = {"duration_ms": duration, "command": command, "outcome": outcome}
                log.info("%s %s %s in %.1f ms", what, command, outcome, duration, extra=extra)

    async def drain(self, timeout: float = DRAIN_WAIT) -> None:
        """Wait for the requests already accepted (SIGTERM: the listener has stopped taking new ones)."""
        await self.admission.drain(timeout)

    async def _failed(
        self, what: str, body: dict[str, Any], client: AsyncWebClient, acker: Acker, exc: Exception
    ) -> None:
        if isinstance(exc, SlackApiError):
            log.error("%s: Slack API error %s", what, exc.response.get("error"))
        else:
            log.error("%s failed", what, exc_info=exc)
        locale = self.identities.cached_locale(team_of(body), user_of(body))
        committed = acker.done  # acks follow commits: before the ack, nothing was changed
        text = t(locale, "internal_error_after" if committed else "internal_error")
        try:
            await self._apologize(body, client, acker, text)
        except Exception:
            log.exception("%s: the apology could not be delivered either", what)
        finally:
            await acker()

    async def _apologize(self, body: dict[str, Any], client: AsyncWebClient, acker: Acker, text: str) -> None:
        """The apology goes where the person is looking, visible to them alone."""
        kind = body.get("type")
        if body.get("command") and not acker.done:
            await acker(text=text, response_type="ephemeral")
        elif kind == "view_submission" and not acker.done:
            block = _first_input_block(body.get("view") or {})
            if block is not None:
                await acker(response_action="errors", errors={block: text})
        elif kind == "block_suggestion":
            await acker(options=[])
        elif body.get("response_url"):
            await acker()
            await send_to_url(
                str(body["response_url"]),
                Message.plain_text(text),
                response_type="ephemeral",
                replace_original=False,
            )
        else:  # App Home, global shortcuts, events: no response_url
            await acker()
            user = user_of(body) or str((body.get("event") or {}).get("user") or "")
            if _at_home(body):
                section = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
                await client.views_publish(user_id=user, view={"type": "home", "blocks": [section]})
            elif user:
                await client.chat_postMessage(channel=user, text=text)

    async def who(self, client: AsyncWebClient, body: dict[str, Any]) -> Who:
        return await self.identities.who(client, team_of(body), user_of(body))

    def not_linked(self, who: Who) -> Message:
        text = t(who.locale, "not_linked")
        return Message.plain_text(text)


def _at_home(body: dict[str, Any]) -> bool:
    event = body.get("event") or {}
    return event.get("type") == "app_home_opened" or (body.get("view") or {}).get("type") == "home"


def _first_input_block(view: dict[str, Any]) -> str | None:
    for block in view.get("blocks") or []:
        if block.get("type") == "input" and block.get("block_id"):
            return str(block["block_id"])
    return None


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
