"""/metrics after signed Slack traffic: requests by surface, command and outcome, latencies, backlog;
and the JSON log lines carry the request's context."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from oppbot.logs import JsonFormatter
from tests.slack.conftest import SlackHarness
from tests.slack.test_buttons import button_value, card, click


async def scrape(slack: SlackHarness) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    async with aiohttp.ClientSession() as session, session.get(f"{slack.url}/metrics") as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = await resp.text()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_counters_and_histograms_move_with_slack_traffic(slack: SlackHarness) -> None:
    before = await scrape(slack)
    blocks = await card(slack, "OP000001")  # one /opp show
    await click(slack, "opp_next", button_value(blocks, "opp_next"))  # one card button
    await slack.command("list")
    after = await scrape(slack)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("oppbot_requests_total", surface="slack", command="show", outcome="ok") == 1
    assert moved("oppbot_requests_total", surface="slack", command="next", outcome="ok") == 1
    assert moved("oppbot_requests_total", surface="slack", command="list", outcome="ok") == 1
    assert moved("oppbot_ack_seconds_count", surface="slack") == 3
    assert moved("oppbot_reply_seconds_count", surface="slack") == 3
    assert moved("oppbot_ack_seconds_bucket", surface="slack", le="+Inf") == 3
    assert moved("oppbot_reply_seconds_sum", surface="slack") > 0
    # The change event of the click: waiting or already delivered, the gauge answers either way.
    assert value(after, "oppbot_backlog_probe_up", queue="change_events") == 1
    assert ("oppbot_backlog", (("queue", "change_events"),)) in after
    assert value(after, "oppbot_backlog_probe_up", queue="notifications") == 1
    assert value(after, "oppbot_db_pool_capacity") >= 1


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def json_lines() -> Iterator[list[str]]:
    handler = Lines()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield handler.lines
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


async def test_json_log_lines_carry_the_request_context(slack: SlackHarness, json_lines: list[str]) -> None:
    blocks = await card(slack, "OP000001")
    await click(slack, "opp_next", button_value(blocks, "opp_next"), trigger_id="T-JSON-1")
    entries = [json.loads(line) for line in json_lines]  # every line is one JSON object
    done = [e for e in entries if e.get("command") == "next" and e.get("outcome") == "ok"]
    assert len(done) == 1, entries
    line = done[0]
    assert line["surface"] == "slack"
    assert line["request_key"] == "slack:T0DEMO:trigger:T-JSON-1"
    assert line["user"] == "T0DEMO:U0DEMO1"
    assert line["opportunity"] == "OP000001"
    assert line["duration_ms"] > 0 and line["level"] == "INFO"
