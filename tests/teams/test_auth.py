"""Every activity's Bot Framework JWT is checked by botbuilder's own validation, over real HTTP: a
missing or bad token is 401 (never the SDK's 500), and nothing runs or changes."""

from __future__ import annotations

import asyncio
import time

import jwt
import pytest

from oppbot.adapters.teams.sdk import KeyCache
from tests.fakes.teams_connector import APP_ID, TokenSigner, unsigned_token
from tests.teams.harness import TeamsHarness

NEW = 'new CT000001 "Forged deal" value=1M cycle=NEW close=2026-12-31'


async def _count(teams: TeamsHarness) -> int:
    listed = await teams.service.list_opportunities(
        await teams.service.salesperson("OF"),  # type: ignore[arg-type]
        scope="all",
        status="all",
    )
    return listed.total


async def _refused(teams: TeamsHarness, token: str | None) -> None:
    before = await _count(teams)
    body = teams.activity(text=NEW)
    status, _ = await teams.post(body, token=token)
    assert status == 401
    await asyncio.sleep(0.2)  # a reply would have been sent by now
    assert teams.connector.sent == []
    assert await _count(teams) == before


async def test_a_signed_activity_runs(teams: TeamsHarness) -> None:
    before = await _count(teams)
    sent = await teams.say(NEW)
    assert "Forged deal" in sent.text
    assert await _count(teams) == before + 1


async def test_missing_token(teams: TeamsHarness) -> None:
    await _refused(teams, None)


async def test_not_a_bearer_token(teams: TeamsHarness) -> None:
    before = await _count(teams)
    body = teams.activity(text=NEW)
    async with teams.http.post(
        f"{teams.url}/api/messages", json=body, headers={"Authorization": "Basic abc"}
    ) as resp:
        assert resp.status == 401
    assert await _count(teams) == before


async def test_expired_token(teams: TeamsHarness) -> None:
    # Past the SDK's five minutes of clock tolerance.
    await _refused(teams, teams.signer.token(teams.connector.service_url, ttl=-600))


async def test_token_signed_by_another_key_with_the_channels_kid(teams: TeamsHarness) -> None:
    forger = TokenSigner(kid=teams.signer.kid)
    await _refused(teams, forger.token(teams.connector.service_url))


async def test_token_signed_by_an_unknown_key(teams: TeamsHarness) -> None:
    await _refused(teams, TokenSigner().token(teams.connector.service_url))


async def test_token_with_an_unknown_kid(teams: TeamsHarness) -> None:
    await _refused(teams, teams.signer.token(teams.connector.service_url, kid="no-such-kid"))


async def test_token_without_kid(teams: TeamsHarness) -> None:
    now = int(time.time())
    payload = {"iss": "https://api.botframework.com", "aud": APP_ID, "exp": now + 600,
               "serviceurl": teams.connector.service_url}  # fmt: skip
    await _refused(teams, jwt.encode(payload, teams.signer.key, algorithm="RS256"))


async def test_unsigned_token_alg_none(teams: TeamsHarness) -> None:
    await _refused(teams, unsigned_token(teams.connector.service_url, teams.signer.kid))


async def test_hs256_token_with_the_public_key_as_secret(teams: TeamsHarness) -> None:
    now = int(time.time())
    payload = {"iss": "https://api.botframework.com", "aud": APP_ID, "exp": now + 600,
               "serviceurl": teams.connector.service_url}  # fmt: skip
    token = jwt.encode(payload, "not-a-key-but-long-enough-for-hs256-0123456789", algorithm="HS256",
                       headers={"kid": teams.signer.kid})  # fmt: skip
    await _refused(teams, token)


async def test_wrong_audience(teams: TeamsHarness) -> None:
    token = teams.signer.token(teams.connector.service_url, audience="another-bot")
    await _refused(teams, token)


async def test_wrong_issuer(teams: TeamsHarness) -> None:
    token = teams.signer.token(teams.connector.service_url, issuer="https://sts.windows.net/evil/")
    await _refused(teams, token)


async def test_wrong_serviceurl(teams: TeamsHarness) -> None:
    await _refused(teams, teams.signer.token("https://evil.example/"))


async def test_key_without_the_msteams_endorsement(teams: TeamsHarness) -> None:
    other = TokenSigner()
    other_jwk = other.jwk(endorsements=("skype",))
    teams.keys.signers.append(other)
    other.jwk = lambda endorsements=("msteams",): other_jwk  # type: ignore[method-assign]
    await teams.adapter.sdk.keys.refresh()
    await _refused(teams, other.token(teams.connector.service_url))


async def test_garbage_token_and_garbage_body(teams: TeamsHarness) -> None:
    await _refused(teams, "not.a.jwt")
    async with teams.http.post(
        f"{teams.url}/api/messages", data=b"{nope", headers={"Authorization": "Bearer x"}
    ) as resp:
        assert resp.status in (400, 401)


async def test_a_slow_key_server_never_stalls_the_event_loop(teams: TeamsHarness) -> None:
    """The keys are fetched in a thread: while a fetch waits on a slow key server, the same process
    keeps answering other requests at once."""
    keys = teams.adapter.sdk.keys
    keys.fetched_at = 0.0  # as if they were due for their daily refresh
    teams.keys.delay = 1.5
    slow = asyncio.create_task(teams.post(teams.activity(text="list")))
    await asyncio.sleep(0.3)  # the activity is now waiting for the keys
    started = time.monotonic()
    async with teams.http.get(f"{teams.url}/healthz") as resp:
        assert resp.status == 200
    assert time.monotonic() - started < 1.0
    assert not slow.done()
    status, _ = await slow
    assert status == 200
    await teams.connector.wait_for("send", 1)


async def test_a_hanging_key_server_is_bounded(teams: TeamsHarness) -> None:
    """Keys never fetched and the key server hangs: 503 within the bounded timeout (the channel
    retries), not a request stuck forever; nothing runs."""
    cache = KeyCache(teams.keys.metadata_url, timeout=0.5)
    cache.install()
    teams.adapter.sdk.keys = cache
    teams.keys.delay = 3.0
    started = time.monotonic()
    status, _ = await teams.post(teams.activity(text=NEW))
    assert status == 503
    assert time.monotonic() - started < 2.5
    asked = teams.keys.requests
    started = time.monotonic()
    status, _ = await teams.post(teams.activity(text=NEW))  # right after: not queued on the key server
    assert status == 503 and time.monotonic() - started < 0.5
    assert teams.keys.requests == asked
    assert teams.connector.sent == []


@pytest.mark.parametrize("path", ["/api/messages"])
async def test_get_is_not_allowed(teams: TeamsHarness, path: str) -> None:
    async with teams.http.get(f"{teams.url}{path}") as resp:
        assert resp.status == 405
