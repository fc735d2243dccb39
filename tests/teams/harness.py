"""The real server (build_app + mount_teams, optionally mount_slack) on loopback, with JWT validation
on: a fake channel signs activities and serves its keys, a fake Connector takes the bot's replies.

Re-export the fixtures from a test module: `from tests.teams.harness import teams  # noqa: F401`.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from oppbot.adapters.slack import mount_slack
from oppbot.adapters.teams import TEAMS, Teams, mount_teams
from oppbot.config import load_settings
from oppbot.domain.model import Opportunity
from oppbot.runtime import Runtime
from oppbot.server import Mount, build_app
from oppbot.service.opportunities import OpportunityService
from oppbot.service.uow import UnitOfWork
from tests.dbfixtures import Clock, DbTarget
from tests.fakes.loopback import LoopbackServer
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_client import SlackRequestSender
from tests.fakes.teams_connector import (
    APP_ID,
    APP_PASSWORD,
    BOT_ID,
    TENANT,
    FakeConnector,
    KeyServer,
    Sent,
    TokenSigner,
)
from tests.slack.seed import USERS, seeded_runtime
from tests.teams.validate import card_text as card_text  # re-exported for the tests
from tests.teams.validate import valid_card

SLACK_SECRET = "test-secret"
CARD = "application/vnd.microsoft.card.adaptive"


@dataclass(frozen=True)
class TeamsUser:
    user_id: str  # 29:…
    aad: str | None
    name: str
    email: str | None = None


# The demo AAD object ids (conventions.md), linked to the seed's salespeople.
AH = TeamsUser("29:annette", "00000000-0000-4000-8000-000000000001", "Annette Hill")
PS = TeamsUser("29:peter", "00000000-0000-4000-8000-000000000002", "Peter Saddow")
JO = TeamsUser("29:jim", "00000000-0000-4000-8000-000000000003", "Jim Olive")
OF = TeamsUser("29:otis", "00000000-0000-4000-8000-000000000004", "Otis Falls")
# Not linked: found by the roster's email (Xavier Xu, xx@example.com), or not at all.
XAVIER = TeamsUser("29:xavier", "00000000-0000-4000-8000-0000000000aa", "Xavier Xu", "xx@example.com")
STRANGER = TeamsUser("29:stranger", "00000000-0000-4000-8000-0000000000bb", "Stranger", "who@else.example")
LINKED = {AH: "AH", PS: "PS", JO: "JO", OF: "OF"}
CHANNEL = "19:sales@thread.tacv2"


def personal(user: TeamsUser) -> str:
    return f"a:personal-{user.user_id.removeprefix('29:')}"


@dataclass
class TeamsHarness:
    connector: FakeConnector
    keys: KeyServer
    signer: TokenSigner
    runtime: Runtime
    clock: Clock
    url: str
    http: aiohttp.ClientSession
    slack: SlackRequestSender | None = None
    fake_slack: FakeSlack | None = None
    runtime_app: Any = None  # the aiohttp application
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def service(self) -> OpportunityService:
        return self.runtime.service

    @property
    def adapter(self) -> Teams:
        return self.runtime_app[TEAMS]

    def activity(
        self,
        type: str = "message",
        *,
        user: TeamsUser = AH,
        conversation: str | None = None,
        conversation_type: str = "personal",
        text: str | None = None,
        locale: str = "en-US",
        timezone: str | None = "Europe/Rome",
        **extra: Any,
    ) -> dict[str, Any]:
        """An activity as Teams sends it."""
        sender: dict[str, Any] = {"id": user.user_id, "name": user.name}
        if user.aad:
            sender["aadObjectId"] = user.aad
        body: dict[str, Any] = {
            "type": type,
            "id": f"act-{next(self._ids)}",
            "timestamp": "2026-10-01T12:00:00.000Z",
            "serviceUrl": self.connector.service_url,
            "channelId": "msteams",
            "from": sender,
            "conversation": {
                "id": conversation or personal(user),
                "conversationType": conversation_type,
                "tenantId": TENANT,
            },
            "recipient": {"id": BOT_ID, "name": "oppbot"},
            "locale": locale,
            "channelData": {"tenant": {"id": TENANT}},
        }
        if timezone:
            body["localTimezone"] = timezone
        if text is not None:
            body["text"] = text
        body.update(extra)
        return body

    async def post(self, body: dict[str, Any], token: str | None = "sign") -> tuple[int, Any]:
        """POST an activity to /api/messages; `token` "sign" signs it properly, None sends none."""
        headers = {"Content-Type": "application/json"}
        if token == "sign":
            token = self.signer.token(str(body.get("serviceUrl") or ""))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        async with self.http.post(f"{self.url}/api/messages", json=body, headers=headers) as resp:
            text = await resp.text()
            ctype = resp.headers.get("Content-Type", "")
            return resp.status, (await resp.json() if "json" in ctype and text else text)

    async def say(self, text: str, *, user: TeamsUser = AH, **kwargs: Any) -> Sent:
        """Send a message to the bot and return the reply it posts."""
        before = len(self.connector.calls("send"))
        status, _ = await self.post(self.activity(text=text, user=user, **kwargs))
        assert status == 200
        return (await self.connector.wait_for("send", before + 1))[before]

    def click_activity(
        self, verb: str, data: dict[str, Any], *, user: TeamsUser = AH, **kwargs: Any
    ) -> dict[str, Any]:
        """The `adaptiveCard/action` invoke Teams sends when an Action.Execute is pressed."""
        value = {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"}
        return self.activity("invoke", user=user, name="adaptiveCard/action", value=value, **kwargs)

    async def shown_card(self, no: str, *, user: TeamsUser = AH) -> dict[str, Any]:
        """The card the bot replies to `show <no>` with."""
        sent = await self.say(f"show {no}", user=user)
        assert sent.card is not None
        return dict(sent.card)

    async def opportunity(self, no: str) -> Opportunity:
        """The opportunity as stored, read by the admin (who may read every one)."""
        admin = await self.service.salesperson("OF")
        assert admin is not None
        return (await self.service.show(admin, no)).opp

    async def kept_live(self, no: str, activity_id: str, timeout: float = 5.0) -> None:
        """Wait until the bot has recorded the card it posted as `activity_id` (just after posting)."""
        cards = self.adapter.notifier.cards
        deadline = asyncio.get_running_loop().time() + timeout
        while not any(
            c.message_id == activity_id for c in await cards.of_opportunity(no, older_than=2**31 - 1)
        ):
            assert asyncio.get_running_loop().time() < deadline, f"card {activity_id} never recorded"
            await asyncio.sleep(0.02)

    async def click(
        self, verb: str, data: dict[str, Any], *, user: TeamsUser = AH, **kwargs: Any
    ) -> dict[str, Any]:
        """Press an Action.Execute: the invoke's answer (AdaptiveCardInvokeResponse)."""
        status, answer = await self.post(self.click_activity(verb, data, user=user, **kwargs))
        assert status == 200, answer
        assert isinstance(answer, dict)
        return answer


