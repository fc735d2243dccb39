"""App Home: my open opportunities, stalled first, page by page with their buttons; team pipeline."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.models.blocks import ActionsBlock, Block, DividerBlock
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from oppbot.adapters.slack.blocks import (
    button,
    esc,
    header,
    listing_blocks,
    pager_blocks,
    table_blocks,
    text_sections,
)
from oppbot.adapters.slack.identity import Who
from oppbot.adapters.slack.labels import label
from oppbot.adapters.slack.support import Acker, SlackDeps
from oppbot.replies.build import page_listing, pipeline_table
from oppbot.replies.i18n import t
from oppbot.replies.parts import msg

log = logging.getLogger(__name__)
# Items per page. Worst case: title + New + notice (3), team summary and its divider (9), two group
# headers, 2 blocks per item (50) and the pager (3): 67 of Block Kit's 100 blocks per view.
HOME_PAGE = 25
TEAM_CYCLES = 5
TEAM_BLOCKS = 8
PAGE_ACTIONS = re.compile(r"^home_page(_prev|_next)?$")  # bare `home_page`: views published before


async def home_view(deps: SlackDeps, who: Who, *, page: int = 0, notice: str | None = None) -> View:
    blocks: list[Block] = [header(label(who.locale, "home_title"))]
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
    team = await service.team_pipeline(actor)  # the service says who sees it
    if team is not None:
        summary = pipeline_table(team, title=msg("team_pipeline"), max_cycles=TEAM_CYCLES)
        blocks += [*table_blocks(summary, who.f, limit=TEAM_BLOCKS), DividerBlock()]
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
    doc = page_listing(listing, HOME_PAGE)
    blocks += listing_blocks(replace(doc, pager=None), who.f)
    if doc.pager is not None:  # set apart from the last item's buttons
        blocks += [DividerBlock(), *pager_blocks(doc.pager, who.f)]
    return View(type="home", blocks=blocks)


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
