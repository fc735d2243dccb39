"""Whose opportunities a list, pipeline or statistics request covers."""

from __future__ import annotations

from oppbot.domain.enums import Role
from oppbot.domain.errors import DomainError
from oppbot.domain.model import Salesperson
from oppbot.store.repository import Repository


async def scope_owners(repo: Repository, actor: Salesperson, scope: str) -> list[str] | None:
    """`mine`, `team` (a manager's team; a rep's own team), `all` (None), or one salesperson's code."""
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
