"""Every refusal about an opportunity names it (conventions.md, "Chat grammar details")."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from oppbot import grammar
from oppbot.bot import Bot, Context
from oppbot.domain.enums import ProbabilityCalculation
from oppbot.domain.errors import DomainError
from oppbot.domain.model import Salesperson
from oppbot.replies.i18n import error_text
from oppbot.replies.model import ErrorReply
from oppbot.service.opportunities import OpportunityService
from tests.dbfixtures import People, Sessions, build_cycle, seed_cycles

# The catalog's error keys raised about an existing opportunity (the others concern `new`, people,
# cycles or lists, where there is no opportunity to name).
OPPORTUNITY_ERRORS = {
    "not_found", "not_allowed", "changed_meanwhile", "duplicate_request", "opportunity_closed",
    "already_started", "opportunity_not_started", "cycle_has_no_stages", "no_next_stage",
    "no_previous_stage", "skip_not_possible", "invalid_skip_target", "jump_not_possible",
    "jump_target_required", "invalid_jump_target", "date_before_last_change", "date_before_creation",
    "quote_required", "value_not_positive", "chances_not_positive", "chances_out_of_range",
    "close_date_required", "close_date_before_change", "close_code_required", "unknown_close_code",
    "close_code_wrong_type", "won_amount_not_positive", "won_amount_not_allowed", "reason_too_long",
    "quote_too_long", "stage_in_use", "invalid_date_formula", "internal_error",
}  # fmt: skip
# Not reachable by a command: the store refuses to delete a stage in use, the set-up loader refuses a
# bad date formula, chances above 100 are refused by the grammar, and an internal error is a bug.
UNREACHABLE = {"stage_in_use", "invalid_date_formula", "chances_out_of_range", "internal_error"}


@pytest.mark.parametrize("locale", ["en", "it"])
@pytest.mark.parametrize("code", sorted(OPPORTUNITY_ERRORS))
def test_every_opportunity_error_names_the_opportunity(code: str, locale: str) -> None:
    """Whether the domain gives the number or only the Bot knows it (the command's)."""
    assert "OP000042" in error_text(locale, DomainError(code, no="OP000042"))


@dataclass
class Case:
    text: str
    code: str
    no: str
    actor: str = "ah"


# Set-up (as AH unless said): OP000001 stage 1 · OP000002 not started · OP000003 not started on a cycle
# without stages · OP000004 PS's · OP000005 lost · OP000006 at the last stage · OP000007 on NEW, stage 1
# · OP000008 not started, no close date.
SETUP = [
    'new CT000001 "A" cycle=EXISTING value=10k close=2026-12-31',
    'new CT000001 "B" cycle=EXISTING value=10k close=2026-12-31 start=no',
    'new CT000001 "C" cycle=EMPTY value=10k start=no',
    'new CT000002 "P" cycle=EXISTING value=5k close=2026-12-31 owner=PS',  # as JO, the manager
    'new CT000001 "E" cycle=EXISTING value=10k close=2026-12-31',
    "lose OP000005 code=PRICE_L",
    'new CT000001 "F" cycle=EXISTING value=10k close=2026-12-31',
    "quote OP000006 Q-6",
    "next OP000006",
    "next OP000006",
    "next OP000006",
    'new CT000001 "G" cycle=NEW value=10k close=2026-12-31',
    'new CT000001 "H" cycle=EXISTING value=10k start=no',
]

CASES = [
    Case("show OP000099", "not_found", "OP000099"),
    Case("next OP000004", "not_allowed", "OP000004"),
    Case("next OP000005", "opportunity_closed", "OP000005"),
    Case("start OP000001", "already_started", "OP000001"),
    Case("next OP000002", "opportunity_not_started", "OP000002"),
    Case("quote OP000002 Q-1", "opportunity_not_started", "OP000002"),
    Case("start OP000003", "cycle_has_no_stages", "OP000003"),
    Case("next OP000006", "no_next_stage", "OP000006"),
    Case("back OP000001", "no_previous_stage", "OP000001"),
    Case("skip OP000007", "skip_not_possible", "OP000007"),
    Case("skip OP000001 to=4", "invalid_skip_target", "OP000001"),
    Case("jump OP000001 to=1", "jump_not_possible", "OP000001"),
    Case("jump OP000006", "jump_target_required", "OP000006"),
    Case("jump OP000006 to=4", "invalid_jump_target", "OP000006"),
    Case("update OP000001 date=2026-09-01", "date_before_last_change", "OP000001"),
    Case("start OP000002 date=2026-09-01", "date_before_creation", "OP000002"),
    Case("skip OP000001", "quote_required", "OP000001"),
    Case("update OP000001 value=0", "value_not_positive", "OP000001"),
    Case("update OP000001 chances=0", "chances_not_positive", "OP000001"),
    Case("start OP000008", "close_date_required", "OP000008"),
    Case("update OP000001 close=2026-09-30", "close_date_before_change", "OP000001"),
    Case("lose OP000001", "close_code_required", "OP000001"),
    Case("lose OP000001 code=NOPE", "unknown_close_code", "OP000001"),
    Case("lose OP000001 code=PRICE_W", "close_code_wrong_type", "OP000001"),
    Case("win OP000001 code=PRICE_W amount=0", "won_amount_not_positive", "OP000001"),
    Case("lose OP000001 code=PRICE_L amount=5", "won_amount_not_allowed", "OP000001"),
    Case(f'lose OP000001 code=PRICE_L "{"x" * 251}"', "reason_too_long", "OP000001"),
    Case(f"quote OP000001 {'Q' * 51}", "quote_too_long", "OP000001"),
]


@pytest.fixture
async def bot(service: OpportunityService, sessions: Sessions, seeded: People) -> Bot:
    empty = build_cycle("EMPTY", "No stages yet", ProbabilityCalculation.MULTIPLY, ())
    await seed_cycles(sessions, empty)
    bot = Bot(service)
    for text in SETUP:
        actor = seeded.jo if "owner=PS" in text else seeded.ah
        reply = await bot.handle(text, Context(actor=actor))
        assert not isinstance(reply, ErrorReply), (text, reply)
    return bot


@pytest.mark.parametrize("locale", ["en", "it"])
async def test_every_refusal_through_the_bot_names_the_opportunity(
    bot: Bot, seeded: People, locale: str
) -> None:
    people: dict[str, Salesperson] = {"ah": seeded.ah, "ps": seeded.ps, "jo": seeded.jo}
    seen = set()
    for case in CASES:
        reply = await bot.handle(case.text, Context(actor=people[case.actor], locale=locale))
        assert isinstance(reply, ErrorReply) and reply.code == case.code, (case, reply)
        assert case.no in reply.message, (case, reply.message)
        seen.add(case.code)
    # A Slack retry of a change already made, and a click on a card that is no longer current.
    ctx = Context(actor=seeded.ah, locale=locale)
    key = f"retry-{locale}"
    assert not isinstance(await bot.handle("update OP000001 value=12k", ctx, request_key=key), ErrorReply)
    reply = await bot.handle("update OP000001 value=12k", ctx, request_key=key)
    assert isinstance(reply, ErrorReply) and reply.code == "duplicate_request", reply
    assert "OP000001" in reply.message, reply.message
    command = grammar.parse("next OP000001", today=bot.service.today(), locale=locale)
    reply = await bot.run(command, ctx, expected_version=0)
    assert isinstance(reply, ErrorReply) and reply.code == "changed_meanwhile", reply
    assert "OP000001" in reply.message, reply.message
    seen |= {"duplicate_request", "changed_meanwhile"}
    assert seen == OPPORTUNITY_ERRORS - UNREACHABLE


@pytest.mark.parametrize("locale", ["en", "it"])
@pytest.mark.parametrize(
    "text",
    [
        "update OP000002 chances=150",
        "skip op2 to=x",
        "next OP000002 value=abc",
        "win OP000002 amount=abc",
        "show OP000002 extra=1",
        "update OP000002 close=9999-12-31",
    ],
)
async def test_grammar_refusals_name_the_opportunity_they_concern(
    bot: Bot, seeded: People, text: str, locale: str
) -> None:
    reply = await bot.handle(text, Context(seeded.ah, locale))
    assert isinstance(reply, ErrorReply), reply
    # The number leads: the usage line after it shows OP000001 only as an example.
    assert reply.message.startswith("OP000002: "), reply.message


async def test_grammar_refusals_without_an_opportunity_are_unchanged(bot: Bot, seeded: People) -> None:
    reply = await bot.handle("list stage=abc", Context(seeded.ah, "en"))
    assert isinstance(reply, ErrorReply)
    assert not reply.message.startswith("OP")
