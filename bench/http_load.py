"""Figure 1: signed Slack slash commands and button clicks over HTTP against a real `oppbot serve`.

Needs the Slack adapter (`oppbot.adapters.slack.mount_slack`). Until it is merged the runner reports
this figure as "not measured yet" explicitly, in the table and in latest.json; it is never skipped
silently. Once it lands: a separate load-generator process (asyncio + aiohttp client) sends signed
`/opp show`, `/opp list`, `/opp next` and a Next-stage button click at 1, 16 and 64 concurrent clients
to `oppbot serve` (OPPBOT_SLACK_SIGNING_SECRET / BOT_TOKEN set, OPPBOT_SLACK_API_URL pointing at
tests/fakes/slack_api.FakeSlack), next to a bare slack-bolt AsyncApp whose handler only acks.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from bench.common import FigureResult, Row

TITLE = "Slash commands and buttons over HTTP (Slack)"
NOT_MERGED = "not measured yet (Slack adapter not merged)"
CONCURRENCY = (1, 16, 64)


def slack_adapter_ready() -> bool:
    try:
        module = importlib.import_module("oppbot.adapters.slack")
    except ImportError:
        return False
    return callable(getattr(module, "mount_slack", None))


def run(*, smoke: bool = False, log: Callable[[str], None] = print) -> FigureResult:
    result = FigureResult("1", TITLE, status="not_measured")
    if slack_adapter_ready():
        # The adapter exists but the load generator is not written yet: say so, loudly.
        result.reason = (
            "not measured yet (Slack adapter present, but the load generator in bench/http_load.py "
            "is not written yet)"
        )
    else:
        result.reason = NOT_MERGED
    result.rows = [
        Row("1", f"{c} clients", "p99 ack, req/s vs bare bolt", "", None, note=result.reason)
        for c in CONCURRENCY
    ]
    return result
