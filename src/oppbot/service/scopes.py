"""Whose opportunities a list, pipeline or statistics request covers, within the read scope."""

from __future__ import annotations

from oppbot.domain.enums import Role
from oppbot.domain.errors import DomainError
from oppbot.domain.model import Salesperson
from oppbot.service.auth import ReadScope, may_read, unreadable_code
from oppbot.store.repository import Repository


async def scope_owners(
    repo: Repository, actor: Salesperson, scope: str, read_scope: ReadScope = ReadScope.ALL
) -> list[str] | None:
    """`mine`, `team` (a manager's team; a rep's own team), `all` (None), or one salesperson's code.

    A scope reaching beyond what the read scope lets the actor see is refused as a whole, never
    quietly narrowed: a list titled "all" must not show only some.
    """
    owners = await _owners(repo, actor, scope)
    if read_scope == ReadScope.ALL or actor.role == Role.ADMIN:
        return owners
    refused = DomainError(unreadable_code(read_scope, listing=True), scope=scope)
    if owners is None:
        raise refused
    for code in owners:
        if code == actor.code:
            continue
        person = await repo.salesperson(code)
        if person is None or not may_read(actor, person, read_scope):
            raise refused
    return owners


def default_scope(actor: Salesperson, read_scope: ReadScope) -> str:
    """The widest scope the actor may read: what a request naming no scope (`stats`) covers."""
    if read_scope == ReadScope.ALL or actor.role == Role.ADMIN:
        return "all"
    return "team" if read_scope == ReadScope.TEAM and actor.role == Role.MANAGER else "mine"


async def _owners(repo: Repository, actor: Salesperson, scope: str) -> list[str] | None:
    if scope == "mine":
        return [actor.code]
    if scope == "all":
        return None
    if scope == "team":
        if actor.role == Role.ADMIN and actor.manager_code is None:
            return None
        manager = actor.code if actor.role == Role.MANAGER else actor.manager_code
        return await repo.team_codes(manager) if manager else [actor.code]
    person = await repo.salesperson(scope)
    if person is None:
        raise DomainError("unknown_salesperson", code=scope)
    # A code always means that salesperson's own opportunities, whoever asks; `team` means the team.
    return [person.code]
