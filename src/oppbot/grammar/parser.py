"""parse(): chat text → Command. Pure: no I/O, no chat platform, no database."""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TypeVar

from oppbot.domain.errors import DomainError
from oppbot.domain.preferences import parse_reminders
from oppbot.grammar.commands import (
    CloseOpportunity,
    Command,
    Contacts,
    Cycles,
    DigestSchedule,
    Feed,
    Help,
    History,
    Link,
    ListOpportunities,
    Move,
    NewOpportunity,
    Pipeline,
    Reminders,
    SetQuote,
    Settings,
    Show,
    Snooze,
    Stats,
)
from oppbot.grammar.errors import ParseError
from oppbot.grammar.tokens import Token, normalize_text, tokenize
from oppbot.grammar.usage import VERB_ALIASES
from oppbot.grammar.values import (
    normalize_contact,
    normalize_opportunity_no,
    normalize_owner,
    normalize_user,
    parse_bool,
    parse_chances,
    parse_code,
    parse_date,
    parse_money,
    parse_priority,
    parse_stage,
    parse_status,
)

MAX_LENGTH = 2000
_T = TypeVar("_T")

# Every option spelling (English and Italian) → canonical key.
OPTION_ALIASES: dict[str, str] = {
    "value": "value", "valore": "value", "val": "value",
    "close": "close", "chiusura": "close", "close_date": "close", "closing": "close",
    "chances": "chances", "chance": "chances", "prob": "chances", "probability": "chances",
    "probabilità": "chances", "probabilita": "chances", "chances%": "chances",
    "cycle": "cycle", "ciclo": "cycle",
    "owner": "owner", "proprietario": "owner", "salesperson": "owner", "venditore": "owner",
    "priority": "priority", "priorità": "priority", "priorita": "priority", "prio": "priority",
    "start": "start", "avvia": "start",
    "stage": "stage", "fase": "stage",
    "to": "to",
    "status": "status", "stato": "status",
    "date": "date", "data": "date",
    "code": "code", "codice": "code",
    "amount": "amount", "importo": "amount",
    "reason": "reason", "motivo": "reason",
    "ref": "ref", "reference": "ref", "riferimento": "ref",
    "timezone": "timezone", "tz": "timezone", "zone": "timezone", "time_zone": "timezone",
    "fuso": "timezone", "fuso_orario": "timezone",
    "locale": "locale", "lang": "locale", "language": "locale", "lingua": "locale",
    "hours": "hours", "working_hours": "hours", "orario": "hours", "orari": "hours", "ore": "hours",
    "days": "days", "working_days": "days", "giorni": "days",
    "reminders": "reminders", "promemoria": "reminders",
    "digest": "digest", "riepilogo": "digest",
}  # fmt: skip

_MOVE_KEYS = frozenset({"value", "chances", "close", "date"})
# Options each verb accepts (canonical keys).
_VERB_OPTIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"value", "cycle", "close", "chances", "owner", "priority", "start"}),
    "list": frozenset({"stage", "status", "cycle"}),
    "start": _MOVE_KEYS,
    "next": _MOVE_KEYS,
    "previous": _MOVE_KEYS,
    "update": _MOVE_KEYS,
    "skip": _MOVE_KEYS | {"to", "stage"},
    "jump": _MOVE_KEYS | {"to", "stage"},
    "quote": frozenset({"ref"}),
    "win": frozenset({"code", "amount", "reason", "date"}),
    "lose": frozenset({"code", "amount", "reason", "date"}),
    "pipeline": frozenset({"owner"}),
    "stats": frozenset({"cycle", "owner"}),
    "feed": frozenset({"cycle", "owner"}),
    "settings": frozenset({"timezone", "locale", "hours", "days", "reminders", "digest"}),
}
# `settings` keys → the preference fields they change (domain.preferences.FIELDS).
_SETTINGS_FIELDS = {"hours": "working_hours", "days": "working_days"}
_NOW_WORDS = frozenset({"now", "ora", "adesso", "subito"})

