"""Channel feeds: which channels receive the changes of which opportunities."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from oppbot.domain.feeds import FeedRule, Where
from oppbot.store.orm import FeedRow
from oppbot.store.repository import Repository


def _rule(row: FeedRow) -> FeedRule:
    return FeedRule(Where(row.platform, row.team_id, row.channel), row.kind, row.value, row.locale)


class Feeds:
    """The feed table, inside a unit of work's session (the service owns the transaction)."""

    def __init__(self, repo: Repository) -> None:
        self.repo = repo
        self.session = repo.session

    def _at(self, where: Where) -> sa.ColumnElement[bool]:
        return sa.and_(
            FeedRow.platform == where.platform,
            FeedRow.team_id == where.team_id,
            FeedRow.channel == where.channel,
        )

    async def add(self, rule: FeedRule, created_by: str) -> bool:
        """False when the channel already had exactly this feed."""
        await self.repo.setup.bump()  # feeds are cached with the set-up (turned_on_before)
        insert = postgresql.insert if self.session.get_bind().dialect.name == "postgresql" else sqlite.insert
        w = rule.where
        result = await self.session.execute(
            insert(FeedRow)
            .values(
                platform=w.platform,
                team_id=w.team_id,
                channel=w.channel,
                kind=rule.kind,
                value=rule.value,
                locale=rule.locale,
                created_by=created_by,
                created_at=datetime.now(UTC),
            )
            .on_conflict_do_nothing(index_elements=["platform", "team_id", "channel", "kind", "value"])
        )
        return bool(getattr(result, "rowcount", 0))

    async def remove_all(self, where: Where) -> int:
        await self.repo.setup.bump()
        result = await self.session.execute(sa.delete(FeedRow).where(self._at(where)))
        return int(getattr(result, "rowcount", 0) or 0)

    async def of_channel(self, where: Where) -> list[FeedRule]:
        rows = await self.session.scalars(sa.select(FeedRow).where(self._at(where)).order_by(FeedRow.id))
        return [_rule(r) for r in rows]

    async def turned_on_before(self, at: datetime) -> list[FeedRule]:
        """Every feed turned on before `at`, oldest first. Feeds are few and rarely change: they are
        cached with the set-up, so a change in a workspace without feeds costs no query and no card."""
        feeds = await self.repo.cached(("feeds",), self._every_feed)
        return [rule for rule, since in feeds if since <= at]

    async def _every_feed(self) -> tuple[tuple[FeedRule, datetime], ...]:
        rows = await self.session.scalars(sa.select(FeedRow).order_by(FeedRow.id))
        return tuple((_rule(r), _aware(r.created_at)) for r in rows)


def _aware(moment: datetime) -> datetime:
    """SQLite gives back the UTC instant without its zone."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
