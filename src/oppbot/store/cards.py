"""Posted cards: where the bot's card messages are, so a change can refresh every copy in place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oppbot.store.engine import WRITE
from oppbot.store.orm import PostedCardRow


@dataclass(frozen=True)
class PostedCard:
    id: int
    platform: str
    team_id: str
    channel: str
    message_id: str  # Slack: the message ts
    no: str
    locale: str
    version_shown: int


class PostedCards:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def record(
        self, platform: str, team_id: str, channel: str, message_id: str, no: str, locale: str, version: int
    ) -> None:
        """Remember a posted card (posting the same message twice records it once)."""
        async with self._sessions() as session:
            await session.connection(execution_options={WRITE: True})
            insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
            await session.execute(
                insert(PostedCardRow)
                .values(
                    platform=platform,
                    team_id=team_id,
                    channel=channel,
                    message_id=message_id,
                    opportunity_no=no,
                    locale=locale,
                    version_shown=version,
                    posted_at=datetime.now(UTC),
                )
                .on_conflict_do_nothing(index_elements=["platform", "team_id", "channel", "message_id"])
            )
            await session.commit()

    async def of_opportunity(self, no: str, *, older_than: int) -> list[PostedCard]:
        """The copies of `no`'s card that show a version before `older_than`."""
        async with self._sessions() as session:
            rows = await session.scalars(
                sa.select(PostedCardRow)
                .where(PostedCardRow.opportunity_no == no, PostedCardRow.version_shown < older_than)
                .order_by(PostedCardRow.id)
            )
            return [
                PostedCard(
                    r.id,
                    r.platform,
                    r.team_id,
                    r.channel,
                    r.message_id,
                    r.opportunity_no,
                    r.locale,
                    r.version_shown,
                )
                for r in rows
            ]

    async def shown(self, card_id: int, version: int) -> None:
        """The copy now shows `version` (never goes back: a slower, older refresh can't win)."""
        async with self._sessions() as session:
            await session.connection(execution_options={WRITE: True})
            await session.execute(
                sa.update(PostedCardRow)
                .where(PostedCardRow.id == card_id, PostedCardRow.version_shown < version)
                .values(version_shown=version)
            )
            await session.commit()

    async def forget(self, card_id: int) -> None:
        """The message is gone (deleted, or the bot left the channel)."""
        async with self._sessions() as session:
            await session.connection(execution_options={WRITE: True})
            await session.execute(sa.delete(PostedCardRow).where(PostedCardRow.id == card_id))
            await session.commit()
