"""Channel feeds as values: where a feed posts, and which opportunities it follows."""

from __future__ import annotations

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
