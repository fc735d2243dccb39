"""One unit of work per use case: commit on success, roll back on anything else."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from oppbot.domain.errors import DomainError
from oppbot.store.conflicts import is_concurrent_change
from oppbot.store.engine import WRITE
from oppbot.store.repository import Repository
from oppbot.store.setup_cache import SetupCache


class UnitOfWork:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        currency: str,
        *,
        write: bool,
        after_commit: Callable[[], None] | None = None,
        setup: SetupCache | None = None,
    ) -> None:
        self._sessions = sessions
        self._currency = currency
        self._write = write
        self._after_commit = after_commit
        self._setup = setup
        self.session: AsyncSession
        self.repo: Repository

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._sessions()
        if self._write:
            await self.session.connection(execution_options={WRITE: True})
        self.repo = Repository(self.session, self._currency, self._setup)
        return self

    async def commit(self) -> None:
        try:
            await self.session.commit()
        except (StaleDataError, IntegrityError) as exc:
            _raise_if_concurrent(exc)
            raise
        if self._after_commit is not None:
            self._after_commit()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            await self.session.rollback()
        finally:
            await self.session.close()
        if isinstance(exc, (StaleDataError, IntegrityError)):
            _raise_if_concurrent(exc)


def _raise_if_concurrent(exc: StaleDataError | IntegrityError) -> None:
    """Another writer changed the same thing between our read and our write: say so.

    Other integrity errors (NOT NULL, foreign key, CHECK, an unguarded unique key) are defects:
    they propagate as they are, to be logged and apologised for as internal errors.
    """
    if isinstance(exc, StaleDataError) or is_concurrent_change(exc):
        raise DomainError("changed_meanwhile") from exc
