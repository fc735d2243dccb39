"""The words of channel feeds: what a feed follows, and the one line a change becomes in a channel."""

from __future__ import annotations

from oppbot.domain.events import ChangeEvent
from oppbot.domain.feeds import FeedRule
from oppbot.replies.format import Formatter
from oppbot.service.views import OpportunityView

MOVES = frozenset({"next", "previous", "skip", "jump"})


def feed_subject(rule: FeedRule, f: Formatter, names: dict[str, str]) -> str:
    """`the team of Jim Olive`, `sales cycle NEW`, …"""
    return f.t(f"feed_kind_{rule.kind}", value=rule.value, name=names.get(rule.value, rule.value))


def feed_list(rules: list[FeedRule], f: Formatter, names: dict[str, str]) -> str:
    if not rules:
        return f.t("feed_none")
    return "\n".join([f.t("feed_title"), *(f"  • {feed_subject(r, f, names)}" for r in rules)])


def feed_line(event: ChangeEvent, view: OpportunityView, who: str, f: Formatter) -> str:
    """One change as a channel reads it: the opportunity, what happened, its value, who did it."""
    opp = view.opp
    stage = view.stage
    if event.verb in MOVES:
        what = f.t("feed_moved", stage=opp.current_stage, stage_name=stage.description if stage else "")
    elif event.verb == "start":
        what = f.t("feed_start", stage=opp.current_stage)
    else:
        what = f.t(f"feed_{event.verb}")
        if event.verb in ("win", "lose") and opp.close_reason:
            what = f.t("feed_reason", what=what, reason=opp.close_reason)
    value = f.money(opp.estimated_value)
    return f.t("feed_line", no=opp.no, description=opp.description, what=what.strip(), value=value, who=who)
