import datetime
import random
import string
from decimal import Decimal

import pytest

from oppbot.grammar import (
    USAGE,
    VERB_ALIASES,
    VERBS,
    CloseOpportunity,
    Command,
    Contacts,
    Cycles,
    Help,
    History,
    Link,
    ListOpportunities,
    Move,
    NewOpportunity,
    ParseError,
    Pipeline,
    SetQuote,
    Show,
    Stats,
    parse,
)

TODAY = datetime.date(2026, 11, 24)  # a Tuesday


def p(text: str, locale: str = "en") -> Command:
    return parse(text, today=TODAY, locale=locale)


def err(text: str, locale: str = "en") -> ParseError:
    with pytest.raises(ParseError) as info:
        parse(text, today=TODAY, locale=locale)
    return info.value


# ---------------------------------------------------------------------------------------------- help


@pytest.mark.parametrize("text", ["", "   ", "help", "HELP", "?", "aiuto", "/opp", "/opp help"])
def test_help(text: str) -> None:
    assert p(text) == Help(None)


def test_help_topic() -> None:
    assert p("help new") == Help("new")
    assert p("help nuova") == Help("new")
    assert p("help ls") == Help("list")
    assert p("help whatever") == Help("whatever")
    assert p("new help") == Help("new")
    assert p("skip ?") == Help("skip")


def test_usage_covers_every_verb() -> None:
    assert set(USAGE) == set(VERBS)
    assert set(VERB_ALIASES.values()) == set(VERBS)


# ---------------------------------------------------------------------------------------------- new


def test_new_spec_example() -> None:
    cmd = p('/opp new CT000002 "Office chairs" value=20000 cycle=NEW close=2026-12-31')
    assert cmd == NewOpportunity(
        contact="CT000002",
        description="Office chairs",
        value=Decimal("20000"),
        cycle="NEW",
        close=datetime.date(2026, 12, 31),
        chances=None,
        owner=None,
        priority=None,
        start=True,
    )


def test_new_all_options() -> None:
    cmd = p(
        'new ct000001 "Desks" value=50k cycle=ex-small close=2026-12-31 chances=40 owner=ah '
        "priority=HIGH start=no"
    )
    assert cmd == NewOpportunity(
        contact="CT000001",
        description="Desks",
        value=Decimal("50000"),
        cycle="EX-SMALL",
        close=datetime.date(2026, 12, 31),
        chances=40,
        owner="AH",
        priority="high",
        start=False,
    )


def test_new_quoted_contact_name_smart_quotes_and_italian() -> None:
    cmd = p(
        "nuova “Rosa Bianchi” ‘Sedie ufficio’ valore=1,2M probabilità=40% ciclo=new "
        "proprietario=<@U0DEMO1|annette> priorità=alta chiusura='tra 2 settimane' start=sì",
        "it",
    )
    assert isinstance(cmd, NewOpportunity)
    assert cmd.contact == "Rosa Bianchi"
    assert cmd.description == "Sedie ufficio"
    assert cmd.value == Decimal("1200000")
    assert cmd.chances == 40
    assert cmd.cycle == "NEW"
    assert cmd.owner == "<@U0DEMO1>"
    assert cmd.priority == "high"
    assert cmd.close == datetime.date(2026, 12, 8)
    assert cmd.start is True


@pytest.mark.parametrize(
    ("owner", "expected"), [("@annette", "@annette"), ("<@U0DEMO1>", "<@U0DEMO1>"), ("ps", "PS")]
)
def test_new_owner_forms(owner: str, expected: str) -> None:
    cmd = p(f'create CT1 "x" owner={owner}')
    assert isinstance(cmd, NewOpportunity)
    assert cmd.owner == expected
    assert cmd.contact == "CT000001"


@pytest.mark.parametrize(
    ("word", "expected"), [("yes", True), ("no", False), ("true", True), ("false", False), ("si", True)]
)
def test_new_start_flag(word: str, expected: bool) -> None:
    cmd = p(f'add CT1 "x" start={word}')
    assert isinstance(cmd, NewOpportunity)
    assert cmd.start is expected


@pytest.mark.parametrize(("word", "expected"), [("low", "low"), ("bassa", "low"), ("normale", "normal")])
def test_new_priority_aliases(word: str, expected: str) -> None:
    cmd = p(f'new CT1 "x" priority={word}')
    assert isinstance(cmd, NewOpportunity)
    assert cmd.priority == expected


