"""One document per reply, rendered to plain text and to Block Kit: both show the same things, in the
reader's language, and Block Kit's limits hold however long the reply.

Every reply kind comes from the real Bot on a real database (SQLite and PostgreSQL); the limits are
pushed with replies too long for any one message (hundreds of rows, the longest texts).
"""

from __future__ import annotations

import html
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from slack_sdk.models.views import View

from oppbot import grammar
from oppbot.adapters.slack.blocks import as_dicts, document_blocks, listing_blocks
from oppbot.adapters.slack.messages import HISTORY_PAGE, LIST_PAGE, card_message, render_message
from oppbot.bot import Bot, ChatUser, Context
from oppbot.domain.enums import (
    ActionTaken,
    ActionType,
    ContactType,
    OpportunityStatus,
    ProbabilityCalculation,
)
from oppbot.domain.model import (
    Contact,
    Opportunity,
    OpportunityEntry,
    SalesCycle,
    SalesCycleStage,
    Salesperson,
)
from oppbot.domain.statistics import Figures, SalespersonLedgerFigures, StageFigures, Totals
from oppbot.replies.build import Paging, card_document, document, page_listing
from oppbot.replies.codec import card_value, page_value, parse_card_value, parse_page_value
from oppbot.replies.document import Card, Document, Error, Listing, Note, Pager, Table
from oppbot.replies.format import Formatter
from oppbot.replies.model import (
    CardReply,
    ContactsReply,
    CyclesReply,
    ErrorReply,
    HelpReply,
    HistoryReply,
    ListReply,
    PipelineReply,
    Reply,
    StatsReply,
)
from oppbot.replies.text import progress_bar, render_document
from oppbot.service.opportunities import OpportunityService
from oppbot.service.views import (
    HistoryView,
    ListView,
    OpportunityView,
    PipelineStage,
    PipelineView,
    StatsView,
)
from tests.dbfixtures import People
from tests.slack.validate import texts, valid_blocks

EN, IT = Formatter("en", "EUR"), Formatter("it", "EUR")
TRICKY = "<!channel> & <@U1> *bold* `code`"  # Slack's control characters and markup, typed by a person


# --- what both renderings must show -------------------------------------------------------------------
def norm(text: str) -> str:
    """Text as a reader sees it, whatever the markup: entities decoded, bold and code marks dropped."""
    return html.unescape(text).replace("*", "").replace("`", "")


def pager_text(pager: Pager, f: Formatter) -> str:
    return f.t("showing", start=pager.start + 1, end=pager.end, total=pager.total)


def contents(doc: Document, f: Formatter) -> list[str]:
    """Every piece of content of a document, as the reader of `f` reads it."""
    match doc:
        case Card():
            out = [f.say(doc.title), *(f.say(n.text) for n in doc.notices)]
            for field in doc.fields:
                value = f.say(field.value)
                if field.progress:
                    value += " " + progress_bar(field.progress)
                out += [f"{f.say(field.label)}", value]
            return out + [f.say(a.label) for a in doc.actions]
        case Listing():
            out = [f.say(doc.title)] if doc.title else []
            out += [f.say(g.title) for g in doc.groups if g.title]
            out += [f.say(i.text) for i in doc.items] or [f.say(doc.empty)]
            out += [pager_text(doc.pager, f)] if doc.pager else []
            return out + ([f.say(doc.footnote)] if doc.footnote else [])
        case Table():
            out = [f.say(doc.title), *(f.say(s.title) for s in doc.sections if s.title)]
            for row in doc.rows:
                out += ([f.say(row.head)] if row.head else []) + [f.say(cell) for cell in row.cells]
            out += [f.say(doc.empty)] if doc.empty and not doc.sections else []
            out += [pager_text(doc.pager, f)] if doc.pager else []
            return out + ([f.say(doc.footnote)] if doc.footnote else [])
        case Error():
            return [doc.message, *(contents(doc.card, f) if doc.card else [])]
        case Note():
            return [f.say(doc.text)]
    raise AssertionError(doc)


def within_limits(blocks: list[dict[str, Any]], limit: int = 50) -> list[dict[str, Any]]:
    """Block Kit's limits: blocks per message (or view), section text, button text and value, options."""
    assert len(blocks) <= limit, len(blocks)

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for x in node:
                walk(x)
            return
        if not isinstance(node, dict):
            return
        kind = node.get("type")
        if kind == "section":
            assert len((node.get("text") or {}).get("text", "")) <= 3000
            assert all(len(x["text"]) <= 2000 for x in node.get("fields") or [])
        if kind == "header":
            assert len(node["text"]["text"]) <= 150
        if kind == "button":
            assert len(node["text"]["text"]) <= 75 and len(node.get("value") or "") <= 2000
        if kind == "static_select":
            options = node["options"]
            assert len(options) <= 100
            assert all(len(o["text"]["text"]) <= 75 and len(o["value"]) <= 150 for o in options)
        if kind == "actions":
            assert len(node["elements"]) <= 25
        for value in node.values():
            walk(value)

    walk(blocks)
    return blocks


