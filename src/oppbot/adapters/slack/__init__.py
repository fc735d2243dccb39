"""The Slack adapter: slack-bolt's AsyncApp mounted on oppbot's aiohttp server (or over Socket Mode)."""

from __future__ import annotations

import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

from oppbot.adapters.slack.app import build_slack_app, web_client
from oppbot.adapters.slack.oauth import INSTALL_PATH, REDIRECT_PATH
from oppbot.adapters.slack.support import ReplySession
from oppbot.runtime import Runtime

__all__ = ["EVENTS_PATH", "SLACK_APP", "build_slack_app", "mount_slack", "start_socket_mode"]

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
SLACK_APP: web.AppKey[AsyncApp] = web.AppKey("slack_app", AsyncApp)


def mount_slack(app: web.Application, runtime: Runtime) -> None:
    """`/slack/events` for everything Slack sends; `/slack/install` + `/slack/oauth_redirect` with OAuth."""
    bolt = build_slack_app(runtime)
    app[SLACK_APP] = bolt

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app.router.add_post(EVENTS_PATH, events)

    async def close_reply_session(_app: web.Application) -> None:
        await ReplySession.close()

    app.on_cleanup.append(close_reply_session)
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