def test_new_tolerant_forms() -> None:
    cmd = p('new Rosa Bianchi "Office chairs" close="next friday" value = 5k')
    assert isinstance(cmd, NewOpportunity)
    assert (cmd.contact, cmd.description) == ("Rosa Bianchi", "Office chairs")
    assert cmd.close == datetime.date(2026, 11, 27)
    assert cmd.value == Decimal("5000")
    cmd = p("new CT1 Office chairs value= 5k")
    assert isinstance(cmd, NewOpportunity)
    assert (cmd.description, cmd.value) == ("Office chairs", Decimal("5000"))
    cmd = p("new CT1 \"Rosa's deal\" 'dell'anno'")
    assert isinstance(cmd, NewOpportunity)
    assert cmd.description == "Rosa's deal dell'anno"


# ---------------------------------------------------------------------------------------------- list / show


def test_list() -> None:
    assert p("list") == ListOpportunities("mine", None, None, None)
    assert p("ls team stage=2 status=won cycle=new") == ListOpportunities("team", 2, "won", "NEW")
    assert p("elenco tutte stato=aperte") == ListOpportunities("all", None, "open", None)
    assert p("lista status=not-started") == ListOpportunities("mine", None, "not_started", None)
    assert p("list status=in_progress").status == "open"  # type: ignore[union-attr]


@pytest.mark.parametrize("text", ["show OP000001", "card op1", "view 1", "mostra OP1", "show op000001"])
def test_show(text: str) -> None:
    assert p(text) == Show("OP000001")


@pytest.mark.parametrize("text", ["history OP1", "hist 1", "log op000001", "storico OP1"])
def test_history(text: str) -> None:
    assert p(text) == History("OP000001")


# ---------------------------------------------------------------------------------------------- moves


def _move(action: str, no: str = "OP000001", **kw: object) -> Move:
    fields: dict[str, object] = {
        "value": None,
        "chances": None,
        "close": None,
        "to_stage": None,
        "date": None,
    }
    fields.update(kw)
    return Move(action=action, no=no, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("start OP1", "start"),
        ("next OP1", "next"),
        ("avanti OP1", "next"),
        ("prossimo OP1", "next"),
        ("back OP1", "previous"),
        ("prev OP1", "previous"),
        ("previous OP1", "previous"),
        ("indietro OP1", "previous"),
        ("skip OP1", "skip"),
        ("salta OP1", "skip"),
        ("jump OP1", "jump"),
        ("update OP1", "update"),
        ("aggiorna OP1", "update"),
    ],
)
def test_move_verbs(text: str, action: str) -> None:
    assert p(text) == _move(action)


def test_move_spec_examples() -> None:
    assert p("skip OP000001 to=4") == _move("skip", to_stage=4)
    assert p("skip OP000001 to=4 chances=60") == _move("skip", to_stage=4, chances=60)
    assert p("update OP000001 value=24000.50 chances=70 close=2027-01-15") == _move(
        "update", value=Decimal("24000.50"), chances=70, close=datetime.date(2027, 1, 15)
    )
    assert p("back OP000001") == _move("previous")


def test_move_targets_and_dates() -> None:
    assert p("jump OP1 2") == _move("jump", to_stage=2)
    assert p("jump OP1 to=2") == _move("jump", to_stage=2)
    assert p("skip OP1 stage=3") == _move("skip", to_stage=3)
    assert p("skip OP1 fase=3") == _move("skip", to_stage=3)
    assert p("next OP1 date=2026-11-20 chances=40%") == _move(
        "next", chances=40, date=datetime.date(2026, 11, 20)
    )
    assert p("next OP1 data=oggi probabilita=0") == _move("next", chances=0, date=TODAY)


# ---------------------------------------------------------------------------------------------- quote / close


def test_quote() -> None:
    assert p("quote OP000001 SQ-1001") == SetQuote("OP000001", "SQ-1001")
    assert p('quote OP1 "SQ 1001 rev"') == SetQuote("OP000001", "SQ 1001 rev")
    assert p("quote OP1 clear") == SetQuote("OP000001", None)
    assert p("quote OP1 -") == SetQuote("OP000001", None)
    assert p('quote OP1 ""') == SetQuote("OP000001", None)
    assert err("quote OP1").code == "missing_argument"
    # The length limit is the domain's (quote_too_long), not the grammar's.
    assert p("quote OP1 " + "x" * 51) == SetQuote("OP000001", "x" * 51)


