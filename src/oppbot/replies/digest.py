"""A manager's digest as one document (a `Report`): what it says, in which order and words.

Every list is cut to its top items with a count of the rest and the command that shows them, so a
digest of 200 people and 20,000 opportunities is as long as one of three people: within a chat
message's limits on every surface. Renderers only lay it out.
"""

from __future__ import annotations

from dataclasses import replace

from oppbot.replies.build import pipeline_table
from oppbot.replies.codec import page_value
from oppbot.replies.document import Action, Note, Pager, Report, Row, Section, Table
from oppbot.replies.i18n import t
from oppbot.replies.parts import Amount, Code, Day, Msg, Phrase, msg
from oppbot.service.digests import TOP_CYCLES, DigestView, RepLine
from oppbot.store.digests import ADVANCED, KINDS, LOST, NEW, WON, Change, Sums

CHART_FILENAME = "pipeline.png"
# Characters of a description and of a close reason in a digest's line: ten lines fit one section.
DESCRIPTION = 60
REASON = 80


def _short(text: str | None, limit: int) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _what(no: str, description: str) -> Phrase:
    return (Code(no), " ", _short(description, DESCRIPTION))


def chart_title(view: DigestView) -> str:
    """The chart's title where a platform shows one (a file's title): the manager's set language."""
    return t(view.locale, "digest_chart_title")


def _command(view: DigestView, verb: str, *options: str) -> str:
    """A command over the digest's people (`list team`, `pipeline all`, …) that shows the rest.
    `stats` names the person for one's own and nobody for everyone (its grammar has no `mine`/`all`)."""
    scope = view.scope
    if verb == "stats":
        scope = {"all": "", "mine": view.manager.code}.get(scope, scope)
    return " ".join(word for word in (verb, scope, *options) if word)


def _summary(view: DigestView) -> Note:
    total = view.pipeline.total
    return Note(
        (
            msg(
                "digest_summary",
                open=msg("open_count", count=total.open),  # each count agrees with its own noun
                estimated=Amount(total.pipeline_estimated_value),
                weighted=Amount(total.pipeline_calcd_value),
                stalled=msg("digest_rep_stalled", count=view.stalled),
                closing=view.closing.count,
                people=msg("digest_people", count=view.people),
            ),
        )
    )


def _pipeline(view: DigestView) -> Table:
    table = pipeline_table(view.pipeline, title=msg("digest_pipeline_title"), max_cycles=TOP_CYCLES)
    if not view.pipeline.cycles:
        return table
    more = len(view.pipeline.cycles) - TOP_CYCLES
    key = "digest_pipeline_more" if more > 0 else "digest_pipeline_all"
    return replace(table, footnote=msg(key, count=more, command=_command(view, "pipeline")))


def _change_cells(view: DigestView, c: Change) -> tuple[Phrase, ...]:
    what = _what(c.no, c.description)
    if c.kind == NEW:
        stage = view.stage_label(c.sales_cycle_code, c.stage)
        where = (stage,) if stage else (msg(f"status_{c.status.value}"),)
        return what, where, (Amount(c.estimated_value),), (Day(c.day),), (c.salesperson_code,)
    if c.kind == ADVANCED:
        moved = f"{view.stage_label(c.sales_cycle_code, c.from_stage)} → "
        moved += view.stage_label(c.sales_cycle_code, c.stage)
        return what, (moved,), (Amount(c.estimated_value),), (Day(c.day),), (c.salesperson_code,)
    amount = c.calcd_current_value if c.kind == WON else c.estimated_value
    why: Phrase = (c.close_code or msg("none"),)
    if c.close_reason:
        why = (*why, ": ", _short(c.close_reason, REASON))
    return what, (Amount(amount),), why, (Day(c.day),), (c.salesperson_code,)


# What lists each kind's opportunities in full (the list's own order; won and lost of every period).
_REST = {NEW: (), ADVANCED: (), WON: ("status=won",), LOST: ("status=lost",)}


