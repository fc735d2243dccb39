"""Every reply made into its document (replies.document): what it says, in what order, in which words.

The renderers (replies.text, adapters.slack, later Teams) only lay these out; nothing here knows a
surface. A surface with limits asks for pages (`Paging`): how many list items or history entries one
message holds, and the command text a "More" button runs again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from oppbot.domain.model import Contact, SalesCycle
from oppbot.domain.preferences import format_days
from oppbot.domain.statistics import Figures, SalespersonLedgerFigures
from oppbot.replies.codec import card_value, choice_value, page_value
from oppbot.replies.document import (
    Action,
    Card,
    Choice,
    Document,
    Error,
    Field,
    Group,
    Item,
    Listing,
    Note,
    Notice,
    Pager,
    Progress,
    Row,
    Section,
    Table,
)
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
from oppbot.replies.parts import Amount, Code, Day, Msg, Percent, Phrase, msg, phrase
from oppbot.service.views import (
    ActionResult,
    HistoryView,
    ListView,
    OpportunityView,
    PipelineView,
    StatsView,
)

# The way forward is primary; closing as lost is the one that can't be undone.
TONES = {"start": "primary", "next": "primary", "win": "primary", "lose": "danger"}


@dataclass(frozen=True)
class Paging:
    """How much of a long reply one message shows, and how to ask for the rest (None: everything)."""

    page: int = 0
    list_size: int | None = None
    history_size: int | None = None
    source: str | None = None  # the command text a "More" button runs again


WHOLE = Paging()  # everything in one reply (plain text has no limits)


# --- the card -------------------------------------------------------------------------------------------
def status(view: OpportunityView) -> Msg:
    return msg(f"status_{view.opp.status.value}")


def card_title(view: OpportunityView) -> Phrase:
    return (view.no, " · ", view.opp.description)


def stage_value(view: OpportunityView) -> Phrase:
    """`2 Presentation (2 of 4)`, or the status when there is no current stage."""
    if view.stage is None:
        return (status(view),)
    return (view.stage.label, " (", msg("stage_of", stage=view.stage_position, count=view.stage_count), ")")


def _named(name: str | None, code: str) -> Phrase:
    return (name, " (", code, ")") if name else (code,)


def card_fields(view: OpportunityView) -> tuple[Field, ...]:
    """The labelled fields of a card, in order."""
    o = view.opp
    none = msg("none")
    progress = Progress(view.stage_position, view.stage_count) if view.stage and view.stage_position else None
    fields = [
        Field(msg("contact"), _named(view.contact.name if view.contact else None, o.contact_no)),
        Field(msg("owner"), _named(view.owner.name if view.owner else None, o.salesperson_code)),
        Field(msg("stage"), stage_value(view), progress),
        Field(msg("status"), (status(view),)),
        Field(msg("estimated_value"), (Amount(o.estimated_value),)),
        Field(msg("probability"), (Percent(o.probability_pct),)),
        Field(msg("calcd_current_value"), (Amount(o.calcd_current_value),)),
        Field(msg("close_date"), (Day(o.estimated_close_date),)),
    ]
    if o.is_open:
        days = str(view.days_in_stage) if view.days_in_stage is not None else none
        stalled = (" ⚠ ", msg("stalled", days=view.days_overdue)) if view.days_overdue is not None else ()
        fields.append(Field(msg("days_in_stage"), phrase(days, stalled)))
    if o.quote_ref or view.quote_needed:
        fields.append(Field(msg("quote"), (o.quote_ref,) if o.quote_ref else ("⚠ ", none)))
    if o.closed:
        fields.append(Field(msg("closed_on"), (Day(o.date_closed),)))
        fields.append(Field(msg("close_code"), (o.close_code or none,)))
        if o.close_reason:
            fields.append(Field(msg("reason"), (o.close_reason,)))
    fields.append(Field(msg("last_change"), (Day(o.last_change_date or o.creation_date),)))
    return tuple(fields)


def card_actions(view: OpportunityView) -> tuple[Action, ...]:
    """What the opportunity allows now (view.offers), whoever reads the card: a click is authorized
    for the clicker when it arrives, and a refusal is told to them alone."""
    value = card_value(view.no, view.opp.version)
    actions: list[Action] = []
    for spec in view.offers:
        choices: tuple[Choice, ...] = ()
        if spec.target_required:
            stages = [view.cycle.stage(n) for n in spec.targets]
            choices = tuple(
                Choice((s.label,), card_value(view.no, view.opp.version, s.stage)) for s in stages if s
            )
            if not choices:
                continue
        if spec.options:  # snooze: how long
            choices = tuple(
                Choice((msg(f"snooze_{o}"),), choice_value(view.no, view.opp.version, o))
                for o in spec.options
            )
        actions.append(
            Action(spec.verb, msg(spec.label_key), value, spec.form, choices, TONES.get(spec.verb))
        )
    return tuple(actions)


def card_document(view: OpportunityView, notices: Sequence[Notice] = (), *, viewer: bool = False) -> Card:
    """An opportunity's card, the same for every reader (the live cards re-render this one).
    `viewer`: as the person the view was read for may act on it (a channel card refreshed for each
    viewer): no actions unless the service says they may change it."""
    return Card(
        no=view.no,
        version=view.opp.version,
        title=card_title(view),
        fields=card_fields(view),
        notices=tuple(notices),
        actions=card_actions(view) if view.may_change or not viewer else (),
    )


def notices_of(result: ActionResult) -> tuple[Notice, ...]:
    """What a change says about itself, above the fresh card."""
    view = result.view
    stage = view.stage.label if view.stage else ""
    if result.verb == "new":
        key = "created_started" if view.opp.current_stage else "created"
        notes = [Notice(msg(key, no=view.no, stage=stage))]
    elif result.verb == "quote":
        quote = view.opp.quote_ref
        notes = [Notice(msg("moved_quote" if quote else "moved_quote_cleared", no=view.no, quote=quote))]
    else:
        notes = [Notice(msg(f"moved_{result.verb}", no=view.no, stage=stage))]
    if result.overridden_chances is not None and result.entry is not None:
        given = result.overridden_chances
        notes.append(Notice(msg("chances_overridden", chances=result.entry.chances_pct, given=given)))
    if result.tasks:
        notes.append(Notice(msg("tasks_created", tasks=list(result.tasks))))
    return tuple(notes)


# --- lists ----------------------------------------------------------------------------------------------
def summary(view: OpportunityView) -> Phrase:
    """`OP000001 ⚠ Office chairs · 2 Presentation · €50,000.00 · 40 % · AH`."""
    o = view.opp
    stage = view.stage.label if view.stage else status(view)
    return (
        o.no, " ⚠" if view.stalled else "", " ", o.description, " · ", stage, " · ",
        Amount(o.estimated_value), " · ", Percent(o.probability_pct), " · ", o.salesperson_code,
    )  # fmt: skip


def item(view: OpportunityView, *, with_actions: bool = False) -> Item:
    """One line of a list: Open shows the card; `with_actions` adds the card's actions (App Home)."""
    open_card = Action("show", msg("action_show"), view.no)
    return Item(view.no, summary(view), view.stalled, open_card, card_actions(view) if with_actions else ())


