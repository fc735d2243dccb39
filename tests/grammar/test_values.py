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
    [
        "abc",
        "5x",
        "1.2.3,4,5",
        "",
        "  ",
        "1e999999",
        "1,2,3.4.5",
        "50.00.00",
        "€",
        "1.",
        "--5",
        "1." + "1" * 40,
    ],
)
def test_parse_money_rejects_garbage(text: str) -> None:
    with pytest.raises(ParseError) as err:
        parse_money(text, "en")
    assert err.value.code == "bad_money"


# --- the largest amount (issue 11: 922337203685478 overflowed the store) -------------------------------
@pytest.mark.parametrize(
    "text",
    ["922337203685478", "1000000000000", "1000000M", "1.000.000.000.000,00", "€ 1 000 000 000 000", "9" * 40,
     "999999999999.999", "1000000000k", "1,000,000,000,000.00 EUR"],
)  # fmt: skip
def test_parse_money_refuses_amounts_above_the_maximum(text: str) -> None:
    with pytest.raises(ParseError) as err:
        parse_money(text, "en", "EUR")
    assert err.value.code == "amount_too_large"
    assert "the most oppbot accepts is €999,999,999,999.99" in err.value.message("en")
    assert "il massimo che oppbot accetta è 999.999.999.999,99\u00a0€" in err.value.message("it")


@pytest.mark.parametrize(
    ("text", "currency", "expected"),
    [
        ("999,999,999,999.99", "EUR", "999999999999.99"),
        ("999999999999.99", None, "999999999999.99"),
        ("999999999999", "JPY", "999999999999"),
        ("999999999999.999", "KWD", "999999999999.999"),
        ("-922337203685478", "EUR", "-922337203685478"),  # negative: the domain says "more than zero"
    ],
)
def test_parse_money_accepts_up_to_the_maximum(text: str, currency: str | None, expected: str) -> None:
    assert parse_money(text, "en", currency) == Decimal(expected)


def test_the_maximum_depends_on_the_currencys_decimals() -> None:
    with pytest.raises(ParseError) as err:
        parse_money("999999999999.5", "en", "JPY")
    assert "¥999,999,999,999" in err.value.message("en")
    with pytest.raises(ParseError) as err:
        parse_money("1000000000000", "en")  # no currency known: the limit, named without a symbol
    assert "the most oppbot accepts is 999,999,999,999.99." in err.value.message("en")


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


# --- dates in range (issue 11: 9999-12-25 overflowed the stall rule) -------------------------------------
@pytest.mark.parametrize("text", ["9999-12-25", "9999-12-31", "3000-01-01", "1899-12-31", "0001-01-01",
                                  "31/12/9999", "1/1/1000"])  # fmt: skip
def test_parse_date_refuses_dates_out_of_range(text: str) -> None:
    with pytest.raises(ParseError) as err:
        parse_date(text, TODAY, "en")
    assert err.value.code == "date_out_of_range"
    assert err.value.message("en").startswith(
        f"“{text}” is out of range: dates go from 1900-01-01 to 2999-12-31"
    )
    assert "le date vanno dal 1900-01-01 al 2999-12-31" in err.value.message("it")


@pytest.mark.parametrize("text", ["1900-01-01", "2999-12-31", "in 972 years"])
def test_parse_date_accepts_the_range_ends(text: str) -> None:
    assert datetime.date(1900, 1, 1) <= parse_date(text, TODAY, "en") <= datetime.date(2999, 12, 31)


def test_far_relative_dates_are_out_of_range() -> None:
    with pytest.raises(ParseError) as err:
        parse_date("in 9000 years", TODAY, "en")
    assert err.value.code == "date_out_of_range"