def _changes(view: DigestView) -> Table:
    title = msg("digest_changes_title", start=Day(view.start), end=Day(view.end))
    sections = []
    for kind in KINDS:
        sums: Sums = view.changes[kind]
        if not sums.count:
            continue
        amount = sums.calcd if kind == WON else sums.estimated
        rows = [Row(_change_cells(view, c)) for c in view.top_changes[kind]]
        rest = sums.count - len(rows)
        if rest > 0:
            command = _command(view, "list", *_REST[kind])
            rows.append(Row(((msg("digest_and_more", count=rest, command=command),),)))
        heading = msg(f"digest_{kind}", count=sums.count, amount=Amount(amount))
        sections.append(Section(tuple(rows), heading))
    return Table(title, tuple(sections), empty=msg("digest_no_changes"))


def _pager(shown: int, total: int, more: Action | None = None) -> Pager | None:
    return Pager(0, shown, total, next=more) if total > shown else None


def _stalled(view: DigestView) -> Table:
    rows = []
    for s in view.top_stalled:
        item, opp = s.item, s.opp
        rows.append(
            Row(
                (
                    _what(item.no, item.description),
                    (view.stage_label(item.sales_cycle_code, item.current_stage),),
                    (msg("stalled", days=item.days_overdue),),
                    (Amount(opp.estimated_value if opp else None),),
                    (item.salesperson_code,),
                )
            )
        )
    title = msg("digest_stalled_title", count=view.stalled)
    if not rows:
        return Table(title, (), empty=msg("digest_no_stalled"))
    command = _command(view, "list")
    # `list` puts the stalled first, most overdue first: the rest of this list, in the same order.
    value = page_value(command, 0)
    # `open`, not `more`: the whole list comes as a new reply, the digest stays as it was.
    more = Action("open", msg("digest_see_all"), value) if value else None
    footnote = msg("digest_stalled_more", command=command) if view.stalled > len(rows) else None
    pager = _pager(len(rows), view.stalled, more)
    return Table(title, (Section(tuple(rows)),), pager=pager, footnote=footnote)


def _closing(view: DigestView) -> Table:
    c = view.closing
    title = msg(
        "digest_closing_title",
        end=Day(view.month_end),
        count=c.count,
        amount=Amount(c.estimated),
        weighted=Amount(c.calcd),
    )
    rows = tuple(
        Row(
            (
                _what(x.no, x.description),
                (Day(x.estimated_close_date),),
                (Amount(x.estimated_value),),
                (msg("weighted"), " ", Amount(x.calcd_current_value)),
                (x.salesperson_code,),
            )
        )
        for x in view.top_closing
    )
    if not rows:
        return Table(title, (), empty=msg("digest_no_closing"))
    footnote = msg("digest_closing_more") if c.count > len(rows) else None
    return Table(title, (Section(rows),), pager=_pager(len(rows), c.count), footnote=footnote)


def _rep_cells(line: RepLine) -> tuple[Phrase, ...]:
    fig, ch = line.figures, line.changes
    return (
        (msg("open_count", count=fig.open),),
        (Amount(fig.pipeline_estimated_value),),
        (msg("weighted"), " ", Amount(fig.pipeline_calcd_value)),
        (msg("digest_rep_stalled", count=line.stalled),),
        (msg("digest_rep_closing", count=line.closing.count),),
        (
            msg(
                "digest_rep_changes",
                new=ch[NEW].count,
                advanced=ch[ADVANCED].count,
                won=ch[WON].count,
                lost=ch[LOST].count,
            ),
        ),
    )


def _reps(view: DigestView) -> Table:
    rows = tuple(
        Row(_rep_cells(line), head=(line.person.name, " (", line.person.code, ")")) for line in view.reps
    )
    more = view.people > len(rows)
    footnote = msg("digest_reps_more", command=_command(view, "stats")) if more else None
    return Table(msg("digest_reps_title"), (Section(rows),), pager=_pager(len(rows), view.people),
                 footnote=footnote)  # fmt: skip


def digest_document(view: DigestView) -> Report:
    """The digest: a one-line summary, the pipeline by stage, the changes of the period, the stalled
    opportunities, those closing this month, and one line per person (the largest pipelines first)."""
    title: Msg = msg(f"digest_title_{view.scope}", name=view.manager.name, date=Day(view.today))
    parts = (_summary(view), _pipeline(view), _changes(view), _stalled(view), _closing(view), _reps(view))
    return Report(title, parts)
