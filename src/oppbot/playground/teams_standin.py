"""A Bot Framework stand-in on loopback: the channel's signing keys, a token endpoint and the Connector.

The playground runs it beside the bot (its Teams pane); the tests use it as their fake Bot Framework
(tests/fakes/teams_connector.py re-exports it with the tests' fixed app id).

- `KeyServer`: the OpenID metadata document and its JWKS, served from a thread of its own (botbuilder's
  own fetch is a blocking `requests.get`; the Teams adapter fetches keys in a thread too, so a slow key
  server never stalls the loop), with a settable delay to play a slow key server. Activities are signed
  with `TokenSigner` (RS256, issuer https://api.botframework.com, the app id as audience, a
  `serviceurl` claim), whose public key the JWKS lists with the `msteams` endorsement.
- `FakeConnector`: the OAuth client-credentials token endpoint (`/token`) and the Connector REST API
  (`/v3/conversations/...`) at the activities' `serviceUrl`. Every Connector call must carry a bearer
  token this token endpoint issued; what the bot sent (send, reply, update, create conversation) is
  recorded as the real activities (the newest `max_sent` when set) and handed to each `observers` callback.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import itertools
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

from oppbot.playground.loopback import LoopbackServer

ISSUER = "https://api.botframework.com"
TOKEN_SCOPE = "https://api.botframework.com/.default"
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
KEPT_ACTIVITIES = 5000  # activity ids a strict Connector still knows


def _b64(n: int) -> str:
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class TokenSigner:
    """An RSA key of the channel's (or an attacker's): signs activity tokens."""

    kid: str = field(default_factory=lambda: f"kid-{secrets.token_hex(4)}")
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )

    def jwk(self, endorsements: tuple[str, ...] = ("msteams",)) -> dict[str, Any]:
        numbers = self.key.public_key().public_numbers()
        return {
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "n": _b64(numbers.n),
            "e": _b64(numbers.e),
            "endorsements": list(endorsements),
        }

    def token(self, service_url: str, *, audience: str, issuer: str = ISSUER, ttl: int = 3600,
              kid: str | None = None, **claims: Any) -> str:  # fmt: skip
        now = int(time.time())
        payload = {
            "iss": issuer, "aud": audience, "serviceurl": service_url,
            "nbf": now - 60, "iat": now - 60, "exp": now + ttl, **claims,
        }  # fmt: skip
        return jwt.encode(payload, self.key, algorithm="RS256", headers={"kid": kid or self.kid})


def unsigned_token(service_url: str, kid: str, *, audience: str) -> str:
    """`alg=none`: no signature at all."""
    now = int(time.time())
    payload = {"iss": ISSUER, "aud": audience, "serviceurl": service_url, "nbf": now - 60, "exp": now + 3600}
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "kid": kid}).encode()).rstrip(b"=")
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=")
    return f"{header.decode()}.{body.decode()}."


class KeyServer:
    """OpenID metadata + JWKS on loopback, in its own thread (never the bot's event loop)."""

    def __init__(self, *signers: TokenSigner) -> None:
        self.signers = list(signers)
        self.delay = 0.0  # seconds each answer waits: a slow key server
        self.requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests += 1
                if outer.delay:
                    time.sleep(outer.delay)
                body: dict[str, Any]
                if self.path == "/openid":
                    body = {"issuer": ISSUER, "jwks_uri": f"{outer.url}/keys",
                            "id_token_signing_alg_values_supported": ["RS256"]}  # fmt: skip
                elif self.path == "/keys":
                    body = {"keys": [s.jwk() for s in outer.signers]}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client gave up waiting (timeout tests)
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.metadata_url = f"{self.url}/openid"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> KeyServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.delay = 0.0
        self._server.shutdown()
        self._server.server_close()


@dataclass(frozen=True)
class Sent:
    """One Connector call the bot made."""

    method: str  # send | update | member | create
    conversation: str
    activity: dict[str, Any]
    activity_id: str = ""
    status: int = 200

    @property
    def card(self) -> dict[str, Any] | None:
        for attachment in self.activity.get("attachments") or []:
            if attachment.get("contentType") == ADAPTIVE_CARD:
                content: dict[str, Any] = attachment["content"]
                return content
        return None

    @property
    def text(self) -> str:
        """Everything the activity says (its text, its card's text blocks), for assertions."""
        return json.dumps(self.activity, ensure_ascii=False)


@dataclass
class FakeConnector:
    app_id: str
    password: str
    sent: list[Sent] = field(default_factory=list)
    roster: dict[str, dict[str, Any]] = field(default_factory=dict)  # Teams user id → member
    # A member id (an AAD object id) → their 1:1 chat: creating it again answers that one, as Teams does.
    personal: dict[str, str] = field(default_factory=dict)
    max_sent: int | None = None  # a long-running playground keeps only the newest calls
    # As Teams: updating an activity it never posted (or forgot, past KEPT_ACTIVITIES) is a 404.
    strict: bool = False
    observers: list[Callable[[Sent], None]] = field(default_factory=list)
    token_requests: int = 0
    unauthorized_calls: int = 0

    def __post_init__(self) -> None:
        self.url = ""
        self._server: LoopbackServer | None = None
        self._tokens: set[str] = set()
        self._ids = itertools.count(1)
        self._posted: collections.OrderedDict[tuple[str, str], None] = collections.OrderedDict()
        self._cond: asyncio.Condition | None = None
        # (method, conversation or "*") → forced answers: (status, headers) in order
        self._failures: dict[tuple[str, str], collections.deque[tuple[int, dict[str, str]]]] = (
            collections.defaultdict(collections.deque)
        )

    async def __aenter__(self) -> FakeConnector:
        self._cond = asyncio.Condition()
        app = web.Application()
        app.router.add_post("/token", self._token)
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conv}/activities", self._send)
        app.router.add_post("/v3/conversations/{conv}/activities/{id}", self._send)
        app.router.add_put("/v3/conversations/{conv}/activities/{id}", self._update)
        app.router.add_get("/v3/conversations/{conv}/members/{user}", self._member)
        app.router.add_get("/v3/conversations/{conv}/members", self._members)
        self._server = LoopbackServer(app)
        self.url = await self._server.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            await self._server.stop()

    @property
    def service_url(self) -> str:
        return self.url + "/"

    @property
    def token_url(self) -> str:
        return self.url + "/token"

    def fail(self, method: str, status: int, *, conversation: str = "*", retry_after: float | None = None,
             times: int = 1) -> None:  # fmt: skip
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        for _ in range(times):
            self._failures[(method, conversation)].append((status, headers))

    def calls(self, method: str = "send") -> list[Sent]:
        return [s for s in self.sent if s.method == method and s.status < 300]

    async def wait_for(self, method: str = "send", count: int = 1, timeout: float = 10.0) -> list[Sent]:
        assert self._cond is not None
        cond = self._cond

        async def _wait() -> None:
            async with cond:
                await cond.wait_for(lambda: len(self.calls(method)) >= count)

        try:
            await asyncio.wait_for(_wait(), timeout)
        except TimeoutError:
            raise AssertionError(
                f"expected >= {count} {method} call(s) within {timeout}s; got {[s.method for s in self.sent]}"
            ) from None
        return self.calls(method)

    # --- handlers ---------------------------------------------------------------------------------
    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        self.token_requests += 1
        good = (
            form.get("grant_type") == "client_credentials"
            and form.get("client_id") == self.app_id
            and form.get("client_secret") == self.password
            and form.get("scope") == TOKEN_SCOPE
        )
        if not good:
            return web.json_response({"error": "invalid_client"}, status=401)
        token = secrets.token_urlsafe(24)
        self._tokens.add(token)
        return web.json_response({"token_type": "Bearer", "expires_in": 3600, "access_token": token})

    def _authorized(self, request: web.Request) -> bool:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        ok = scheme == "Bearer" and token in self._tokens
        if not ok:
            self.unauthorized_calls += 1
        return ok

    async def _record(self, sent: Sent) -> None:
        assert self._cond is not None
        self.sent.append(sent)
        if self.max_sent is not None and len(self.sent) > self.max_sent:
            del self.sent[: len(self.sent) - self.max_sent]
        for observer in self.observers:
            observer(sent)
        async with self._cond:
            self._cond.notify_all()

    def _forced(self, method: str, conversation: str) -> tuple[int, dict[str, str]] | None:
        for key in ((method, conversation), (method, "*")):
            if self._failures[key]:
                return self._failures[key].popleft()
        return None

    async def _send(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"error": {"code": "Unauthorized"}}, status=401)
        conv = request.match_info["conv"]
        activity = await request.json()
        if (forced := self._forced("send", conv)) is not None:
            await self._record(Sent("send", conv, activity, status=forced[0]))
            return web.json_response({"error": {"code": "Forced"}}, status=forced[0], headers=forced[1])
        activity_id = f"1:{next(self._ids)}"
        self._posted[(conv, activity_id)] = None
        while len(self._posted) > KEPT_ACTIVITIES:
            self._posted.popitem(last=False)
        await self._record(Sent("send", conv, activity, activity_id))
        return web.json_response({"id": activity_id}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"error": {"code": "Unauthorized"}}, status=401)
        conv, activity_id = request.match_info["conv"], request.match_info["id"]
        activity = await request.json()
        if (forced := self._forced("update", conv)) is not None:
            await self._record(Sent("update", conv, activity, activity_id, status=forced[0]))
            return web.json_response({"error": {"code": "Forced"}}, status=forced[0], headers=forced[1])
        if self.strict and (conv, activity_id) not in self._posted:
            await self._record(Sent("update", conv, activity, activity_id, status=404))
            return web.json_response({"error": {"code": "ActivityNotFoundInConversation"}}, status=404)
        await self._record(Sent("update", conv, activity, activity_id))
        return web.json_response({"id": activity_id})

    async def _member(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"error": {"code": "Unauthorized"}}, status=401)
        user = request.match_info["user"]
        member = self.roster.get(user)
        if member is None:
            return web.json_response({"error": {"code": "MemberNotFoundInConversation"}}, status=404)
        return web.json_response(member)

    async def _members(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"error": {"code": "Unauthorized"}}, status=401)
        await self._record(Sent("members", request.match_info["conv"], {}))
        return web.json_response(list(self.roster.values()))

    async def _create(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"error": {"code": "Unauthorized"}}, status=401)
        params = await request.json()
        members = [str(m.get("id")) for m in params.get("members") or [] if isinstance(m, dict)]
        known = self.personal.get(members[0]) if len(members) == 1 else None
        conv = known or f"a:personal-{next(self._ids)}"
        await self._record(Sent("create", conv, params))
        return web.json_response({"id": conv}, status=201)
