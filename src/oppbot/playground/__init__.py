"""The playground: the whole bot in a browser, with no Slack or Teams account (conventions.md, "Playground").

`oppbot serve` with no chat credentials starts a stand-in for Slack's servers on loopback (standin.py),
mounts the real Slack adapter pointed at it with a signing secret and a bot token made up for this run,
and serves a page at `/` that looks like a small Slack workspace (workspace.py, web.py, static/).

Beside it, a stand-in for the Bot Framework (teams_standin.py: the channel's signing keys, a token
endpoint, the Connector) with an app id, a password and an RSA key made up for this run; the real Teams
adapter is mounted at `/api/messages` and pointed at it, and the page's Teams pane (teams_chat.py) is
each demo person's 1:1 chat with the bot, over the same database: one ledger, two chats.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import uuid
from dataclasses import dataclass, field

from aiohttp import web

from oppbot.config import Playground as PlaygroundSetting
from oppbot.config import Settings, is_loopback_host
from oppbot.playground.sender import SlackRequestSender
from oppbot.playground.standin import FakeSlack
from oppbot.playground.teams_chat import TeamsChat
from oppbot.playground.teams_standin import FakeConnector, KeyServer, TokenSigner
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
    """The stand-ins, the settings that point the Slack and Teams adapters at them, and the page's
    workspace (Slack) and chats (Teams)."""

    settings: Settings
    standin: FakeSlack
    workspace: Workspace
    teams: TeamsChat
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

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
        teams = await start_teams(settings)
        bot_settings = bot_settings.model_copy(
            update={
                "teams_app_id": teams.app_id,
                "teams_app_password": teams.connector.password,
                "teams_openid_metadata_url": teams.keys.metadata_url,
                "teams_token_url": teams.connector.token_url,
            }
        )
        return cls(bot_settings, standin, Workspace(standin, sender), teams)

    async def load_demo(self, runtime: Runtime) -> None:
        """The demo data on first run (an empty database), as `oppbot setup demo` loads it."""
        from oppbot.service.setup import load_demo

        if not await runtime.service.salespeople():
            await load_demo(runtime.service)
            # Someone trying oppbot may do so at any hour: the demo people work round the clock, so
            # "Run the scheduler now" shows reminders at once (a real team keeps 09:00-18:00 Mon-Fri).
            for person in await runtime.service.salespeople():
                await runtime.service.set_preferences(
                    person, working_hours="00:00-24:00", working_days="mon-sun"
                )
            log.info("playground: demo data loaded")

    def mount(self, app: web.Application, runtime: Runtime) -> None:
        from oppbot.playground.web import add_routes

        add_routes(app, self.workspace, self.teams)

    def attach(self, port: int) -> str:
        """The port the server listens on, known once it listens; returns the page's address."""
        host = self.settings.host
        base = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
        self.workspace.sender.base_url = f"{base}/slack/events"
        self.teams.messages_url = f"{base}/api/messages"
        task = asyncio.create_task(self._install_teams(), name="playground teams install")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return f"{base}/"

    async def _install_teams(self) -> None:
        try:
            await self.teams.install()
        except Exception:  # the chats still work: the bot learns each one from its first message
            log.exception("playground: Teams install failed")

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.workspace.sender.close()
        await self.standin.stop()
        await self.teams.close()
        await self.teams.connector.__aexit__(None, None, None)
        self.teams.keys.__exit__(None, None, None)


async def start_teams(settings: Settings) -> TeamsChat:
    """The Bot Framework stand-in on loopback, with an app id, a password and a signing key made up for
    this run: nobody outside this process can sign an activity the bot accepts."""
    signer = TokenSigner()
    app_id = str(uuid.uuid4())
    connector = FakeConnector(app_id, secrets.token_urlsafe(32), max_sent=KEPT_CALLS, strict=True)
    await connector.__aenter__()  # on 127.0.0.1, a free port
    keys = KeyServer(signer).__enter__()  # its own thread: the bot fetches keys with blocking requests
    locale = "it-IT" if settings.locale == "it" else "en-US"
    return TeamsChat(connector, keys, signer, app_id, locale=locale, timezone=settings.timezone)
