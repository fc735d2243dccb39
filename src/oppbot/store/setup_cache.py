"""A per-process cache of the set-up, kept exact across replicas by a set-up version.

What is cached: sales cycles with their stages, close codes, activities, salespeople, chat identity
links (Slack and Teams user → salesperson) and people's preferences. They are read by nearly every
request and change rarely (`oppbot setup load`, a first contact linking an identity, `set …`).

How replicas stay exact: table `setup_version` holds one row whose number is incremented by the same
transaction that changes any of those tables (every such write goes through `Repository`, which calls
`bump_setup_version`). A unit of work that wants a cached value first reads that number — one
primary-key read of one row, much cheaper than loading cycles and stages or joining identities — and
drops the whole cache when it differs from the number the cache was filled under. So a change
committed by any process is seen by every other process on its next unit of work.

Why not the change events: the outbox (store/events.py) is claimed, so each event reaches ONE
dispatcher among the replicas — exactly right for side effects, wrong for invalidation, which every
process needs. A second, unclaimed reader of event ids would need a poll loop per process and would
still leave a window between a commit and the next poll in which a replica serves the old set-up; the
version read is synchronous with the request, so there is no such window. Events also belong to one
opportunity and their subscribers would all have to learn to skip set-up rows.

One check per request: an adapter runs each request inside `setup_scope()`; the first unit of work
in it reads the version, the later ones (identity, preferences, the command itself) reuse that number
and, when everything they need is cached, touch no connection at all. A request that itself changes
the set-up (a first contact linking an identity) forgets the number, so its next unit of work reads
it again. Outside a scope (dispatcher, scheduler, CLI) every unit of work checks.

Consistency: the version is read before the data. Data loaded after reading version v is at least
as new as v; if it is newer, a later version is already committed and the next check drops it. A
transaction that itself changed the set-up bypasses the cache for the rest of its life (it sees its
own uncommitted rows, nobody else must). Values handed out are copies: callers may mutate them.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from oppbot.store.orm import SetupVersionRow

SETUP_VERSION_ID = 1
# Entries per process at most: people and their links are keyed one by one, and unknown chat users
# ("not linked") are remembered too; past this the cache starts again rather than grow without bound.
MAX_ENTRIES = 20_000
MISSING: Any = object()  # a cached "not found" is stored as None; MISSING means "not cached"
# The versions read in the current request, by cache (id): see setup_scope.
_SCOPE: ContextVar[dict[int, int] | None] = ContextVar("oppbot_setup_scope", default=None)


@contextmanager
def setup_scope() -> Iterator[None]:
    """One request: its units of work check the set-up version once between them."""
    token = _SCOPE.set({})
    try:
        yield
    finally:
        _SCOPE.reset(token)


async def read_setup_version(session: AsyncSession) -> int:
    version = await session.scalar(
        sa.select(SetupVersionRow.version).where(SetupVersionRow.id == SETUP_VERSION_ID)
    )
    return int(version or 0)


async def bump_setup_version(session: AsyncSession) -> None:
    """Increment the set-up version in the caller's transaction (it commits or rolls back with it)."""
    await session.execute(
        sa.update(SetupVersionRow)
        .where(SetupVersionRow.id == SETUP_VERSION_ID)
        .values(version=SetupVersionRow.version + 1)
    )


def clone(value: Any) -> Any:
    """A copy callers may change: dataclasses one level deep (a cycle's stages), containers by item."""
    if value is None or isinstance(value, (str, int, tuple, frozenset)):
        return value
    if isinstance(value, list):
        return [clone(v) for v in value]
    if isinstance(value, dict):
        return {k: clone(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        params = getattr(type(value), "__dataclass_params__", None)
        if params is not None and params.frozen:
            return value  # immutable (Preferences)
        fresh = copy.copy(value)
        for f in dataclasses.fields(value):
            inner = getattr(value, f.name)
            if isinstance(inner, (list, dict)):
                object.__setattr__(fresh, f.name, clone(inner))
        return fresh
    return copy.deepcopy(value)


class SetupCache:
    """One per process (owned by OpportunityService); shared by its units of work."""

    def __init__(self, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self.version: int | None = None
        self._values: dict[tuple[Any, ...], Any] = {}
        self.hits = 0
        self.misses = 0
        self.drops = 0

    def sync(self, version: int) -> None:
        """Drop everything when the committed set-up version is not the one the values were read at."""
        if version != self.version:
            if self._values:
                self.drops += 1
            self._values.clear()
            self.version = version

    def get(self, key: tuple[Any, ...]) -> Any:
        value = self._values.get(key, MISSING)
        if value is MISSING:
            self.misses += 1
            return MISSING
        self.hits += 1
        return clone(value)

    def put(self, key: tuple[Any, ...], value: Any, version: int) -> None:
        if version == self.version:  # filled under the version the data was read at, never a newer one
            if len(self._values) >= MAX_ENTRIES:
                self._values.clear()
            self._values[key] = clone(value)

    def clear(self) -> None:
        self._values.clear()
        self.version = None


class SetupView:
    """The cache as one unit of work sees it: checks the version once, bypassed after its own writes."""

    def __init__(self, session: AsyncSession, cache: SetupCache | None) -> None:
        self._session = session
        self._cache = cache if cache is not None and cache.enabled else None
        self._version: int | None = None
        self.wrote = False

    async def _ready(self) -> SetupCache | None:
        if self._cache is None or self.wrote:
            return None
        if self._version is None:
            scope = _SCOPE.get()
            known = None if scope is None else scope.get(id(self._cache))
            if known is None:
                known = await read_setup_version(self._session)
                if scope is not None:
                    scope[id(self._cache)] = known
            self._version = known
            self._cache.sync(known)
        return self._cache

    async def get(self, key: tuple[Any, ...]) -> Any:
        cache = await self._ready()
        return MISSING if cache is None else cache.get(key)

    def put(self, key: tuple[Any, ...], value: Any) -> None:
        if self._cache is not None and not self.wrote and self._version is not None:
            self._cache.put(key, value, self._version)

    async def bump(self) -> None:
        """This transaction changes the set-up: bump the version (once) and stop using the cache."""
        if not self.wrote:
            self.wrote = True
            scope = _SCOPE.get()
            if scope is not None and self._cache is not None:
                scope.pop(id(self._cache), None)  # this request's next unit of work reads it again
            await bump_setup_version(self._session)