def card_actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Every Action.Execute a person can press, wherever it sits (not the card's own `refresh`)."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Execute":
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in card.items() if k != "refresh"})
    return found


def action_data(card: dict[str, Any], verb: str) -> dict[str, Any]:
    """The data of the card's button for `verb`, as Teams sends it back when pressed."""
    for action in card_actions(card):
        if action["verb"] == verb:
            return dict(action["data"])
    raise AssertionError(f"no {verb} in {[a['verb'] for a in card_actions(card)]}")


def answered_card(answer: dict[str, Any]) -> dict[str, Any]:
    """The card an invoke answered with, once it is a 200 card answer and a valid Adaptive Card."""
    assert answer["statusCode"] == 200 and answer["type"] == CARD, answer
    return valid_card(dict(answer["value"]))


@asynccontextmanager
async def running_teams(
    database_url: str,
    *,
    engine: AsyncEngine | None = None,
    fake_slack: FakeSlack | None = None,
    **settings: Any,
) -> AsyncIterator[TeamsHarness]:
    signer = TokenSigner()
    async with FakeConnector() as connector:
        with KeyServer(signer) as keys:
            slack_settings: dict[str, Any] = {}
            if fake_slack is not None:
                slack_settings = {
                    "slack_signing_secret": SLACK_SECRET,
                    "slack_bot_token": "xoxb-test",
                    "slack_api_url": fake_slack.base_url,
                }
            config = load_settings(
                database_url=database_url,
                teams_app_id=APP_ID,
                teams_app_password=APP_PASSWORD,
                teams_openid_metadata_url=keys.metadata_url,
                teams_token_url=connector.token_url,
                locale="en",
                **slack_settings,
                **settings,
            )
            runtime, clock = await seeded_runtime(config, engine)
            async with UnitOfWork(runtime.sessions, "EUR", write=True) as uow:
                for user, code in LINKED.items():
                    assert user.aad
                    await uow.repo.link_identity("teams", "", user.aad, code)
                await uow.commit()
            for user in (AH, PS, JO, OF, XAVIER, STRANGER):
                member = {"id": user.user_id, "name": user.name, "aadObjectId": user.aad}
                if user.email:
                    member["email"] = member["userPrincipalName"] = user.email
                connector.roster[user.user_id] = member
            mounts: list[Mount] = [mount_teams]
            if fake_slack is not None:
                mounts.insert(0, mount_slack)
                for user_id, (name, email, locale) in USERS.items():
                    fake_slack.add_user(user_id, name=name, email=email, locale=locale)
            app = build_app(runtime, mounts)
            server = LoopbackServer(app)
            url = await server.start()
            sender = None
            if fake_slack is not None:
                sender = SlackRequestSender(
                    f"{url}/slack/events", SLACK_SECRET, response_url_for=fake_slack.response_url
                )
            http = aiohttp.ClientSession()
            harness = TeamsHarness(
                connector, keys, signer, runtime, clock, url, http, sender, fake_slack, app
            )
            try:
                yield harness
            finally:
                await http.close()
                if sender is not None:
                    await sender.close()
                await server.stop()


@pytest.fixture
async def teams(tmp_path: Path) -> AsyncIterator[TeamsHarness]:
    async with running_teams(f"sqlite+aiosqlite:///{tmp_path}/oppbot.db") as harness:
        yield harness


@pytest.fixture
async def teams_with_slack(fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[TeamsHarness]:
    """Teams and Slack in one server on one database."""
    url = f"sqlite+aiosqlite:///{tmp_path}/oppbot.db"
    async with running_teams(url, fake_slack=fake_slack) as harness:
        yield harness


@pytest.fixture
async def teams_on_db(db_target: DbTarget) -> AsyncIterator[TeamsHarness]:
    """The same harness on the database db_target gives (SQLite and PostgreSQL)."""
    async with running_teams(db_target.url, engine=db_target.new_engine()) as harness:
        yield harness
