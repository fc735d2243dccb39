"""Signed Slack requests: the playground's sender (oppbot.playground.sender), shared with the tests."""

from oppbot.playground.sender import SlackRequestSender, SlackResponse, sign

__all__ = ["SlackRequestSender", "SlackResponse", "sign"]
