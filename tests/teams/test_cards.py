"""Every card the bot can send in Teams is an Adaptive Card 1.5 (the official schema) within 100 KB,
shows what the reply's document says in the reader's language, and carries the actions as
conventions.md's "Teams protocol details" name them.

The documents come from the real builders (replies.build) on the real Bot over the demo data
(SQLite and PostgreSQL), and from replies longer than any one message.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from oppbot import grammar
from oppbot.adapters.teams.cards import (
    ELLIPSIS,
    HISTORY_PAGE,
    LIST_PAGE,
    MAX_BYTES,
    REFRESH_USERS,
    card_bytes,
    document_card,
    reply_card,
    row_block,
    with_refresh,
)
from oppbot.bot import Bot, Context
from oppbot.replies.build import Paging, card_document, document
from oppbot.replies.codec import card_value, page_value, parse_card_value, parse_page_value
from oppbot.replies.document import Document, Error, Listing, Report, Table
from oppbot.replies.format import Formatter
from oppbot.replies.model import ErrorReply, Reply
from oppbot.service.digests import DigestService
from oppbot.service.opportunities import OpportunityService
from oppbot.service.setup import load_demo
from tests.dbfixtures import Clock, People
from tests.replies.test_document import contents, every_reply, huge_replies, norm
from tests.service.dataset import build_dataset
from tests.teams.validate import card_text, of_type, valid_card

EN, IT = Formatter("en", "EUR"), Formatter("it", "EUR")
CARD_VERBS = {"start", "next", "back", "skip", "jump", "update", "quote", "win", "lose", "snooze"}


def shows(doc: Document, f: Formatter, card: dict[str, Any]) -> None:
    """The card shows every piece of the document's content, as the reader of `f` reads it."""
    text = norm(card_text(card))
    for piece in contents(doc, f):
        assert norm(piece) in text, (piece, text[:2000])


def executes(card: dict[str, Any]) -> list[dict[str, Any]]:
    return of_type(card, "Action.Execute")


# --- the demo, every reply kind ----------------------------------------------------------------------
async def demo_replies(service: OpportunityService) -> list[tuple[str, Reply]]:
    """What Annette (a rep), Jim (her manager) and Otis (admin) can get over the demo data."""
    await load_demo(service)
    bot = Bot(service)
    people = {p.code: p for p in await service.salespeople()}
    ah, jo, of = (Context(people[c]) for c in ("AH", "JO", "OF"))
    listed = await service.list_opportunities(ah.actor, scope="all", status="all")
    numbers = [v.no for v in listed.items]
    assert len(numbers) >= 12
    said: list[tuple[str, Context]] = [
        (text, ctx)
        for ctx in (ah, jo)
        for text in (
            "list",
            "list all status=all",
            "list status=won",
            "pipeline all",
            "pipeline team",
            "stats team",
            "stats",
            "cycles",
            "contacts a",
            "contacts zzzz",
            "help",
            "help new",
            "settings",
            "next OP999999",
            "update OP000001 value=0",
            'new CT000001 "Chairs" value=12k cycle=NEW close=2026-12-31',
        )
    ]
    said += [(f"{verb} {no}", ah) for no in numbers for verb in ("show", "history")]
    said += [("feed", of), ("link <@U9> AH", of)]
    out = [(text, await bot.handle(text, ctx)) for text, ctx in said]
    stale = grammar.Move(
        action="next", no=numbers[0], value=None, chances=None, close=None, to_stage=None, date=None
    )
    out.append(("next", await bot.run(stale, ah, expected_version=0)))
    return out


async def test_every_demo_reply_is_a_valid_card_in_english_and_italian(service: OpportunityService) -> None:
    replies = await demo_replies(service)
    kinds: set[str] = set()
    for text, reply in replies:
        for f in (EN, IT):
            for paging in (
                Paging(list_size=LIST_PAGE, history_size=HISTORY_PAGE, source=text),
                Paging(list_size=2, history_size=2, source=text),  # pagers on this little data
            ):
                doc = document(reply, paging)
                card = valid_card(document_card(doc, f.locale, currency="EUR"))
                shows(doc, f, card)
                kinds.add(type(doc).__name__ + ("+pager" if getattr(doc, "pager", None) else ""))
                for action in executes(card):
                    assert isinstance(action["data"], dict) and action["verb"]
    assert kinds >= {"Card", "Listing", "Listing+pager", "Table", "Table+pager", "Error", "Note"}, kinds
    # The same through reply_card, the pages Teams uses.
    for text, reply in replies:
        valid_card(reply_card(reply, "it", source=text))


