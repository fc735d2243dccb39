"""Every Bot Framework SDK (botbuilder 4.17) import of oppbot, and the SDK's defects handled here.

The rest of the Teams adapter speaks plain dicts (activities and cards as JSON), so moving to the
Microsoft 365 Agents SDK later replaces this module alone. botbuilder-python is archived upstream;
with 4.17.1 three defects are handled here:

- A token that is unsigned (`alg=none`), signed with an unknown key or naming an unknown `kid`
  makes `CloudAdapter.process` answer 500 (it maps only `PermissionError` to 401): `authenticate`
  turns every failure of the validation into `Unauthorized` (401).
- The OpenID metadata and signing keys are fetched with a blocking `requests.get` without timeout on
  the event loop: `KeyCache` stands in the SDK's metadata cache, fetched in a thread with a bounded
  timeout, prefetched at start and refreshed in the background.
- The `adaptiveCard/action` invoke answers 500 under `CloudAdapter` (the body is serialized twice):
  the turn returns our own body (a plain dict), written once as JSON by the route.

Outbound calls (replies, updates, proactive messages) get a bearer token from the OAuth
client-credentials flow at `OPPBOT_TEAMS_TOKEN_URL`, fetched off the loop and cached.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import jwt
import requests
from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ChannelAccount, ConversationParameters
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AppCredentials,
    AuthenticateRequestResult,
    AuthenticationConstants,
    JwtTokenExtractor,
    ManagedIdentityAppCredentials,
    ServiceClientCredentialsFactory,
)
from jwt.algorithms import RSAAlgorithm
from msrest.exceptions import ClientRequestError, HttpOperationError

from oppbot.config import Settings, SettingsError, TeamsAppType

log = logging.getLogger(__name__)

CHANNEL_ISSUER = AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER  # https://api.botframework.com
BOT_SCOPE = AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
DEFAULT_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
EMULATOR_METADATA_URL = (
    "https://login.microsoftonline.com/botframework.com/v2.0/.well-known/openid-configuration"
)
LOGIN_PREFIX = "https://login.microsoftonline.com/"
ALLOWED_ALGORITHMS = frozenset(AuthenticationConstants.ALLOWED_SIGNING_ALGORITHMS)

FETCH_TIMEOUT = 5.0  # seconds for one metadata, keys or token request
KEYS_REFRESH = 24 * 3600.0  # the SDK's own period
CONNECTOR_TIMEOUT = 10  # seconds for one Connector call (a roster look-up waits on it)
UNKNOWN_KID_REFRESH = 300.0  # an unknown kid looks again at most this often (key rollover)
NO_KEYS_RETRY = 5.0  # without any keys, a failed fetch is tried again after this


class Unauthorized(Exception):
    """The activity's token is missing or invalid: HTTP 401, nothing done."""


class KeysUnavailable(Exception):
    """The signing keys could not be fetched: HTTP 503 (the channel retries), nothing done."""


class ConnectorError(Exception):
    """A call to the Bot Connector failed: `status` (0: no answer), `retry_after` seconds for a 429."""

    def __init__(self, status: int, message: str, retry_after: float | None = None) -> None:
        super().__init__(f"{status}: {message}")
        self.status, self.retry_after = status, retry_after


# --- signing keys off the event loop ------------------------------------------------------------------
@dataclass(frozen=True)
class _Key:
    """What the SDK's JwtTokenExtractor reads of a key (the same names as its own _OpenIdConfig)."""

    public_key: Any
    endorsements: list[str]


