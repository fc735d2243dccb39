"""Figure 1's baseline: a bare slack-bolt AsyncApp on aiohttp whose /opp and button handlers only ack.

Mounted exactly like oppbot's Slack adapter (`to_bolt_request` → `async_dispatch` →
`to_aiohttp_response` on POST /slack/events), with a bot token and the same Web API base URL, so the
difference to `oppbot serve` is the work oppbot does, not the stack.
"""

from __future__ import annotations

import argparse
import re

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient


def build(signing_secret: str, token: str, api_url: str) -> web.Application:
    bolt = AsyncApp(signing_secret=signing_secret, client=AsyncWebClient(token=token, base_url=api_url))

    @bolt.command("/opp")
    async def opp(ack: AsyncAck) -> None:
        await ack()

    @bolt.action(re.compile(r"^opp_(start|next|previous|skip|jump)$"))
    async def move(ack: AsyncAck) -> None:
        await ack()

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/slack/events", events)
    app.router.add_get("/healthz", healthz)
    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--signing-secret", required=True)
    parser.add_argument("--token", default="xoxb-bench")
    parser.add_argument("--api-url", required=True, help="Slack Web API base URL (the bench's fake)")
    args = parser.parse_args()
    app = build(args.signing_secret, args.token, args.api_url)
    web.run_app(app, host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