_SCOPES = {
    "mine": "mine", "my": "mine", "me": "mine", "mie": "mine", "miei": "mine", "mio": "mine", "mia": "mine",
    "team": "team", "squadra": "team", "gruppo": "team",
    "all": "all", "tutti": "all", "tutte": "all", "everyone": "all", "tutto": "all",
}  # fmt: skip
_CLEAR_WORDS = frozenset({"clear", "-", "none", "remove", "nessuno", "nessuna", "cancella", "rimuovi"})
_HELP_WORDS = frozenset({"help", "?", "aiuto"})
# `/opp list` (Slack), `opp list` (Teams, the console) and `list` are one command.
_OPP_PREFIX_RE = re.compile(r"^/?opp(?:\s+|$)", re.IGNORECASE)


class _Args:
    """The tokens after the verb, split into positionals and validated options."""

    def __init__(self, verb: str, tokens: list[Token], currency: str | None = None) -> None:
        self.verb = verb
        self.currency = currency
        self.positional: list[Token] = [t for t in tokens if t.key is None]
        self.options: dict[str, Token] = {}
        allowed = _VERB_OPTIONS.get(verb, frozenset())
        for t in tokens:
            if t.key is None:
                continue
            canonical = OPTION_ALIASES.get(t.key)
            if canonical is None or canonical not in allowed:
                spellings = [k for k, v in OPTION_ALIASES.items() if v in allowed]
                close = difflib.get_close_matches(t.key, spellings, n=1, cutoff=0.6)
                raise ParseError(
                    "unknown_option",
                    {"key": t.key},
                    suggestion=OPTION_ALIASES[close[0]] if close else None,
                    verb=verb,
                )
            self.options[canonical] = t  # a repeated option: the last one wins, as in most CLIs

    def text(self, key: str) -> str | None:
        t = self.options.get(key)
        return None if t is None else t.value

    def get(self, key: str, convert: Callable[[str], _T]) -> _T | None:
        raw = self.text(key)
        if raw is None:
            return None
        if raw.strip() == "":
            raise ParseError("missing_argument", {"name": f"{key}="}, verb=self.verb)
        return convert(raw)

    def take_no(self) -> str:
        if not self.positional:
            raise ParseError("missing_opportunity_no", verb=self.verb)
        return normalize_opportunity_no(self.positional.pop(0).value)

    def no_more_positionals(self) -> None:
        if self.positional:
            raise ParseError("unexpected_argument", {"value": self.positional[0].value}, verb=self.verb)


def parse(text: str, *, today: datetime.date, locale: str = "en", currency: str | None = None) -> Command:
    """Parse one chat command. Raises ParseError (only) for anything it cannot accept.

    `currency` (the one oppbot runs in) makes the largest accepted amount exact in its minor unit.
    """
    if not isinstance(text, str):
        raise ParseError("unknown_command", {"word": repr(text)[:40]})
    if len(text) > MAX_LENGTH:
        raise ParseError("too_long", {"max": str(MAX_LENGTH)})
    s = normalize_text(text).strip()
    s = _OPP_PREFIX_RE.sub("", s, count=1).strip()
    if not s:
        return Help(None)
    word, rest = [*re.split(r"\s+", s, maxsplit=1), ""][:2]
    word = word.strip("\"'") or word
    verb = VERB_ALIASES.get(word.lower())
    if verb is None:
        close = difflib.get_close_matches(word.lower(), list(VERB_ALIASES), n=1, cutoff=0.6)
        raise ParseError("unknown_command", {"word": word}, suggestion=close[0] if close else None)
    if verb == "contacts":
        return Contacts(_strip_quotes(rest))
    tokens: list[Token] = []
    try:
        tokens = tokenize(rest)
        if (
            verb != "help"
            and len(tokens) == 1
            and not tokens[0].quoted
            and tokens[0].value.lower() in _HELP_WORDS
        ):
            return Help(verb)  # `new help`, `skip ?`
        return _PARSERS[verb](_Args(verb, tokens, currency), today, locale)
    except ParseError as exc:
        exc.verb = exc.verb or verb  # value parsers don't know the verb; its usage line is the best hint
        exc.no = exc.no or _named_opportunity(tokens)
        raise


