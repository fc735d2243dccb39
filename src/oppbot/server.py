"""The aiohttp web server: adapter-neutral; each chat adapter mounts its own routes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from aiohttp import web

from oppbot.config import Switch
from oppbot.runtime import Runtime

log = logging.getLogger(__name__)
RUNTIME: web.AppKey[Runtime] = web.AppKey("runtime", Runtime)
SCHEDULER: web.AppKey[Any] = web.AppKey("scheduler")

# An adapter registers its routes on the app (e.g. Slack at /slack/events).
Mount = Callable[[web.Application, Runtime], None]


async def healthz(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    try:
        async with runtime.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # the probe must answer, not crash
        log.warning("health check failed: %s", exc)
        return web.json_response({"status": "unavailable"}, status=503)
    return web.json_response({"status": "ok"})


def build_app(runtime: Runtime, mounts: list[Mount] | None = None) -> web.Application:
    app = web.Application()
    app[RUNTIME] = runtime
    app.router.add_get("/healthz", healthz)
    for mount in mounts or []:
        mount(app, runtime)

    # Reminders and digests: the scheduler starts and stops with the app (OPPBOT_SCHEDULER=off: not here).
    if runtime.settings.scheduler == Switch.ON:
        from oppbot.notify.scheduler import Scheduler

        scheduler = Scheduler(runtime)
        app[SCHEDULER] = scheduler

        async def _start_scheduler(_app: web.Application) -> None:
            scheduler.start()

        async def _stop_scheduler(_app: web.Application) -> None:
            await scheduler.stop()

        app.on_startup.append(_start_scheduler)
        app.on_cleanup.append(_stop_scheduler)

    async def _start_dispatcher(_app: web.Application) -> None:
        runtime.dispatcher.start()

    async def _close(_app: web.Application) -> None:
        await runtime.dispatcher.stop()
        await runtime.close()

    app.on_startup.append(_start_dispatcher)
    app.on_cleanup.append(_close)
    return app
