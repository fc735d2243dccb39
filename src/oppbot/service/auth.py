"""Who may change what (the service checks this on every call, clicks included)."""

from __future__ import annotations

from oppbot.domain.enums import Role
from oppbot.domain.errors import DomainError
from oppbot.domain.model import Salesperson


def may_change(actor: Salesperson, owner: Salesperson) -> bool:
    """A rep changes their own; a manager also their direct reports'; an admin everything."""
    if actor.role == Role.ADMIN or actor.code == owner.code:
        return True
    return actor.manages(owner)


def require_change(actor: Salesperson, owner: Salesperson, no: str) -> None:
    if not may_change(actor, owner):
        raise DomainError("not_allowed", no=no, owner=owner.name)


def require_admin(actor: Salesperson) -> None:
    if actor.role != Role.ADMIN:
        raise DomainError("admin_only")
