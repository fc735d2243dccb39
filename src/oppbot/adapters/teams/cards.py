"""The Teams renderer: a reply's document (replies.document) as one Adaptive Card 1.5, as plain JSON.

It only maps, as adapters.slack.blocks does for Block Kit: what a reply says and offers comes from
replies.build. Teams' own choices live here: card elements, `Action.Execute` verbs and data
(conventions.md, "Teams protocol details"), the 100 KB message limit, the refresh of channel cards.

Text a person typed travels in `TextRun`s, which Teams shows as typed (a `TextBlock` would read its
markdown). Every action is an `Action.Execute` whose `data` is `{"no", "version", "value"}`, `value`
being what replies.codec encodes (the same a Slack button carries); a stage to choose (jump) is an
`Input.ChoiceSet` whose id is `value`, so the chosen stage's value arrives in the same place.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from oppbot.replies.build import Paging, document
from oppbot.replies.codec import card_value, page_value, parse_card_value
from oppbot.replies.document import (
    Action,
    Card,
    Document,
    Error,
    Item,
    Listing,
    Note,
    Notice,
    Pager,
    Report,
    Row,
    Table,
)
from oppbot.replies.format import Formatter
from oppbot.replies.forms import LABELS
from oppbot.replies.model import Reply
from oppbot.replies.parts import Code, Inline, Phrase, msg
from oppbot.replies.text import progress_bar

SCHEMA_VERSION = "1.5"  # what Teams renders
MAX_BYTES = 100 * 1024  # Teams' limit for one message, measured on its UTF-16 text
REFRESH_USERS = 60  # Teams refreshes a card automatically for at most this many user ids
ACTIONS_PER_ROW = 5  # Teams shows at most 6 actions in a row; the rest would be cut
MAX_CHOICES = 100
LIST_PAGE = 20  # list items per card: far below the limit, and a readable page
HISTORY_PAGE = 25
DEFAULT_CURRENCY = "EUR"

# A document verb → the Action.Execute verb Teams sends back (conventions.md names `back`).
EXECUTE_VERBS = {"previous": "back"}
# And back: what the invoke handler maps a received verb to before running the grammar.
DOCUMENT_VERBS = {teams: verb for verb, teams in EXECUTE_VERBS.items()}
REFRESH_VERB = "refresh"


def card_bytes(card: dict[str, Any]) -> int:
    """A card's size as Teams counts it: its JSON text in UTF-16."""
    return len(json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode("utf-16-le"))


def execute_verb(verb: str) -> str:
    return EXECUTE_VERBS.get(verb, verb)


# --- text -----------------------------------------------------------------------------------------------
def runs(part: Inline | Phrase, f: Formatter, **style: Any) -> list[dict[str, Any]]:
    """A phrase as TextRuns in the reader's words: shown as typed, `Code` in monospace."""
    pieces = part if isinstance(part, tuple) else (part,)
    out: list[dict[str, Any]] = []
    plain: list[str] = []

    def flush() -> None:
        if plain and (text := "".join(plain)):
            out.append({"type": "TextRun", "text": text, **style})
        plain.clear()

    for piece in pieces:
        if isinstance(piece, Code):
            flush()
            out.append({"type": "TextRun", "text": piece.text, "fontType": "Monospace", **style})
        else:
            plain.append(f.say(piece))
    flush()
    return out


def rich(inlines: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"type": "RichTextBlock", "inlines": inlines or [{"type": "TextRun", "text": " "}], **extra}


def line(
    part: Inline | Phrase, f: Formatter, *, extra: dict[str, Any] | None = None, **style: Any
) -> dict[str, Any]:
    return rich(runs(part, f, **style), **(extra or {}))


def plain_line(text: str, **style: Any) -> dict[str, Any]:
    """A sentence already in the reader's words (an error message may echo what was typed)."""
    return rich([{"type": "TextRun", "text": text, **style}] if text else [])


def title_line(part: Inline | Phrase, f: Formatter) -> dict[str, Any]:
    return line(part, f, size="Large", weight="Bolder")


def subtle(part: Inline | Phrase, f: Formatter) -> dict[str, Any]:
    return line(part, f, isSubtle=True, size="Small")


# --- actions --------------------------------------------------------------------------------------------
def action_data(action: Action, no: str | None = None, version: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"value": action.value}
    if no is not None:
        data["no"] = no
    if version is not None:
        data["version"] = version
    return data