def both(doc: Document, f: Formatter) -> tuple[str, list[dict[str, Any]]]:
    """The document as plain text and as Block Kit, each checked to show all of its content."""
    text = render_document(doc, f)
    blocks = within_limits(valid_blocks(as_dicts(document_blocks(doc, f, share=True))))
    shown = norm(texts(blocks))
    for piece in contents(doc, f):
        assert norm(piece) in norm(text), (piece, text)
        assert norm(piece) in shown, (piece, shown)
    return text, blocks


# --- every reply kind from the real Bot ---------------------------------------------------------------
async def every_reply(service: OpportunityService, people: People) -> dict[str, tuple[str, Reply]]:
    """Command text → reply, for every kind of reply (the text is the source a More button re-runs)."""
    bot = Bot(service)

    async def resolve(mention: str) -> ChatUser | None:
        return ChatUser("slack", "T1", "U1") if mention.startswith("<@U1") else None

    ah, jo, of = Context(people.ah), Context(people.jo), Context(people.of, resolve_mention=resolve)
    say: dict[str, tuple[str, Context]] = {
        "new": (f'new CT000001 "{TRICKY}" value=50k cycle=EXISTING close=2026-12-31', ah),
        "quote": ("quote OP000001 Q-1", ah),
        "next": ("next OP000001", ah),
        "next again": ("next OP000001", ah),  # stage 3: jump back offers stages 1 and 2
        "second": ('new CT000002 "Desks" value=20k cycle=NEW close=2026-12-31', ah),
        "not started": ('new CT000002 "Lamps" value=8k cycle=NEW close=2026-12-31 start=no', ah),
        "lost": (f'lose OP000002 code=PRICE_L "{TRICKY}"', ah),
        "show": ("show OP000001", ah),
        "list": ("list status=all", ah),
        "list empty": ("list stage=4", ah),
        "history": ("history OP000001", ah),
        "pipeline": ("pipeline", ah),
        "pipeline empty": ("pipeline PS", jo),
        "stats": ("stats team", jo),
        "cycles": ("cycles", ah),
        "contacts": ("contacts adatum", ah),
        "contacts none": (f"contacts {TRICKY}", ah),
        "help": ("help", ah),
        "error": ("update OP000001 value=0", ah),
        "refused": ("next OP000001", Context(people.ps)),
        "linked": ("link <@U1> PS", of),
    }
    out = {name: (text, await bot.handle(text, ctx)) for name, (text, ctx) in say.items()}
    stale = grammar.Move(
        action="next", no="OP000001", value=None, chances=None, close=None, to_stage=None, date=None
    )
    out["stale"] = ("next OP000001", await bot.run(stale, ah, expected_version=1))
    return out


async def test_every_reply_kind_renders_the_same_content_to_text_and_block_kit(
    service: OpportunityService, seeded: People
) -> None:
    replies = await every_reply(service, seeded)
    refusals = {"error", "refused", "stale"}
    assert [n for n, (_, r) in replies.items() if isinstance(r, ErrorReply) != (n in refusals)] == []
    kinds: set[str] = set()
    for name, (text, reply) in replies.items():
        for f in (EN, IT):
            # Pages of two make the pagers show on this little data.
            doc = document(reply, Paging(list_size=2, history_size=2, source=text))
            kinds.add(type(doc).__name__ + ("+pager" if getattr(doc, "pager", None) else ""))
            plain, blocks = both(doc, f)
            assert plain and blocks, name
    assert kinds >= {"Card", "Listing", "Listing+pager", "Table", "Table+pager", "Error", "Note"}, kinds
    # A refusal keeps the input it concerns; a stale card's error carries the fresh card.
    error = document(replies["error"][1])
    assert isinstance(error, Error) and (error.code, error.field) == ("value_not_positive", "value")
    stale = document(replies["stale"][1])
    assert isinstance(stale, Error) and stale.card is not None and stale.card.no == "OP000001"
    # The card at stage 3 offers its stages to jump back to, encoded for the click.
    card = document(replies["next again"][1])
    assert isinstance(card, Card)
    jump = next(a for a in card.actions if a.verb == "jump")
    v = card.version
    assert [parse_card_value(c.value) for c in jump.choices] == [("OP000001", v, 1), ("OP000001", v, 2)]
    # User text reaches Slack escaped, never as markup that notifies or links.
    blocks = render_message(replies["show"][1], EN).blocks
    assert "&lt;!channel&gt;" in texts(blocks) and "<!channel>" not in texts(blocks)