def _named_opportunity(tokens: list[Token]) -> str | None:
    """The opportunity a refused command was about (its first word), so the refusal can name it."""
    first = tokens[0] if tokens else None
    if first is None or first.quoted or first.key is not None or not first.value.lower().startswith("op"):
        return None
    try:
        return normalize_opportunity_no(first.value)
    except ParseError:
        return None


def _strip_quotes(text: str) -> str:
    s = " ".join(text.split())
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "\"'":
        s = s[1:-1].strip()
    return s


# ---------------------------------------------------------------------------------------------- verbs


def _help(args: _Args, today: datetime.date, locale: str) -> Command:
    if not args.positional:
        return Help(None)
    word = args.positional[0].value.lower()
    return Help(VERB_ALIASES.get(word, word))


def _money(args: _Args, key: str, locale: str) -> Decimal | None:
    return args.get(key, lambda v: parse_money(v, locale, args.currency))


def _date(args: _Args, key: str, today: datetime.date, locale: str) -> datetime.date | None:
    return args.get(key, lambda v: parse_date(v, today, locale))


def _new(args: _Args, today: datetime.date, locale: str) -> Command:
    pos = args.positional
    if not pos:
        raise ParseError("missing_contact", verb="new")
    if pos[0].quoted:
        contact, rest = normalize_contact(pos[0].value, True), pos[1:]
    else:
        # An unquoted name runs up to the first quoted string: `new Rosa Bianchi "Chairs"`.
        first_quoted = next((i for i, t in enumerate(pos) if t.quoted), None)
        cut = first_quoted if first_quoted is not None and first_quoted > 1 else 1
        contact = normalize_contact(" ".join(t.value for t in pos[:cut]), False)
        rest = pos[cut:]
    if not contact:
        raise ParseError("missing_contact", verb="new")
    description = " ".join(" ".join(t.value for t in rest).split())
    if not description:
        raise ParseError("missing_description", verb="new")
    start = args.get("start", lambda v: parse_bool(v, "start"))
    return NewOpportunity(
        contact=contact,
        description=description,
        value=_money(args, "value", locale),
        cycle=args.get("cycle", lambda v: parse_code(v, "cycle")),
        close=_date(args, "close", today, locale),
        chances=args.get("chances", parse_chances),
        owner=args.get("owner", normalize_owner),
        priority=args.get("priority", parse_priority),
        start=True if start is None else start,
    )


def _scope(token: Token, verb: str, allowed: Iterable[str]) -> str:
    scope = _SCOPES.get(token.value.lower())
    if scope is None or scope not in allowed:
        close = difflib.get_close_matches(token.value.lower(), list(_SCOPES), n=1, cutoff=0.6)
        raise ParseError(
            "bad_scope", {"value": token.value}, suggestion=_SCOPES[close[0]] if close else None, verb=verb
        )
    return scope


def _list(args: _Args, today: datetime.date, locale: str) -> Command:
    scope = "mine"
    if args.positional:
        scope = _scope(args.positional.pop(0), "list", ("mine", "team", "all"))
    args.no_more_positionals()
    return ListOpportunities(
        scope=scope,
        stage=args.get("stage", parse_stage),
        status=args.get("status", parse_status),
        cycle=args.get("cycle", lambda v: parse_code(v, "cycle")),
    )


def _show(args: _Args, today: datetime.date, locale: str) -> Command:
    no = args.take_no()
    args.no_more_positionals()
    return Show(no)


