"""People's chat preferences: read and change one's own (conventions, "People's chat preferences")."""

from __future__ import annotations

from oppbot.domain.errors import DomainError
from oppbot.domain.model import Salesperson
from oppbot.domain.preferences import PLATFORM_FIELDS, Preferences
from oppbot.service.uow import UnitOfWork
from oppbot.service.views import PreferencesView
from oppbot.store.repository import Repository


class PreferencesMixin:
    """The preferences half of OpportunityService. Everyone reads and changes only their own."""

    def uow(self, *, write: bool = False) -> UnitOfWork:
        raise NotImplementedError

    async def preferences(self, actor: Salesperson) -> PreferencesView:
        async with self.uow() as uow:
            person = await _person(uow.repo, actor)
            return PreferencesView(person, await uow.repo.preferences(person.code))

    async def preferences_of(
        self, person: Salesperson, *, platform_timezone: str | None = None, platform_locale: str | None = None
    ) -> Preferences:
        """What a person has set (never refused): adapters build the person's context from it.

        An adapter passes what the chat platform says of the person now; when that differs from what
        was seen before it is stored (rarely: a first request, a trip), for the scheduler's sake.
        """
        async with self.uow() as uow:
            prefs = await uow.repo.preferences(person.code)
        seen = prefs.as_seen(platform_timezone, platform_locale)
        if seen != prefs:
            async with self.uow(write=True) as uow:
                await uow.repo.save_preferences(person.code, seen, PLATFORM_FIELDS)
                await uow.commit()
        return seen

    async def set_preferences(self, actor: Salesperson, **changes: object) -> PreferencesView:
        """Change any of timezone, locale, working_hours, working_days, reminders, digest, each as a
        person types it (`Europe/Rome`, `08:30-17:00`, `mon-fri`, `on`, `weekly mon 09:00`; booleans
        for reminders); None or `default` restores the default. One bad value changes nothing."""
        async with self.uow(write=True) as uow:
            person = await _person(uow.repo, actor)
            current = await uow.repo.preferences(person.code)
            new = current.with_changes(changes)  # raises before anything is written
            await uow.repo.save_preferences(person.code, new, changes)
            await uow.commit()
        # No change event: the outbox records opportunity changes, and this changes none.
        return PreferencesView(person, new, tuple(changes))


async def _person(repo: Repository, actor: Salesperson) -> Salesperson:
    """The actor as stored now (their role decides the digest default)."""
    person = await repo.salesperson(actor.code)
    if person is None:
        raise DomainError("unknown_salesperson", code=actor.code)
    return person
