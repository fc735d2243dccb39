"""The playground in headless Chromium against a real `oppbot serve`: a rep's deal from creation to won."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import struct
import zlib
from typing import Any

from tests.playground.conftest import InProcess, Served, open_page, screenshot

REP, MANAGER = "U0DEMO1", "U0DEMO3"


def db_row(served: Served, no: str) -> dict[str, Any]:
    with sqlite3.connect(served.database) as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute(
            "SELECT o.no, o.status, o.closed, o.close_code, o.salesperson_code, o.sales_cycle_code, e.stage"
            " FROM opportunity o LEFT JOIN opportunity_entry e ON e.opportunity_no = o.no AND e.active"
            " WHERE o.no = ?",
            (no,),
        ).fetchone()
    assert row is not None, f"{no} is not in the database"
    return dict(row)


def ledger_stages(db: Served, no: str) -> list[int]:
    """The stages the ledger went through, in order (one entry per stage, the closing one last)."""
    with sqlite3.connect(db.database) as conn:
        rows = conn.execute(
            "SELECT stage FROM opportunity_entry WHERE opportunity_no = ? ORDER BY entry_no", (no,)
        ).fetchall()
    return [int(r[0]) for r in rows if r[0] is not None]


async def test_rep_creates_advances_and_wins_then_manager_sees_it(browser: Any, served: Served) -> None:
    async with open_page(browser, (1100, 900), explain=(served, "playground-failure.png")) as (page, errors):
        await rep_to_manager(served, page, errors)


async def rep_to_manager(served: Served, page: Any, errors: list[str]) -> None:

    # App Home as the rep: "New opportunity" opens the modal.
    await page.goto(f"{served.url}?as={REP}&tab=home")
    await page.locator("#home button", has_text="New opportunity").click()
    modal = page.locator("#modal")
    await modal.wait_for(state="visible")
    assert await page.locator("#modal-title").text_content() == "New opportunity"

    # Submitting empty: Slack's own client-side check, nothing is sent.
    await page.locator("#modal-submit").click()
    assert await modal.locator(".bk-has-error").count() >= 2

    # The contact comes from the bot's external select (block_suggestion).
    await modal.locator('[data-block-id="contact"] input').fill("Rosa")
    option = modal.locator(".bk-external-option", has_text="Rosa Bianchi")
    await option.first.click()
    await modal.locator('[data-block-id="description"] input').fill("Playground standing desks")
    await modal.locator('[data-block-id="cycle"] select').select_option("FIRSTLARGE")
    await modal.locator('[data-block-id="value"] input').fill("not money")
    await page.locator("#modal-submit").click()
    # The bot's response_action=errors lands under the field; the modal stays.
    value_error = modal.locator('[data-block-id="value"] .bk-error')
    await value_error.filter(has_text=re.compile(r"\S")).wait_for()
    await modal.locator('[data-block-id="value"] input').fill("18k")
    await modal.locator('[data-block-id="close"] input').fill("2027-03-31")
    await page.locator("#modal-submit").click()
    await modal.wait_for(state="hidden")

    # App Home is republished with the outcome: "Created OP… at stage 1."
    notice = page.locator("#home", has_text=re.compile(r"Created OP\d{6}"))
    await notice.wait_for()
    found = re.search(r"Created (OP\d{6})", await page.locator("#home").inner_text())
    assert found is not None
    no = found.group(1)
    row = db_row(served, no)
    assert (row["status"], row["salesperson_code"], row["sales_cycle_code"], row["stage"]) == (
        "in_progress",
        "AH",
        "FIRSTLARGE",
        1,
    )

    # In the DM: `/opp show` answers privately with the card; its buttons move it, the card changes in place.
    await page.locator("#nav-dm").click()
    await page.locator("#composer-input").fill(f"/opp show {no}")
    await page.locator("#composer-input").press("Enter")
    card = page.locator("#messages article.message", has=page.locator(f'[data-block-id="card:{no}"]'))
    await card.wait_for()
    assert await card.count() == 1
    entry_id = await card.get_attribute("data-entry-id")
    for stage, name in ((2, "Qualification"), (3, "Company Presentation")):
        await card.locator("button", has_text="Next stage").click()
        await card.filter(has_text=f"{stage} {name} ({stage} of 7)").wait_for()
        assert await card.get_attribute("data-entry-id") == entry_id  # the same message, redrawn
        assert db_row(served, no)["stage"] == stage

    # The manager's App Home: the deal is in the team pipeline, at stage 3 of FIRSTLARGE.
    at_stage_3 = await manager_stage_count(page, "3 Company Presentation")
    assert at_stage_3 >= 1

    # Back as the rep: Won… opens the close modal; choose a code and confirm.
    await page.locator("#person").select_option(REP)
    await page.locator("#nav-dm").click()
    await card.locator("button", has_text="Won").click()
    await modal.wait_for(state="visible")
    code = modal.locator('[data-block-id="code"] select')
    values = await code.locator("option").evaluate_all("os => os.map(o => o.value).filter(Boolean)")
    assert "PRICE_W" in values
    await code.select_option("PRICE_W")
    await page.locator("#modal-submit").click()
    await modal.wait_for(state="hidden")
    await card.filter(has_text=f"{no} won").wait_for()
    assert await card.locator("button", has_text="Next stage").count() == 0
    row = db_row(served, no)
    assert (row["status"], bool(row["closed"]), row["close_code"]) == ("won", True, "PRICE_W")
    assert ledger_stages(served, no)[:3] == [1, 2, 3]

    # The manager again: won, it has left the open pipeline of stage 3.
    assert await manager_stage_count(page, "3 Company Presentation", expect=at_stage_3 - 1) == at_stage_3 - 1
    # The rep's private card is not the manager's: nothing of it in his DM.
    await page.locator("#nav-dm").click()
    assert await page.locator("#messages", has_text=no).count() == 0
    await page.locator("#nav-home").click()
    await page.locator("#home .bk-header", has_text="Team pipeline").wait_for()
    shot = await screenshot(page, "playground-final.png", full_page=True)
    print(f"playground screenshot: {shot}")
    assert await page.locator(".bk-unsupported").count() == 0
    assert errors == []


async def manager_stage_count(page: Any, stage: str, expect: int | None = None) -> int:
    """Open the manager's App Home and read how many open deals the team has at ``stage`` (FIRSTLARGE)."""
    await page.locator("#person").select_option(MANAGER)
    await page.locator("#nav-home").click()
    home = page.locator("#home")
    await home.locator(".bk-header", has_text="Team pipeline").wait_for()
    number = str(expect) if expect is not None else r"\d+"
    cycle = home.locator(".bk-section", has_text="FIRSTLARGE")
    line = cycle.filter(has_text=re.compile(f"{stage}: {number} "))
    await line.wait_for()  # the fresh view may follow the one published before
    found = re.search(f"{stage}: (\\d+) ", await line.inner_text())
    assert found is not None
    return int(found.group(1))


