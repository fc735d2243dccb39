"""Loopback fakes for things that live outside this machine (Slack's servers).

- ``slack_api.FakeSlack``: a fake Slack Web API + response_url endpoint on 127.0.0.1.
- ``slack_client.SlackRequestSender``: sends correctly signed Slack requests to our real HTTP server.
- ``loopback.LoopbackServer``: runs any aiohttp ``web.Application`` on a random free loopback port.
"""
