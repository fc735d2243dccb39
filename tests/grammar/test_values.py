import datetime
from decimal import Decimal

import pytest

from oppbot.grammar import ParseError, normalize_opportunity_no, parse_date, parse_money

TODAY = datetime.date(2026, 11, 24)  # a Tuesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("50000", "50000"),
        ("50k", "50000"),
        ("50K", "50000"),
        ("1.2M", "1200000"),
        ("1,2M", "1200000"),
        ("€ 50.000,00", "50000.00"),
        ("50.000,00 €", "50000.00"),
        ("EUR 50,000.00", "50000.00"),
        ("$1,200", "1200"),
        ("12000.5", "12000.5"),
        ("1_000", "1000"),
        ("50.000", "50000"),
        ("50,000", "50000"),
        ("1.234.567", "1234567"),
        ("1,234,567.89", "1234567.89"),
        ("24000.50", "24000.50"),
        ("12,5", "12.5"),
        ("0,500", "0.500"),
        ("1234.567", "1234.567"),
        ("50 mln", "50000000"),
        ("2,5 mio", "2500000"),
        ("1.500k", "1500"),
        ("50000 EUR", "50000"),
        ("1 000 000", "1000000"),
        ("-5", "-5"),
        ("0", "0"),
    ],
)
def test_parse_money(text: str, expected: str) -> None:
    value = parse_money(text, "en")
    assert isinstance(value, Decimal)
    assert value == Decimal(expected)


def test_parse_money_keeps_decimal_digits() -> None:
    assert str(parse_money("24000.50", "it")) == "24000.50"
    assert str(parse_money("1.2M", "en")) == "1200000"


@pytest.mark.parametrize(
    "text",
    ["abc", "5x", "1.2.3,4,5", "", "  ", "1e999999", "1,2,3.4.5", "50.00.00", "€", "1.", "--5", "9" * 40],
)
def test_parse_money_rejects_garbage(text: str) -> None:
    with pytest.raises(ParseError) as err:
        parse_money(text, "en")
    assert err.value.code == "bad_money"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-31", datetime.date(2026, 12, 31)),
        ("31/12/2026", datetime.date(2026, 12, 31)),
        ("31.12.2026", datetime.date(2026, 12, 31)),
        ("12/31/2026", datetime.date(2026, 12, 31)),  # en: unambiguous month-first
        ("05/03/2027", datetime.date(2027, 3, 5)),  # day first when ambiguous
        ("31/12/26", datetime.date(2026, 12, 31)),
        ("31/12", datetime.date(2026, 12, 31)),
        ("1/1", datetime.date(2027, 1, 1)),  # no year: the next one
        ("today", TODAY),
        ("Oggi", TODAY),
        ("tomorrow", datetime.date(2026, 11, 25)),
        ("domani", datetime.date(2026, 11, 25)),
        ("next friday", datetime.date(2026, 11, 27)),
        ("friday", datetime.date(2026, 11, 27)),
        ("next tuesday", datetime.date(2026, 12, 1)),
        ("in 2 weeks", datetime.date(2026, 12, 8)),
        ("in 3 months", datetime.date(2027, 2, 24)),
        ("end of month", datetime.date(2026, 11, 30)),
        ("end of quarter", datetime.date(2026, 12, 31)),
        ("end of year", datetime.date(2026, 12, 31)),
        ("venerdì prossimo", datetime.date(2026, 11, 27)),
        ("tra 2 settimane", datetime.date(2026, 12, 8)),
        ("fra 3 giorni", datetime.date(2026, 11, 27)),
        ("tra un mese", datetime.date(2026, 12, 24)),
        ("fine mese", datetime.date(2026, 11, 30)),
    ],
)
def test_parse_date_cheap_formats(text: str, expected: datetime.date) -> None:
    assert parse_date(text, TODAY, "en") == expected


def test_parse_date_month_first_only_in_english() -> None:
    with pytest.raises(ParseError):
        parse_date("12/31/2026", TODAY, "it")


def test_parse_date_falls_back_to_dateparser() -> None:
    # The only dateparser calls in the suite: it is slow on first use.
    assert parse_date("31 dicembre 2026", TODAY, "it") == datetime.date(2026, 12, 31)
    assert parse_date("December 31, 2026", TODAY, "en") == datetime.date(2026, 12, 31)
    assert parse_date("2 weeks from now", TODAY, "en") == datetime.date(2026, 12, 8)


@pytest.mark.parametrize(
    "text", ["", "garbage", "32/13/2026", "2026-02-30", "31/02", "x" * 100, "in 99999 years"]
)
def test_parse_date_rejects_garbage(text: str) -> None:
    with pytest.raises(ParseError) as err:
        parse_date(text, TODAY, "en")
    assert err.value.code == "bad_date"


@pytest.mark.parametrize("text", ["op1", "OP1", "1", "op000001", "OP000001", "#1", "OP-1"])
def test_normalize_opportunity_no(text: str) -> None:
    assert normalize_opportunity_no(text) == "OP000001"


@pytest.mark.parametrize("text", ["OPX", "0", "CT000001", "op", "1.5", "OP99999999999"])
def test_normalize_opportunity_no_rejects(text: str) -> None:
    with pytest.raises(ParseError) as err:
        normalize_opportunity_no(text)
    assert err.value.code == "bad_opportunity_no"