def execute(
    action: Action, f: Formatter, no: str | None = None, version: int | None = None
) -> dict[str, Any]:
    """One action as an Action.Execute; a stage to choose first opens a ChoiceSet (its id is `value`)."""
    title = f.say(action.label)
    if action.choices:
        data = {k: v for k, v in action_data(action, no, version).items() if k != "value"}
        choices = [{"title": f.say(c.label), "value": c.value} for c in action.choices[:MAX_CHOICES]]
        inner = {
            "type": "AdaptiveCard",
            "body": [
                {
                    "type": "Input.ChoiceSet",
                    "id": "value",
                    "choices": choices,
                    "value": choices[0]["value"],
                    "isRequired": True,
                    "errorMessage": f.t("form_required"),
                }
            ],
            "actions": [
                {
                    "type": "Action.Execute",
                    "title": f.t("card_go"),
                    "verb": execute_verb(action.verb),
                    "data": data,
                    "style": "positive",
                }
            ],
        }
        return {"type": "Action.ShowCard", "title": title, "card": inner}
    out: dict[str, Any] = {
        "type": "Action.Execute",
        "title": title,
        "verb": execute_verb(action.verb),
        "data": action_data(action, no, version),
    }
    if action.tone:
        out["style"] = "positive" if action.tone == "primary" else "destructive"
    return out


