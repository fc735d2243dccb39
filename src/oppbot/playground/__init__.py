"""The playground: the whole bot in a browser, with no Slack or Teams account (conventions.md, "Playground").

`oppbot serve` with no chat credentials starts a stand-in for Slack's servers on loopback (standin.py),
mounts the real Slack adapter pointed at it with a signing secret and a bot token made up for this run,
and serves a page at `/` that looks like a small Slack workspace (workspace.py, web.py, static/).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from aiohttp import web

from oppbot.config import Playground as PlaygroundSetting
from oppbot.config import Settings, is_loopback_host
from oppbot.playground.sender import SlackRequestSender
from oppbot.playground.standin import FakeSlack
from oppbot.playground.workspace import DEMO_PEOPLE, Workspace
from oppbot.runtime import Runtime

__all__ = ["PlaygroundRefused", "SlackPlayground", "wanted"]

log = logging.getLogger(__name__)
KEPT_CALLS = 500  # the stand-in's record of calls: enough to look at, bounded for a long run


class PlaygroundRefused(RuntimeError):
    """The playground fakes identities: never beside real chat credentials, never off loopback."""


def real_credentials(settings: Settings) -> bool:
    return settings.slack_configured or settings.teams_configured or bool(settings.slack_bot_token)


def wanted(settings: Settings) -> bool:
    """Whether `oppbot serve` starts the playground: not `off`, no credentials, a loopback host.

    `on` beside credentials or off loopback never gets here: the settings refuse it (config.py)."""
    if settings.playground == PlaygroundSetting.OFF or real_credentials(settings):
        return False
    if not is_loopback_host(settings.host):
        log.warning("playground off: OPPBOT_HOST %s is not a loopback address", settings.host)
        return False
    return True


@dataclass
class SlackPlayground:
    """The stand-in, the settings that point the Slack adapter at it, and the page's workspace."""

    settings: Settings
    standin: FakeSlack
    workspace: Workspace

    @classmethod
    async def start(cls, settings: Settings) -> SlackPlayground:
        if real_credentials(settings):
            raise PlaygroundRefused("the playground never starts beside real Slack or Teams credentials")
        if not is_loopback_host(settings.host):
            raise PlaygroundRefused(f"the playground listens on loopback only, not {settings.host}")
        standin = FakeSlack(max_calls=KEPT_CALLS)
        await standin.start()  # on 127.0.0.1, a free port
        for person in DEMO_PEOPLE:
            standin.add_user(
                person.user_id,
                name=person.name.lower().replace(" ", "."),
                real_name=person.name,
                email=person.email,
                tz=settings.timezone,
                locale="it-IT" if settings.locale == "it" else "en-US",
            )
        # Made up for this run: nobody outside this process can sign a request the bot accepts.
        secret = secrets.token_hex(32)
        bot_settings = settings.model_copy(
            update={
                "slack_signing_secret": secret,
                "slack_bot_token": f"xoxb-playground-{secrets.token_hex(12)}",
                "slack_api_url": standin.base_url,
            }
        )
        sender = SlackRequestSender("", secret, response_url_for=standin.response_url)
        return cls(bot_settings, standin, Workspace(standin, sender))

    async def load_demo(self, runtime: Runtime) -> None:
        """The demo data on first run (an empty database), as `oppbot setup demo` loads it."""
        from oppbot.service.setup import load_demo

        if not await runtime.service.salespeople():
            await load_demo(runtime.service)
            log.info("playground: demo data loaded")

    def mount(self, app: web.Application, runtime: Runtime) -> None:
        from oppbot.playground.web import add_routes

        add_routes(app, self.workspace)

    def attach(self, port: int) -> str:
        """The port the server listens on, known once it listens; returns the page's address."""
        host = self.settings.host
        base = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
        self.workspace.sender.base_url = f"{base}/slack/events"
        return f"{base}/"

    async def stop(self) -> None:
        await self.workspace.sender.close()
        await self.standin.stop()
