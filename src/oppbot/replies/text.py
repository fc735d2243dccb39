"""Plain-text rendering of replies: the console adapter and notification fallbacks."""

from __future__ import annotations

from dataclasses import dataclass

from oppbot.domain.preferences import format_days
from oppbot.domain.statistics import Figures, SalespersonLedgerFigures
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
from oppbot.service.views import OpportunityView, StatsView

BAR_WIDTH = 10


def progress_bar(position: int | None, count: int) -> str:
    if not position or not count:
        return "░" * BAR_WIDTH
    filled = round(BAR_WIDTH * position / count)
    return "█" * filled + "░" * (BAR_WIDTH - filled)


def stage_line(view: OpportunityView, f: Formatter) -> str:
    """`2 Presentation (2 of 4) ████░░░░░░`, or the status when there is no current stage."""
    if view.stage is None:
        return f.t(f"status_{view.opp.status.value}")
    where = f.t("stage_of", stage=view.stage_position, count=view.stage_count)
    return f"{view.stage.label} ({where}) {progress_bar(view.stage_position, view.stage_count)}"


def card_fields(view: OpportunityView, f: Formatter) -> list[tuple[str, str]]:
    """The labelled fields of a card, in order, shared by every renderer."""
    o = view.opp
    fields = [
        (f.t("contact"), f"{view.contact.name} ({o.contact_no})" if view.contact else o.contact_no),
        (f.t("owner"), f"{view.owner.name} ({o.salesperson_code})" if view.owner else o.salesperson_code),
        (f.t("stage"), stage_line(view, f)),
        (f.t("status"), f.t(f"status_{o.status.value}")),
        (f.t("estimated_value"), f.money(o.estimated_value)),
        (f.t("probability"), f.pct(o.probability_pct)),
        (f.t("calcd_current_value"), f.money(o.calcd_current_value)),
        (f.t("close_date"), f.date(o.estimated_close_date)),
    ]
    if o.is_open:
        days = str(view.days_in_stage) if view.days_in_stage is not None else f.t("none")
        if view.days_overdue is not None:
            days += f" ⚠ {f.t('stalled', days=view.days_overdue)}"
        fields.append((f.t("days_in_stage"), days))
    if o.quote_ref or view.quote_needed:
        fields.append((f.t("quote"), o.quote_ref or "⚠ " + f.t("none")))
    if o.closed:
        fields.append((f.t("closed_on"), f.date(o.date_closed)))
        fields.append((f.t("close_code"), o.close_code or f.t("none")))
        if o.close_reason:
            fields.append((f.t("reason"), o.close_reason))
    fields.append((f.t("last_change"), f.date(o.last_change_date or o.creation_date)))
    return fields


def card_title(view: OpportunityView) -> str:
    return f"{view.no} · {view.opp.description}"


def render_card(view: OpportunityView, f: Formatter, notices: tuple[str, ...] = ()) -> str:
    lines = [*notices, card_title(view)]
    lines += [f"  {label}: {value}" for label, value in card_fields(view, f)]
    if view.actions:
        lines.append("  → " + " | ".join(view.actions))
    return "\n".join(lines)


def summary_line(view: OpportunityView, f: Formatter) -> str:
    o = view.opp
    flag = " ⚠" if view.stalled else ""
    stage = view.stage.label if view.stage else f.t(f"status_{o.status.value}")
    return (
        f"{o.no}{flag} {o.description} · {stage} · {f.money(o.estimated_value)} · "
        f"{f.pct(o.probability_pct)} · {o.salesperson_code}"
    )


@dataclass(frozen=True)
class StatsSection:
    """One block of `stats`: a title and, per group, its label and its figures (already formatted)."""

    title: str
    rows: list[tuple[str, list[str]]]


def figure_parts(fig: Figures, f: Formatter) -> list[str]:
    """oppbot's figures of one group (spec 6.2), in the order every renderer shows them."""
    none = f.t("none")
    rate = f"{fig.win_rate_pct} %" if fig.win_rate_pct is not None else none
    days = str(fig.avg_days_to_close) if fig.avg_days_to_close is not None else none
    return [
        f"{fig.open} {f.t('open')}, {fig.won} {f.t('won')}, {fig.lost} {f.t('lost')}, "
        f"{fig.not_started} {f.t('not_started')}",
        f"{f.t('pipeline')} {f.money(fig.pipeline_estimated_value)} "
        f"({f.t('weighted')} {f.money(fig.pipeline_calcd_value)})",
        f"{f.t('avg_estimated_value')} {f.money(fig.avg_estimated_value)} "
        f"({f.t('avg_calcd_value')} {f.money(fig.avg_calcd_value)})",
        f"{f.t('won_value')} {f.money(fig.won_value)}",
        f"{f.t('win_rate')} {rate}",
        f"{f.t('avg_days_to_close')} {days}",
    ]


def ledger_parts(fig: SalespersonLedgerFigures, f: Formatter) -> list[str]:
    """BC's Salesperson Statistics (spec 6.1), in BC's column order."""
    return [
        f.t("ledger_count", count=fig.count),
        f"{f.t('estimated')} {f.money(fig.estimated_value)}",
        f"{f.t('avg_estimated_value')} {f.money(fig.avg_estimated_value)}",
        f"{f.t('current_value')} {f.money(fig.calcd_current_value)}",
        f"{f.t('avg_calcd_value')} {f.money(fig.avg_calcd_current_value)}",
    ]