def _history(args: _Args, today: datetime.date, locale: str) -> Command:
    no = args.take_no()
    args.no_more_positionals()
    return History(no)


def _move(args: _Args, today: datetime.date, locale: str) -> Command:
    no = args.take_no()
    to_stage = args.get("to", parse_stage)
    stage = args.get("stage", parse_stage)
    if to_stage is None:
        to_stage = stage
    if args.verb in ("skip", "jump") and args.positional and to_stage is None:
        # `jump OP1 2` and `skip OP1 to 3`: a bare stage number after the opportunity.
        if args.positional[0].value.lower() in ("to", "a") and len(args.positional) > 1:
            args.positional.pop(0)
        to_stage = parse_stage(args.positional.pop(0).value)
    args.no_more_positionals()
    return Move(
        action=args.verb,
        no=no,
        value=_money(args, "value", locale),
        chances=args.get("chances", parse_chances),
        close=_date(args, "close", today, locale),
        to_stage=to_stage,
        date=_date(args, "date", today, locale),
    )


def _quote(args: _Args, today: datetime.date, locale: str) -> Command:
    no = args.take_no()
    ref_token = args.options.get("ref")
    if ref_token is None:
        if not args.positional:
            raise ParseError("missing_argument", {"name": "reference"}, verb="quote")
        ref_token = args.positional.pop(0)
    args.no_more_positionals()
    ref = ref_token.value.strip()
    if (not ref_token.quoted and ref.lower() in _CLEAR_WORDS) or (ref_token.quoted and not ref):
        return SetQuote(no, None)
    if not ref:
        raise ParseError("missing_argument", {"name": "reference"}, verb="quote")
    return SetQuote(no, ref)


def _close(args: _Args, today: datetime.date, locale: str) -> Command:
    no = args.take_no()
    code = args.get("code", lambda v: parse_code(v, "close"))
    reason = args.text("reason")
    pos = args.positional
    # `lose OP1 PRICE "Too expensive"`: one bare word before the reason is the close code.
    if code is None and pos and not pos[0].quoted and (len(pos) == 1 or pos[1].quoted):
        code = parse_code(pos.pop(0).value, "close")
    if pos:
        extra = " ".join(t.value for t in pos)
        reason = extra if reason is None else f"{reason} {extra}"
    reason = " ".join(reason.split()) if reason is not None else None
    return CloseOpportunity(
        no=no,
        won=args.verb == "win",
        code=code,
        reason=reason or None,
        amount=_money(args, "amount", locale),
        date=_date(args, "date", today, locale),
    )


def _owner_scope(token: Token, verb: str) -> str:
    scope = _SCOPES.get(token.value.lower())
    if scope is not None:
        return scope
    try:
        return normalize_owner(token.value)
    except ParseError:
        raise ParseError("bad_scope", {"value": token.value}, verb=verb) from None


def _pipeline(args: _Args, today: datetime.date, locale: str) -> Command:
    owner = args.get("owner", normalize_owner)
    scope = owner or "mine"
    if args.positional:
        scope = _owner_scope(args.positional.pop(0), "pipeline")
    args.no_more_positionals()
    return Pipeline(scope)


def _stats(args: _Args, today: datetime.date, locale: str) -> Command:
    owner = args.get("owner", normalize_owner)
    team = False
    if args.positional:
        scope = _owner_scope(args.positional.pop(0), "stats")
        if scope == "all":
            raise ParseError("bad_scope", {"value": "all"}, suggestion="team", verb="stats")
        if scope == "team":
            team = True
        elif scope != "mine":
            owner = scope
    args.no_more_positionals()
    return Stats(cycle=args.get("cycle", lambda v: parse_code(v, "cycle")), owner=owner, team=team)


def _cycles(args: _Args, today: datetime.date, locale: str) -> Command:
    args.no_more_positionals()
    return Cycles()