def _window(count: int, page: int, size: int) -> tuple[int, int]:
    """The slice of `count` things page `page` shows (a page past the end shows the last thing)."""
    start = min(max(page, 0) * size, max(count - 1, 0))
    return start, min(start + size, count)


def _more(paging: Paging, start: int, end: int, count: int) -> Pager | None:
    """`Showing 1–20 of 57` and a More button (re-running the command) while there is more."""
    if start == 0 and end >= count:
        return None
    value = page_value(paging.source, paging.page + 1) if paging.source and end < count else None
    more = Action("more", msg("more"), value) if value is not None else None
    return Pager(start, end, count, next=more)


def list_document(lv: ListView, paging: Paging = WHOLE) -> Listing:
    title = msg(lv.title_key, scope=lv.scope)
    start, end = 0, len(lv.items)
    pager = None
    if paging.list_size:
        start, end = _window(len(lv.items), paging.page, paging.list_size)
        pager = _more(paging, start, end, len(lv.items))
    footnote = msg("list_truncated", count=len(lv.items), total=lv.total) if lv.truncated else None
    group = Group(None, tuple(item(v) for v in lv.items[start:end]))
    return Listing(title, (group,) if group.items else (), msg("list_empty"), pager, footnote)


def page_listing(lv: ListView, page_size: int) -> Listing:
    """One page of a person's open opportunities with their actions (App Home): the stalled ones
    under their own heading when there are any, then Previous/Next by page number."""
    groups: list[Group] = []
    for view in lv.items:
        if not groups or (lv.stalled and groups[-1].items[-1].stalled != view.stalled):
            title = None
            if lv.stalled:
                title = (
                    msg("list_stalled", count=lv.stalled)
                    if view.stalled
                    else msg("list_others", count=lv.total - lv.stalled)
                )
            groups.append(Group(title, ()))
        last = groups[-1]
        groups[-1] = Group(last.title, (*last.items, item(view, with_actions=True)))
    start, end = lv.offset, lv.offset + len(lv.items)
    pager = None
    if not (start == 0 and end >= lv.total):
        page = start // page_size
        back = Action("page_previous", msg("page_previous"), str(page - 1)) if page > 0 else None
        ahead = Action("page_next", msg("page_next"), str(page + 1)) if end < lv.total else None
        pager = Pager(start, end, lv.total, back, ahead)
    return Listing(None, tuple(groups), msg("list_empty"), pager)


