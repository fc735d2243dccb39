"""Property-based fuzzing of what people type (issue 11): the grammar, then `Bot.handle` on both databases.

Whatever arrives (unicode, right-to-left text, emoji, NUL and other controls, lone surrogates, 100 KB
of text, huge and negative numbers, dates at the calendar's ends), the grammar raises only ParseError
with a readable message, the bot never answers with an internal error nor lets an exception escape,
and an input that got an error reply changed nothing in the database.

Deterministic (derandomized, no example database) and small enough to keep the suite fast.
"""

from __future__ import annotations

import datetime
import unicodedata
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oppbot.bot import Bot, Context
from oppbot.grammar import OPTION_ALIASES, VERB_ALIASES, ParseError, parse
from oppbot.replies.model import ErrorReply
from oppbot.service.opportunities import OpportunityService
from tests.dbfixtures import People, Sessions
from tests.service.tables import table_rows

TODAY = datetime.date(2026, 10, 1)
CLOSE = "2026-12-31"

# --- what people (and attackers) type ---------------------------------------------------------------------
NASTY = [
    "\x00", "\x07", "\x1b[31m", "\x7f", "\x85", "\u2028", "\ud800", "\udfff", "\ufeff", "\u200f", "\u202e",
    "\u200d", "👩\u200d💻", "🇮🇹", "שלום", "مرحبا", "Renée Åberg-Müller", "Ω≈ç√", "\t", "\r\n", "\u00a0",
    "'", '"', "“", "”", "«", "=", "<@U0DEMO1>", "<!channel>", "<https://evil.example|click>", "%s", "{no}",
    "'; DROP TABLE opportunity; --", "\\", "%", "_",
]  # fmt: skip
NUMBERS = [
    "0", "-1", "-922337203685478", "922337203685478", "9223372036854775808", "1e15", "1E-5", "NaN",
    "Infinity", "-0", "999999999999.99", "1000000000000", "999,999,999,999.995", "1000000M", "5k", "1,2M",
    "0.0000000000000000001", "9" * 40, "١٢٣", "²", "-", "+5", "−5", "€ 50.000,00", "1_000_000_000_000",
]  # fmt: skip
DATES = [
    "0001-01-01", "1899-12-31", "1900-01-01", "2999-12-31", "3000-01-01", "9999-12-25", "9999-12-31",
    "10000-01-01", "2026-02-30", "31/12/9999", "in 9999 years", "in 999 years", "in 9000 days",
    "tomorrow", "yesterday", "end of year", "next friday", "-1", "0", "2026-10-01",
]  # fmt: skip
NUMBERS_OF = ["OP000001", "OP000002", "OP000003", "OP999999", "1", "op2", "0", "-1", "OP" + "9" * 20]

nasty_text = st.lists(
    st.one_of(
        st.sampled_from(NASTY),
        st.text(st.characters(exclude_categories=()), max_size=12),  # every code point, surrogates too
        st.text(max_size=8),
    ),
    max_size=6,
).map("".join)
words = st.one_of(st.sampled_from(NUMBERS), st.sampled_from(DATES), st.sampled_from(NUMBERS_OF), nasty_text)
options = st.builds(
    lambda key, value: f"{key}={value}",
    st.sampled_from(sorted(OPTION_ALIASES)),
    st.one_of(st.sampled_from(NUMBERS), st.sampled_from(DATES), nasty_text, nasty_text.map('"{}"'.format)),
)
commands = st.builds(
    lambda verb, args: " ".join([verb, *args]),
    st.sampled_from(sorted(VERB_ALIASES)),
    st.lists(st.one_of(words, options, nasty_text.map('"{}"'.format)), max_size=7),
)
# Commands that are right but for one value, so the value reaches the service and the store.
TEMPLATES = [
    'new CT000002 "{text}" cycle=NEW value={num} close={date} chances=50',
    'new "{text}" "Deal" cycle=NEW value=10 close=2026-12-31',
    "update {no} value={num} close={date} date={date}",
    "update {no} date={date} close={date}",
    "next {no} value={num} chances={num}",
    "win {no} code=PRICE_W amount={num} date={date}",
    'lose {no} PRICE_L "{text}" date={date}',
    'quote {no} "{text}"',
    "quote {no} {text}",
    "contacts {text}",
    "list all cycle={text} stage={num}",
    "stats {text}",
    "pipeline {text}",
    "jump {no} to={num}",
]
near_valid = st.builds(
    lambda template, text, num, date, no: template.format(text=text, num=num, date=date, no=no),
    st.sampled_from(TEMPLATES),
    nasty_text,
    st.sampled_from(NUMBERS),
    st.sampled_from(DATES),
    st.sampled_from(NUMBERS_OF),
)
huge = st.sampled_from(
    ["x" * 100_000, f'new CT000002 "{"é" * 100_000}" value=10', "\x00" * 100_000, "👍" * 50_000]
)
typed = st.one_of(
    near_valid, near_valid, commands, nasty_text, st.text(st.characters(exclude_categories=())), huge
)

FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


def readable(message: str) -> bool:
    """Non-empty, encodable, and free of control characters (whatever the input echoed)."""
    message.encode("utf-8")
    return bool(message) and not any(unicodedata.category(c) in ("Cc", "Cs") for c in message)


@pytest.fixture
async def fuzz_bot(service: OpportunityService, seeded: People) -> Bot:
    """A bot over three of AH's opportunities (one not started) and one of PS's, to act on."""
    for owner, start in ((seeded.ah, True), (seeded.ah, True), (seeded.ah, False), (seeded.ps, True)):
        await service.create(
            owner, contact="CT000002", description="Deal", cycle="NEW", value=Decimal(1000),
            close=datetime.date.fromisoformat(CLOSE), start=start,
        )  # fmt: skip
    return Bot(service)


# --- the grammar alone -------------------------------------------------------------------------------------
@settings(FUZZ, max_examples=300)
@given(text=typed, locale=st.sampled_from(["en", "it"]), currency=st.sampled_from([None, "EUR", "JPY"]))
def test_grammar_raises_only_parse_errors_with_readable_messages(
    text: str, locale: str, currency: str | None
) -> None:
    try:
        parse(text, today=TODAY, locale=locale, currency=currency)
    except ParseError as exc:
        assert readable(exc.message(locale)), exc


# --- the whole bot on SQLite and PostgreSQL ----------------------------------------------------------------
@settings(FUZZ, max_examples=60)
@given(text=typed, locale=st.sampled_from(["en", "it"]), who=st.sampled_from(["ah", "jo", "of"]))
async def test_bot_never_fails_internally_and_errors_change_nothing(
    fuzz_bot: Bot, seeded: People, sessions: Sessions, text: str, locale: str, who: str
) -> None:
    before = await table_rows(sessions)
    reply = await fuzz_bot.handle(text, Context(actor=getattr(seeded, who), locale=locale))
    if isinstance(reply, ErrorReply):
        assert reply.code != "internal_error", text
        assert readable(reply.message), reply
        assert await table_rows(sessions) == before, (text, reply)
