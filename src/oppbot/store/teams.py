"""Teams conversation references: where the bot can write first, kept across restarts and replicas."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from oppbot.store.engine import WRITE
from oppbot.store.orm import ChatIdentityRow, TeamsConversationRow

PERSONAL = "personal"


@dataclass(frozen=True)
class ConversationRef:
    conversation_id: str
    kind: str  # personal | channel | groupChat
    service_url: str
    tenant_id: str = ""
    bot_id: str = ""
    user_id: str | None = None  # personal: the person's Teams user id
    aad_object_id: str | None = None
    salesperson_code: str | None = None
    locale: str | None = None
    unreachable: bool = False


def _ref(row: TeamsConversationRow) -> ConversationRef:
    return ConversationRef(
        row.conversation_id,
        row.kind,
        row.service_url,
        row.tenant_id,
        row.bot_id,
        row.user_id,
        row.aad_object_id,
        row.salesperson_code,
        row.locale,
        row.unreachable_at is not None,
    )


class TeamsConversations:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def remember(self, ref: ConversationRef) -> None:
        """Upsert by conversation id; a person writing again is reachable again."""
        values = {
            "conversation_id": ref.conversation_id,
            "kind": ref.kind,
            "service_url": ref.service_url,
            "tenant_id": ref.tenant_id,
            "bot_id": ref.bot_id,
            "user_id": ref.user_id,
            "aad_object_id": ref.aad_object_id,
            "salesperson_code": ref.salesperson_code,
            "locale": ref.locale,
            "unreachable_at": None,
            "updated_at": datetime.now(UTC),
        }
        # A channel message says nothing about who the channel belongs to: keep what is known.
        keep = {"user_id", "aad_object_id", "salesperson_code", "locale"} if ref.kind != PERSONAL else set()
        updates = {k: v for k, v in values.items() if k != "conversation_id" and k not in keep}
        async with self._sessions() as session:
            await session.connection(execution_options={WRITE: True})
            insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
            stmt = insert(TeamsConversationRow).values(**values)
            await session.execute(
                stmt.on_conflict_do_update(index_elements=["conversation_id"], set_=updates)
            )
            await session.commit()

    async def get(self, conversation_id: str) -> ConversationRef | None:
        async with self._sessions() as session:
            row = await session.scalar(
                sa.select(TeamsConversationRow).where(TeamsConversationRow.conversation_id == conversation_id)
            )
            return _ref(row) if row else None

    async def personal_of(self, code: str) -> ConversationRef | None:
        """The person's latest 1:1 chat with the bot (reachable or not: the caller decides)."""
        async with self._sessions() as session:
            row = await session.scalar(
                sa.select(TeamsConversationRow)
                .where(TeamsConversationRow.salesperson_code == code, TeamsConversationRow.kind == PERSONAL)
                .order_by(TeamsConversationRow.updated_at.desc(), TeamsConversationRow.id.desc())
                .limit(1)
            )
            return _ref(row) if row else None

    async def mark_unreachable(self, conversation_id: str) -> None:
        """The person removed the bot (403): no more messages until they write again."""
        async with self._sessions() as session:
            await session.connection(execution_options={WRITE: True})
            await session.execute(
                sa.update(TeamsConversationRow)
                .where(TeamsConversationRow.conversation_id == conversation_id)
                .values(unreachable_at=datetime.now(UTC))
            )
            await session.commit()

    async def aad_ids_of(self, code: str) -> list[str]:
        """The person's Teams identities (AAD object ids), from the set-up file or a first message."""
        async with self._sessions() as session:
            rows = await session.scalars(
                sa.select(ChatIdentityRow.user_id)
                .where(ChatIdentityRow.platform == "teams", ChatIdentityRow.salesperson_code == code)
                .order_by(ChatIdentityRow.id)
            )
            return list(rows)

    async def anchor(self) -> ConversationRef | None:
        """Any known conversation: its Connector URL and tenant serve a new 1:1 chat too."""
        async with self._sessions() as session:
            row = await session.scalar(
                sa.select(TeamsConversationRow).order_by(TeamsConversationRow.updated_at.desc()).limit(1)
            )
            return _ref(row) if row else None
