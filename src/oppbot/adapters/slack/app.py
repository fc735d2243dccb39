"""The slack-bolt AsyncApp: signature checks by Bolt, our listeners, retry-aware Web API clients."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse

from oppbot.adapters.admission import Overloaded
from oppbot.adapters.slack import actions, commands, home, modals, shortcuts, unfurls
from oppbot.adapters.slack.client import web_client
from oppbot.adapters.slack.direct import SlackDirectNotifier
from oppbot.adapters.slack.identity import Identities
from oppbot.adapters.slack.live import SlackNotifier
from oppbot.adapters.slack.oauth import oauth_settings
from oppbot.adapters.slack.support import SlackDeps, request_id
from oppbot.runtime import Runtime

log = logging.getLogger(__name__)


def slack_deps(runtime: Runtime) -> SlackDeps:
    """What the listeners share; its notifier keeps Slack's live cards and feeds after each change."""
    deps = SlackDeps(runtime, Identities(runtime), SlackNotifier(runtime))
    runtime.live_cards.add(deps.notifier)
    runtime.channel_feeds.add(deps.notifier)
    runtime.direct.add(SlackDirectNotifier(runtime, deps.notifier))  # reminders and digests as DMs
    return deps


def build_slack_app(runtime: Runtime, deps: SlackDeps | None = None) -> AsyncApp:
    """Single-workspace (bot token + signing secret) or multi-workspace (OAuth) AsyncApp."""
    settings = runtime.settings
    oauth = oauth_settings(runtime)
    if oauth is not None:
        app = AsyncApp(
            signing_secret=settings.slack_signing_secret,
            client=web_client(runtime),
            oauth_settings=oauth,
        )
    else:
        app = AsyncApp(
            signing_secret=settings.slack_signing_secret, client=web_client(runtime, settings.slack_bot_token)
        )
    deps = deps or slack_deps(runtime)

    @app.middleware
    async def drop_retries(body: dict[str, Any], next: Callable[[], Awaitable[None]]) -> BoltResponse | None:
        """A retry of a request this process already acknowledged: 200, and no work (it is done)."""
        rid = request_id(body)
        if rid is not None and rid in deps.recent:
            log.info("dropping a repeated Slack request %s", rid)
            return BoltResponse(status=200, body="")
        await next()
        return None

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse | None:
        if isinstance(error, Overloaded):
            # Not acknowledged: Slack tells the person (or retries an event); nothing was promised.
            log.warning("busy: refused %s unacknowledged", error)
            return BoltResponse(status=503, body="busy, try again")
        log.error("Slack listener failed on %s: %r", body.get("type"), error)
        return None

    for module in (commands, actions, modals, shortcuts, home, unfurls):
        module.register(app, deps)
    return app
