"""The playground's two panes in headless Chromium against a real `oppbot serve`: one opportunity, moved in
Slack, changes in Teams; moved in Teams, changes in Slack. One ledger (checked in the database)."""

from __future__ import annotations

import re
from typing import Any

from tests.playground.conftest import Served, open_page, screenshot
from tests.playground.test_browser import db_row, ledger_stages

REP, MANAGER = "U0DEMO1", "U0DEMO3"
DEAL = "Two panes standing desks"


async def test_the_same_deal_moves_in_slack_and_in_teams(browser: Any, served: Served) -> None:
    explain = (served, "playground-teams-failure.png")
    async with open_page(browser, (1500, 950), explain=explain) as (page, errors):
        await both_panes(served, page, errors)


async def both_panes(served: Served, page: Any, errors: list[str]) -> None:
    await page.goto(f"{served.url}?as={REP}&tab=channel")
    slack, teams = page.locator("#slack-pane"), page.locator("#teams-pane")

    # Slack, #sales: the rep creates the deal; the answer (hers alone) is its card.
    await slack.locator("#composer-input").fill(
        f'/opp new CT000002 "{DEAL}" value=18k cycle=FIRSTLARGE close=2027-03-31'
    )
    await slack.locator("#composer-input").press("Enter")
    created = slack.locator("#messages article.message", has_text=DEAL).filter(
        has=page.locator('[data-block-id^="card:"]')
    )
    await created.first.wait_for()
    block = await created.first.locator('[data-block-id^="card:"]').first.get_attribute("data-block-id")
    found = re.fullmatch(r"card:(OP\d{6})", block or "")
    assert found is not None, block
    no = found.group(1)
    assert db_row(served, no)["stage"] == 1

    # Teams, her 1:1 chat with the bot: the same deal's card, at stage 1 of 7.
    await teams.locator("#teams-input").fill(f"show {no}")
    await teams.locator("#teams-input").press("Enter")
    teams_card = teams.locator("article.teams-bot", has_text=f"{no} · {DEAL}")
    await teams_card.filter(has_text="(1 of 7)").wait_for()
    assert await teams_card.count() == 1
    teams_entry = await teams_card.get_attribute("data-entry-id")

    # Slack: share the card in #sales, then Next stage on the shared card; Teams' card follows in place.
    await created.first.locator("button", has_text="Share in channel").click()
    shared = slack.locator("#messages article.message:not(.ephemeral)").filter(
        has=page.locator(f'[data-block-id="card:{no}"]')
    )
    await shared.wait_for()
    await shared.locator("button", has_text="Next stage").click()
    await shared.filter(has_text="(2 of 7)").wait_for()
    await teams_card.filter(has_text="2 Qualification (2 of 7)").wait_for()
    assert await teams_card.get_attribute("data-entry-id") == teams_entry  # the same message, redrawn
    assert db_row(served, no)["stage"] == 2

    # Teams: Next stage on its card; the card is replaced in place, and Slack's shared card follows.
    await teams_card.locator("button.ac-button", has_text="Next stage").click()
    await teams_card.filter(has_text="3 Company Presentation (3 of 7)").wait_for()
    assert await teams_card.get_attribute("data-entry-id") == teams_entry
    await shared.filter(has_text="3 Company Presentation (3 of 7)").wait_for()
    row = db_row(served, no)
    assert (row["status"], row["salesperson_code"], row["stage"]) == ("in_progress", "AH", 3)
    assert ledger_stages(served, no) == [1, 2, 3]  # one ledger: a step from each pane, each once

    # Teams' form: Won… turns the card into its form (a required code first), submitted it closes the deal.
    await teams_card.locator("button.ac-button", has_text="Won…").click()
    form = teams_card.locator('.ac-field[data-ac-input="field_code"]')
    await form.wait_for()
    submit = teams_card.locator(".ac-card-actions button.ac-positive")
    await submit.click()
    await form.locator(".ac-input-error", has_text=re.compile(r"\S")).wait_for()  # said, nothing sent
    assert db_row(served, no)["status"] == "in_progress"
    await form.locator("select").select_option("PRICE_W")
    await teams_card.locator('.ac-field[data-ac-input="field_reason"] textarea').fill("Two panes, one price")
    await submit.click()
    await teams_card.locator(".ac-factset", has_text="won").wait_for()
    await shared.filter(has_text=re.compile(r"Status\s*won")).wait_for()
    row = db_row(served, no)
    assert (row["status"], bool(row["closed"]), row["close_code"]) == ("won", True, "PRICE_W")

    shot = await screenshot(page, "playground-two-panes.png")
    print(f"playground screenshot: {shot}")
    assert await page.locator(".ac-unsupported, .bk-unsupported").count() == 0

    # Another person: the Teams pane is his own chat with the bot, not hers.
    await page.locator("#person").select_option(MANAGER)
    await page.wait_for_function(f"document.body.dataset.teamsUser === '{MANAGER}'")
    assert await teams.locator("#teams-messages", has_text=DEAL).count() == 0
    await teams.locator("#teams-input").fill(f"show {no}")
    await teams.locator("#teams-input").press("Enter")
    await teams.locator("article.teams-bot", has_text=re.compile(f"{no} · {DEAL}")).first.wait_for()
    assert errors == []


async def test_phone_width_shows_one_pane_at_a_time(browser: Any, served: Served) -> None:
    async with open_page(browser, (375, 740)) as (page, _errors):
        await page.goto(f"{served.url}?as={REP}&pane=teams")
        assert not await page.locator("#slack-pane").is_visible()
        # A deal that is not stalled: the scheduler's stall reminders may come into the chat meanwhile.
        await page.locator("#teams-input").fill("show OP000005")
        await page.locator("#teams-input").press("Enter")
        card = page.locator("#teams-messages article.teams-bot", has_text="OP000005 · ")
        await card.wait_for()
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the page scrolls sideways at phone width ({width}px)"
        await page.locator("#tab-slack").click()
        assert await page.locator("#composer-input").is_visible()
        assert not await page.locator("#teams-pane").is_visible()
        await page.locator("#tab-teams").click()
        assert await card.is_visible()
        # Opened again, the chat shows the same card: a 1:1 chat's cards carry no `refresh` (one reader,
        # who already sees their own actions; a refresh would turn a reminder into the plain card).
        entry = await card.get_attribute("data-entry-id")
        await page.reload()
        again = page.locator(f'#teams-messages article[data-entry-id="{entry}"]')
        await again.wait_for()
        assert await again.get_attribute("data-rev") == "0"
        await screenshot(page, "playground-teams-phone.png")