# --- tables ---------------------------------------------------------------------------------------------
def history_table(hv: HistoryView, paging: Paging = WHOLE) -> Table:
    entries = hv.entries
    start, end = 0, len(entries)
    pager = None
    if paging.history_size:
        start, end = _window(len(entries), paging.page, paging.history_size)
        pager = _more(paging, start, end, len(entries))
    rows = []
    for e in entries[start:end]:
        stage = f"{e.stage} {e.stage_description}" if e.stage is not None else (e.close_code or "")
        what = phrase(
            Code(f"#{e.entry_no}"),
            " ",
            Day(e.date_of_change),
            f" {e.action_type.value}/{e.action_taken.value}",
            f" {stage}" if stage else None,
        )
        days = None if e.active else (f"{e.days_open}d",)
        cells = [what, (Amount(e.estimated_value),), (Percent(e.probability_pct),)]
        cells += [(Amount(e.calcd_current_value),), *([days] if days else [])]
        rows.append(Row(tuple(cells)))
    return Table(msg("history_title", no=hv.view.no), (Section(tuple(rows)),), pager=pager)


def _pipeline_cells(fig: Figures) -> tuple[Phrase, ...]:
    """`2 open · €70,000.00 · weighted €1,400.00`."""
    return (
        (msg("open_count", count=fig.open),),
        (Amount(fig.pipeline_estimated_value),),
        (msg("weighted"), " ", Amount(fig.pipeline_calcd_value)),
    )


def pipeline_table(pv: PipelineView, *, title: Msg | None = None, max_cycles: int | None = None) -> Table:
    """Per cycle its open figures and a row per stage (with BC's average days), then the total.
    App Home shows the team's with its own title and at most `max_cycles` cycles."""
    title = title or msg("pipeline_title", scope=pv.scope)
    if not pv.cycles:
        return Table(title, (), empty=msg("pipeline_empty"))
    sections = []
    for part in pv.cycles[:max_cycles]:
        rows = [Row(_pipeline_cells(part.figures), head=(part.cycle.code, " ", part.cycle.description))]
        for s in part.stages:
            cells: list[Phrase] = [
                (str(s.open),),
                (Amount(s.pipeline_estimated_value),),
                (Amount(s.pipeline_calcd_value),),
            ]
            if s.avg_days is not None:
                cells.append((msg("avg_days"), " ", str(s.avg_days)))
            rows.append(Row(tuple(cells), head=(str(s.stage), " ", s.description), level=1))
        sections.append(Section(tuple(rows)))
    total = _pipeline_cells(pv.total)
    sections.append(Section((Row((("Σ ", *total[0]), *total[1:])),)))
    return Table(title, tuple(sections))


def figure_cells(fig: Figures) -> tuple[Phrase, ...]:
    """oppbot's figures of one group (spec 6.2), in order."""
    none = msg("none")
    rate = f"{fig.win_rate_pct} %" if fig.win_rate_pct is not None else none
    days = str(fig.avg_days_to_close) if fig.avg_days_to_close is not None else none
    return (
        (
            msg("open_count", count=fig.open), ", ", msg("won_count", count=fig.won), ", ",
            msg("lost_count", count=fig.lost), ", ", msg("not_started_count", count=fig.not_started),
        ),  # each count agrees with its own adjective (1 aperta, 2 aperte)
        (msg("pipeline"), " ", Amount(fig.pipeline_estimated_value),
         " (", msg("weighted"), " ", Amount(fig.pipeline_calcd_value), ")"),
        (msg("avg_estimated_value"), " ", Amount(fig.avg_estimated_value),
         " (", msg("avg_calcd_value"), " ", Amount(fig.avg_calcd_value), ")"),
        (msg("won_value"), " ", Amount(fig.won_value)),
        (msg("win_rate"), " ", rate),
        (msg("avg_days_to_close"), " ", days),
    )  # fmt: skip


def ledger_cells(fig: SalespersonLedgerFigures) -> tuple[Phrase, ...]:
    """BC's Salesperson Statistics (spec 6.1), in BC's column order."""
    return (
        (msg("ledger_count", count=fig.count),),
        (msg("estimated"), " ", Amount(fig.estimated_value)),
        (msg("avg_estimated_value"), " ", Amount(fig.avg_estimated_value)),
        (msg("current_value"), " ", Amount(fig.calcd_current_value)),
        (msg("avg_calcd_value"), " ", Amount(fig.avg_calcd_current_value)),
    )


