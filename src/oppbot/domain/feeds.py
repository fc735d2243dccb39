"""Channel feeds as values: where a feed posts, and which opportunities it follows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Where:
    """A chat channel: the platform, its workspace (Slack team, Teams tenant) and the channel id."""

    platform: str
    team_id: str
    channel: str


@dataclass(frozen=True)
class FeedRule:
    where: Where
    kind: str  # team | all | cycle | owner
    value: str
    locale: str


def feeds_for(rules: Iterable[FeedRule], cycle: str, owner: str, manager: str | None) -> list[FeedRule]:
    """The feeds a change of an opportunity of `cycle` owned by `owner` (reporting to `manager`) goes
    to, each channel once (a channel with two matching feeds gets the change once), in `rules`' order."""
    team = (owner, manager) if manager else (owner,)
    found: dict[Where, FeedRule] = {}
    for rule in rules:
        if (
            rule.kind == "all"
            or (rule.kind == "cycle" and rule.value == cycle)
            or (rule.kind == "owner" and rule.value == owner)
            or (rule.kind == "team" and rule.value in team)
        ):
            found.setdefault(rule.where, rule)
    return list(found.values())