async def test_the_same_content_as_every_other_surface(service: OpportunityService, seeded: People) -> None:
    """The replies tests/replies renders to text and Block Kit, rendered to cards: the same content."""
    replies = await every_reply(service, seeded)
    for text, reply in replies.values():
        for f in (EN, IT):
            doc = document(reply, Paging(list_size=2, history_size=2, source=text))
            shows(doc, f, valid_card(document_card(doc, f.locale)))


# --- the card's actions ---------------------------------------------------------------------------------
async def test_a_cards_actions_are_action_execute_with_the_grammar_verbs(
    service: OpportunityService, seeded: People
) -> None:
    bot = Bot(service)
    ah = Context(seeded.ah)
    await bot.handle('new CT000001 "Chairs" value=50k cycle=EXISTING close=2026-12-31', ah)
    await bot.handle("quote OP000001 Q-1", ah)
    await bot.handle("next OP000001", ah)
    await bot.handle("next OP000001", ah)  # stage 3 of 4: back, or jump to 1 or 2
    view = await service.show(seeded.ah, "OP000001")
    doc = card_document(view)
    card = valid_card(document_card(doc, "en"))
    version = view.opp.version
    value = card_value("OP000001", version)
    buttons = executes(card)
    verbs = [a["verb"] for a in buttons if a["verb"] in CARD_VERBS]
    assert verbs == ["next", "back", "jump", "update", "win", "lose"], verbs  # jump: its Go
    for action in buttons:
        if action["verb"] == "jump":
            assert action["data"] == {"no": "OP000001", "version": version}  # the choice brings `value`
        elif action["verb"] != "refresh":
            assert action["data"] == {"no": "OP000001", "version": version, "value": value}
    styles = {a["verb"]: a.get("style") for a in buttons}
    assert (styles["win"], styles["lose"], styles["update"]) == ("positive", "destructive", None)
    # Jump back: a ShowCard whose ChoiceSet, id `value`, offers the stages as the codec encodes them.
    (show,) = of_type(card, "Action.ShowCard")
    assert show["title"] == "Jump back…"
    (choice,) = of_type(show["card"], "Input.ChoiceSet")
    assert choice["id"] == "value"
    assert [parse_card_value(c["value"]) for c in choice["choices"]] == [
        ("OP000001", version, 1),
        ("OP000001", version, 2),
    ]
    assert [c["title"] for c in choice["choices"]] == ["1 Initial", "2 Presentation"]
    # The stage with its progress, the fields as facts.
    facts = {x["title"]: x["value"] for x in of_type(card, "FactSet")[0]["facts"]}
    assert facts["Stage"].startswith("3 Proposal (3 of 4) ") and "█" in facts["Stage"]
    assert facts["Estimated value"] == "€50,000.00" and facts["Quote"] == "Q-1"
    # Italian: the reader's words, the same actions.
    it = valid_card(document_card(doc, "it"))
    assert "Torna a…" in card_text(it) and "Valore stimato: 50.000,00\xa0€" in card_text(it)
    assert [a["verb"] for a in executes(it)] == [a["verb"] for a in buttons]
    assert it["lang"] == "it" and card["lang"] == "en"


async def test_a_stale_click_says_so_above_the_fresh_card(
    service: OpportunityService, seeded: People
) -> None:
    bot = Bot(service)
    ah = Context(seeded.ah)
    await bot.handle('new CT000001 "Chairs" value=50k cycle=EXISTING close=2026-12-31', ah)
    stale = grammar.Move(
        action="next", no="OP000001", value=None, chances=None, close=None, to_stage=None, date=None
    )
    reply = await bot.run(stale, ah, expected_version=1)
    doc = document(reply)
    assert isinstance(doc, Error) and doc.card is not None
    card = valid_card(document_card(doc, "en"))
    first = card["body"][0]["inlines"]
    assert "changed meanwhile" in "".join(r["text"] for r in first) and first[-1]["color"] == "Attention"
    assert card["refresh"]["action"]["data"]["version"] == doc.card.version  # the fresh card's version
    assert "Next stage" in card_text(card)


