"""Settings from `OPPBOT_*` environment variables and `.env` (conventions.md, "Settings")."""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.numbers import get_currency_name
from pydantic import ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from oppbot.domain.errors import DomainError
from oppbot.domain.stall import validate_stall_default
from oppbot.service.auth import ReadScope

SUPPORTED_LOCALES = ("en", "it")


class Playground(StrEnum):
    AUTO = "auto"
    ON = "on"
    OFF = "off"


class Switch(StrEnum):
    ON = "on"
    OFF = "off"


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class TeamsAppType(StrEnum):
    MULTI_TENANT = "MultiTenant"
    SINGLE_TENANT = "SingleTenant"
    USER_ASSIGNED_MSI = "UserAssignedMSI"


class SettingsError(Exception):
    """A bad setting: start-up stops with one line naming it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OPPBOT_", env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./oppbot.db"
    host: str = "127.0.0.1"
    port: int = 3000
    currency: str = "EUR"
    locale: str = "en"
    timezone: str = "UTC"
    stall_default: str = "14D"
    slack_signing_secret: str | None = None
    slack_bot_token: str | None = None
    slack_app_token: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    teams_app_id: str | None = None
    teams_app_password: str | None = None
    teams_tenant_id: str | None = None
    teams_app_type: TeamsAppType = TeamsAppType.MULTI_TENANT
    teams_openid_metadata_url: str | None = None  # None: Bot Framework's own
    teams_token_url: str | None = None  # None: Microsoft's login endpoint for the app type
    playground: Playground = Playground.AUTO
    read_scope: ReadScope = ReadScope.ALL
    log_format: LogFormat = LogFormat.TEXT
    scheduler: Switch = Switch.ON
    remind_every: str = "3D"
    escalate_after: int = 3
    scan_every: int = 15  # minutes
    setup_cache: Switch = Switch.ON  # off: every request reads the set-up from the database (bench baseline)

    @field_validator("remind_every")
    @classmethod
    def _remind_every(cls, value: str) -> str:
        try:
            return validate_stall_default(value)
        except DomainError as exc:
            raise ValueError("must be a date formula such as 3D or 1W, without '-' terms") from exc

    @field_validator("escalate_after", "scan_every")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value < 1:
            raise ValueError("must be a whole number of at least 1")
        return value

    @field_validator("teams_openid_metadata_url", "teams_token_url")
    @classmethod
    def _https_or_loopback(cls, value: str | None) -> str | None:
        # Keys and tokens travel over TLS; plain http only to a stand-in on this machine.
        if value is None:
            return value
        url = urlsplit(value)
        loopback = url.hostname in ("127.0.0.1", "localhost", "::1")
        if url.scheme != "https" and not (url.scheme == "http" and loopback):
            raise ValueError("must be an https:// URL (http:// only for a loopback host)")
        return value

    @field_validator("read_scope", "scheduler", "log_format", "playground", mode="before")
    @classmethod
    def _read_scope(cls, value: object) -> object:
        # `TEAM` or ` own ` in an .env are meant as the lower-case values.
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _url(cls, value: str) -> str:
        try:
            make_url(value)
        except ArgumentError as exc:
            raise ValueError("not a SQLAlchemy URL") from exc
        return value

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        code = value.strip().upper()
        if len(code) != 3 or get_currency_name(code, locale="en") == code:
            raise ValueError("not an ISO 4217 currency code")
        return code

    @field_validator("locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        lang = value.strip().replace("-", "_").split("_")[0].lower()
        if lang not in SUPPORTED_LOCALES:
            raise ValueError(f"supported locales: {', '.join(SUPPORTED_LOCALES)}")
        return lang

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("not an IANA time zone") from exc
        return value

    @field_validator("stall_default")
    @classmethod
    def _stall_default(cls, value: str) -> str:
        try:
            return validate_stall_default(value)
        except DomainError as exc:
            raise ValueError("must be a date formula such as 14D or 2W, without '-' terms") from exc

    @field_validator("port")
    @classmethod
    def _port(cls, value: int) -> int:
        if not 0 <= value <= 65535:
            raise ValueError("not a TCP port")
        return value

    @model_validator(mode="after")
    def _playground_not_with_real_credentials(self) -> Settings:
        # The playground fakes identities; it must never be reachable beside a real workspace.
        if self.playground == Playground.ON and (self.slack_configured or self.teams_configured):
            raise ValueError("playground: `on` is refused while Slack or Teams credentials are set")
        if self.playground == Playground.ON and not is_loopback_host(self.host):
            raise ValueError(f"playground: `on` needs a loopback OPPBOT_HOST, not {self.host}")
        return self

    @property
    def slack_configured(self) -> bool:
        return bool(self.slack_signing_secret or self.slack_client_id or self.slack_app_token)

    @property
    def teams_configured(self) -> bool:
        return bool(self.teams_app_id)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def is_loopback_host(host: str) -> bool:
    """The playground acts as anyone: it may only be reached from this machine."""
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def load_settings(**overrides: object) -> Settings:
    """Read the settings; a bad value becomes one line naming the setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        message = str(first["msg"]).removeprefix("Value error, ")
        if first["loc"]:
            name = "OPPBOT_" + str(first["loc"][0]).upper()
        elif message.startswith("playground: "):  # a rule across settings names the one refused
            name, message = "OPPBOT_PLAYGROUND", message.removeprefix("playground: ")
        else:
            name = "OPPBOT settings"
        raise SettingsError(f"{name}: {message}") from exc


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
