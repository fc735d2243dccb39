"""Who sent a Teams activity: `from.aadObjectId` → salesperson, else the roster's email; locale and
time zone from the activity unless the person set their own."""

from __future__ import annotations

import logging
import re
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from oppbot.adapters.teams.activity import Incoming, channel_of
from oppbot.adapters.teams.sdk import ConnectorError, TeamsSdk
from oppbot.bot import ChatUser, Context, MentionResolver
from oppbot.domain.model import Salesperson
from oppbot.replies.format import Formatter
from oppbot.replies.i18n import language
from oppbot.runtime import Runtime

log = logging.getLogger(__name__)
PLATFORM = "teams"
TEAM_ID = ""  # Teams identities are stored without a tenant (the set-up loader's `teams:` ids)
CACHE_SIZE = 5000
MENTION_TOKEN = re.compile(r"^<@M(\d+)>$")
# Teams refreshes a card for at most 60 user ids; one more tells the renderer there are more.
VIEWERS_MAX = 61
VIEWERS_TTL = 600.0


@dataclass(frozen=True)
class Who:
    """The person behind an activity, with what is needed to answer them."""

    user_id: str  # the Teams id of the sender (29:…)
    aad_object_id: str | None
    actor: Salesperson | None
    locale: str
    tz: ZoneInfo | None
    f: Formatter
    ctx: Context | None


class TeamsIdentities:
    def __init__(self, runtime: Runtime, sdk: TeamsSdk) -> None:
        self.runtime, self.sdk = runtime, sdk
        self._roster: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()
        self._viewers: dict[str, tuple[list[str], float]] = {}

    async def roster(self, act: Incoming, user_id: str) -> dict[str, Any]:
        """The roster's record of a member of the activity's conversation (cached per process)."""
        key = (act.conversation_id, user_id)
        if key in self._roster:
            self._roster.move_to_end(key)
            return self._roster[key]
        try:
            member = await self.sdk.member(act.service_url, act.conversation_id, user_id)
        except ConnectorError as exc:
            log.info("Teams roster lookup of %s failed: %s", user_id, exc)
            return {}
        self._roster[key] = member
        if len(self._roster) > CACHE_SIZE:
            self._roster.popitem(last=False)
        return member

    async def viewers(self, service_url: str, conversation_id: str, limit: int = VIEWERS_MAX) -> list[str]:
        """The Teams ids of who sees a channel's or group chat's cards (at most `limit`; cached a while):
        a card there refreshes for each of them, so each sees what they may do."""
        key = channel_of(conversation_id)
        cached = self._viewers.get(key)
        if cached is not None and time.monotonic() - cached[1] < VIEWERS_TTL:
            return cached[0][:limit]
        try:
            members = await self.sdk.members(service_url, key)
        except ConnectorError as exc:
            log.info("Teams members of %s unknown: %s", key, exc)
            return []
        ids = [str(m["id"]) for m in members if m.get("id")]
        self._viewers[key] = (ids, time.monotonic())
        return ids[:limit]

    async def chat_user(self, act: Incoming, user_id: str, aad: str | None) -> ChatUser:
        """Identified by the AAD object id when Teams gives it; the email comes from the roster."""
        member = await self.roster(act, user_id) if user_id else {}
        aad = aad or member.get("aadObjectId")
        email = member.get("email") or member.get("userPrincipalName")
        return ChatUser(PLATFORM, TEAM_ID, str(aad or user_id), str(email) if email else None)

    async def who(self, act: Incoming) -> Who:
        service, settings = self.runtime.service, self.runtime.settings
        actor = None
        if act.aad_object_id:
            actor = await service.identify(PLATFORM, TEAM_ID, act.aad_object_id)
        if actor is None and act.user_id:  # not linked yet: the roster's email, linked for next time
            user = await self.chat_user(act, act.user_id, act.aad_object_id)
            actor = await service.identify(user.platform, user.team_id, user.user_id, user.email)
        locale = language(act.locale or settings.locale)
        ctx = None
        tz = None
        if actor is not None:
            prefs = await service.preferences_of(
                actor, platform_timezone=act.timezone, platform_locale=act.locale
            )
            ctx = Context.of(
                actor, prefs, platform_locale=act.locale,
                platform_tz=act.timezone, default_locale=settings.locale, default_tz=settings.timezone,
                resolve_mention=self.mention_resolver(act),
            )  # fmt: skip
            locale, tz = ctx.locale, ctx.tz
        return Who(
            act.user_id, act.aad_object_id, actor, locale, tz, Formatter(locale, service.currency), ctx
        )

    def mention_resolver(self, act: Incoming) -> MentionResolver:
        """`<@M0>` (how a message's other @mentions reach the grammar) → the person mentioned."""

        async def resolve(text: str) -> ChatUser | None:
            m = MENTION_TOKEN.match(text.strip())
            if m is None or int(m.group(1)) >= len(act.mentions):
                return None
            mentioned = act.mentions[int(m.group(1))]
            return await self.chat_user(act, str(mentioned.get("id") or ""), mentioned.get("aadObjectId"))

        return resolve
