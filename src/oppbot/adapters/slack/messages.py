"""Every Reply as a Slack message (blocks + fallback text), paginated to stay within 50 blocks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock, HeaderBlock, SectionBlock

from oppbot.adapters.slack.blocks import (
    FALLBACK_TEXT,
    HEADER_TEXT,
    MESSAGE_BLOCKS,
    SECTION_TEXT,
    as_dicts,
    card_blocks,
    esc,
    esc_cut,
    mrkdwn,
    page_value,
    pager_blocks,
    plain,
    summary_blocks,
    text_sections,
)
from oppbot.replies.format import Formatter
from oppbot.replies.model import (
    CardReply,
    ContactsReply,
    CyclesReply,
    ErrorReply,
    HelpReply,
    HistoryReply,
    ListReply,
    PipelineReply,
    PreferencesReply,
    Reply,
    StatsReply,
    TextReply,
)
from oppbot.replies.text import preference_lines, preferences_title, render, stats_sections

LIST_PAGE = 20
HISTORY_PAGE = 25


@dataclass(frozen=True)
class Message:
    text: str
    blocks: list[dict[str, Any]]

    def kwargs(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}

    @classmethod
    def plain_text(cls, text: str) -> Message:
        """One sentence as one section (explanations, refusals), escaped: it may echo what was typed."""
        safe = esc_cut(text, SECTION_TEXT)
        return cls(safe, [{"type": "section", "text": {"type": "mrkdwn", "text": safe}}])


def _header(text: str) -> HeaderBlock:
    return HeaderBlock(text=plain(text, HEADER_TEXT))


def render_message(
    reply: Reply, f: Formatter, *, share: bool = False, source: str | None = None, page: int = 0
) -> Message:
    """`share` adds the "Share in channel" button to cards; `source` is the command text (for More)."""
    blocks = reply_blocks(reply, f, share=share, source=source, page=page)
    if len(blocks) > MESSAGE_BLOCKS:  # a builder broke Block Kit's limit: Slack would refuse it
        raise ValueError(f"{type(reply).__name__}: {len(blocks)} blocks > {MESSAGE_BLOCKS}")
    # The fallback text (notifications, screen readers) is mrkdwn too: user text in it is escaped.
    return Message(esc_cut(render(reply, f), FALLBACK_TEXT), as_dicts(blocks))


def reply_blocks(
    reply: Reply, f: Formatter, *, share: bool = False, source: str | None = None, page: int = 0
) -> list[Block]:
    match reply:
        case CardReply(view=view, notices=notices):
            return card_blocks(view, f, notices=notices, share=share)
        case ErrorReply(message=message, card=card):
            warn = text_sections([f":warning: {esc(message)}"])
            return warn + (card_blocks(card, f, share=share) if card else [])
        case TextReply(message=message):
            return text_sections([esc(message)])
        case ListReply(view=lv):
            blocks: list[Block] = [_header(f.t(lv.title_key, scope=lv.scope))]
            if not lv.items:
                return [*blocks, *text_sections([f.t("list_empty")])]
            start = min(page * LIST_PAGE, max(len(lv.items) - 1, 0))
            end = min(start + LIST_PAGE, len(lv.items))
            for item in lv.items[start:end]:
                blocks += summary_blocks(item, f)
            more = page_value(source, page + 1) if source else None
            blocks += pager_blocks(f, start, end, len(lv.items), more)
            if lv.truncated:
                blocks.append(
                    ContextBlock(
                        elements=[mrkdwn(f.t("list_truncated", count=len(lv.items), total=lv.total))]
                    )
                )
            return blocks
        case HistoryReply(view=hv):
            entries = hv.entries
            start = min(page * HISTORY_PAGE, max(len(entries) - 1, 0))
            end = min(start + HISTORY_PAGE, len(entries))
            lines = []
            for e in entries[start:end]:
                stage = f"{e.stage} {e.stage_description}" if e.stage is not None else (e.close_code or "")
                days = "" if e.active else f" · {e.days_open}d"
                lines.append(
                    f"`#{e.entry_no}` {f.date(e.date_of_change)} *{e.action_type.value}/"
                    f"{e.action_taken.value}* {esc(stage)} · {f.money(e.estimated_value)} · "
                    f"{f.pct(e.probability_pct)} · {f.money(e.calcd_current_value)}{days}"
                )
            blocks = [_header(f.t("history_title", no=hv.view.no)), *text_sections(lines)]
            more = page_value(source, page + 1) if source else None
            return blocks + pager_blocks(f, start, end, len(entries), more)
        case PipelineReply(view=pv):
            blocks = [_header(f.t("pipeline_title", scope=pv.scope))]
            if not pv.cycles:
                return [*blocks, *text_sections([f.t("pipeline_empty")])]
            for part in pv.cycles[: MESSAGE_BLOCKS - 3]:
                lines = [
                    f"*{esc(part.cycle.code)} {esc(part.cycle.description)}*: {part.figures.open} "
                    f"{f.t('open')} · {f.money(part.figures.pipeline_estimated_value)} · {f.t('weighted')} "
                    f"{f.money(part.figures.pipeline_calcd_value)}"
                ]
                for s in part.stages:
                    days = f" · {f.t('avg_days')} {s.avg_days}" if s.avg_days is not None else ""
                    lines.append(
                        f"   {s.stage} {esc(s.description)}: {s.open} · "
                        f"{f.money(s.pipeline_estimated_value)} · {f.money(s.pipeline_calcd_value)}{days}"
                    )
                blocks += text_sections(lines)[:1]
            total = pv.total
            blocks.append(
                SectionBlock(
                    text=mrkdwn(
                        f"*Σ* {total.open} {f.t('open')} · {f.money(total.pipeline_estimated_value)} · "
                        f"{f.t('weighted')} {f.money(total.pipeline_calcd_value)}"
                    )
                )
            )
            return blocks[:MESSAGE_BLOCKS]
        case StatsReply(view=sv):
            sections = stats_sections(sv, f)
            lines = []
            for i, section in enumerate(sections):
                if i:  # the first section's title is the header
                    lines.append(f"*{esc(section.title)}*")
                lines += [
                    f"*{esc(label)}*: " + " · ".join(esc(part) for part in parts)
                    for label, parts in section.rows
                ]
            return [_header(sections[0].title), *text_sections(lines)][:MESSAGE_BLOCKS]
        case CyclesReply(cycles=cycles):
            blocks = [_header(f.t("cycles_title"))]
            for c in cycles[: MESSAGE_BLOCKS - 1]:
                blocked = f" ({f.t('blocked')})" if c.blocked else ""
                lines = [f"*{esc(c.code)}* {esc(c.description)} · {c.probability_calculation.value}{blocked}"]
                for st in c.stages:
                    marks = ("Q" if st.quote_required else "") + ("S" if st.allow_skip else "")
                    lines.append(
                        f"   {st.stage} {esc(st.description)}: {st.completed_pct}/{st.chances_pct}"
                        + (f" [{marks}]" if marks else "")
                        + (f" {st.date_formula}" if st.date_formula else "")
                    )
                blocks += text_sections(lines)[:1]
            return blocks[:MESSAGE_BLOCKS]
        case ContactsReply(query=query, contacts=contacts):
            if not contacts:
                return text_sections([esc(f.t("contacts_empty", query=query))])
            lines = [
                f"`{c.no}` {esc(c.name)} ({c.type.value})" + (f" · {esc(c.email)}" if c.email else "")
                for c in contacts
            ]
            return [_header(f.t("contacts_title", query=query)), *text_sections(lines)][:MESSAGE_BLOCKS]
        case HelpReply(usage=usage):
            lines = [f"`{esc(line)}`" for _verb, line in usage]
            return [
                _header(f.t("help_title")),
                *text_sections(lines),
                ContextBlock(elements=[mrkdwn(esc(f.t("help_footer")))]),
            ]
        case PreferencesReply():
            # The plain-text lines, as sections: the settings reply has no Slack-only layout.
            lines = [esc(n) for n in reply.notices]
            lines += [f"*{esc(label)}*: {esc(value)}" for label, value in preference_lines(reply, f)]
            return [
                _header(preferences_title(reply, f)),
                *text_sections(lines),
                ContextBlock(elements=[mrkdwn(esc(f.t("settings_help")))]),
            ]
    raise AssertionError(f"unhandled reply {reply!r}")
