"""Who may change and who may read what (the service checks this on every call, clicks included)."""

from __future__ import annotations

from enum import StrEnum

from oppbot.domain.enums import Role
from oppbot.domain.errors import DomainError
from oppbot.domain.model import Salesperson


class ReadScope(StrEnum):
    """`OPPBOT_READ_SCOPE`: whose opportunities a person may read."""

    ALL = "all"  # everyone reads everything, as in Business Central
    TEAM = "team"  # one's own; a manager also their team's; admins everything
    OWN = "own"  # one's own; admins everything


def may_change(actor: Salesperson, owner: Salesperson) -> bool:
    """A rep changes their own; a manager also their direct reports'; an admin everything."""
    if actor.role == Role.ADMIN or actor.code == owner.code:
        return True
    return actor.manages(owner)


def require_change(actor: Salesperson, owner: Salesperson, no: str) -> None:
    if not may_change(actor, owner):
        raise DomainError("not_allowed", no=no, owner=owner.name)


def may_read(actor: Salesperson, owner: Salesperson, scope: ReadScope) -> bool:
    """Admins read everything in every scope: they already may change everything."""
    if scope == ReadScope.ALL or actor.role == Role.ADMIN or actor.code == owner.code:
        return True
    return scope == ReadScope.TEAM and actor.manages(owner)


def require_read(actor: Salesperson, owner: Salesperson | None, no: str, scope: ReadScope) -> None:
    """Refuse an opportunity the read scope hides, naming it but not its owner.

    Deliberately not "not_found": numbers are sequential and cards get shared in channels, so an
    opportunity's existence is no secret, and "I can't find OP000005" would mislead whoever saw it.
    The refusal tells nothing else about it (not even whose it is), on every surface alike.
    """
    readable = may_read(actor, owner, scope) if owner else scope == ReadScope.ALL or actor.role == Role.ADMIN
    if not readable:
        raise DomainError(unreadable_code(scope), no=no)


def unreadable_code(scope: ReadScope, *, listing: bool = False) -> str:
    """The error code (and message) of a refused read: the message says which rule applies."""
    code = "scope_not_readable" if listing else "not_readable"
    return code + ("_team" if scope == ReadScope.TEAM else "")


def require_admin(actor: Salesperson) -> None:
    if actor.role != Role.ADMIN:
        raise DomainError("admin_only")
