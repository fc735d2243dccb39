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
        self.session = repo.session

    def _at(self, where: Where) -> sa.ColumnElement[bool]:
        return sa.and_(
            FeedRow.platform == where.platform,
            FeedRow.team_id == where.team_id,
            FeedRow.channel == where.channel,
        )

    async def add(self, rule: FeedRule, created_by: str) -> bool:
        """False when the channel already had exactly this feed."""
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
        result = await self.session.execute(sa.delete(FeedRow).where(self._at(where)))
        return int(getattr(result, "rowcount", 0) or 0)

    async def of_channel(self, where: Where) -> list[FeedRule]:
        rows = await self.session.scalars(sa.select(FeedRow).where(self._at(where)).order_by(FeedRow.id))
        return [_rule(r) for r in rows]

    async def matching(self, cycle: str, owner: str, manager: str | None, at: datetime) -> list[FeedRule]:
        """Every feed a change at `at` of an opportunity of `cycle` owned by `owner` (reporting to
        `manager`) belongs in: feeds turned on before the change, each channel once (a channel with
        two matching feeds gets the change once)."""
        team = [owner] + ([manager] if manager else [])
        rows = await self.session.scalars(
            sa.select(FeedRow)
            .where(
                FeedRow.created_at <= at,
                sa.or_(
                    FeedRow.kind == "all",
                    sa.and_(FeedRow.kind == "cycle", FeedRow.value == cycle),
                    sa.and_(FeedRow.kind == "owner", FeedRow.value == owner),
                    sa.and_(FeedRow.kind == "team", FeedRow.value.in_(team)),
                ),
            )
            .order_by(FeedRow.id)
        )
        seen: dict[Where, FeedRule] = {}
        for row in rows:
            seen.setdefault(_rule(row).where, _rule(row))
        return list(seen.values())
