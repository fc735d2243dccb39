"""The page at `/` and the small JSON API it talks to (served by oppbot's own aiohttp server).

GET  /playground/api/state?user=U&after=REV   long poll: the person's view of the workspace once it changed
POST /playground/api/say       {user, channel, text}                 `/opp …` or a channel message
POST /playground/api/action    {user, action, entry | view, state}   block_actions
POST /playground/api/submit    {user, view, state}                   view_submission
POST /playground/api/close     {user, view}                          the modal's Cancel
POST /playground/api/suggest   {user, view, action_id, block_id, value}   block_suggestion
POST /playground/api/home      {user}                                app_home_opened

The Teams pane (teams_chat.py):
GET  /playground/api/teams/state?user=U&after=REV   long poll: the person's 1:1 chat with the bot
POST /playground/api/teams/say      {user, text}                      a message activity
POST /playground/api/teams/execute  {user, entry, verb, data, trigger}   the adaptiveCard/action invoke
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from oppbot.playground.teams_chat import TeamsChat
from oppbot.playground.workspace import PlaygroundInputError, Workspace

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
API = "/playground/api"
LONG_POLL = 25.0  # seconds; below common proxy idle timeouts
WORKSPACE: web.AppKey[Workspace] = web.AppKey("playground_workspace", Workspace)
LOOPBACK_PEERS = ("127.0.0.1", "::1", "::ffff:127.0.0.1")
STATIC_FILES = ("playground.css", "playground.js", "blockkit.js", "adaptivecards.js", "teams.js")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _local_only(handler: Handler) -> Handler:
    """The page acts as anyone: it answers this machine only, whatever interface the server binds."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        if request.remote not in LOOPBACK_PEERS:
            return web.Response(status=403, text="the playground answers on loopback only")
        try:
            return await handler(request)
        except PlaygroundInputError as exc:
            return web.json_response({"error": str(exc)}, status=400)

    return guarded


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except json.JSONDecodeError:
        raise PlaygroundInputError("the body is not JSON") from None
    if not isinstance(body, dict):
        raise PlaygroundInputError("the body is not a JSON object")
    return body


def _str(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str):
        raise PlaygroundInputError(f"{key} must be a string")
    return value


def _dict(body: dict[str, Any], key: str) -> dict[str, Any]:
    value = body.get(key) or {}
    if not isinstance(value, dict):
        raise PlaygroundInputError(f"{key} must be an object")
    return value


def _long_poll(pane: Workspace | TeamsChat) -> Handler:
    """A pane's state for the page, once it changed after the page's revision `after` (or at the poll's
    end); an `after` that is not a number asks for it at once. An unknown `user` is refused first."""

    async def state(request: web.Request) -> web.StreamResponse:
        user = request.query.get("user", "")
        try:
            after = int(request.query.get("after", "-1"))
        except ValueError:
            after = -1
        pane.person(user)
        await pane.wait(after, LONG_POLL)
        return web.json_response(pane.state(user))

    return state


def add_routes(app: web.Application, workspace: Workspace, teams: TeamsChat | None = None) -> None:
    app[WORKSPACE] = workspace

    async def release(_app: web.Application) -> None:
        workspace.release()
        if teams is not None:
            teams.release()

    app.on_shutdown.append(release)

    async def index(request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    async def say(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        return web.json_response(
            await workspace.say(_str(body, "user"), _str(body, "channel"), _str(body, "text"))
        )

    async def action(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        entry = body.get("entry")
        view = body.get("view")
        result = await workspace.act(
            _str(body, "user"),
            _dict(body, "action"),
            entry_id=entry if isinstance(entry, int) else None,
            view_id=view if isinstance(view, str) else None,
            state=_dict(body, "state"),
        )
        return web.json_response(result)

    async def submit(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        result = await workspace.submit(_str(body, "user"), _str(body, "view"), _dict(body, "state"))
        return web.json_response(result)

    async def close(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        workspace.close(_str(body, "user"), _str(body, "view"))
        return web.json_response({"status": 200})

    async def suggest(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        result = await workspace.suggest(
            _str(body, "user"),
            _str(body, "view"),
            _str(body, "action_id"),
            _str(body, "block_id"),
            str(body.get("value") or ""),
        )
        return web.json_response(result)

    async def home(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        return web.json_response(await workspace.open_home(_str(body, "user")))

    app.router.add_get("/", _local_only(index))
    app.router.add_get(f"{API}/state", _local_only(_long_poll(workspace)))
    app.router.add_post(f"{API}/say", _local_only(say))
    app.router.add_post(f"{API}/action", _local_only(action))
    app.router.add_post(f"{API}/submit", _local_only(submit))
    app.router.add_post(f"{API}/close", _local_only(close))
    app.router.add_post(f"{API}/suggest", _local_only(suggest))
    app.router.add_post(f"{API}/home", _local_only(home))
    app.router.add_post(f"{API}/scan", _local_only(scan))
    if teams is not None:
        add_teams_routes(app, teams)
    for name in STATIC_FILES:
        app.router.add_get(f"/playground/static/{name}", _local_only(_static(name)))


async def scan(request: web.Request) -> web.StreamResponse:
    """The scheduler's pass now, with a digest for every manager and admin: reminders and digests
    appear in the chats without waiting for the next pass or Monday 09:00."""
    from oppbot.domain.enums import Role
    from oppbot.server import RUNTIME, SCHEDULER

    scheduler = request.app.get(SCHEDULER)
    if scheduler is None:
        return web.json_response({"error": "the scheduler is off (OPPBOT_SCHEDULER=off)"}, status=409)
    runtime = request.app[RUNTIME]
    for person in await runtime.service.salespeople():
        if person.role in (Role.MANAGER, Role.ADMIN):
            await runtime.notifications.digest_now(person)
    report = await scheduler.run_once()
    sent = {kind: report.sent.get(kind, 0) for kind in ("reminder", "escalation", "todo", "digest")}
    return web.json_response({"sent": sent, "retried": report.retried, "unreachable": report.unreachable})


def add_teams_routes(app: web.Application, teams: TeamsChat) -> None:
    async def say(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        return web.json_response(await teams.say(_str(body, "user"), _str(body, "text")))

    async def execute(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        trigger = "automatic" if body.get("trigger") == "automatic" else "manual"
        result = await teams.execute(
            _str(body, "user"), _str(body, "entry"), _str(body, "verb"), _dict(body, "data"), trigger=trigger
        )
        return web.json_response(result)

    app.router.add_get(f"{API}/teams/state", _local_only(_long_poll(teams)))
    app.router.add_post(f"{API}/teams/say", _local_only(say))
    app.router.add_post(f"{API}/teams/execute", _local_only(execute))


def _static(name: str) -> Handler:
    async def serve(request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC / name, headers={"Cache-Control": "no-cache"})

    return serve
