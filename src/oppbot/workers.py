"""`oppbot serve --workers N`: N forked worker processes accepting on one pre-bound socket.

The parent migrates once, binds the port, forks the workers and then only supervises: a worker that
dies unexpectedly is replaced; SIGTERM or SIGINT is passed on to every worker, each of which drains as
a single `oppbot serve` does (stops accepting, finishes its in-flight requests and the work they
started after the ack, closes its own database pool), and the parent exits 0 once all of them have
exited cleanly. The socket is shared rather than bound per worker (SO_REUSEPORT): a draining worker
then leaves the connections still queued on the port to the others instead of resetting them.

Metrics: the workers write prometheus-client's multiprocess files in one directory, so a scrape that
reaches any worker reports the sum over all of them (oppbot.metrics). This module must set that up
before prometheus-client is first imported, so it imports the server lazily.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path

from oppbot.config import Settings

log = logging.getLogger("oppbot.workers")
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"  # = oppbot.metrics.MULTIPROC_ENV (not imported: see above)
STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}
WATCHED = STOP_SIGNALS | {signal.SIGCHLD}
# A draining worker waits for HTTP requests (serve.SHUTDOWN_WAIT) and then for their post-ack work
# (the Slack adapter's DRAIN_WAIT); past both, and a margin, the parent kills it.
STOP_DEADLINE = 60.0
QUICK_DEATH = 5.0  # a worker dead this soon after its start counts towards giving up
QUICK_DEATHS_MAX = 5
BACKLOG = 1024


def prepare_metrics_dir() -> Path | None:
    """Point prometheus-client at a fresh multiprocess directory; the one we created, to remove."""
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        path = Path(given)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):  # counters of an earlier run would be added to ours
            stale.unlink()
        return None
    created = Path(tempfile.mkdtemp(prefix="oppbot-metrics-"))
    os.environ[MULTIPROC_ENV] = str(created)
    return created


def listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(BACKLOG)
    sock.setblocking(False)
    return sock


def _worker(settings: Settings, sock: socket.socket, number: int) -> None:
    """The child's whole life: serve on the inherited socket; never returns into the parent's code."""
    from oppbot.serve import serve

    code = 0
    try:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
        for sig in WATCHED:
            signal.signal(sig, signal.SIG_DFL)
        # SIGTERM/SIGINT stay blocked until serve() has its handlers: one sent meanwhile then drains.
        asyncio.run(serve(settings, sock=sock, migrate=False))
    except BaseException:
        log.exception("worker %d failed", number)
        code = 1
    finally:
        logging.shutdown()
        os._exit(code)


def run_workers(settings: Settings, workers: int) -> int:
    """Supervise `workers` processes until SIGTERM/SIGINT; 0 when all of them stopped cleanly."""
    if MULTIPROC_ENV not in os.environ and "prometheus_client" in sys.modules:
        raise RuntimeError("run_workers must run before prometheus_client is imported (oppbot.workers)")
    from oppbot import playground

    if playground.wanted(settings):
        # The playground is one process with its own Slack stand-in; workers need a real chat platform.
        log.error(
            "--workers needs Slack or Teams credentials (or OPPBOT_PLAYGROUND=off): "
            "the playground runs in one process"
        )
        return 2
    metrics_dir = prepare_metrics_dir()
    try:
        return _supervise(settings, workers)
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def _supervise(settings: Settings, workers: int) -> int:
    from prometheus_client import multiprocess

    from oppbot.runtime import Runtime

    async def migrate() -> None:
        runtime = Runtime.create(settings)
        try:
            await runtime.migrate()
        finally:
            await runtime.close()

    asyncio.run(migrate())  # once, before any worker: they start on the current schema
    sock = listen(settings.host, settings.port)
    log.info("oppbot listening on http://%s:%s with %d workers", settings.host, settings.port, workers)
    signal.pthread_sigmask(signal.SIG_BLOCK, WATCHED)
    children: dict[int, tuple[int, float]] = {}  # pid → (worker number, start time)

    def spawn(number: int) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _worker(settings, sock, number)
        children[pid] = (number, time.monotonic())

    for number in range(workers):
        spawn(number)
    stopping_since: float | None = None
    killed = False
    quick_deaths = 0
    code = 0
    try:
        while children:
            if stopping_since is None:
                info = signal.sigwaitinfo(WATCHED)
                received: int | None = info.si_signo
            else:
                left = STOP_DEADLINE - (time.monotonic() - stopping_since)
                if left <= 0 and not killed:
                    log.error(
                        "%d worker(s) still draining after %.0f s; killing them", len(children), STOP_DEADLINE
                    )
                    for pid in children:
                        os.kill(pid, signal.SIGKILL)
                    killed, code = True, 1
                found = signal.sigtimedwait(WATCHED, max(left, 1.0))
                received = found.si_signo if found is not None else None
            if received in STOP_SIGNALS and stopping_since is None:
                log.info("oppbot stopping %d workers", len(children))
                stopping_since = time.monotonic()
                for pid in children:
                    os.kill(pid, signal.SIGTERM)
            while children:
                pid, status = os.waitpid(-1, os.WNOHANG)
                if pid == 0:
                    break
                number, started = children.pop(pid)
                multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
                exit_code = os.waitstatus_to_exitcode(status)
                if stopping_since is not None:
                    if exit_code != 0:
                        log.error("worker %d exited with %s while stopping", number, exit_code)
                        code = 1
                    continue
                log.error("worker %d (pid %d) exited with %s; starting another", number, pid, exit_code)
                quick_deaths = quick_deaths + 1 if time.monotonic() - started < QUICK_DEATH else 0
                if quick_deaths >= QUICK_DEATHS_MAX:
                    log.error("workers keep dying at start; stopping")
                    stopping_since, code = time.monotonic(), 1
                    for other in children:
                        os.kill(other, signal.SIGTERM)
                    continue
                spawn(number)
    finally:
        sock.close()
        signal.pthread_sigmask(signal.SIG_UNBLOCK, WATCHED)
    log.info("oppbot stopped")
    return code