async def test_one_document_reads_in_each_readers_language(
    service: OpportunityService, seeded: People
) -> None:
    """Notices and labels stay keys until rendered: a card posted once reads right for everyone."""
    moved = (await every_reply(service, seeded))["next"][1]
    card = document(moved)
    assert isinstance(card, Card)
    en, it = render_document(card, EN), render_document(card, IT)
    assert "OP000001 moved to stage 2 Presentation." in en and "Estimated value: €50,000.00" in en
    assert "OP000001 passata alla fase 2 Presentation." in it and "Valore stimato: 50.000,00\xa0€" in it
    assert "Next stage" in en and "Fase successiva" in it
    en_blocks, it_blocks = card_message(card, EN).blocks, card_message(card, IT).blocks
    assert "moved to stage" in texts(en_blocks) and "passata alla fase" in texts(it_blocks)


async def test_a_card_shows_what_the_opportunity_allows_whoever_reads_it(
    service: OpportunityService, seeded: People
) -> None:
    """The owner, a rep who may not change it and their manager all get the same card document."""
    bot = Bot(service)
    await bot.handle('new CT000001 "Chairs" value=50k cycle=EXISTING close=2026-12-31', Context(seeded.ah))
    owner, rep, manager = [await service.show(p, "OP000001") for p in (seeded.ah, seeded.ps, seeded.jo)]
    assert (owner.may_change, rep.may_change, manager.may_change) == (True, False, True)
    assert card_document(rep) == card_document(owner) == card_document(manager)
    assert [a.verb for a in card_document(rep).actions] == ["next", "skip", "update", "win", "lose"]
    text, _ = both(card_document(rep), EN)
    assert "→ Next stage | Skip | Update… | Won… | Lost…" in text
    assert [a.value for a in card_document(rep).actions] == ["OP000001:2"] * 5  # created, started


# --- the limits, with replies longer than any message ---------------------------------------------------
CYCLE = SalesCycle(
    "BIG",
    "A" * 100,
    ProbabilityCalculation.MULTIPLY,
    stages=[SalesCycleStage("BIG", n, f"Stage {n} " + "x" * 80, n % 100, n % 100) for n in range(1, 151)],
)
LONG = (TRICKY * 20)[:250]


def big_view(n: int, *, stage: int = 120, closed: bool = False) -> OpportunityView:
    status = OpportunityStatus.LOST if closed else OpportunityStatus.IN_PROGRESS
    opp = Opportunity(
        f"OP{n:06d}", LONG, "CT000001", "AH", "BIG", date(2026, 1, 1), status=status, closed=closed,
        date_closed=date(2026, 9, 1) if closed else None, quote_ref="Q" * 50,
        close_code="PRICE_L" if closed else None,
        close_reason=LONG if closed else None, estimated_value=Decimal("999999999999.99"), chances_pct=100,
        probability_pct=Decimal("100"), calcd_current_value=Decimal("999999999999.99"),
        current_stage=None if closed else stage, last_change_date=date(2026, 2, 1), version=123456,
    )  # fmt: skip
    contact = Contact("CT000001", ContactType.COMPANY, LONG, "CT000001", "x@example.com")
    owner = Salesperson("AH", LONG)
    current = CYCLE.stage(opp.current_stage)
    return OpportunityView(
        opp=opp, contact=contact, owner=owner, cycle=CYCLE, stage=current,
        stage_position=CYCLE.stages.index(current) + 1 if current else None, actions=(), quote_needed=False,
        days_in_stage=None if closed else 240, stall_due=None, days_overdue=None if closed else 226,
        may_change=False, currency="EUR",
    )  # fmt: skip


def figures(label: str) -> Figures:
    t = Totals(3, 40, 7, 9, Decimal("999999999.99"), Decimal("123456789.12"), Decimal("5000"), 720)
    return Figures.from_totals(label, t, "EUR")


def entry(i: int) -> OpportunityEntry:
    return OpportunityEntry(
        "OP000001", "BIG", i % 150 + 1, "Stage " + "x" * 80, None, "CT000001", None, "AH",
        date(2026, 1, 1) + timedelta(days=i), ActionType.NEXT, ActionTaken.NEXT, Decimal("999999999999.99"),
        50, 50, Decimal("25"), Decimal("249999999999.99"), date(2027, 1, 1), "AH", entry_no=i,
        active=i == 0, days_open=i,
    )  # fmt: skip


