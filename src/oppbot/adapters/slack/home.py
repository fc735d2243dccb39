"""App Home: my open opportunities grouped by stage (stalled first) with their buttons; team pipeline."""

from __future__ import annotations

import logging
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
    VIEW_BLOCKS,
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
from oppbot.replies.i18n import t
from oppbot.service.views import OpportunityView

log = logging.getLogger(__name__)
HOME_PAGE = 25  # items per page: ≤ 2 blocks each + group headers + the top stay under 100 blocks
TEAM_CYCLES = 5


def _group_key(view: OpportunityView) -> tuple[int, str, int]:
    if view.stage is None:
        return (1, "", 0)
    return (0, view.cycle.code, view.stage.stage)


def _group_title(view: OpportunityView, who: Who) -> str:
    if view.stage is None:
        return label(who.locale, "stage_none")
    where = who.f.t("stage_of", stage=view.stage_position, count=view.stage_count)
    return f"{view.cycle.code} · {view.stage.label} ({where})"


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
    if who.actor is None:
        blocks += text_sections([esc(t(who.locale, "not_linked"))])
        return View(type="home", blocks=blocks)
    service = deps.runtime.service
    if who.actor.role in (Role.MANAGER, Role.ADMIN):
        blocks += await _team_summary(deps, who)
    listing = await service.list_opportunities(who.actor, scope="mine", tz=who.tz)
    # Grouped by stage; the sort is stable, so each group keeps the service's order (stalled first).
    items = sorted(listing.items, key=_group_key)
    if not items:
        blocks += text_sections([label(who.locale, "home_empty")])
        return View(type="home", blocks=blocks)
    pages = max((len(items) - 1) // HOME_PAGE + 1, 1)
    page = min(max(page, 0), pages - 1)
    start, end = page * HOME_PAGE, min((page + 1) * HOME_PAGE, len(items))
    current: tuple[int, str, int] | None = None
    for item in items[start:end]:
        if _group_key(item) != current:
            current = _group_key(item)
            blocks.append(SectionBlock(text=mrkdwn(f"*{esc(_group_title(item, who))}*")))
        blocks += summary_blocks(item, who.f, with_actions=True)
    if pages > 1:
        blocks.append(DividerBlock())
        showing = label(who.locale, "showing", start=start + 1, end=end, total=len(items))
        blocks.append(ContextBlock(elements=[mrkdwn(showing)]))
        nav = []
        if page > 0:
            nav.append(button("←", "home_page", str(page - 1)))
        if end < len(items):
            nav.append(button(label(who.locale, "more"), "home_page", str(page + 1)))
        blocks.append(ActionsBlock(block_id="home_pages", elements=nav))
    assert len(blocks) <= VIEW_BLOCKS, len(blocks)
    return View(type="home", blocks=blocks)


async def _team_summary(deps: SlackDeps, who: Who) -> list[Block]:
    assert who.actor is not None
    f = who.f
    pipeline = await deps.runtime.service.pipeline(who.actor, "team")
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

    @app.action("home_page")
    async def home_page(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        async def work(_acked: Acker) -> None:
            who = await deps.who(client, body)
            page = int(action.get("value") or 0) if str(action.get("value") or "0").isdigit() else 0
            await publish_home(deps, client, who, page=page)

        await deps.handle("home_page", ack, body, client, work)
