"""The fake Slack Web API is the playground's stand-in (oppbot.playground.standin), shared with the tests."""

from oppbot.playground.standin import (
    FakeSlack,
    RecordedCall,
    SlackApiError,
)

__all__ = ["FakeSlack", "RecordedCall", "SlackApiError"]