def action_sets(actions: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Actions in rows Teams shows whole."""
    return [
        {"type": "ActionSet", "actions": list(actions[i : i + ACTIONS_PER_ROW])}
        for i in range(0, len(actions), ACTIONS_PER_ROW)
    ]


def refresh_action(no: str, version: int) -> dict[str, Any]:
    return {
        "type": "Action.Execute",
        "verb": REFRESH_VERB,
        "data": {"no": no, "version": version, "value": card_value(no, version)},
    }


def without_refresh(card: dict[str, Any]) -> dict[str, Any]:
    """A card for a 1:1 chat: its one reader already sees their own actions, and a refresh would
    replace what the message says (a reminder's words) with the plain card."""
    return {k: v for k, v in card.items() if k != "refresh"}


def with_refresh(card: dict[str, Any], user_ids: Iterable[str]) -> dict[str, Any]:
    """A channel card that refreshes for each viewer (so each sees the actions they may take): Teams
    does that for at most 60 user ids; beyond, the card offers a Refresh action instead. A card
    without a `refresh` (not an opportunity's) is returned as it is."""
    out = dict(card)
    refresh = out.get("refresh")
    if not refresh:
        return out
    ids = list(dict.fromkeys(user_ids))
    if len(ids) <= REFRESH_USERS:
        out["refresh"] = {**refresh, "userIds": ids}
        return out
    del out["refresh"]
    label = Formatter(str(out.get("lang") or "en"), DEFAULT_CURRENCY).t("card_refresh")
    out["actions"] = [*out.get("actions", []), {**refresh["action"], "title": label}]
    return out


# --- the parts ------------------------------------------------------------------------------------------
def notice_lines(notices: Sequence[Notice], f: Formatter) -> list[dict[str, Any]]:
    return [rich(runs(("⚠ ", n.text), f, color="Warning") if n.warning else runs(n.text, f)) for n in notices]


def card_body(card: Card, f: Formatter) -> list[dict[str, Any]]:
    """Notices, the title, the fields as facts (the stage with its progress bar), the actions."""
    body = notice_lines(card.notices, f)
    body.append(title_line(card.title, f))
    facts = []
    for field in card.fields:
        value = f.say(field.value)
        if field.progress:
            value += " " + progress_bar(field.progress)
        facts.append({"title": f.say(field.label), "value": value})
    body.append({"type": "FactSet", "facts": facts})
    body += action_sets([execute(a, f, card.no, card.version) for a in card.actions])
    return body


def item_block(item: Item, f: Formatter) -> dict[str, Any]:
    """One opportunity's line with its Open button beside it, and its actions under it if any."""
    text = rich(runs(item.text, f, color="Attention") if item.stalled else runs(item.text, f))
    columns = [
        {"type": "Column", "width": "stretch", "items": [text]},
        {
            "type": "Column",
            "width": "auto",
            "items": [{"type": "ActionSet", "actions": [execute(item.open, f, item.no)]}],
        },
    ]
    block: dict[str, Any] = {"type": "ColumnSet", "columns": columns, "separator": True}
    if not item.actions:
        return block
    rows = action_sets([execute(a, f, item.no, parse_card_value(a.value)[1]) for a in item.actions])
    return {"type": "Container", "items": [block, *rows], "separator": True}


def pager_blocks(pager: Pager, f: Formatter) -> list[dict[str, Any]]:
    """`Showing 1–20 of 57`, and the actions to the pages around it."""
    showing = f.t("showing", start=pager.start + 1, end=pager.end, total=pager.total)
    blocks = [plain_line(showing, isSubtle=True, size="Small")]
    moves = [execute(a, f) for a in (pager.previous, pager.next) if a is not None]
    return blocks + action_sets(moves)


def row_block(row: Row, f: Formatter) -> dict[str, Any]:
    """`head: cell · cell`, a detail row under its group marked and not bold."""
    inlines: list[dict[str, Any]] = []
    if row.level:
        inlines.append({"type": "TextRun", "text": "– " * row.level})
    if row.head:
        inlines += runs(row.head, f, **({"weight": "Bolder"} if row.level == 0 else {}))
        inlines.append({"type": "TextRun", "text": ": "})
    for i, cell in enumerate(row.cells):
        if i:
            inlines.append({"type": "TextRun", "text": " · "})
        inlines += runs(cell, f)
    return rich(inlines, spacing="None" if row.level else "Small")


ELLIPSIS = {"type": "TextBlock", "text": "…", "isSubtle": True}


def new_card(body: list[dict[str, Any]], f: Formatter, **extra: Any) -> dict[str, Any]:
    return {"type": "AdaptiveCard", "version": SCHEMA_VERSION, "lang": f.lang, "body": body, **extra}


def fit(
    head: list[dict[str, Any]],
    middle: list[dict[str, Any]],
    tail: list[dict[str, Any]],
    f: Formatter,
    limit: int = MAX_BYTES,
    **extra: Any,
) -> dict[str, Any]:
    """The card within Teams' limit: all of `head` and `tail` (a total, a pager, a footnote) and as
    many of the `middle` elements as fit, then `…` where the rest was."""
    whole = new_card([*head, *middle, *tail], f, **extra)
    if card_bytes(whole) <= limit:
        return whole
    low, high = 0, len(middle)  # the most elements that fit lies in [low, high)
    while high - low > 1:
        mid = (low + high) // 2
        if card_bytes(new_card([*head, *middle[:mid], ELLIPSIS, *tail], f, **extra)) <= limit:
            low = mid
        else:
            high = mid
    return new_card([*head, *middle[:low], ELLIPSIS, *tail], f, **extra)


def listing_card(listing: Listing, f: Formatter) -> dict[str, Any]:
    head = [title_line(listing.title, f)] if listing.title else []
    if not listing.items:
        return new_card([*head, line(listing.empty, f)], f)
    middle: list[dict[str, Any]] = []
    for group in listing.groups:
        if group.title:
            middle.append(line(group.title, f, weight="Bolder", extra={"spacing": "Medium"}))
        middle += [item_block(i, f) for i in group.items]
    tail = pager_blocks(listing.pager, f) if listing.pager else []
    if listing.footnote:
        tail.append(subtle(listing.footnote, f))
    return fit(head, middle, tail, f)


def _size(element: dict[str, Any]) -> int:
    return card_bytes(element) + 2  # and the comma before it


def _pages(
    fixed: int, units: Sequence[list[dict[str, Any]]], opens: Sequence[bool], limit: int = MAX_BYTES
) -> list[tuple[int, int]]:
    """`units` (a row with its section's title when it opens one) packed into pages, each within
    `limit` beside `fixed` bytes of title, total, pager and footnote: (start, end) of each page. A
    page breaks before a row that `opens` a group (a cycle before its stages) where it can."""
    budget = limit - fixed
    costs = [sum(_size(e) for e in unit) for unit in units]
    pages: list[tuple[int, int]] = []
    start, size, group = 0, 0, 0
    for i, cost in enumerate(costs):
        if opens[i]:
            group = i
        if i > start and size + cost > budget:
            cut = group if start < group < i else i
            pages.append((start, cut))
            start, size = cut, sum(costs[cut:i])
        size += cost
    pages.append((start, len(units)))
    return pages


def table_card(table: Table, f: Formatter, *, source: str | None = None, page: int = 0) -> dict[str, Any]:
    """The title, each section's rows (the last section, a total, always shown), pager, footnote.
    Too long for one message and with the command's `source` known: a page of rows, and actions to
    the pages around it (a More action re-runs the command for its page); else cut with `…`."""
    head = [line(n, f) for n in table.notices] + [title_line(table.title, f)]
    if not table.sections and table.empty:
        head.append(line(table.empty, f))
    units: list[list[dict[str, Any]]] = []
    opens: list[bool] = []
    for s in table.sections:
        title = [line(s.title, f, weight="Bolder", extra={"spacing": "Medium"})] if s.title else []
        units += [[*(title if i == 0 else []), row_block(r, f)] for i, r in enumerate(s.rows)]
        opens += [i == 0 or r.level == 0 for i, r in enumerate(s.rows)]
        if not s.rows and title:
            units.append(title)
            opens.append(True)
    # A last section of one row is a total: it stays however many rows before it must go.
    total = len(table.sections) > 1 and len(table.sections[-1].rows) == 1
    kept, rows = (units[-1], units[:-1]) if total else ([], units)
    opens = opens[: len(rows)]
    footnote = [subtle(table.footnote, f)] if table.footnote else []
    pager = pager_blocks(table.pager, f) if table.pager else []
    middle = [e for unit in rows for e in unit]
    whole = new_card([*head, *middle, *kept, *pager, *footnote], f)
    if card_bytes(whole) <= MAX_BYTES or table.pager or source is None:
        return fit(head, middle, [*kept, *pager, *footnote], f)
    # Room for the fixed parts and the widest pager (both moves); the rows share what is left.
    widest = Pager(
        len(rows), len(rows), len(rows), _move(source, 0, "page_previous"), _move(source, 1, "more")
    )
    fixed = card_bytes(new_card([*head, *kept, *pager_blocks(widest, f), *footnote], f)) + 64
    pages = _pages(fixed, rows, opens)
    at = min(max(page, 0), len(pages) - 1)
    start, end = pages[at]
    previous = _move(source, at - 1, "page_previous") if at > 0 else None
    ahead = _move(source, at + 1, "more") if at + 1 < len(pages) else None
    moves = pager_blocks(Pager(start, end, len(rows), previous, ahead), f)
    return fit(head, [e for unit in rows[start:end] for e in unit], [*kept, *moves, *footnote], f)


def _move(source: str, page: int, label: str) -> Action | None:
    """An action to another page of a table: the command again (`more`), asking for that page."""
    value = page_value(source, page)
    return Action("more", msg(label), value) if value is not None else None


def opportunity_card(card: Card, f: Formatter, *, before: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """An opportunity's card; its `refresh` asks for the fresh card (with_refresh says for whom).
    Only a refusal echoing pages of text could make it too long: its last elements give way."""
    refresh = {"action": refresh_action(card.no, card.version)}
    return fit([], [*before, *card_body(card, f)], [], f, refresh=refresh)


def error_lines(error: Error, f: Formatter) -> list[dict[str, Any]]:
    """The refusal in the reader's words; the input it concerns named first when there is one."""
    inlines: list[dict[str, Any]] = []
    if error.field and error.field in LABELS:
        inlines += runs(msg(LABELS[error.field]), f, weight="Bolder", color="Attention")
        inlines.append({"type": "TextRun", "text": ": ", "color": "Attention"})
    inlines.append({"type": "TextRun", "text": "⚠ " + error.message, "color": "Attention"})
    return [rich(inlines)]


def report_card(report: Report, f: Formatter) -> dict[str, Any]:
    """The title, then each part as its own card would show it (its title, pager and footnote),
    separated; within the limit, the last parts' last elements give way first."""
    parts: list[dict[str, Any]] = []
    for part in report.parts:
        body = render_card(part, f)["body"]
        if body:
            parts += [{**body[0], "separator": True, "spacing": "Large"}, *body[1:]]
    return fit([title_line(report.title, f)], parts, [], f)


def render_card(doc: Document, f: Formatter, *, source: str | None = None, page: int = 0) -> dict[str, Any]:
    """Any document as one Adaptive Card 1.5 (a dict, ready to be an attachment's `content`).
    `source`, the command text, lets a table too long for one message come a page at a time."""
    match doc:
        case Card():
            return opportunity_card(doc, f)
        case Error(card=card):
            if card is not None:
                return opportunity_card(card, f, before=error_lines(doc, f))
            return new_card(error_lines(doc, f), f)
        case Note(text=text):
            return new_card([line(text, f)], f)
        case Listing():
            return listing_card(doc, f)
        case Table():
            return table_card(doc, f, source=source, page=page)
        case Report():
            return report_card(doc, f)
    raise AssertionError(f"unhandled document {doc!r}")


def document_card(doc: Document, locale: str, *, currency: str = DEFAULT_CURRENCY) -> dict[str, Any]:
    """Any reply document → one Adaptive Card 1.5 JSON dict for a reader of `locale` (amounts in
    `currency`, the one oppbot runs in: the service's). What exceeds Teams' limit is cut, with `…`."""
    return render_card(doc, Formatter(locale, currency))


def reply_card(
    reply: Reply,
    locale: str,
    *,
    currency: str = DEFAULT_CURRENCY,
    source: str | None = None,
    page: int = 0,
) -> dict[str, Any]:
    """A reply as Teams shows it: long lists, histories and tables a page at a time; `source` is the
    command text a More action runs again, `page` the page it asked for (replies.codec.page_value)."""
    paging = Paging(page=page, list_size=LIST_PAGE, history_size=HISTORY_PAGE, source=source)
    f = Formatter(locale, currency)
    return render_card(document(reply, paging), f, source=source, page=page)


def attachment(card: dict[str, Any]) -> dict[str, Any]:
    """A card as a Bot Framework attachment."""
    return {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