def stats_table(sv: StatsView) -> Table:
    """oppbot's figures overall, per cycle, per salesperson; then BC's ledger statistics."""
    groups = [sv.overall, *sv.by_cycle, *sv.by_salesperson]
    sections = [Section(tuple(Row(figure_cells(g), head=(g.label,)) for g in groups))]
    if sv.ledger:
        rows = tuple(Row(ledger_cells(x), head=(x.salesperson_code,)) for x in sv.ledger)
        sections.append(Section(rows, msg("stats_ledger_title")))
    return Table(msg("stats_title", scope=sv.scope), tuple(sections))


def cycles_table(cycles: Sequence[SalesCycle]) -> Table:
    """Each cycle, then its stages: completed/chances, [Q]uote required, [S]kip allowed, stall formula."""
    sections = []
    for c in cycles:
        how = phrase(c.probability_calculation.value, (" (", msg("blocked"), ")") if c.blocked else None)
        rows = [Row((how,), head=(c.code, " ", c.description))]
        for st in c.stages:
            marks = ("Q" if st.quote_required else "") + ("S" if st.allow_skip else "")
            figures = f"{st.completed_pct}/{st.chances_pct}" + (f" [{marks}]" if marks else "")
            figures += f" {st.date_formula}" if st.date_formula else ""
            rows.append(Row(((figures,),), head=(str(st.stage), " ", st.description), level=1))
        sections.append(Section(tuple(rows)))
    return Table(msg("cycles_title"), tuple(sections))


def contacts_document(query: str, contacts: Sequence[Contact]) -> Table | Note:
    if not contacts:
        return Note((msg("contacts_empty", query=query),))
    rows = tuple(
        Row(((Code(c.no), " ", c.name, f" ({c.type.value})"), *([(c.email,)] if c.email else [])))
        for c in contacts
    )
    return Table(msg("contacts_title", query=query), (Section(rows),))


def help_table(usage: Sequence[tuple[str, str]]) -> Table:
    rows = tuple(Row(((Code(line),),)) for _verb, line in usage)
    return Table(msg("help_title"), (Section(rows),), footnote=msg("help_footer"))


def preferences_table(reply: PreferencesReply) -> Table:
    """One's preferences, in order; a value nobody set says it is the default; what just changed first."""
    view, stored = reply.view, reply.view.stored
    hours = phrase(
        str(view.working_hours), (" (", msg("pref_any_time"), ")") if view.working_hours.any_time else None
    )
    values: dict[str, Phrase] = {
        "timezone": (reply.timezone,),
        "locale": (reply.locale,),
        "working_hours": hours,
        "working_days": (format_days(view.working_days),),
        "reminders": (msg("pref_on" if view.reminders else "pref_off"),),
        "digest": (str(view.digest),),
    }
    rows = tuple(
        Row(
            (
                phrase(
                    values[name], (" (", msg("pref_default"), ")") if getattr(stored, name) is None else None
                ),
            ),
            head=(msg(f"pref_{name}"),),
        )
        for name in reply.fields
    )
    title = msg("settings_title", name=view.person.name, code=view.person.code)
    notices = tuple((notice,) for notice in reply.notices)
    return Table(title, (Section(rows),), footnote=msg("settings_help"), notices=notices)


# --- every reply ----------------------------------------------------------------------------------------
def document(reply: Reply, paging: Paging = WHOLE) -> Document:
    """The reply's document; `paging` cuts long lists and histories for surfaces with limits."""
    match reply:
        case CardReply(view=view, notices=notices):
            return card_document(view, notices)
        case ErrorReply(code=code, message=message, card=card, field=field):
            return Error(code, message, field, card_document(card) if card else None)
        case TextReply(message=message):
            return Note((message,))
        case ListReply(view=lv):
            return list_document(lv, paging)
        case HistoryReply(view=hv):
            return history_table(hv, paging)
        case PipelineReply(view=pv):
            return pipeline_table(pv)
        case StatsReply(view=sv):
            return stats_table(sv)
        case CyclesReply(cycles=cycles):
            return cycles_table(cycles)
        case ContactsReply(query=query, contacts=contacts):
            return contacts_document(query, contacts)
        case HelpReply(usage=usage):
            return help_table(usage)
        case PreferencesReply():
            return preferences_table(reply)
    raise AssertionError(f"unhandled reply {reply!r}")