def stats_sections(view: StatsView, f: Formatter) -> list[StatsSection]:
    """What `stats` shows and in what order; renderers only lay it out."""
    groups = [view.overall, *view.by_cycle, *view.by_salesperson]
    sections = [
        StatsSection(f.t("stats_title", scope=view.scope), [(g.label, figure_parts(g, f)) for g in groups])
    ]
    if view.ledger:
        rows = [(x.salesperson_code, ledger_parts(x, f)) for x in view.ledger]
        sections.append(StatsSection(f.t("stats_ledger_title"), rows))
    return sections


def preference_lines(reply: PreferencesReply, f: Formatter) -> list[tuple[str, str]]:
    """(label, value) of each preference shown, in order, shared by every renderer; a value nobody
    set says it is the default."""
    view, stored = reply.view, reply.view.stored
    hours = str(view.working_hours)
    if view.working_hours.any_time:
        hours += f" ({f.t('pref_any_time')})"
    values = {
        "timezone": reply.timezone,
        "locale": reply.locale,
        "working_hours": hours,
        "working_days": format_days(view.working_days),
        "reminders": f.t("pref_on" if view.reminders else "pref_off"),
        "digest": str(view.digest),
    }
    lines = []
    for name in reply.fields:
        value = values[name]
        if getattr(stored, name) is None:
            value += f" ({f.t('pref_default')})"
        lines.append((f.t(f"pref_{name}"), value))
    return lines


def preferences_title(reply: PreferencesReply, f: Formatter) -> str:
    return f.t("settings_title", name=reply.view.person.name, code=reply.view.person.code)


def render(reply: Reply, f: Formatter) -> str:
    match reply:
        case CardReply(view=view, notices=notices):
            return render_card(view, f, notices)
        case ErrorReply(message=message, card=card):
            return message + ("\n" + render_card(card, f) if card else "")
        case TextReply(message=message):
            return message
        case ListReply(view=lv):
            title = f.t(lv.title_key, scope=lv.scope)
            if not lv.items:
                return f"{title}\n  {f.t('list_empty')}"
            lines = [title, *("  " + summary_line(v, f) for v in lv.items)]
            if lv.truncated:
                lines.append(f.t("list_truncated", count=len(lv.items), total=lv.total))
            return "\n".join(lines)
        case HistoryReply(view=hv):
            lines = [f.t("history_title", no=hv.view.no)]
            for e in hv.entries:
                stage = f"{e.stage} {e.stage_description}" if e.stage is not None else (e.close_code or "")
                lines.append(
                    f"  #{e.entry_no} {f.date(e.date_of_change)} "
                    f"{e.action_type.value}/{e.action_taken.value} "
                    f"{stage} · {f.money(e.estimated_value)} · {f.pct(e.probability_pct)} · "
                    f"{f.money(e.calcd_current_value)}" + ("" if e.active else f" · {e.days_open}d")
                )
            return "\n".join(lines)
        case PipelineReply(view=pv):
            if not pv.cycles:
                return f"{f.t('pipeline_title', scope=pv.scope)}\n  {f.t('pipeline_empty')}"
            lines = [f.t("pipeline_title", scope=pv.scope)]
            for part in pv.cycles:
                lines.append(
                    f"  {part.cycle.code} {part.cycle.description}: {part.figures.open} {f.t('open')} · "
                    f"{f.money(part.figures.pipeline_estimated_value)} · {f.t('weighted')} "
                    f"{f.money(part.figures.pipeline_calcd_value)}"
                )
                for s in part.stages:
                    days = f" · {f.t('avg_days')} {s.avg_days}" if s.avg_days is not None else ""
                    lines.append(
                        f"    {s.stage} {s.description}: {s.open} · {f.money(s.pipeline_estimated_value)} · "
                        f"{f.money(s.pipeline_calcd_value)}{days}"
                    )
            total = pv.total
            lines.append(
                f"  Σ {total.open} {f.t('open')} · {f.money(total.pipeline_estimated_value)} · "
                f"{f.t('weighted')} {f.money(total.pipeline_calcd_value)}"
            )
            return "\n".join(lines)
        case StatsReply(view=sv):
            lines = []
            for section in stats_sections(sv, f):
                lines.append(section.title)
                lines += [f"  {label}: " + " · ".join(parts) for label, parts in section.rows]
            return "\n".join(lines)
        case CyclesReply(cycles=cycles):
            lines = [f.t("cycles_title")]
            for c in cycles:
                blocked = f" ({f.t('blocked')})" if c.blocked else ""
                lines.append(f"  {c.code} {c.description} · {c.probability_calculation.value}{blocked}")
                for st in c.stages:
                    marks = ("Q" if st.quote_required else "") + ("S" if st.allow_skip else "")
                    lines.append(
                        f"    {st.stage} {st.description}: {st.completed_pct}/{st.chances_pct}"
                        + (f" [{marks}]" if marks else "")
                        + (f" {st.date_formula}" if st.date_formula else "")
                    )
            return "\n".join(lines)
        case ContactsReply(query=query, contacts=contacts):
            if not contacts:
                return f.t("contacts_empty", query=query)
            return "\n".join(
                [f.t("contacts_title", query=query)]
                + [
                    f"  {c.no} {c.name} ({c.type.value}){' · ' + c.email if c.email else ''}"
                    for c in contacts
                ]
            )
        case HelpReply(usage=usage):
            return "\n".join([f.t("help_title"), *(f"  {line}" for _verb, line in usage), f.t("help_footer")])
        case PreferencesReply():
            lines = [*reply.notices, preferences_title(reply, f)]
            lines += [f"  {label}: {value}" for label, value in preference_lines(reply, f)]
            return "\n".join([*lines, f.t("settings_help")])
    raise AssertionError(f"unhandled reply {reply!r}")
