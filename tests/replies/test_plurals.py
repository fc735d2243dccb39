"""Sentences with a count read right for 1, for 0 and for more, in English and Italian (the catalog's
Plural forms, chosen by Babel's CLDR plural rules)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from string import Formatter as TemplateParser

import pytest

from oppbot.domain.actions import CloseInput
from oppbot.domain.statistics import Figures
from oppbot.replies.build import card_document, document, figure_cells
from oppbot.replies.format import Formatter
from oppbot.replies.i18n import EN, IT, Plural, Template, about, t
from oppbot.replies.model import StatsReply
from oppbot.replies.text import render_document
from oppbot.service.digests import DigestService
from oppbot.service.opportunities import OpportunityService
from tests.dbfixtures import Clock, People


def placeholders(template: Template) -> set[str]:
    forms = template.forms() if isinstance(template, Plural) else (template,)
    return {name for form in forms for _text, name, _spec, _conv in TemplateParser().parse(form) if name}


def test_english_and_italian_say_the_same_things_with_the_same_parameters() -> None:
    """Every key in both catalogs, each with the same placeholders over all its plural forms."""
    assert EN.keys() == IT.keys()
    differ = {
        k: (placeholders(EN[k]), placeholders(IT[k]))
        for k in EN
        if placeholders(EN[k]) != placeholders(IT[k])
    }
    assert differ == {}


def plurals(template: Template) -> list[Plural]:
    if not isinstance(template, Plural):
        return []
    return [template, *plurals(template.one), *plurals(template.other)]


@pytest.mark.parametrize(
    "key", sorted(k for k in EN if isinstance(EN[k], Plural) or isinstance(IT[k], Plural))
)
def test_a_plural_is_chosen_by_a_count_its_sentence_shows(key: str) -> None:
    for template in (EN[key], IT[key]):
        for plural in plurals(template):
            assert plural.param in placeholders(plural.other), (key, plural)


@pytest.mark.parametrize(
    ("locale", "key", "params", "expected"),
    [
        ("en", "stalled", {"days": 1}, "stalled, 1 day overdue"),
        ("en", "stalled", {"days": 2}, "stalled, 2 days overdue"),
        ("it", "stalled", {"days": 1}, "ferma, in ritardo di 1 giorno"),
        ("it", "stalled", {"days": 2}, "ferma, in ritardo di 2 giorni"),
        ("it-IT", "stalled", {"days": 1_000_000}, "ferma, in ritardo di 1000000 giorni"),  # CLDR "many"
        ("en", "feed_off", {"count": 0}, "This channel no longer gets changes (0 feeds stopped)."),
        ("en", "feed_off", {"count": 1}, "This channel no longer gets changes (1 feed stopped)."),
        ("it", "feed_off", {"count": 1}, "Questo canale non riceve più modifiche (1 feed fermato)."),
        ("it", "feed_off", {"count": 0}, "Questo canale non riceve più modifiche (0 feed fermati)."),
        ("en", "digest_pipeline_more", {"count": 1, "command": "c"}, "1 more cycle: `c`."),
        ("it", "digest_pipeline_more", {"count": 1, "command": "c"}, "1 altro ciclo: `c`."),
        ("it", "digest_pipeline_more", {"count": 3, "command": "c"}, "Altri 3 cicli: `c`."),
        ("it", "digest_and_more", {"count": 1, "command": "c"}, "… e un'altra: `c`"),
        ("it", "digest_and_more", {"count": 4, "command": "c"}, "… e altre 4: `c`"),
        ("it", "digest_rep_stalled", {"count": 1}, "1 ferma"),
        ("it", "digest_rep_stalled", {"count": 0}, "0 ferme"),
        ("en", "digest_people", {"count": 1}, "1 person"),
        ("it", "open_count", {"count": 1}, "1 aperta"),
        ("en", "stalled", {}, "stalled, ? days overdue"),  # a missing count still reads
        ("en", "stalled", {"days": "x"}, "stalled, x days overdue"),
    ],
)
def test_the_form_follows_the_count(locale: str, key: str, params: dict[str, object], expected: str) -> None:
    assert t(locale, key, **params) == expected


@pytest.mark.parametrize(
    ("locale", "count", "days", "expected"),
    [
        ("en", 1, 1, "AH has had 1 reminder about OP000001, stalled in 2 for 1 day, without acting on it."),
        ("en", 1, 5, "AH has had 1 reminder about OP000001, stalled in 2 for 5 days, without acting on it."),
        ("en", 3, 1, "AH has had 3 reminders about OP000001, stalled in 2 for 1 day, without acting on it."),
        ("en", 3, 5, "AH has had 3 reminders about OP000001, stalled in 2 for 5 days, without acting on it."),
        ("it", 1, 1, "AH ha ricevuto 1 promemoria su OP000001, ferma in 2 da 1 giorno, senza intervenire."),
        ("it", 3, 5, "AH ha ricevuto 3 promemoria su OP000001, ferma in 2 da 5 giorni, senza intervenire."),
    ],
)
def test_an_escalation_agrees_with_both_its_counts(locale: str, count: int, days: int, expected: str) -> None:
    assert (
        t(locale, "reminder_escalated", owner="AH", count=count, no="OP000001", stage="2", days=days)
        == expected
    )


@pytest.mark.parametrize(
    ("locale", "days", "expected"),
    [
        ("en", 1, "⏰ OP000001 is stalled in 2: 1 day past its usual time."),
        ("en", 4, "⏰ OP000001 is stalled in 2: 4 days past its usual time."),
        ("it", 1, "⏰ OP000001 è ferma in 2: 1 giorno oltre il tempo abituale."),
        ("it", 4, "⏰ OP000001 è ferma in 2: 4 giorni oltre il tempo abituale."),
    ],
)
def test_a_reminder_agrees_with_its_days(locale: str, days: int, expected: str) -> None:
    assert t(locale, "reminder_stalled", no="OP000001", stage="2", days=days).startswith(expected)


def test_about_still_sees_the_number_in_a_plural_sentence() -> None:
    """`about` leads with the number only when the chosen form has no place for it."""
    text = about("en", "OP000001", "reminder_stalled", stage="2", days=1)
    assert text.startswith("⏰ OP000001 is stalled in 2: 1 day")


async def chairs(service: OpportunityService, clock: Clock, seeded: People) -> str:
    """An open opportunity of AH's, created on 4 January 2027."""
    clock.set(date(2027, 1, 4))
    kw = {"contact": "CT000002", "description": "Chairs", "cycle": "NEW", "close": date(2027, 12, 31)}
    return (await service.create(seeded.ah, value=Decimal(1000), **kw)).view.no


