"""The aiohttp web server: adapter-neutral; each chat adapter mounts its own routes."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from typing import Any

from aiohttp import web

from oppbot import metrics
from oppbot.config import Switch
from oppbot.runtime import Runtime
from oppbot.store.engine import database_revisions, head_revisions
from oppbot.store.events import EventStore
from oppbot.store.notifications import NotificationStore

log = logging.getLogger(__name__)
RUNTIME: web.AppKey[Runtime] = web.AppKey("runtime", Runtime)
SCHEDULER: web.AppKey[Any] = web.AppKey("scheduler")

# An adapter registers its routes on the app (e.g. Slack at /slack/events).
Mount = Callable[[web.Application, Runtime], None]


HEALTH_TIMEOUT = 3.0  # seconds: a probe answers "unavailable" rather than hang on a dead database


async def healthz(request: web.Request) -> web.Response:
    """Readiness: the database answers and its schema is at the code's migration head."""
    runtime = request.app[RUNTIME]
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT):
            current = await database_revisions(runtime.engine)
    except Exception as exc:  # the probe must answer, not crash
        log.warning("health check failed: %s", exc)
        return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)
    expected = head_revisions()
    if current != expected:
        body = {"status": "unavailable", "database": "migrations pending", "at": sorted(current)}
        return web.json_response(body | {"head": sorted(expected)}, status=503)
    return web.json_response({"status": "ok"})


async def livez(_request: web.Request) -> web.Response:
    """Liveness: the event loop answers; never touches the database (a database outage is not
    a reason to restart every replica)."""
    return web.json_response({"status": "ok", "pid": os.getpid()})


async def metrics_endpoint(_request: web.Request) -> web.Response:
    body = await metrics.render()
    return web.Response(body=body, headers={"Content-Type": metrics.CONTENT_TYPE})


def build_app(runtime: Runtime, mounts: list[Mount] | None = None) -> web.Application:
    app = web.Application()
    app[RUNTIME] = runtime
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/livez", livez)
    app.router.add_get("/metrics", metrics_endpoint)
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

    async def _metrics_on(_app: web.Application) -> None:
        metrics.instrument_pool(runtime.engine)
        metrics.register_backlog("change_events", EventStore(runtime.sessions).backlog_age)
        metrics.register_backlog("notifications", NotificationStore(runtime.sessions).backlog_age)

    async def _metrics_off(_app: web.Application) -> None:
        metrics.uninstrument_pool(runtime.engine)
        metrics.unregister_backlog("change_events")
        metrics.unregister_backlog("notifications")

    app.on_startup.append(_start_dispatcher)
    app.on_startup.append(_metrics_on)
    app.on_cleanup.append(_close)
    app.on_cleanup.append(_metrics_off)  # after the pool has given its connections back
    return app