def test_win_and_lose() -> None:
    assert p('win OP000001 code=PRICE_W amount=23500 "Best price"') == CloseOpportunity(
        "OP000001", True, "PRICE_W", "Best price", Decimal("23500"), None
    )
    assert p('won OP1 code=price_w reason="Best price" date=2026-11-03') == CloseOpportunity(
        "OP000001", True, "PRICE_W", "Best price", None, datetime.date(2026, 11, 3)
    )
    assert p('lose OP000001 code=PRICE_L "Too expensive"') == CloseOpportunity(
        "OP000001", False, "PRICE_L", "Too expensive", None, None
    )
    assert p("lost OP1") == CloseOpportunity("OP000001", False, None, None, None, None)
    assert p('persa OP1 PRICE "Troppo caro"') == CloseOpportunity(
        "OP000001", False, "PRICE", "Troppo caro", None, None
    )
    assert p("vinta OP1 codice=BUSINESS importo=10k motivo='Ottimo'") == CloseOpportunity(
        "OP000001", True, "BUSINESS", "Ottimo", Decimal("10000"), None
    )
    assert p("lose OP1 too expensive").reason == "too expensive"  # type: ignore[union-attr]


# ---------------------------------------------------------------------------------------------- reports


def test_pipeline() -> None:
    assert p("pipeline") == Pipeline("mine")
    assert p("pipeline team") == Pipeline("team")
    assert p("pipeline all") == Pipeline("all")
    assert p("pipeline ah") == Pipeline("AH")
    assert p("pipeline owner=ah") == Pipeline("AH")
    assert p("pipeline <@U0DEMO2|peter>") == Pipeline("<@U0DEMO2>")


def test_stats() -> None:
    assert p("stats") == Stats(None, None, False)
    assert p("stats cycle=new") == Stats("NEW", None, False)
    assert p("stats owner=ah") == Stats(None, "AH", False)
    assert p("stats team") == Stats(None, None, True)
    assert p("statistiche squadra ciclo=NEW") == Stats("NEW", None, True)
    assert p("stats PS") == Stats(None, "PS", False)


def test_cycles_contacts_link() -> None:
    assert p("cycles") == Cycles()
    assert p("cicli") == Cycles()
    assert p("contacts") == Contacts("")
    assert p("contacts  Rosa   Bianchi ") == Contacts("Rosa Bianchi")
    assert p("contatti “Cronus”") == Contacts("Cronus")
    assert p("contacts O'Brien") == Contacts("O'Brien")
    assert p("link <@U0DEMO1|annette> ah") == Link("<@U0DEMO1>", "AH")
    assert p("link @annette AH") == Link("@annette", "AH")


def test_case_spaces_and_prefix() -> None:
    assert p("  /OPP   NEXT    op1  ") == _move("next")
    assert p("/opp\tshow\top1") == Show("OP000001")


# ---------------------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("frobnicate", "unknown_command"),
        ("next", "missing_opportunity_no"),
        ("show", "missing_opportunity_no"),
        ("next value=5", "missing_opportunity_no"),
        ("show OPX", "bad_opportunity_no"),
        ("link @annette", "missing_argument"),
        ("next OP1 close=", "missing_argument"),
        ("next OP1 foo=1", "unknown_option"),
        ("next OP1 to=2", "unknown_option"),  # only skip and jump take a target
        ("list value=5", "unknown_option"),
        ("next OP1 value=abc", "bad_money"),
        ("next OP1 close=someday", "bad_date"),
        ("next OP1 chances=101", "bad_chances"),
        ("next OP1 chances=40.5", "bad_chances"),
        ("next OP1 chances=-5", "bad_chances"),
        ("next OP1 chances=99999999999999999999", "bad_chances"),
        ("skip OP1 to=0", "bad_stage"),
        ("jump OP1 two", "bad_stage"),
        ("list stage=x", "bad_stage"),
        ('new CT1 "x" priority=urgent', "bad_priority"),
        ("list status=pending", "bad_status"),
        ("list everybody", "bad_scope"),
        ("stats all", "bad_scope"),
        ("pipeline @", "bad_scope"),
        ('new CT1 "x" start=maybe', "bad_boolean"),
        ('new CT1 "x" owner=a+b', "bad_owner"),
        ('new CT1 "x" cycle="two words"', "bad_code"),
        ('new CT1 "unclosed', "unbalanced_quotes"),
        ("win OP1 'oops", "unbalanced_quotes"),
        ("list " + "x" * 2000, "too_long"),
        ("new CT000001", "missing_description"),
        ('new "Rosa"', "missing_description"),
        ("new", "missing_contact"),
        ('new ""', "missing_contact"),
        ("show OP1 OP2", "unexpected_argument"),
        ("cycles now", "unexpected_argument"),
    ],
)
def test_error_codes(text: str, code: str) -> None:
    assert err(text).code == code


def test_did_you_mean_command() -> None:
    e = err("nxt OP1")
    assert (e.code, e.suggestion) == ("unknown_command", "next")
    assert "`next`" in e.message("en")
    assert "Intendevi `next`?" in e.message("it")
    assert err("pipelin").suggestion == "pipeline"
    assert err("xyzzy").suggestion is None


