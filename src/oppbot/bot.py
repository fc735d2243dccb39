"""The one place where a command becomes a service call and a reply.

Every command, typed or clicked or submitted in a form, on every adapter, runs here: so every change
and every reply a person reads goes through it. What only fills a screen or a form (App Home's list and
team pipeline, the choices and current values a modal opens with, the contact type-ahead, identity
look-ups) the adapters read from the service directly; the service authorizes those reads the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from oppbot import grammar
from oppbot.domain.actions import CloseInput, MoveInput
from oppbot.domain.enums import ActionType
from oppbot.domain.errors import DomainError
from oppbot.domain.feeds import Where
from oppbot.domain.model import Salesperson
from oppbot.domain.preferences import FIELDS as PREFERENCE_FIELDS
from oppbot.domain.preferences import Preferences
from oppbot.replies.build import notices_of
from oppbot.replies.document import Notice
from oppbot.replies.feed import feed_list, feed_subject
from oppbot.replies.format import Formatter
from oppbot.replies.i18n import about, error_text, t
from oppbot.replies.model import (
    CardReply,
    ContactsReply,
    CyclesReply,
    ErrorReply,
    HelpReply,
    HistoryReply,
    ListReply,
    PipelineReply,
    PreferencesReply,
    Reply,
    StatsReply,
    TextReply,
)
from oppbot.replies.parts import msg
from oppbot.service.feeds import FeedService
from oppbot.service.notifications import NotificationService
from oppbot.service.opportunities import OpportunityService
from oppbot.service.views import ActionResult, OpportunityView, PreferencesView

log = logging.getLogger(__name__)

MOVE_TYPES = {
    "next": ActionType.NEXT,
    "previous": ActionType.PREVIOUS,
    "skip": ActionType.SKIP,
    "jump": ActionType.JUMP,
    "update": ActionType.UPDATE,
}


@dataclass(frozen=True)
class ChatUser:
    """A person on a chat platform, as the adapter knows them."""

    platform: str
    team_id: str
    user_id: str
    email: str | None = None


# Turns a mention as typed (`<@U0DEMO1>`, `@annette`) into the chat user it names, or None.
MentionResolver = Callable[[str], Awaitable[ChatUser | None]]


@dataclass(frozen=True)
class Context:
    actor: Salesperson
    locale: str = "en"
    tz: ZoneInfo | None = None
    resolve_mention: MentionResolver | None = None
    # What the person gets when they set none (the platform's, else the settings'); None: locale / tz.
    fallback_locale: str | None = None
    fallback_tz: ZoneInfo | None = None

    @classmethod
    def of(
        cls,
        actor: Salesperson,
        prefs: Preferences,
        *,
        platform_locale: str | None,
        platform_tz: str | None,
        default_locale: str,
        default_tz: str,
        resolve_mention: MentionResolver | None = None,
    ) -> Context:
        """A person's context on a platform: a set preference wins over the platform's value, which
        wins over oppbot's settings (OPPBOT_LOCALE, OPPBOT_TIMEZONE)."""
        unset = Preferences()
        return cls(
            actor,
            prefs.effective_locale(platform_locale, default_locale),
            ZoneInfo(prefs.effective_timezone(platform_tz, default_tz)),
            resolve_mention,
            unset.effective_locale(platform_locale, default_locale),
            ZoneInfo(unset.effective_timezone(platform_tz, default_tz)),
        )

    where: Where | None = None  # the channel the command was typed in (feeds need one)


