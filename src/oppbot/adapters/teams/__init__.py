"""The Microsoft Teams adapter: Bot Framework activities at `/api/messages` on oppbot's aiohttp server.

Every activity's JWT is validated (adapters.teams.sdk); a missing or bad token is 401 and nothing
runs. The botbuilder SDK is imported by adapters.teams.sdk alone.
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from oppbot import metrics
from oppbot.adapters.admission import Admission, Overloaded
from oppbot.adapters.teams.identity import TeamsIdentities
from oppbot.adapters.teams.notifier import TeamsNotifier
from oppbot.adapters.teams.outbound import Outbox
from oppbot.adapters.teams.sdk import KeysUnavailable, TeamsSdk, Unauthorized
from oppbot.adapters.teams.turns import TeamsBot
from oppbot.grammar import VERB_ALIASES
from oppbot.logs import request_context
from oppbot.runtime import Runtime

__all__ = ["MESSAGES_PATH", "TEAMS", "Teams", "build_teams", "mount_teams"]

log = logging.getLogger(__name__)
MESSAGES_PATH = "/api/messages"
SURFACE = "teams"
_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)
_OPPORTUNITY = re.compile(r"\bOP\d{6}\b", re.IGNORECASE)
MAX_BODY = 1024 * 1024  # an activity is a few KB; Teams' own limit per message is 100 KB


def command_of(body: dict[str, Any]) -> str:
    """The metrics label: a message's grammar verb, a card click's verb, else the activity type."""
    value = _dict(body.get("value"))
    action = _dict(value.get("action"))
    if action.get("verb"):
        return str(action["verb"])[:20]
    if body.get("type") == "message":
        words = [w for w in _MENTION.sub(" ", str(body.get("text") or "")).split() if w.lower() != "opp"]
        return VERB_ALIASES.get(words[0].lower(), "other") if words else "help"
    return str(body.get("type") or "other")[:20]


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def opportunity_of(body: dict[str, Any]) -> str | None:
    """The opportunity number an activity names (its text or a card's data), for the logs."""
    match = _OPPORTUNITY.search(json.dumps([body.get("text"), body.get("value")]))
    return match.group(0).upper() if match else None


@dataclass
class Teams:
    sdk: TeamsSdk
    outbox: Outbox
    notifier: TeamsNotifier
    bot: TeamsBot
    admission: Admission


TEAMS: web.AppKey[Teams] = web.AppKey("teams", Teams)


def build_teams(runtime: Runtime) -> Teams:
    """The adapter's parts; its notifier keeps Teams' live cards, feeds and direct messages."""
    sdk = TeamsSdk(runtime.settings)
    outbox = Outbox(sdk)
    identities = TeamsIdentities(runtime, sdk)
    notifier = TeamsNotifier(runtime, outbox, identities.viewers)
    bot = TeamsBot(runtime, identities, outbox, notifier)
    runtime.live_cards.add(notifier)
    runtime.channel_feeds.add(notifier)
    runtime.direct.add(notifier)
    return Teams(sdk, outbox, notifier, bot, Admission("Teams"))


def mount_teams(app: web.Application, runtime: Runtime) -> None:
    teams = build_teams(runtime)
    app[TEAMS] = teams

    async def messages(request: web.Request) -> web.Response:
        auth_header = request.headers.get("Authorization", "")
        if not auth_header.startswith("Bearer "):
            return web.Response(status=401, text="unauthorized")
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413, text="too large")
        try:
            body = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            return web.Response(status=400, text="not an activity")
        if not isinstance(body, dict) or not body.get("type"):
            return web.Response(status=400, text="not an activity")
        try:
            auth = await teams.sdk.authenticate(body, auth_header)
        except Unauthorized as exc:
            log.info("Teams activity refused: %s", exc)
            return web.Response(status=401, text="unauthorized")
        except KeysUnavailable:
            log.warning("Teams activity not checked: signing keys unavailable")
            return web.Response(status=503, text="try again")
        started, command, outcome = time.perf_counter(), command_of(body), "ok"
        sender = _dict(body.get("from"))
        context = request_context(
            request_key=f"teams:{body.get('id')}" if body.get("id") else None,
            surface=SURFACE,
            user=str(sender.get("aadObjectId") or sender.get("id") or "") or None,
            opportunity=opportunity_of(body),
        )
        with context:
            try:
                async with teams.admission.admitted(str(body.get("type"))):
                    answer = await teams.sdk.run_turn(auth, body, teams.bot.on_activity)
            except Overloaded:  # nothing done and nothing acknowledged: Teams tries again
                outcome = "busy"
                log.warning("busy: refused a Teams %s", body.get("type"))
                return web.Response(status=503, text="busy, try again")
            except Exception:  # the database is away, say: nothing was done, and Teams tries again
                outcome = "error"
                log.exception("Teams activity failed")
                return web.Response(status=503, text="try again")
            finally:
                elapsed = time.perf_counter() - started
                metrics.ACK_SECONDS.labels(SURFACE).observe(elapsed)  # the HTTP answer is Teams' ack
                metrics.REQUESTS.labels(SURFACE, command, outcome).inc()
                extra = {"duration_ms": round(elapsed * 1000, 1), "command": command, "outcome": outcome}
                log.info(
                    "%s %s %s in %.1f ms", body.get("type"), command, outcome, elapsed * 1000, extra=extra
                )
        if answer is None:
            return web.Response(status=200)
        status, payload = answer
        return web.json_response(payload, status=status)  # serialized once (the SDK's path does twice)

    app.router.add_post(MESSAGES_PATH, messages)

    async def start(_app: web.Application) -> None:
        await teams.sdk.start()

    async def drain(_app: web.Application) -> None:
        await teams.admission.drain()  # the turns accepted, then what they send after their answer
        await teams.outbox.drain()
        await teams.sdk.stop()

    app.on_startup.append(start)
    app.on_cleanup.append(drain)
