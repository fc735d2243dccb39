"""The fake Bot Framework is the playground's Teams stand-in (oppbot.playground.teams_standin), shared with
the tests; here it gets the tests' fixed app id, password and tenant as defaults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from oppbot.playground import teams_standin
from oppbot.playground.teams_standin import ISSUER, KeyServer, Sent

__all__ = [
    "APP_ID",
    "APP_PASSWORD",
    "BOT_ID",
    "ISSUER",
    "TENANT",
    "FakeConnector",
    "KeyServer",
    "Sent",
    "TokenSigner",
    "unsigned_token",
]

APP_ID = "11111111-2222-4333-8444-555555555555"
APP_PASSWORD = "test-app-password"
TENANT = "72f988bf-0000-4000-8000-000000000001"
BOT_ID = f"28:{APP_ID}"


class TokenSigner(teams_standin.TokenSigner):
    """Signs for the tests' bot unless told another audience."""

    def token(self, service_url: str, *, audience: str = APP_ID, **kwargs: Any) -> str:
        return super().token(service_url, audience=audience, **kwargs)


@dataclass
class FakeConnector(teams_standin.FakeConnector):
    app_id: str = APP_ID
    password: str = APP_PASSWORD


def unsigned_token(service_url: str, kid: str) -> str:
    return teams_standin.unsigned_token(service_url, kid, audience=APP_ID)