def _fetch_keys(url: str, timeout: float) -> dict[str, _Key]:
    """Blocking: the metadata document, then its JWKS. Runs in a worker thread only."""
    meta = requests.get(url, timeout=timeout)
    meta.raise_for_status()
    jwks = requests.get(str(meta.json()["jwks_uri"]), timeout=timeout)
    jwks.raise_for_status()
    keys: dict[str, _Key] = {}
    for jwk in jwks.json().get("keys") or []:
        try:
            keys[str(jwk["kid"])] = _Key(
                RSAAlgorithm.from_jwk(json.dumps(jwk)), list(jwk.get("endorsements") or [])
            )
        except (KeyError, ValueError, TypeError) as exc:  # one malformed key must not hide the others
            log.warning("Teams signing key skipped: %r", exc)
    return keys


class KeyCache:
    """The SDK's OpenID metadata cache entry, kept off the event loop.

    `get` (called by JwtTokenExtractor) answers from memory; fetching happens in a thread with a
    bounded timeout, awaited without blocking the loop, and at most one fetch runs at a time.
    """

    def __init__(
        self, url: str, *, timeout: float = FETCH_TIMEOUT, refresh_every: float = KEYS_REFRESH
    ) -> None:
        self.url, self.timeout, self.refresh_every = url, timeout, refresh_every
        self.keys: dict[str, _Key] = {}
        self.fetched_at = 0.0  # monotonic; 0: never
        self._tried_at = 0.0
        self._lock = threading.Lock()
        self._pending: asyncio.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None

    def install(self) -> None:
        """Stand in for the SDK's own fetcher for this URL (its cache is keyed by URL, process-wide)."""
        JwtTokenExtractor.metadataCache[self.url] = self

    async def refresh(self) -> bool:
        """Fetch in a thread; concurrent callers share one fetch. False when it failed (keys kept)."""
        if self._pending is None or self._pending.done():
            self._pending = asyncio.ensure_future(self._refresh())
        try:
            await asyncio.shield(self._pending)
        except Exception as exc:
            log.warning("Teams signing keys not fetched from %s: %r", self.url, exc)
            return False
        return True

    async def _refresh(self) -> None:
        self._tried_at = time.monotonic()
        keys = await asyncio.wait_for(
            asyncio.to_thread(_fetch_keys, self.url, self.timeout), self.timeout * 2 + 1
        )
        with self._lock:
            self.keys, self.fetched_at = keys, time.monotonic()

    async def get(self, key_id: str | None) -> _Key:
        """The key `key_id`; PermissionError when it is not one of the channel's (a bad token)."""
        if not key_id:
            raise PermissionError("token without a key id")
        now = time.monotonic()
        stale = not self.fetched_at or now - self.fetched_at > self.refresh_every
        fetching = self._pending is not None and not self._pending.done()
        if not self.keys and not fetching and now - self._tried_at < NO_KEYS_RETRY:
            raise KeysUnavailable(self.url)  # the key server just failed: don't queue every request on it
        if stale and not await self.refresh() and not self.keys:
            raise KeysUnavailable(self.url)
        key = self.keys.get(key_id)
        if key is None and time.monotonic() - self._tried_at > UNKNOWN_KID_REFRESH:
            await self.refresh()  # a new key after a rollover; an unknown kid can't make us fetch often
            key = self.keys.get(key_id)
        if key is None:
            raise PermissionError("unknown signing key")
        return key

    def start(self) -> None:
        """Prefetch now and keep fresh in the background."""
        if self._task is None:
            self._task = asyncio.create_task(self._keep_fresh(), name="teams-keys")

    async def _keep_fresh(self) -> None:
        while True:
            ok = await self.refresh()
            await asyncio.sleep(self.refresh_every if ok else min(60.0, self.refresh_every))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


