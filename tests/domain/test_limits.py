"""Text limits live once, in the domain: the description (spec 2.6) and the quote reference (2.6)."""

from __future__ import annotations

from datetime import date

import pytest
from tests.spec_data import demo_cycles

from oppbot import grammar
from oppbot.domain.actions import MAX_DESCRIPTION, MAX_QUOTE_REF, set_quote
from oppbot.domain.creation import new_opportunity
from oppbot.domain.enums import ContactType, OpportunityStatus, Priority
from oppbot.domain.errors import DomainError
from oppbot.domain.model import Contact, Opportunity

CONTACT = Contact("CT000001", ContactType.COMPANY, "Adatum Corporation", "CT000001")


def make(description: str) -> Opportunity:
    return new_opportunity(
        description=description, contact=CONTACT, salesperson_code="AH", cycle=demo_cycles()["NEW"],
        creation_date=date(2026, 10, 1), priority=Priority.NORMAL, value=None, chances=None,
        close_date=None, currency="EUR",
    )  # fmt: skip


def test_a_new_opportunity_checks_its_description() -> None:
    assert make("  Office chairs ").description == "Office chairs"
    assert make("x" * MAX_DESCRIPTION).description == "x" * MAX_DESCRIPTION
    with pytest.raises(DomainError) as err:
        make("x" * (MAX_DESCRIPTION + 1))
    assert err.value.code == "description_too_long" and err.value.params["max"] == MAX_DESCRIPTION
    with pytest.raises(DomainError) as err:
        make("   ")
    assert err.value.code == "description_required"


def test_the_quote_limit_is_the_domains_alone() -> None:
    """The grammar passes any reference on; the domain refuses one too long, with one code."""
    long_ref = "Q" * (MAX_QUOTE_REF + 1)
    command = grammar.parse(f"quote OP1 {long_ref}", today=date(2026, 10, 1))
    assert command == grammar.SetQuote("OP000001", long_ref)
    opp = make("Office chairs")
    opp.status = OpportunityStatus.IN_PROGRESS
    with pytest.raises(DomainError) as err:
        set_quote(opp, long_ref)
    assert err.value.code == "quote_too_long" and err.value.params["max"] == MAX_QUOTE_REF
    set_quote(opp, "Q" * MAX_QUOTE_REF)
    assert opp.quote_ref == "Q" * MAX_QUOTE_REF
