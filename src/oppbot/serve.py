"""`oppbot serve`: migrate, mount the adapters, listen; stop cleanly on SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import logging
import signal

from aiohttp import web

from oppbot.config import Settings
from oppbot.runtime import Runtime
from oppbot.server import Mount, build_app

log = logging.getLogger(__name__)


def adapter_mounts(settings: Settings) -> list[Mount]:
    mounts: list[Mount] = []
    if settings.slack_configured:
        from oppbot.adapters.slack import mount_slack

        mounts.append(mount_slack)
    return mounts


async def serve(settings: Settings) -> None:
    runtime = Runtime.create(settings)
    await runtime.migrate()
    app = build_app(runtime, adapter_mounts(settings))
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    log.info("oppbot listening on http://%s:%s", settings.host, settings.port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("oppbot stopping")
    await runner.cleanup()


def run_server(settings: Settings) -> None:
    asyncio.run(serve(settings))