# --- outbound tokens ------------------------------------------------------------------------------------
class TokenSource:
    """Client-credentials tokens for the Bot Connector, fetched off the loop and cached until expiry."""

    def __init__(self, token_url: str, app_id: str, password: str, scope: str = BOT_SCOPE) -> None:
        self.token_url, self.app_id, self.password = token_url, app_id, password
        self.scope = scope if scope.endswith("/.default") else scope + "/.default"
        self._token: str | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    @property
    def cached(self) -> str | None:
        return self._token if self._token and time.monotonic() < self._expires else None

    async def token(self) -> str:
        if (token := self.cached) is not None:
            return token
        async with self._lock:
            if (token := self.cached) is not None:
                return token
            body = await asyncio.to_thread(self._fetch)
            self._token = str(body["access_token"])
            # Renewed five minutes early: a token must not expire between this check and its use.
            self._expires = time.monotonic() + max(60.0, float(body.get("expires_in") or 3600) - 300.0)
            return self._token

    def _fetch(self) -> dict[str, Any]:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.app_id,
            "client_secret": self.password,
            "scope": self.scope,
        }
        resp = requests.post(self.token_url, data=form, timeout=FETCH_TIMEOUT)
        if resp.status_code != 200:
            raise ConnectorError(resp.status_code, f"token endpoint refused: {resp.text[:200]}")
        body: dict[str, Any] = resp.json()
        return body


class _TokenCredentials(AppCredentials):  # type: ignore[misc]
    """msrest asks for a token synchronously on the loop: it gets the one `TokenSource` holds (the
    connector calls below await `TokenSource.token()` first, so none is ever fetched here)."""

    def __init__(self, source: TokenSource) -> None:
        super().__init__(app_id=source.app_id, oauth_scope=BOT_SCOPE)
        self.source = source

    def get_access_token(self, force_refresh: bool = False) -> str:
        token = self.source.cached
        if token is None:  # not expected (see above); a blocking fetch beats failing the call
            token = str(self.source._fetch()["access_token"])
        return token


class _CredentialsFactory(ServiceClientCredentialsFactory):  # type: ignore[misc]
    def __init__(self, app_id: str, source: TokenSource) -> None:
        self.app_id, self.source = app_id, source

    async def is_valid_app_id(self, app_id: str) -> bool:
        return bool(app_id) and app_id == self.app_id

    async def is_authentication_disabled(self) -> bool:
        return False  # never: Teams is only mounted with an app id, and every activity is validated

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> _TokenCredentials:
        if not await self.is_valid_app_id(app_id):
            raise PermissionError("invalid app id")
        return _TokenCredentials(self.source)


def check_settings(settings: Settings) -> None:
    """What the bot needs besides its app id; never start half-configured (SettingsError: one line)."""
    kind = settings.teams_app_type
    if not settings.teams_app_id:
        raise SettingsError("OPPBOT_TEAMS_APP_ID: required for Teams")
    if kind != TeamsAppType.USER_ASSIGNED_MSI and not settings.teams_app_password:
        raise SettingsError(f"OPPBOT_TEAMS_APP_PASSWORD: required for a {kind} bot (its client secret)")
    if kind != TeamsAppType.MULTI_TENANT and not settings.teams_tenant_id:
        raise SettingsError(f"OPPBOT_TEAMS_TENANT_ID: required for a {kind} bot")


def default_token_url(settings: Settings) -> str:
    tenant = settings.teams_tenant_id if settings.teams_app_type == TeamsAppType.SINGLE_TENANT else None
    return f"{LOGIN_PREFIX}{tenant or AuthenticationConstants.DEFAULT_CHANNEL_AUTH_TENANT}/oauth2/v2.0/token"


# --- the adapter --------------------------------------------------------------------------------------
# A turn's work: the incoming activity as JSON → an invoke's response (status, body) or None.
TurnLogic = Callable[[dict[str, Any]], Awaitable[tuple[int, Any] | None]]


def _retry_after(exc: HttpOperationError) -> float | None:
    headers = getattr(exc.response, "headers", None) or {}
    raw = headers.get("Retry-After") if hasattr(headers, "get") else None
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None


