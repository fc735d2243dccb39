"""Chat-neutral command grammar: `parse(text, today=...)` turns what the user typed into a Command.

Pure Python: no chat platform, database or service imports, so every adapter (Slack, Teams,
console) shares exactly the same grammar and error messages.
"""

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
from oppbot.grammar.parser import MAX_LENGTH, OPTION_ALIASES, parse
from oppbot.grammar.usage import USAGE, VERB_ALIASES, VERBS
from oppbot.grammar.values import normalize_opportunity_no, parse_date, parse_money

__all__ = [
    "MAX_LENGTH",
    "OPTION_ALIASES",
    "USAGE",
    "VERBS",
    "VERB_ALIASES",
    "CloseOpportunity",
    "Command",
    "Contacts",
    "Cycles",
    "DigestSchedule",
    "Feed",
    "Help",
    "History",
    "Link",
    "ListOpportunities",
    "Move",
    "NewOpportunity",
    "ParseError",
    "Pipeline",
    "Reminders",
    "SetQuote",
    "Settings",
    "Show",
    "Snooze",
    "Stats",
    "normalize_opportunity_no",
    "parse",
    "parse_date",
    "parse_money",
]