async def test_an_error_names_the_input_it_concerns(service: OpportunityService, seeded: People) -> None:
    reply = await Bot(service).handle(
        'new CT000001 "X" value=0 cycle=NEW close=2026-12-31', Context(seeded.ah)
    )
    doc = document(reply)
    assert isinstance(reply, ErrorReply) and isinstance(doc, Error) and doc.field == "value"
    card = valid_card(document_card(doc, "it"))
    runs = of_type(card, "TextRun")
    assert runs[0]["text"] == "Valore stimato" and runs[0]["weight"] == "Bolder"
    assert doc.message in runs[-1]["text"]


def test_typed_text_is_shown_as_typed() -> None:
    """A description or reason travels in TextRuns (no markdown), and a number to type in monospace."""
    reply = huge_replies()["help"]
    card = valid_card(reply_card(reply, "en"))
    assert of_type(card, "TextBlock") == [] or all(b["text"] == "…" for b in of_type(card, "TextBlock"))
    mono = [r["text"] for r in of_type(card, "TextRun") if r.get("fontType") == "Monospace"]
    assert mono[0].startswith("new <contact") and len(mono) == len(grammar.USAGE)


# --- pagers and the size limit --------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(huge_replies()))
def test_the_longest_replies_fit_in_one_message(name: str) -> None:
    reply = huge_replies()[name]
    source = "list all " + "x" * 2000 if name == "list" else "history OP000001"
    for locale in ("en", "it"):
        card = valid_card(reply_card(reply, locale, source=source))
        assert card_bytes(card) <= MAX_BYTES
    card = reply_card(reply, "en", source=source)
    text = card_text(card)
    if name == "history":  # a page of 25 entries and a More action that asks for the next one
        (more,) = [a for a in executes(card) if a["verb"] == "more"]
        assert parse_page_value(more["data"]["value"]) == ("history OP000001", 1)
        assert "Showing 1–25 of 500" in text
    if name == "list":  # 20 of 100; the command is too long for an action's data: no More
        assert "Showing 1–20 of 100" in text and not [a for a in executes(card) if a["verb"] == "more"]
        assert len([a for a in executes(card) if a["verb"] == "show"]) == LIST_PAGE
    if name in ("pipeline", "stats", "cycles", "contacts"):  # too long: a page, and a More action
        (more,) = [a for a in executes(card) if a["verb"] == "more"]
        assert parse_page_value(more["data"]["value"]) == (source, 1) and more["title"] == "More"
        assert "Showing 1–" in text
        cut = valid_card(document_card(document(reply), "en"))  # no command to re-run: cut, said so
        assert {"type": "TextBlock", "text": "…", "isSubtle": True} in cut["body"]
        assert card_bytes(cut) > MAX_BYTES * 0.9  # as much as fits, not a token
    if name == "pipeline":  # the total stays, right before the pager
        at = next(i for i, b in enumerate(card["body"]) if "Showing" in card_text({"b": b}))
        assert card_text({"b": card["body"][at - 1]}).startswith("Σ 40 open")


@pytest.mark.parametrize("name", ["pipeline", "stats", "cycles", "contacts"])
def test_a_long_table_comes_a_page_at_a_time_and_every_row_once(name: str) -> None:
    """Following the More actions from the first page to the last shows every row once, in order."""
    reply = huge_replies()[name]
    doc = document(reply)
    assert isinstance(doc, Table)
    expected = [row_block(r, EN) for r in doc.rows]
    total = expected.pop() if name == "pipeline" else None  # on every page
    shown: list[dict[str, Any]] = []
    page = 0
    while True:
        card = valid_card(reply_card(reply, "en", source=name, page=page))
        assert ELLIPSIS not in card["body"]  # paged, not cut
        rows = [b for b in card["body"] if b.get("spacing") in ("None", "Small")]
        if total is not None:
            assert rows.pop() == total
        shown += rows
        moves = {
            a["title"]: parse_page_value(a["data"]["value"]) for a in executes(card) if a["verb"] == "more"
        }
        assert moves.get("← Previous") == ((name, page - 1) if page else None)
        if "More" not in moves:
            break
        assert moves["More"] == (name, page + 1)
        page += 1
        assert f"Showing {len(shown) + 1}–" in card_text(
            valid_card(reply_card(reply, "en", source=name, page=page))
        )
    assert page >= 1 and shown == expected
    # A page past the end shows the last one.
    assert reply_card(reply, "en", source=name, page=page + 50) == reply_card(
        reply, "en", source=name, page=page
    )