class Bot:
    def __init__(self, service: OpportunityService) -> None:
        self.service = service
        self.feeds = FeedService(service)
        self.notifications = NotificationService(service)  # snooze, `digest now`

    async def handle(self, text: str, ctx: Context, *, request_key: str | None = None) -> Reply:
        """Parse and run; bad input and broken rules become an ErrorReply, never an exception."""
        try:
            command = grammar.parse(
                text, today=self.service.today(ctx.tz), locale=ctx.locale, currency=self.service.currency
            )
        except grammar.ParseError as exc:
            message = exc.message(ctx.locale)
            if exc.no:  # every reply names the opportunity it concerns (the usage line is only an example)
                message = t(ctx.locale, "about_opportunity", no=exc.no, text=message)
            return ErrorReply(exc.code, message)
        return await self.run(command, ctx, request_key=request_key)

    async def run(
        self,
        command: grammar.Command,
        ctx: Context,
        *,
        expected_version: int | None = None,
        request_key: str | None = None,
    ) -> Reply:
        try:
            return await self._run(command, ctx, expected_version, request_key)
        except DomainError as exc:
            return await self._error(exc, ctx, getattr(command, "no", None))
        except Exception:
            log.exception("command failed: %r", command)
            no = getattr(command, "no", None)
            return ErrorReply("internal_error", about(ctx.locale, no, "internal_error"))

    async def form(self, no: str, ctx: Context) -> OpportunityView | ErrorReply:
        """The opportunity a form (update, quote, win, lose) opens on, or why this person may not
        change it: a card shows every reader what the opportunity allows, so a button may be pressed
        by someone it isn't for; they hear why before filling the form in (the submission is checked
        again, as every change is)."""
        try:
            view = await self.service.show(ctx.actor, no, tz=ctx.tz)
            if not view.may_change:
                owner = view.owner.name if view.owner else view.opp.salesperson_code
                raise DomainError("not_allowed", no=view.no, owner=owner)
        except DomainError as exc:
            return await self._error(exc, ctx, no)
        return view

    async def _error(self, exc: DomainError, ctx: Context, no: str | None) -> ErrorReply:
        """A refused command, in words; a refusal about an opportunity names it (conventions)."""
        if no:  # errors the domain raises without the opportunity at hand (shared checks, the store)
            exc.params.setdefault("no", no)
        card = None
        if exc.code == "changed_meanwhile" and no:
            try:
                card = await self.service.show(ctx.actor, no, tz=ctx.tz)
            except DomainError:
                card = None
        return ErrorReply(exc.code, error_text(ctx.locale, exc), card, exc.field)

    async def _feed(self, command: grammar.Feed, ctx: Context) -> Reply:
        if ctx.where is None:
            return TextReply(t(ctx.locale, "feed_needs_channel"))
        f = Formatter(ctx.locale, self.service.currency)
        names = {p.code: p.name for p in await self.service.salespeople()}
        if command.action == "off":
            removed = await self.feeds.turn_off(ctx.actor, ctx.where)
            return TextReply(t(ctx.locale, "feed_off", count=removed))
        if command.action == "on":
            rule, added = await self.feeds.turn_on(
                ctx.actor, ctx.where, scope=command.scope, cycle=command.cycle,
                owner=await self._owner_code(command.owner, ctx), locale=ctx.locale,
            )  # fmt: skip
            key = "feed_on" if added else "feed_already"
            return TextReply(t(ctx.locale, key, what=feed_subject(rule, f, names)))
        return TextReply(feed_list(await self.feeds.feeds(ctx.where), f, names))

    async def _owner_code(self, owner: str | None, ctx: Context) -> str | None:
        """A salesperson code as typed, or a chat mention mapped to its salesperson."""
        if owner is None or not (owner.startswith("@") or owner.startswith("<@")):
            return owner
        user = await ctx.resolve_mention(owner) if ctx.resolve_mention else None
        person = (
            await self.service.identify(user.platform, user.team_id, user.user_id, user.email)
            if user
            else None
        )
        if person is None:
            raise DomainError("unknown_user", user=owner)
        return person.code

    @staticmethod
    def _card(result: ActionResult) -> CardReply:
        return CardReply(result.view, notices_of(result))

    def _preferences(
        self, view: PreferencesView, ctx: Context, fields: tuple[str, ...] = PREFERENCE_FIELDS
    ) -> PreferencesReply:
        loc = ctx.locale
        zone = ctx.fallback_tz or ctx.tz or self.service.timezone
        notices: tuple[str, ...] = ()
        if view.changed:
            notices = (t(loc, "settings_saved", fields=[t(loc, f"pref_{name}") for name in view.changed]),)
        return PreferencesReply(
            view,
            timezone=view.stored.timezone or zone.key,
            locale=view.stored.locale or ctx.fallback_locale or ctx.locale,
            fields=fields,
            notices=notices,
        )

    async def _run(
        self, command: grammar.Command, ctx: Context, version: int | None, request_key: str | None
    ) -> Reply:
        s, actor, tz = self.service, ctx.actor, ctx.tz
        match command:
            case grammar.Help(topic=topic):
                wanted = [topic] if topic in grammar.USAGE else list(grammar.USAGE)
                return HelpReply(topic, [(verb, grammar.USAGE[verb]) for verb in wanted])
            case grammar.NewOpportunity():
                result = await s.create(
                    actor,
                    contact=command.contact,
                    description=command.description,
                    cycle=command.cycle,
                    value=command.value,
                    chances=command.chances,
                    close=command.close,
                    owner=await self._owner_code(command.owner, ctx),
                    priority=command.priority,
                    start=command.start,
                    tz=tz,
                    request_key=request_key,
                )
                return self._card(result)
            case grammar.Move():
                inp = MoveInput(
                    estimated_value=command.value,
                    chances_pct=command.chances,
                    estimated_close_date=command.close,
                    date_of_change=command.date,
                    target_stage=command.to_stage,
                    expected_version=version,
                )
                if command.action == "start":
                    return self._card(await s.start(actor, command.no, inp, tz=tz, request_key=request_key))
                result = await s.move(
                    actor, command.no, MOVE_TYPES[command.action], inp, tz=tz, request_key=request_key
                )
                return self._card(result)
            case grammar.CloseOpportunity():
                close = CloseInput(
                    won=command.won,
                    close_code=command.code,
                    won_amount=command.amount,
                    close_reason=command.reason,
                    date_of_change=command.date,
                    expected_version=version,
                )
                return self._card(await s.close(actor, command.no, close, tz=tz, request_key=request_key))
            case grammar.SetQuote():
                result = await s.set_quote(
                    actor,
                    command.no,
                    command.reference,
                    expected_version=version,
                    tz=tz,
                    request_key=request_key,
                )
                return self._card(result)
            case grammar.Show(no=no):
                return CardReply(await s.show(actor, no, tz=tz))
            case grammar.History(no=no):
                return HistoryReply(await s.history(actor, no, tz=tz))
            case grammar.ListOpportunities():
                view = await s.list_opportunities(
                    actor,
                    scope=command.scope,
                    stage=command.stage,
                    status=command.status,
                    cycle=command.cycle,
                    tz=tz,
                )
                return ListReply(view)
            case grammar.Pipeline(scope=scope):
                code = await self._owner_code(scope, ctx) if scope.startswith(("@", "<@")) else scope
                return PipelineReply(await s.pipeline(actor, code or "mine"))
            case grammar.Stats():
                owner = await self._owner_code(command.owner, ctx)
                return StatsReply(await s.stats(actor, cycle=command.cycle, owner=owner, team=command.team))
            case grammar.Cycles():
                return CyclesReply(await s.cycles())
            case grammar.Contacts(text=text):
                return ContactsReply(text, await s.contacts(text))
            case grammar.Feed():
                return await self._feed(command, ctx)
            case grammar.Link(user=user, code=code):
                target = await ctx.resolve_mention(user) if ctx.resolve_mention else None
                if target is None:
                    raise DomainError("unknown_user", user=user)
                person = await s.link(actor, target.platform, target.team_id, target.user_id, code)
                return TextReply(t(ctx.locale, "linked", name=person.name, code=person.code))
            case grammar.Settings(changes=changes):
                if not changes:
                    return self._preferences(await s.preferences(actor), ctx)
                return self._preferences(await s.set_preferences(actor, **dict(changes)), ctx)
            case grammar.Reminders(on=on):
                if on is None:
                    return self._preferences(await s.preferences(actor), ctx, ("reminders",))
                return self._preferences(await s.set_preferences(actor, reminders=on), ctx, ("reminders",))
            case grammar.DigestSchedule(schedule=schedule, now=now):
                if now:  # queued due now; the scheduler sends it (exactly once, as every digest)
                    await self.notifications.digest_now(actor)
                    return TextReply(t(ctx.locale, "digest_queued"))
                if schedule is None:
                    return self._preferences(await s.preferences(actor), ctx, ("digest",))
                return self._preferences(await s.set_preferences(actor, digest=schedule), ctx, ("digest",))
            case grammar.Snooze(no=no, duration=duration):
                snoozed = await self.notifications.snooze(actor, no, duration, tz=tz)
                until = snoozed.until.astimezone(tz or s.timezone).strftime("%Y-%m-%d %H:%M")
                notice = Notice(msg("snoozed", no=snoozed.view.no, until=until))
                return CardReply(snoozed.view, (notice,))
        raise AssertionError(f"unhandled command {command!r}")
