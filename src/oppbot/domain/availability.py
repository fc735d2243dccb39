"""What a card offers now: the verbs that can succeed, by the same rules the actions check."""

from __future__ import annotations

from oppbot.domain.enums import OpportunityStatus
from oppbot.domain.model import Opportunity, SalesCycle


def available_actions(opp: Opportunity, cycle: SalesCycle) -> tuple[str, ...]:
    """The verbs that can succeed now (what a card offers as buttons), in display order."""
    if opp.closed:
        return ()
    if opp.status == OpportunityStatus.NOT_STARTED:
        return ("start",) if cycle.stages else ()
    cur = opp.current_stage or 0
    verbs: list[str] = []
    if cycle.next_stage(cur) is not None:
        verbs.append("next")
    if cycle.previous_stage(cur) is not None:
        verbs.append("previous")
    if cycle.can_skip(cur):
        verbs.append("skip")
    if cycle.can_jump(cur):
        verbs.append("jump")
    verbs += ["update", "quote", "win", "lose"]
    return tuple(verbs)


def quote_needed(opp: Opportunity, cycle: SalesCycle) -> bool:
    """The next stage needs a quote and there is none yet: the card offers "Set quote"."""
    nxt = cycle.next_stage(opp.current_stage or 0) if opp.is_open else None
    return bool(nxt and nxt.quote_required and not opp.quote_ref)


def offered_actions(opp: Opportunity, cycle: SalesCycle) -> tuple[str, ...]:
    """What a card offers, whoever reads it: the verbs that can succeed now, "quote" only while the
    next stage needs one (a quote can be set any time by command; the card offers it when it matters)."""
    needed = quote_needed(opp, cycle)
    return tuple(v for v in available_actions(opp, cycle) if v != "quote" or needed)


def stage_targets(opp: Opportunity, cycle: SalesCycle, verb: str) -> tuple[int, ...]:
    """The stages `skip` or `jump` may go to now (none for the other verbs)."""
    cur = opp.current_stage or 0
    if verb == "skip":
        return tuple(s.stage for s in cycle.skip_targets(cur))
    if verb == "jump":
        return tuple(s.stage for s in cycle.jump_targets(cur))
    return ()