def _link(args: _Args, today: datetime.date, locale: str) -> Command:
    if len(args.positional) < 2:
        raise ParseError("missing_argument", {"name": "@user CODE"}, verb="link")
    user_token, code_token = args.positional.pop(0), args.positional.pop(0)
    args.no_more_positionals()
    user = normalize_user(user_token.value) or user_token.value.strip()
    return Link(user=user, code=parse_code(code_token.value, "salesperson"))


_FEED_SWITCH = {"on": "on", "off": "off", "attiva": "on", "disattiva": "off", "stop": "off"}


def _feed(args: _Args, today: datetime.date, locale: str) -> Command:
    cycle = args.get("cycle", lambda v: parse_code(v, "cycle"))
    owner = args.get("owner", normalize_owner)
    if not args.positional:
        if cycle or owner:  # `feed cycle=NEW` means turning it on
            return Feed("on", None, cycle, owner)
        return Feed("list")
    word = args.positional.pop(0).value.lower()
    action = _FEED_SWITCH.get(word)
    if action is None:
        raise ParseError("bad_feed", {"value": word}, verb="feed")
    scope = None
    if action == "on" and args.positional:
        scope = _SCOPES.get(args.positional.pop(0).value.lower())
        if scope not in ("team", "all"):
            raise ParseError("bad_feed", {"value": str(scope)}, verb="feed")
    args.no_more_positionals()
    if action == "off" and (cycle or owner):
        raise ParseError("unknown_option", {"key": "cycle" if cycle else "owner"}, verb="feed")
    return Feed(action, scope if action == "on" else None, cycle, owner)


def _settings(args: _Args, today: datetime.date, locale: str) -> Command:
    """Values stay as typed: domain.preferences checks them, for chat and set-up file alike."""
    args.no_more_positionals()
    changes = []
    for key in args.options:
        value = args.get(key, str)  # an empty `key=` is refused here, naming the key
        changes.append((_SETTINGS_FIELDS.get(key, key), value or ""))
    return Settings(tuple(changes))


def _reminders(args: _Args, today: datetime.date, locale: str) -> Command:
    if not args.positional:
        return Reminders(None)
    word = args.positional.pop(0).value
    args.no_more_positionals()
    try:
        return Reminders(parse_reminders(word))
    except DomainError:
        raise ParseError("bad_on_off", {"value": word}, verb="reminders") from None


def _digest(args: _Args, today: datetime.date, locale: str) -> Command:
    words = [t.value for t in args.positional]
    if not words:
        return DigestSchedule(None)
    if len(words) == 1 and words[0].lower() in _NOW_WORDS:
        return DigestSchedule(None, now=True)
    return DigestSchedule(" ".join(words))


_SNOOZE_WORDS = {"1d": "1d", "3d": "3d", "1w": "1w", "1g": "1d", "3g": "3d", "1s": "1w", "7d": "1w"}


def _snooze(args: _Args, today: datetime.date, locale: str) -> Command:
    no = args.take_no()
    if not args.positional:
        return Snooze(no)
    word = args.positional.pop(0).value
    args.no_more_positionals()
    duration = _SNOOZE_WORDS.get(word.strip().lower())
    if duration is None:
        raise ParseError("bad_snooze", {"value": word}, verb="snooze")
    return Snooze(no, duration)


_PARSERS: dict[str, Callable[[_Args, datetime.date, str], Command]] = {
    "help": _help,
    "new": _new,
    "list": _list,
    "show": _show,
    "start": _move,
    "next": _move,
    "previous": _move,
    "skip": _move,
    "jump": _move,
    "update": _move,
    "quote": _quote,
    "win": _close,
    "lose": _close,
    "pipeline": _pipeline,
    "stats": _stats,
    "cycles": _cycles,
    "history": _history,
    "link": _link,
    "feed": _feed,
    "settings": _settings,
    "reminders": _reminders,
    "digest": _digest,
    "snooze": _snooze,
}
