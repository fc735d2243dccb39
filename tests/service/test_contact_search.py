"""Contact search ignores case, accents and punctuation the same way on SQLite and PostgreSQL.

Through the service (`contacts`, `new`), the bot's grammar, and the set-up loader that writes
contacts: the stored search key must follow every name it is given.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from oppbot.bot import Bot, Context
from oppbot.domain.enums import ContactType
from oppbot.domain.errors import DomainError
from oppbot.domain.model import Contact
from oppbot.domain.search import key_matches, search_key
from oppbot.replies.model import CardReply, ContactsReply
from oppbot.service.opportunities import OpportunityService
from oppbot.service.setup import load_demo, load_setup
from tests.dbfixtures import CONTACTS, People, Sessions, in_write_uow
from tests.service.ledger import read_opportunity

RENEE = Contact("CT000010", ContactType.PERSON, "Renée Åberg-Müller", "CT000001", "renee@adatum.example")
ABERG = Contact("CT000011", ContactType.COMPANY, "Åberg", "CT000011")
SOREN = Contact("CT000012", ContactType.PERSON, "Søren Ørsted", "CT000011")
OBRIEN = Contact("CT000013", ContactType.PERSON, "Siobhán O'Brien", "CT000011")
EXTRA = (RENEE, ABERG, SOREN, OBRIEN)
EVERYONE = (*CONTACTS, *EXTRA)


@pytest.fixture
async def contacts(seeded: People, sessions: Sessions) -> People:
    async def work(uow: object) -> None:
        for contact in EXTRA:
            await uow.repo.upsert_contact(contact)  # type: ignore[attr-defined]

    await in_write_uow(sessions, work)  # type: ignore[arg-type]
    return seeded


async def numbers(service: OpportunityService, query: str) -> list[str]:
    return [c.no for c in await service.contacts(query, limit=50)]


@pytest.mark.parametrize(
    "query",
    ["renee aberg", "ÅBERG", "Åberg", "muller", "Renée Åberg-Müller", "RENEE ABERG-MULLER", "müll ren"],
)
async def test_name_search_ignores_case_and_accents(
    service: OpportunityService, contacts: People, query: str
) -> None:
    assert RENEE.no in await numbers(service, query)


async def test_letters_without_accents_to_drop_and_apostrophes(
    service: OpportunityService, contacts: People
) -> None:
    assert await numbers(service, "soren orsted") == [SOREN.no]
    assert await numbers(service, "SØREN") == [SOREN.no]
    assert await numbers(service, "obrien") == [OBRIEN.no]
    assert await numbers(service, "o'brien siobhan") == [OBRIEN.no]


async def test_search_agrees_with_the_domain_rule_in_key_order(
    service: OpportunityService, contacts: People
) -> None:
    """The SQL filter and order are exactly domain.search's rule, on both databases."""
    queries = [
        "a",
        "aberg",
        "berg mul",
        "ré",
        "ROBERT",
        "adatum corp",
        "or",
        "ct00001",
        "ct000002",
        "%",
        "_",
        "-",
    ]
    for query in queries:
        expected = sorted(
            (c for c in EVERYONE if key_matches(search_key(c.name), query) or query.upper() in c.no),
            key=lambda c: (search_key(c.name), c.no),
        )
        assert await numbers(service, query) == [c.no for c in expected], query


async def test_empty_search_lists_contacts_in_key_order_up_to_the_limit(
    service: OpportunityService, contacts: People
) -> None:
    # Åberg sorts with the A's, not after Z as its first byte would have it.
    assert [c.name for c in await service.contacts("", limit=3)] == [
        "Åberg",
        "Adatum Corporation",
        "Renée Åberg-Müller",
    ]


async def test_numbers_are_still_found(service: OpportunityService, contacts: People) -> None:
    assert await numbers(service, "CT000010") == [RENEE.no]
    assert await numbers(service, "ct000010") == [RENEE.no]


async def create(service: OpportunityService, people: People, contact: str) -> str:
    result = await service.create(
        people.ah,
        contact=contact,
        description="Chairs",
        cycle="NEW",
        value=Decimal(100),
        close=date(2026, 12, 31),
    )
    return result.view.opp.contact_no


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("renee aberg-muller", RENEE.no),
        ("RENÉE ÅBERG MÜLLER", RENEE.no),
        ("muller", RENEE.no),
        ("ct000010", RENEE.no),
        # The whole name wins over names that merely contain it (Renée's contains "aberg" too).
        ("ABERG", ABERG.no),
        ("søren", SOREN.no),
    ],
)
async def test_new_finds_the_contact_by_folded_name(
    service: OpportunityService, contacts: People, typed: str, found: str
) -> None:
    assert await create(service, contacts, typed) == found


async def test_new_with_an_ambiguous_or_unknown_name(service: OpportunityService, contacts: People) -> None:
    with pytest.raises(DomainError) as ambiguous:
        await create(service, contacts, "berg")
    assert ambiguous.value.code == "ambiguous_contact"
    assert ambiguous.value.params["matches"] == [f"{ABERG.no} Åberg", f"{RENEE.no} Renée Åberg-Müller"]
    with pytest.raises(DomainError) as unknown:
        await create(service, contacts, "Zoë")
    assert unknown.value.code == "unknown_contact"
    with pytest.raises(DomainError) as no_word:
        await create(service, contacts, "--")
    assert no_word.value.code == "unknown_contact"


async def test_grammar_contacts_and_new_with_accents(
    service: OpportunityService, contacts: People, sessions: Sessions
) -> None:
    bot, ctx = Bot(service), Context(contacts.ah)
    reply = await bot.handle("contacts ÅBERG", ctx)
    assert isinstance(reply, ContactsReply)
    assert [c.no for c in reply.contacts] == [ABERG.no, RENEE.no]
    reply = await bot.handle(
        'new "renee aberg-muller" "Office chairs" value=100 cycle=NEW close=2026-12-31', ctx
    )
    assert isinstance(reply, CardReply), reply
    assert (await read_opportunity(sessions, reply.view.no)).contact_no == RENEE.no


async def test_the_key_follows_a_renamed_contact(service: OpportunityService, contacts: People) -> None:
    """Contacts written by the set-up loader (and so by `oppbot setup demo`) are keyed as well."""
    await load_setup(
        service,
        {"contacts": [{"number": RENEE.no, "name": "Renée Lindqvist-Ødegård", "company": "CT000001"},
                      {"number": "CT000020", "type": "company", "name": "Ångström Straße GmbH"}]},
    )  # fmt: skip
    assert await numbers(service, "lindqvist odegard") == [RENEE.no]
    assert RENEE.no not in await numbers(service, "muller")
    assert await numbers(service, "angstrom strasse") == ["CT000020"]


async def test_demo_contacts_are_found_by_name(service: OpportunityService) -> None:
    await load_demo(service)
    found = await service.contacts("BIANCHI rosa")
    assert [(c.no, c.name) for c in found] == [("CT000002", "Rosa Bianchi")]
