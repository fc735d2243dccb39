"""Loopback fakes for things that live outside this machine (Slack's servers, the Bot Framework).

The code lives in the package, where the playground runs it too (src/oppbot/playground/); these modules
re-export it under the names the tests have always used:
- ``slack_api.FakeSlack``: the Slack Web API stand-in + response_url endpoint on 127.0.0.1.
- ``slack_client.SlackRequestSender``: sends correctly signed Slack requests to our real HTTP server.
- ``loopback.LoopbackServer``: runs any aiohttp ``web.Application`` on a random free loopback port.
- ``teams_connector``: the Bot Framework stand-in (signing keys, token endpoint, Connector) on 127.0.0.1.
"""
