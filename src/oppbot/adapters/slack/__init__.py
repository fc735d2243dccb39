"""The Slack adapter: slack-bolt's AsyncApp mounted on oppbot's aiohttp server (or over Socket Mode)."""

from __future__ import annotations

import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

from oppbot.adapters.slack.app import build_slack_app, slack_deps
from oppbot.adapters.slack.client import web_client
from oppbot.adapters.slack.oauth import INSTALL_PATH, REDIRECT_PATH
from oppbot.adapters.slack.support import ReplySession
from oppbot.runtime import Runtime

__all__ = ["EVENTS_PATH", "SLACK_APP", "build_slack_app", "mount_slack", "start_socket_mode"]

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
SLACK_APP: web.AppKey[AsyncApp] = web.AppKey("slack_app", AsyncApp)


def mount_slack(app: web.Application, runtime: Runtime) -> None:
    """`/slack/events` for everything Slack sends; `/slack/install` + `/slack/oauth_redirect` with OAuth."""
    deps = slack_deps(runtime)
    bolt = build_slack_app(runtime, deps)
    app[SLACK_APP] = bolt

    async def events(request: web.Request) -> web.Response:
        if not request.headers.get(TIMESTAMP_HEADER, "").isdigit():
            # Bolt's verifier would raise on int(...) and answer 500: a bad timestamp is a bad signature.
            return web.Response(status=401, text="invalid request")
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app.router.add_post(EVENTS_PATH, events)

    async def drain(_app: web.Application) -> None:
        # After aiohttp has stopped listening and finished its in-flight HTTP requests: the work
        # those requests started (replies after the ack) ends before the database closes.
        await deps.drain()
        await ReplySession.close()

    app.on_cleanup.append(drain)
    flow = bolt.oauth_flow
    if flow is not None:

        async def install(request: web.Request) -> web.Response:
            return await to_aiohttp_response(await flow.handle_installation(await to_bolt_request(request)))

        async def redirect(request: web.Request) -> web.Response:
            return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))

        app.router.add_get(INSTALL_PATH, install)
        app.router.add_get(REDIRECT_PATH, redirect)


async def start_socket_mode(runtime: Runtime, bolt: AsyncApp | None = None) -> AsyncSocketModeHandler | None:
    """With an app-level token (`xapp-…`), also take Slack's requests over Socket Mode; else None.

    The caller (`oppbot serve`) keeps the handler and awaits `handler.close_async()` on shutdown.
    """
    token = runtime.settings.slack_app_token
    if not token:
        return None
    handler = AsyncSocketModeHandler(
        bolt or build_slack_app(runtime),
        token,
        web_client=web_client(runtime, runtime.settings.slack_bot_token),
    )
    await handler.connect_async()  # type: ignore[no-untyped-call]
    log.info("Slack Socket Mode connected")
    return handler
