"""Profile the Slack request path in one process: `python -m bench.profile_request [--db URL] [--n 300]`.

The real app (build_app + mount_slack) on loopback, the fake Slack in the same event loop, the bench's
demo + load data; `--n` Next-stage clicks (block_actions `opp_next`) and `--n` `/opp show` commands, one
at a time, each waiting for its reply on the fake response_url. Prints CPU per request (process time of
the whole process, client and fake Slack included) and, with `--profile FILE`, writes cProfile stats.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import re
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa


async def _run(url: str, n: int, profile: Path | None) -> dict[str, float]:
    from tests.fakes.slack_api import FakeSlack
    from tests.fakes.slack_client import SlackRequestSender

    from bench.http_load import MOVES_PER_OPP, READER, SECRET, SHOW_NO, TEAM, WRITER, _prepare
    from oppbot.adapters.slack import mount_slack
    from oppbot.bot import Bot
    from oppbot.config import load_settings
    from oppbot.playground.loopback import LoopbackServer
    from oppbot.runtime import Runtime
    from oppbot.server import build_app
    from oppbot.service.opportunities import OpportunityService
    from oppbot.store.engine import make_engine, make_sessionmaker

    loaded = await _prepare(url, 2 * (n + 5) // MOVES_PER_OPP + 2)
    fake = FakeSlack()
    await fake.start()
    for user in (READER, WRITER):
        fake.add_user(user, name=user.lower(), email=None, locale="en-US")
    config = load_settings(
        database_url=url,
        slack_signing_secret=SECRET,
        slack_bot_token="xoxb-bench",
        slack_api_url=fake.base_url,
        scheduler="off",
    )
    engine = make_engine(url)
    statements = [0]

    trace: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements[0] += 1
        trace.append(" ".join(statement.split())[:150])

    sa.event.listen(engine.sync_engine, "before_cursor_execute", count)
    sessions = make_sessionmaker(engine)
    service = OpportunityService(sessions, currency="EUR", stall_default="14D", read_scope=config.read_scope)
    runtime = Runtime(config, engine, sessions, service, Bot(service))
    server = LoopbackServer(build_app(runtime, [mount_slack]))
    base = await server.start()
    sender = SlackRequestSender(
        f"{base}/slack/events", SECRET, team_id=TEAM, response_url_for=fake.response_url
    )
    pool = [[no, version, MOVES_PER_OPP] for no, version in loaded]
    seq = 0

    async def one(kind: str) -> None:
        nonlocal seq
        seq += 1
        before = len(fake.calls_to("response_url"))
        if kind == "button":
            entry = pool[0]
            resp = await sender.block_action(
                user_id=WRITER, action_id="opp_next", value=f"{entry[0]}:{entry[1]}"
            )
        else:
            resp = await sender.slash_command(f"show {SHOW_NO}", user_id=READER)
        assert resp.status == 200, resp.text
        call = (await fake.wait_for("response_url", before + 1))[before]
        if kind == "button":
            body = json.dumps(call.params)
            # The Next button's value (as bench.http_load reads it): an old version would make every
            # later click "changed meanwhile", profiling the error path instead of the move.
            found = re.search(r'"value": ?"' + re.escape(entry[0]) + r":(\d+)", body)
            assert found and "changed meanwhile" not in body, body[:500]
            entry[1] = int(found.group(1))
            entry[2] -= 1
            if entry[2] == 0:
                pool.pop(0)

    out: dict[str, float] = {}
    try:
        for kind, cached in (("button", False), ("button", True), ("show", False), ("show", True)):
            service.setup_cache.enabled = cached
            service.setup_cache.clear()
            kind_name = kind + ("" if cached else "_nocache")
            for _ in range(5):  # warm-up
                await one(kind)
            prof = cProfile.Profile(time.thread_time) if profile else None
            cpu, wall, before_sql = time.process_time(), time.perf_counter(), statements[0]
            if prof:
                prof.enable()
            for _ in range(n):
                await one(kind)
            trace.clear()
            await one(kind)
            if os.environ.get("PROFILE_TRACE"):
                await asyncio.sleep(0.5)  # the after-commit work (change events) too
                print(kind_name, *trace, sep="\n  ")
            if prof:
                prof.disable()
                prof.dump_stats(f"{profile}.{kind_name}")
            out[f"{kind_name}_cpu_ms"] = (time.process_time() - cpu) / n * 1000
            out[f"{kind_name}_sql"] = (statements[0] - before_sql) / n
            out[f"{kind_name}_wall_ms"] = (time.perf_counter() - wall) / n * 1000
    finally:
        await sender.close()
        await server.stop()
        await fake.stop()
        await engine.dispose()
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", help="an empty database's URL (default: a temp SQLite file)")
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--profile", type=Path)
    parser.add_argument("--top", type=int, default=0, help="print the top N cumulative entries")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite+aiosqlite:///{tmp}/profile.db"
        result = asyncio.run(_run(url, args.n, args.profile))
    print({k: round(v, 2) for k, v in result.items()})
    if args.profile and args.top:
        for kind in ("button_nocache", "button", "show_nocache", "show"):
            pstats.Stats(f"{args.profile}.{kind}").sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
