"""/metrics after Teams traffic: requests by surface, command and outcome, and the ack latency."""

from __future__ import annotations

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from tests.teams.harness import TeamsHarness, card_actions

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(teams: TeamsHarness) -> Samples:
    async with aiohttp.ClientSession() as session, session.get(f"{teams.url}/metrics") as resp:
        assert resp.status == 200
        text = await resp.text()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_counters_move_with_teams_traffic(teams: TeamsHarness) -> None:
    before = await scrape(teams)
    sent = await teams.say("opp show OP000001")
    assert sent.card is not None
    (nxt,) = [a for a in card_actions(sent.card) if a["verb"] == "next"]
    await teams.click("next", nxt["data"])
    after = await scrape(teams)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("oppbot_requests_total", surface="teams", command="show", outcome="ok") == 1
    assert moved("oppbot_requests_total", surface="teams", command="next", outcome="ok") == 1
    assert moved("oppbot_ack_seconds_count", surface="teams") == 2