def huge_replies() -> dict[str, Reply]:
    many = [big_view(n) for n in range(1, 101)]
    stages = [StageFigures(n, "x" * 80, 9, Decimal(1), Decimal(1), Decimal("12.5")) for n in range(1, 11)]
    cycles = [PipelineStage(replace(CYCLE, code=f"C{n}"), stages, figures(f"C{n}")) for n in range(80)]
    people = [figures(f"S{n:03d}") for n in range(400)]
    ledger = [
        SalespersonLedgerFigures.from_sums(f"S{n:03d}", 9, Decimal("1e11"), Decimal("1e10"), "EUR")
        for n in range(400)
    ]
    contacts = [
        Contact(f"CT{n:06d}", ContactType.PERSON, LONG, None, "e" * 80 + "@x.example") for n in range(100)
    ]
    return {
        "card": CardReply(big_view(1)),
        "closed card": CardReply(big_view(2, closed=True)),
        "list": ListReply(ListView("list_all", "all", many, truncated=True, total=5000)),
        "history": HistoryReply(HistoryView(big_view(1), [entry(i) for i in range(500)])),
        "pipeline": PipelineReply(PipelineView("all", cycles, figures("all"), "EUR")),
        "stats": StatsReply(StatsView("all", figures("all"), people[:80], people, ledger, "EUR")),
        "cycles": CyclesReply([replace(CYCLE, code=f"C{n}") for n in range(80)]),
        "contacts": ContactsReply(LONG, contacts),
        "help": HelpReply(None, [(v, u) for v, u in grammar.USAGE.items()]),
        "error": ErrorReply("changed_meanwhile", LONG * 20, big_view(3), "value"),
    }


@pytest.mark.parametrize("name", list(huge_replies()))
def test_block_kit_limits_hold_for_the_longest_replies(name: str) -> None:
    reply = huge_replies()[name]
    source = "list all " + "x" * 2000 if name == "list" else "history OP000001"
    for f in (EN, IT):
        message = render_message(reply, f, share=True, source=source)
        within_limits(valid_blocks(message.blocks))
        assert len(message.text) <= 3000
        # The plain text shows the whole reply; Slack shows a page and a way to the next one.
        whole = render_document(document(reply), f)
        assert html.unescape(message.text).rstrip("…") in whole or name in ("list", "history")
    doc = document(reply, Paging(page=0, list_size=LIST_PAGE, history_size=HISTORY_PAGE, source=source))
    if name == "list":  # the command is too long to ride in a More button: the page says where it is
        assert isinstance(doc, Listing) and doc.pager and doc.pager.next is None and doc.pager.total == 100
    if name == "history":
        assert isinstance(doc, Table) and doc.pager and doc.pager.next is not None
        assert parse_page_value(doc.pager.next.value) == ("history OP000001", 1)
        last = document(reply, Paging(page=99, history_size=HISTORY_PAGE, source=source))
        assert isinstance(last, Table) and last.pager and (last.pager.end, last.pager.next) == (500, None)
    if name == "pipeline":  # cut to 50 blocks, the total still last
        blocks = render_message(reply, EN).blocks
        assert len(blocks) == 50 and texts(blocks[-1:]).startswith("Σ 40 open")
    if name == "card":
        jump = next(b for b in render_message(reply, EN).blocks if b["type"] == "actions")
        menu = next(el for el in jump["elements"] if el["action_id"] == "opp_jump")
        assert len(menu["options"]) == 100  # 119 stages behind it: Slack's most


def test_app_home_page_within_a_views_limit() -> None:
    """App Home's page of 25 with every action and a pager, in one view of at most 100 blocks."""
    items = [big_view(n, stage=3) for n in range(26, 51)]
    listing = ListView("list_mine", "mine", items, total=508, offset=25, stalled=30)
    doc = page_listing(listing, 25)
    blocks = as_dicts(listing_blocks(doc, EN))
    View(type="home", blocks=blocks).validate_json()
    within_limits(valid_blocks(blocks, 100), 100)
    assert doc.pager and doc.pager.previous and doc.pager.next
    assert (doc.pager.previous.value, doc.pager.next.value) == ("0", "2")
    assert [g.title.key for g in doc.groups if g.title] == ["list_stalled"]  # all on this page are stalled


def test_button_values_round_trip() -> None:
    assert parse_card_value(card_value("OP000001", 3)) == ("OP000001", 3, None)
    assert parse_card_value(card_value("OP000001", 3, 2)) == ("OP000001", 3, 2)
    assert parse_card_value("OP000001") == ("OP000001", None, None)
    value = page_value("list all", 2)
    assert value is not None and parse_page_value(value) == ("list all", 2)
    assert page_value("x" * 2000, 1) is None
    for garbage in ("", "{", "[1]", '{"t": 5, "p": "x"}', '{"p": -3}'):
        text, page = parse_page_value(garbage)
        assert page == 0 and isinstance(text, str)
