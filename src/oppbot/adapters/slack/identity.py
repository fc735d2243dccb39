"""Who is clicking: Slack user → salesperson (stored identity, else email), locale and time zone."""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from oppbot.bot import ChatUser, Context, MentionResolver
from oppbot.domain.model import Salesperson
from oppbot.replies.format import Formatter
from oppbot.replies.i18n import language
from oppbot.runtime import Runtime

log = logging.getLogger(__name__)
PLATFORM = "slack"
CACHE_SIZE = 5000
MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$", re.IGNORECASE)


@dataclass(frozen=True)
class Profile:
    """What users.info tells about a person (cached per process)."""

    email: str | None
    locale: str | None
    tz: str | None


@dataclass(frozen=True)
class Who:
    """The person behind a request, with everything needed to answer them."""

    team_id: str
    user_id: str
    actor: Salesperson | None
    locale: str
    tz: ZoneInfo | None
    f: Formatter
    ctx: Context | None


class Identities:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._profiles: OrderedDict[tuple[str, str], Profile] = OrderedDict()

    async def profile(self, client: AsyncWebClient, team_id: str, user_id: str) -> Profile:
        key = (team_id, user_id)
        if key in self._profiles:
            self._profiles.move_to_end(key)
            return self._profiles[key]
        try:
            resp = await client.users_info(user=user_id, include_locale=True)
        except SlackApiError as exc:
            log.info("users.info %s failed: %s", user_id, exc.response.get("error"))
            return Profile(None, None, None)
        user: dict[str, Any] = resp.get("user") or {}
        prof = Profile(
            email=(user.get("profile") or {}).get("email"), locale=user.get("locale"), tz=user.get("tz")
        )
        self._profiles[key] = prof
        if len(self._profiles) > CACHE_SIZE:
            self._profiles.popitem(last=False)
        return prof

    def cached_locale(self, team_id: str, user_id: str) -> str:
        """The person's language without any I/O (for apologies when the database or Slack failed)."""
        prof = self._profiles.get((team_id, user_id))
        return language((prof.locale if prof else None) or self.runtime.settings.locale)

    async def who(self, client: AsyncWebClient, team_id: str, user_id: str) -> Who:
        service = self.runtime.service
        prof = await self.profile(client, team_id, user_id)
        actor = await service.identify(PLATFORM, team_id, user_id, prof.email)
        locale = language(prof.locale or self.runtime.settings.locale)
        tz = _zone(prof.tz)
        ctx = None
        if actor is not None:
            # The person's stored time zone and locale win over Slack's (conventions).
            settings = self.runtime.settings
            prefs = await service.preferences_of(
                actor, platform_timezone=prof.tz, platform_locale=prof.locale
            )
            ctx = Context.of(
                actor, prefs, platform_locale=prof.locale, platform_tz=prof.tz,
                default_locale=settings.locale, default_tz=settings.timezone,
                resolve_mention=self.mention_resolver(client, team_id),
            )  # fmt: skip
            locale, tz = ctx.locale, ctx.tz
        f = Formatter(locale, service.currency)
        return Who(team_id, user_id, actor, locale, tz, f, ctx)

    async def chat_user(self, client: AsyncWebClient, team_id: str, user_id: str) -> ChatUser:
        prof = await self.profile(client, team_id, user_id)
        return ChatUser(PLATFORM, team_id, user_id, prof.email)

    async def salesperson_of(self, client: AsyncWebClient, team_id: str, user_id: str) -> Salesperson | None:
        user = await self.chat_user(client, team_id, user_id)
        return await self.runtime.service.identify(PLATFORM, team_id, user_id, user.email)

    def mention_resolver(self, client: AsyncWebClient, team_id: str) -> MentionResolver:
        async def resolve(text: str) -> ChatUser | None:
            m = MENTION.match(text.strip())
            if m is None:
                return None
            return await self.chat_user(client, team_id, m.group(1).upper())

        return resolve


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