def test_app_home_like_pages_page_by_number() -> None:
    """A listing with Previous/Next (App Home's): the actions carry the page to show."""
    from oppbot.replies.build import page_listing
    from oppbot.service.views import ListView
    from tests.replies.test_document import big_view

    items = [big_view(n, stage=3) for n in range(26, 51)]
    doc = page_listing(ListView("list_mine", "mine", items, total=508, offset=25, stalled=30), 25)
    card = valid_card(document_card(doc, "en"))
    pages = {a["verb"]: a["data"]["value"] for a in executes(card) if a["verb"].startswith("page_")}
    assert pages == {"page_previous": "0", "page_next": "2"}
    # Every line on this page is stalled, and looks it; with a 119-stage jump menu each, not all 25
    # fit in 100 KB: those that do, then `…`, then the pager.
    stalled = [r for r in of_type(card, "TextRun") if r.get("color") == "Attention"]
    opens = [a for a in executes(card) if a["verb"] == "show"]
    assert 20 <= len(stalled) == len(opens) < 25 and card_bytes(card) > 0.9 * MAX_BYTES
    assert {"type": "TextBlock", "text": "…", "isSubtle": True} in card["body"]


def test_more_carries_the_command_to_run_again() -> None:
    value = page_value("list all", 1)
    assert value is not None
    listing = document(huge_replies()["list"], Paging(list_size=20, source="list all"))
    assert isinstance(listing, Listing) and listing.pager and listing.pager.next
    card = valid_card(document_card(listing, "en"))
    (more,) = [a for a in executes(card) if a["verb"] == "more"]
    assert more["data"] == {"value": value} and more["title"] == "More"


# --- refresh for the viewers of a channel card ----------------------------------------------------------
async def test_a_channel_card_refreshes_for_up_to_60_viewers(
    service: OpportunityService, seeded: People
) -> None:
    await Bot(service).handle(
        'new CT000001 "Chairs" value=50k cycle=EXISTING close=2026-12-31', Context(seeded.ah)
    )
    view = await service.show(seeded.ah, "OP000001")
    card = document_card(card_document(view), "en")
    version = view.opp.version
    expected = {"no": "OP000001", "version": version, "value": card_value("OP000001", version)}
    assert card["refresh"]["action"] == {"type": "Action.Execute", "verb": "refresh", "data": expected}
    ids = [f"00000000-0000-4000-8000-{n:012d}" for n in range(REFRESH_USERS)]
    few = valid_card(with_refresh(card, [*ids, ids[0]]))  # the same viewer twice counts once
    assert few["refresh"]["userIds"] == ids and "actions" not in few
    many = valid_card(with_refresh(card, [*ids, "00000000-0000-4000-8000-999999999999"]))
    assert "refresh" not in many
    assert many["actions"] == [{**card["refresh"]["action"], "title": "Refresh"}]
    it = valid_card(with_refresh(document_card(card_document(view), "it"), [*ids, "x"]))
    assert it["actions"][0]["title"] == "Ricarica"
    assert "refresh" in card and "userIds" not in card["refresh"]  # the original is left as it was
    listing = document_card(document(huge_replies()["help"]), "en")
    assert with_refresh(listing, ids) == listing  # nothing to refresh on a table


# --- a digest (a Report: several documents under one title) -----------------------------------------------
async def test_a_digest_is_one_card_with_each_part(
    service: OpportunityService, clock: Clock, seeded: People
) -> None:
    await build_dataset(service, clock, seeded)
    clock.set(date(2026, 11, 4))
    direct = await DigestService(service).build("JO", since=None, now=datetime(2026, 11, 5, 12, tzinfo=UTC))
    report = direct.document
    assert isinstance(report, Report) and len(report.parts) > 2
    for f in (EN, IT):
        card = valid_card(document_card(report, f.locale))
        text = norm(card_text(card))
        assert text.startswith(norm(f.say(report.title)))
        for part in report.parts:
            for piece in contents(part, f):
                assert norm(piece) in text, piece
        separated = [b for b in card["body"] if b.get("separator")]
        assert len(separated) >= len(report.parts)
