"""App Home: my open opportunities, stalled first, page by page with their buttons; team pipeline."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    SectionBlock,
)
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from oppbot.adapters.slack.blocks import (
    HEADER_TEXT,
    button,
    esc,
    mrkdwn,
    plain,
    summary_blocks,
    text_sections,
)
from oppbot.adapters.slack.identity import Who
from oppbot.adapters.slack.labels import label
from oppbot.adapters.slack.support import Acker, SlackDeps
from oppbot.domain.enums import Role
from oppbot.domain.model import Salesperson
from oppbot.replies.i18n import t
from oppbot.service.views import ListView

log = logging.getLogger(__name__)
# Items per page. Worst case: title + New + notice (3), team summary (8), two section headers, 2 blocks
# per item (50) and the pager (3): 66 of Block Kit's 100 blocks per view.
HOME_PAGE = 25
TEAM_CYCLES = 5
PAGE_ACTIONS = re.compile(r"^home_page(_prev|_next)?$")  # bare `home_page`: views published before


async def home_view(deps: SlackDeps, who: Who, *, page: int = 0, notice: str | None = None) -> View:
    blocks: list[Block] = [HeaderBlock(text=plain(label(who.locale, "home_title"), HEADER_TEXT))]
    blocks.append(
        ActionsBlock(
            block_id="home_top",
            elements=[button(label(who.locale, "home_new"), "home_new", "new", "primary")],
        )
    )
    if notice:
        blocks += text_sections([esc(notice)], block_prefix="notice")[:1]
    actor = who.actor
    if actor is None:
        blocks += text_sections([esc(t(who.locale, "not_linked"))])
        return View(type="home", blocks=blocks)
    service = deps.runtime.service
    if actor.role in (Role.MANAGER, Role.ADMIN) and service.widest_scope(actor) != "mine":
        blocks += await _team_summary(deps, who, actor)
    page = max(page, 0)
    # The service orders (stalled first, most overdue first) and pages; this only lays the page out.
    listing = await service.list_opportunities(
        actor, scope="mine", tz=who.tz, offset=page * HOME_PAGE, limit=HOME_PAGE
    )
    if not listing.items and listing.total:  # a page past the end (the list shrank): the last one
        page = (listing.total - 1) // HOME_PAGE
        listing = await service.list_opportunities(
            actor, scope="mine", tz=who.tz, offset=page * HOME_PAGE, limit=HOME_PAGE
        )
    if not listing.items:
        blocks += text_sections([label(who.locale, "home_empty")])
        return View(type="home", blocks=blocks)
    blocks += _page_blocks(listing, who)
    return View(type="home", blocks=blocks)


def _page_blocks(listing: ListView, who: Who) -> list[Block]:
    """The page's items under "Stalled" / "The others" headers, then where it is and the pager."""
    blocks: list[Block] = []
    section: bool | None = None
    for item in listing.items:
        if listing.stalled and item.stalled != section:
            section = item.stalled
            title = (
                label(who.locale, "home_stalled", count=listing.stalled)
                if item.stalled
                else label(who.locale, "home_others", count=listing.total - listing.stalled)
            )
            blocks.append(SectionBlock(text=mrkdwn(f"*{esc(title)}*"), block_id=f"group:{int(item.stalled)}"))
        blocks += summary_blocks(item, who.f, with_actions=True)
    start, end = listing.offset, listing.offset + len(listing.items)
    if start == 0 and end >= listing.total:
        return blocks
    page = start // HOME_PAGE
    blocks.append(DividerBlock())
    showing = label(who.locale, "showing", start=start + 1, end=end, total=listing.total)
    blocks.append(ContextBlock(elements=[mrkdwn(showing)]))
    nav = []
    if page > 0:
        nav.append(button(label(who.locale, "previous"), "home_page_prev", str(page - 1)))
    if end < listing.total:
        nav.append(button(label(who.locale, "next"), "home_page_next", str(page + 1)))
    blocks.append(ActionsBlock(block_id="home_pages", elements=nav))
    return blocks


async def _team_summary(deps: SlackDeps, who: Who, actor: Salesperson) -> list[Block]:
    f = who.f
    pipeline = await deps.runtime.service.pipeline(actor, "team")
    blocks: list[Block] = [HeaderBlock(text=plain(label(who.locale, "home_team"), HEADER_TEXT))]
    for part in pipeline.cycles[:TEAM_CYCLES]:
        lines = [
            f"*{esc(part.cycle.code)}* {esc(part.cycle.description)}: {part.figures.open} {f.t('open')} · "
            f"{f.money(part.figures.pipeline_estimated_value)} · {f.t('weighted')} "
            f"{f.money(part.figures.pipeline_calcd_value)}"
        ]
        lines += [
            f"   {s.stage} {esc(s.description)}: {s.open} · {f.money(s.pipeline_estimated_value)}"
            for s in part.stages
        ]
        blocks += text_sections(lines)[:1]
    total = pipeline.total
    blocks.append(
        ContextBlock(
            elements=[
                mrkdwn(
                    f"Σ {total.open} {f.t('open')} · {f.money(total.pipeline_estimated_value)} · "
                    f"{f.t('weighted')} {f.money(total.pipeline_calcd_value)}"
                )
            ]
        )
    )
    blocks.append(DividerBlock())
    return blocks


async def publish_home(
    deps: SlackDeps, client: AsyncWebClient, who: Who, *, page: int = 0, notice: str | None = None
) -> None:
    view = await home_view(deps, who, page=page, notice=notice)
    await client.views_publish(user_id=who.user_id, view=view.to_dict())


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.event("app_home_opened")
    async def home_opened(event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home":
            return

        async def work(_acked: Acker) -> None:
            team = str(body.get("team_id") or event.get("view", {}).get("team_id") or "")
            who = await deps.identities.who(client, team, str(event.get("user")))
            await publish_home(deps, client, who)

        # Events are acknowledged by Bolt on arrival; opening the Home tab changes nothing.
        await deps.handle("app_home_opened", None, body, client, work)

    @app.action(PAGE_ACTIONS)
    async def home_page(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        async def work(_acked: Acker) -> None:
            who = await deps.who(client, body)
            value = str(action.get("value") or "0")
            page = int(value) if value.isdigit() and len(value) < 7 else 0
            await publish_home(deps, client, who, page=page)

        await deps.handle("home_page", ack, body, client, work)