class TeamsSdk:
    """CloudAdapter with ConfigurationBotFrameworkAuthentication from oppbot's settings."""

    def __init__(self, settings: Settings) -> None:
        check_settings(settings)
        app_id = settings.teams_app_id or ""
        self.app_id = app_id
        self.metadata_url = settings.teams_openid_metadata_url or DEFAULT_METADATA_URL
        self.keys = KeyCache(self.metadata_url)
        self.keys.install()
        self.tokens = TokenSource(
            settings.teams_token_url or default_token_url(settings), app_id, settings.teams_app_password or ""
        )
        # Every value given: the SDK's parameterized authentication, whose metadata URL is ours.
        config = SimpleNamespace(
            APP_ID=app_id,
            APP_PASSWORD=settings.teams_app_password,
            APP_TYPE=str(settings.teams_app_type),
            APP_TENANTID=settings.teams_tenant_id,
            TO_CHANNEL_FROM_BOT_LOGIN_URL=LOGIN_PREFIX + (settings.teams_tenant_id or "botframework.com"),
            TO_CHANNEL_FROM_BOT_OAUTH_SCOPE=BOT_SCOPE,
            TO_BOT_FROM_CHANNEL_TOKEN_ISSUER=CHANNEL_ISSUER,
            OAUTH_URL=AuthenticationConstants.OAUTH_URL,
            TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=self.metadata_url,
            TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL=EMULATOR_METADATA_URL,
            CALLER_ID="urn:botframework:azure",
        )
        factory = None
        self._msi: ManagedIdentityAppCredentials | None = None
        if settings.teams_app_type == TeamsAppType.USER_ASSIGNED_MSI:  # Azure's identity, no secret
            self._msi = ManagedIdentityAppCredentials(app_id, oauth_scope=BOT_SCOPE)
        else:
            factory = _CredentialsFactory(app_id, self.tokens)
        self.auth = ConfigurationBotFrameworkAuthentication(config, credentials_factory=factory)
        self.adapter = CloudAdapter(self.auth)
        self._clients: dict[str, ConnectorClient] = {}

    async def start(self) -> None:
        self.keys.start()

    async def stop(self) -> None:
        await self.keys.stop()
        for client in self._clients.values():
            with contextlib.suppress(Exception):
                await client.__aexit__(None, None, None)  # msrest's clients close their session here
        self._clients.clear()

    # --- inbound ----------------------------------------------------------------------------------------
    async def authenticate(self, body: dict[str, Any], auth_header: str) -> AuthenticateRequestResult:
        """The validated claims of an activity; Unauthorized (401) or KeysUnavailable (503)."""
        scheme, _, token = auth_header.partition(" ")
        if scheme != "Bearer" or not token:
            raise Unauthorized("no bearer token")
        try:
            header = jwt.get_unverified_header(token)
            issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"malformed token: {exc}") from None
        # Only the channel's own tokens: the SDK would also try emulator and skill tokens, whose
        # keys live elsewhere (and would be fetched on the loop).
        if header.get("alg") not in ALLOWED_ALGORITHMS or issuer != CHANNEL_ISSUER:
            raise Unauthorized("not a Bot Framework channel token")
        if not body.get("serviceUrl"):
            raise Unauthorized("activity without serviceUrl")  # the token's serviceurl claim binds it
        activity = Activity().deserialize(body)
        try:
            return await self.auth.authenticate_request(activity, auth_header)
        except KeysUnavailable:
            raise
        except Exception as exc:  # the SDK raises anything from PermissionError to IndexError
            raise Unauthorized(str(exc) or type(exc).__name__) from None

    async def run_turn(
        self, auth: AuthenticateRequestResult, body: dict[str, Any], logic: TurnLogic
    ) -> tuple[int, Any] | None:
        """Run `logic` in the SDK's turn; an invoke's (status, body) comes back as given (one
        serialization, by the caller), instead of through the SDK's double-serializing path."""
        activity = Activity().deserialize(body)
        answer: list[tuple[int, Any] | None] = [None]

        async def turn(context: TurnContext) -> None:
            answer[0] = await logic(body)
            if answer[0] is not None and activity.type == "invoke":
                status, value = answer[0]
                await context.send_activity(
                    Activity(type="invokeResponse", value=InvokeResponse(status=status, body=value))
                )

        await self.adapter.process_activity(auth, activity, turn)
        return answer[0]

    # --- outbound ---------------------------------------------------------------------------------------
    async def _client(self, service_url: str) -> ConnectorClient:
        # The token is fetched here, off the loop, not inside msrest's synchronous hook.
        if self._msi is not None:
            await asyncio.to_thread(self._msi.get_access_token)  # fills msal's cache; the hook reads it
        else:
            await self.tokens.token()
        client = self._clients.get(service_url)
        if client is None:
            client = ConnectorClient(self._msi or _TokenCredentials(self.tokens), base_url=service_url)
            client.config.connection.timeout = CONNECTOR_TIMEOUT  # msrest's default is 100 s
            self._clients[service_url] = client
        return client

    async def _call(
        self, what: str, call: Callable[[ConnectorClient], Awaitable[Any]], service_url: str
    ) -> Any:
        try:
            return await call(await self._client(service_url))
        except ConnectorError:
            raise
        except HttpOperationError as exc:  # ErrorResponseException and the paged ones
            status = int(getattr(exc.response, "status_code", 0) or 0)
            raise ConnectorError(status, f"{what}: {exc}", _retry_after(exc)) from None
        except (ClientRequestError, requests.RequestException, OSError) as exc:
            raise ConnectorError(0, f"{what}: {exc!r}") from None

    async def send(self, service_url: str, conversation_id: str, activity: dict[str, Any]) -> str:
        """Post an activity into a conversation; the new activity's id."""
        model = Activity().deserialize(activity)

        async def call(client: ConnectorClient) -> Any:
            return await client.conversations.send_to_conversation(conversation_id, model)

        resp = await self._call("send", call, service_url)
        return str(getattr(resp, "id", "") or "")

    async def update(
        self, service_url: str, conversation_id: str, activity_id: str, activity: dict[str, Any]
    ) -> None:
        model = Activity().deserialize({**activity, "id": activity_id})

        async def call(client: ConnectorClient) -> Any:
            return await client.conversations.update_activity(conversation_id, activity_id, model)

        await self._call("update", call, service_url)

    async def member(self, service_url: str, conversation_id: str, user_id: str) -> dict[str, Any]:
        """The roster's record of one member (email, userPrincipalName, aadObjectId)."""

        async def call(client: ConnectorClient) -> Any:
            return await client.conversations.get_conversation_member(conversation_id, user_id)

        account = await self._call("member", call, service_url)
        data: dict[str, Any] = account.serialize() if account is not None else {}
        for extra in ("email", "userPrincipalName", "givenName", "surname"):
            if extra not in data and getattr(account, "additional_properties", None):
                value = account.additional_properties.get(extra)
                if value is not None:
                    data[extra] = value
        return data

    async def members(self, service_url: str, conversation_id: str) -> list[dict[str, Any]]:
        """Everyone in a conversation (a channel's team, a group chat): their Teams ids and AAD ids."""

        async def call(client: ConnectorClient) -> Any:
            return await client.conversations.get_conversation_members(conversation_id)

        accounts = await self._call("members", call, service_url)
        return [a.serialize() for a in accounts or []]

    async def create_personal(self, service_url: str, tenant_id: str, user_id: str) -> str:
        """The 1:1 conversation with a person (created if needed): its id."""
        params = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=f"28:{self.app_id}"),
            members=[ChannelAccount(id=user_id)],
            tenant_id=tenant_id or None,
            channel_data={"tenant": {"id": tenant_id}} if tenant_id else None,
        )

        async def call(client: ConnectorClient) -> Any:
            return await client.conversations.create_conversation(params)

        resp = await self._call("create conversation", call, service_url)
        return str(getattr(resp, "id", "") or "")