async def test_the_card_of_an_opportunity_one_day_overdue(
    service: OpportunityService, clock: Clock, seeded: People
) -> None:
    """The card's stall notice, first on the day the opportunity stalls (1 day overdue), then the next."""
    no = await chairs(service, clock, seeded)
    day = date(2027, 1, 4)
    view = await service.show(seeded.ah, no)
    while view.days_overdue is None:  # the first day past its stall date
        day += timedelta(days=1)
        clock.set(day)
        view = await service.show(seeded.ah, no)
    assert view.days_overdue == 1
    shown = {lang: render_document(card_document(view), Formatter(lang, "EUR")) for lang in ("en", "it")}
    assert "stalled, 1 day overdue" in shown["en"] and "1 days" not in shown["en"], shown["en"]
    assert "ferma, in ritardo di 1 giorno" in shown["it"] and "1 giorni" not in shown["it"], shown["it"]
    clock.set(day + timedelta(days=1))
    view = await service.show(seeded.ah, no)
    assert "stalled, 2 days overdue" in render_document(card_document(view), Formatter("en", "EUR"))
    assert "in ritardo di 2 giorni" in render_document(card_document(view), Formatter("it", "EUR"))


async def test_a_digest_of_one_person_with_one_open_opportunity(
    service: OpportunityService, clock: Clock, seeded: People
) -> None:
    await chairs(service, clock, seeded)
    direct = await DigestService(service).build("AH", since=None, now=datetime(2027, 1, 5, 12, tzinfo=UTC))
    english = render_document(direct.document, Formatter("en", "EUR"))
    italian = render_document(direct.document, Formatter("it", "EUR"))
    assert "1 open · " in english and " · 0 stalled · " in english and "1 person" in english, english
    assert "1 people" not in english
    assert "1 aperta · " in italian and " · 0 ferme · " in italian and "1 persona" in italian, italian
    assert "1 aperte" not in italian and "1 persone" not in italian


async def test_the_stats_of_one_open_one_won_one_lost_and_one_not_started(
    service: OpportunityService, clock: Clock, seeded: People
) -> None:
    """Each count of the stats line agrees with its adjective (Italian's aperta/aperte, vinta/vinte …)."""
    ah = seeded.ah
    nos = [await chairs(service, clock, seeded) for _ in range(3)]
    kw = {"contact": "CT000002", "description": "Lamps", "cycle": "NEW", "close": date(2027, 12, 31)}
    await service.create(ah, value=Decimal(500), start=False, **kw)
    await service.close(ah, nos[1], CloseInput(won=True, close_code="PRICE_W", won_amount=Decimal(900)))
    await service.close(ah, nos[2], CloseInput(won=False, close_code="PRICE_L"))
    doc = document(StatsReply(await service.stats(ah)))
    english = render_document(doc, Formatter("en", "EUR"))
    italian = render_document(doc, Formatter("it", "EUR"))
    assert "1 open, 1 won, 1 lost, 1 not started" in english, english
    assert "1 aperta, 1 vinta, 1 persa, 1 non avviata" in italian, italian
    assert not any(f"1 {word}" in italian for word in ("aperte", "vinte", "perse", "non avviate")), italian


def counts(n: int) -> Figures:
    none = Decimal(0)
    return Figures("x", n, n, n, n, none, none, None, None, none, None, None)


@pytest.mark.parametrize(
    ("locale", "n", "expected"),
    [
        ("en", 1, "1 open, 1 won, 1 lost, 1 not started"),
        ("en", 2, "2 open, 2 won, 2 lost, 2 not started"),
        ("en", 0, "0 open, 0 won, 0 lost, 0 not started"),
        ("it", 1, "1 aperta, 1 vinta, 1 persa, 1 non avviata"),
        ("it", 2, "2 aperte, 2 vinte, 2 perse, 2 non avviate"),
        ("it", 0, "0 aperte, 0 vinte, 0 perse, 0 non avviate"),
    ],
)
def test_the_stats_counts_agree_with_their_number(locale: str, n: int, expected: str) -> None:
    assert Formatter(locale, "EUR").say(figure_cells(counts(n))[0]) == expected