async def test_phone_width_keeps_everything_reachable(browser: Any, served: Served) -> None:
    async with open_page(browser, (375, 740)) as (page, _errors):
        await page.goto(f"{served.url}?as={REP}&tab=dm")
        await page.locator("#composer-input").fill("/opp show OP000001")
        await page.locator("#composer-input").press("Enter")
        # The private answer: the scheduler's stall reminder about OP000001 may come into the DM too.
        answer = page.locator("#messages article.message.ephemeral")
        card = answer.filter(has=page.locator('[data-block-id="card:OP000001"]'))
        await card.wait_for()
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the page scrolls sideways at phone width ({width}px)"
        for label in ("#nav-channel", "#nav-dm", "#nav-home", "#composer-input"):
            assert await page.locator(label).is_visible()
        await screenshot(page, "playground-phone.png")


def tiny_png(width: int = 3, height: int = 2) -> bytes:
    """A valid PNG (red pixels), made here so the test needs no image library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


async def test_an_uploaded_image_reaches_the_page(browser: Any, in_process: InProcess) -> None:
    """What a digest does with its chart: files.uploadV2 into the DM; the page shows the picture."""
    from slack_sdk.web.async_client import AsyncWebClient

    pg = in_process.playground
    client = AsyncWebClient(token=pg.settings.slack_bot_token, base_url=pg.settings.slack_api_url)
    png = tiny_png()
    done = await client.files_upload_v2(
        channel=in_process.workspace.dm(REP), content=png, filename="chart.png", title="Pipeline chart"
    )
    assert done["ok"]
    async with open_page(browser) as (page, _errors):
        await page.goto(f"{in_process.url}?as={REP}&tab=dm")
        image = page.locator("#messages img.file-image")
        await image.wait_for()
        assert await page.locator("#messages figcaption", has_text="Pipeline chart").count() == 1
        size = await image.evaluate("img => img.complete ? [img.naturalWidth, img.naturalHeight] : null")
        assert size == [3, 2]
        # Only in her DM: another person does not see it.
        await page.locator("#person").select_option(MANAGER)
        await page.locator("#nav-dm").click()
        await page.wait_for_function("document.body.dataset.user === 'U0DEMO3'")
        assert await page.locator("#messages img.file-image").count() == 0


async def test_run_the_scheduler_now_brings_reminders_and_the_digest(browser: Any, served: Served) -> None:
    """The control beside the panes: the rep's stalled deals arrive as reminders in her DM (the demo
    people work round the clock), and the manager's digest with its chart in his."""
    explain = (served, "playground-scheduler-failure.png")
    async with open_page(browser, (1100, 900), explain=explain) as (page, _errors):
        await page.goto(f"{served.url}?as={MANAGER}&tab=dm")
        await page.locator("#run-scheduler").click()
        chart = page.locator("#messages img.file-image")
        await chart.first.wait_for()
        assert await page.locator("#messages", has_text="Pipeline by stage").count() == 1
        query = "SELECT kind, count(*) FROM notification WHERE status = 'sent' GROUP BY kind"
        for _ in range(300):  # the sender marks each row once Slack (and Teams) answered
            with sqlite3.connect(served.database) as db:
                sent = dict(db.execute(query).fetchall())
            if sent.get("digest", 0) >= 1 and sent.get("reminder", 0) >= 3:
                break
            await asyncio.sleep(0.1)
        assert sent.get("digest", 0) >= 1 and sent.get("reminder", 0) >= 3, sent  # three stalled at least
        await page.locator("#person").select_option(REP)
        await page.wait_for_function("document.body.dataset.user === 'U0DEMO1'")
        await page.locator("#messages", has_text="is stalled in").first.wait_for()


async def test_the_composer_waits_for_the_workspace(browser: Any, served: Served) -> None:
    """A command typed before the page knows the workspace is not dropped: the box takes text only then."""
    async with open_page(browser, (1100, 900)) as (page, _errors):
        held = asyncio.Event()

        async def hold_first_state(route: Any) -> None:
            await held.wait()
            await route.continue_()

        await page.route("**/playground/api/state?*", hold_first_state)
        await page.goto(f"{served.url}?as={REP}&tab=channel")
        composer = page.locator("#composer-input")
        assert await composer.is_disabled()
        typed = asyncio.create_task(composer.fill("/opp help"))
        await asyncio.sleep(0.5)
        assert not typed.done()  # Playwright, like a person, waits for the box to take text
        held.set()
        await typed
        await page.unroute("**/playground/api/state?*")
        await composer.press("Enter")
        await page.locator("#messages article.message.ephemeral", has_text="/opp").first.wait_for()
