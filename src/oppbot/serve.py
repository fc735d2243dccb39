"""`oppbot serve`: migrate, mount the adapters, listen; stop cleanly on SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket

from aiohttp import web

from oppbot.config import Settings
from oppbot.runtime import Runtime
from oppbot.server import Mount, build_app

log = logging.getLogger(__name__)
SHUTDOWN_WAIT = 15.0  # seconds for in-flight HTTP requests; each is bounded well below this


def adapter_mounts(settings: Settings) -> list[Mount]:
    mounts: list[Mount] = []
    if settings.slack_configured:
        from oppbot.adapters.slack import mount_slack

        mounts.append(mount_slack)
    if settings.teams_configured:
        from oppbot.adapters.teams import mount_teams
        from oppbot.adapters.teams.sdk import check_settings

        check_settings(settings)  # a secret or a tenant missing: one line, before anything starts
        mounts.append(mount_teams)
    return mounts


async def serve(settings: Settings, *, sock: socket.socket | None = None, migrate: bool = True) -> None:
    """One server process; with `sock` (a worker of `--workers N`) on that pre-bound socket."""
    # The playground (no chat credentials): Slack and Bot Framework stand-ins on loopback, the Slack and
    # Teams adapters pointed at them (its settings carry both, so adapter_mounts mounts both).
    # One process only: `--workers N` refuses to start without chat credentials (oppbot.workers).
    from oppbot import playground as pg

    playground = await pg.SlackPlayground.start(settings) if sock is None and pg.wanted(settings) else None
    settings = playground.settings if playground is not None else settings
    mounts = adapter_mounts(settings)  # before migrating: a half-configured adapter stops with one line
    runtime = Runtime.create(settings)
    if migrate:
        await runtime.migrate()
    if playground is not None:
        await playground.load_demo(runtime)
        mounts.append(playground.mount)
    app = build_app(runtime, mounts)
    # SIGTERM: stop listening, let in-flight requests finish (bounded), then the adapters drain.
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=SHUTDOWN_WAIT)
    await runner.setup()
    site: web.BaseSite
    if sock is not None:
        site = web.SockSite(runner, sock)
    else:
        site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    log.info("oppbot listening on http://%s:%s (pid %d)", settings.host, settings.port, os.getpid())
    if playground is not None:
        url = playground.attach(runner.addresses[0][1])
        print(f"oppbot playground: {url}", flush=True)
    socket_mode = None
    if settings.slack_app_token:
        from oppbot.adapters.slack import SLACK_APP, start_socket_mode

        # The mounted AsyncApp serves Socket Mode too: one listener set, one dedupe cache.
        socket_mode = await start_socket_mode(runtime, app[SLACK_APP])
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    # A forked worker starts with them blocked (oppbot.workers): one that came early is handled now.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    await stop.wait()
    log.info("oppbot stopping")
    if socket_mode is not None:
        await socket_mode.close_async()  # type: ignore[no-untyped-call]
    await runner.cleanup()
    if playground is not None:
        await playground.stop()


def run_server(settings: Settings) -> None:
    asyncio.run(serve(settings))
