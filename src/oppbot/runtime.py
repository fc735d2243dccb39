"""Wiring: settings → engine → service → bot. One Runtime per process, shared by every adapter."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from oppbot.bot import Bot
from oppbot.config import Settings, Switch
from oppbot.notify.dispatcher import Dispatcher
from oppbot.notify.feeds import ChannelFeeds
from oppbot.notify.live_cards import LiveCards
from oppbot.notify.port import DirectNotifiers
from oppbot.service.notifications import NotificationService
from oppbot.service.opportunities import OpportunityService
from oppbot.store.cards import PostedCards
from oppbot.store.engine import make_engine, make_sessionmaker, upgrade_database
from oppbot.store.events import EventStore


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    service: OpportunityService
    bot: Bot
    dispatcher: Dispatcher = field(init=False)
    live_cards: LiveCards = field(init=False)
    channel_feeds: ChannelFeeds = field(init=False)
    # Each chat adapter adds its way to write to a person first (reminders, digests).
    direct: DirectNotifiers = field(default_factory=DirectNotifiers)
    # Reminders and digests (the scheduler's passes; notify.scheduler runs them).
    notifications: NotificationService = field(init=False)

    def __post_init__(self) -> None:
        self.dispatcher = Dispatcher(EventStore(self.sessions))
        self.service.committed.append(self.dispatcher.wake)
        # Subscribers of change events; each chat adapter adds its poster to the live cards.
        self.live_cards = LiveCards(self.service, PostedCards(self.sessions))
        self.dispatcher.subscribe("live cards", self.live_cards.on_event)
        self.channel_feeds = ChannelFeeds(self.bot.feeds)
        self.dispatcher.subscribe("channel feeds", self.channel_feeds.on_event)
        s = self.settings
        self.notifications = NotificationService(
            self.service, remind_every=s.remind_every, escalate_after=s.escalate_after
        )
        self.notifications.wakers = self.bot.notifications.wakers  # `digest now` wakes the sender

    @classmethod
    def create(cls, settings: Settings) -> Runtime:
        engine = make_engine(settings.database_url)
        sessions = make_sessionmaker(engine)
        service = OpportunityService(
            sessions,
            currency=settings.currency,
            stall_default=settings.stall_default,
            timezone=settings.zone,
            read_scope=settings.read_scope,
            setup_cache=settings.setup_cache is Switch.ON,
        )
        return cls(settings, engine, sessions, service, Bot(service))

    async def migrate(self) -> None:
        await upgrade_database(self.engine)

    async def close(self) -> None:
        await self.engine.dispose()