def test_did_you_mean_option() -> None:
    e = err("next OP1 vaule=5k")
    assert (e.code, e.suggestion, e.params) == ("unknown_option", "value", {"key": "vaule"})
    assert err("win OP1 amout=5").suggestion == "amount"
    assert err("list stauts=won").suggestion == "status"
    assert err("list status=wno").suggestion == "won"


def test_messages_include_usage_and_translate() -> None:
    e = err("next OP1 chances=150")
    assert e.verb == "next"
    en, it = e.message("en"), e.message("it")
    assert "150" in en and USAGE["next"] in en
    assert "probabilità" in it and "Uso:" in it
    assert str(e) == en
    assert e.message("de") == en
    assert "help" in err("frobnicate").message("en")
    assert "2000" in err("x" * 2001).message("it")


# ---------------------------------------------------------------------------------------------- fuzz

_PIECES = [
    "new", "next", "skip", "jump", "win", "lose", "quote", "list", "show", "stats", "pipeline", "link",
    "help", "contacts", "OP1", "CT1", "=", "==", "value=", "chances=", "close=", "to=", "date=", "owner=",
    '"', "'", "“", "’", "1e999999", "99999999999999999999", "-", "%", "<@U1|x>", "@", "…", "\x00", "\n",
    "𝟙𝟚", "١٢", "²", "é", "value=1e999999", "chances=99999999999999999999", "close=31/02/2026",
    "stage=" + "9" * 5000, "value=" + "9" * 5000, "close=in 99999 years", "to=-1", "x=", "=y",
]  # fmt: skip


def _random_text(rng: random.Random) -> str:
    kind = rng.randrange(3)
    if kind == 0:
        return "".join(rng.choice(string.printable) for _ in range(rng.randrange(40)))
    if kind == 1:
        return "".join(chr(rng.randrange(1, 0x2FFF)) for _ in range(rng.randrange(30)))
    return " ".join(rng.choice(_PIECES) for _ in range(rng.randrange(1, 8)))


def test_garbage_only_raises_parse_error() -> None:
    rng = random.Random(20261124)
    outcomes = {"ok": 0, "error": 0}
    for _ in range(600):
        text = _random_text(rng)
        try:
            parse(text, today=TODAY, locale=rng.choice(["en", "it"]))
            outcomes["ok"] += 1
        except ParseError as e:
            assert e.message("en") and e.message("it")
            outcomes["error"] += 1
    assert outcomes["error"] > 0


# ---------------------------------------------------------------------------------------------- issue 11


def test_control_characters_are_dropped_and_breaks_separate_words() -> None:
    cmd = p('new CT1 "Ch\x00airs\tand\r\ntables\x07" value=1\x000 close=2026-12-31')
    assert isinstance(cmd, NewOpportunity)
    assert (cmd.description, cmd.value) == ("Chairs and tables", Decimal(10))
    assert p("contacts Ro\x00sa\x1b") == Contacts("Rosa")
    assert p("update 1\nvalue=10\u2028chances=40") == Move(
        "update", "OP000001", Decimal(10), 40, None, None, None
    )
    assert p('quote 1 "SQ\x00-1"') == SetQuote("OP000001", "SQ-1")
    lose = p('lose 1 PRICE "Too\x00 much\nmoney"')
    assert isinstance(lose, CloseOpportunity) and lose.reason == "Too much money"
    assert p("\x00") == Help(None)


def test_error_messages_echo_no_control_characters() -> None:
    e = err("list all stage=\x00x\x07")
    assert "\x00" not in e.message("en") and "\x07" not in e.message("en")
    assert "\x00" not in ParseError("bad_money", {"value": "1\x002"}).message("it")


def test_amounts_above_the_maximum_with_the_running_currency() -> None:
    with pytest.raises(ParseError) as info:
        parse("update OP5 value=922337203685478", today=TODAY, currency="EUR")
    assert info.value.code == "amount_too_large"
    assert "€999,999,999,999.99" in info.value.message("en")
    with pytest.raises(ParseError) as info:
        parse("win 5 amount=1,000,000,000,000", today=TODAY, locale="it", currency="EUR")
    assert "999.999.999.999,99\u00a0€" in info.value.message("it")
    assert parse("win 5 amount=999999999999.99", today=TODAY, currency="EUR") == CloseOpportunity(
        "OP000005", True, None, None, Decimal("999999999999.99"), None
    )


def test_the_issues_far_dates_are_refused() -> None:
    e = err("update OP000005 date=9999-12-25 close=9999-12-31")
    assert e.code == "date_out_of_range"
    assert "1900-01-01" in e.message("en") and "2999-12-31" in e.message("en")
