"""Figure 3: time from process start to a green /healthz, and idle resident memory of `oppbot serve`.

A real `python -m oppbot serve` subprocess is started on SQLite (a temp file) and on PostgreSQL (a temp
database), next to a bare aiohttp app with one /healthz route (bench/bare_server.py) started the same
way. One unmeasured warm-up start per series migrates the fresh database and warms the OS file cache;
the figure is the median of the measured starts. RSS after load belongs to figure 1.
"""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import (
    VENV_PYTHON,
    FigureResult,
    Row,
    free_port,
    median,
    rss_mb,
    scratch_backends,
)

TITLE = "Footprint: start to green /healthz, idle RSS"
START_TARGET_MS = 1500.0
IDLE_RSS_TARGET_MB = 150.0
AFTER_LOAD_RSS_TARGET_MB = 250.0
IDLE_SETTLE_S = 1.0
START_DEADLINE_S = 30.0
BARE_SERVER = Path(__file__).with_name("bare_server.py")


@dataclass
class Start:
    seconds: float
    rss_mb: float


def _healthy(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1.0)
    try:
        conn.request("GET", "/healthz")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def _clean_env(extra: dict[str, str]) -> dict[str, str]:
    """The caller's environment without OPPBOT_* settings (no chat adapter: the idle base server)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPPBOT_")}
    env.update(extra)
    return env


def start_once(argv: list[str], env: dict[str, str], port: int, cwd: Path) -> Start:
    """Start, wait for the first 200 from /healthz, let it idle, read VmRSS, stop with SIGTERM."""
    begin = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while not _healthy(port):
            if proc.poll() is not None:
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                raise RuntimeError(f"{' '.join(argv)} exited with {proc.returncode}: {err[-2000:]}")
            if time.perf_counter() - begin > START_DEADLINE_S:
                raise RuntimeError(f"{' '.join(argv)}: /healthz not green after {START_DEADLINE_S} s")
            time.sleep(0.005)
        elapsed = time.perf_counter() - begin
        time.sleep(IDLE_SETTLE_S)
        return Start(elapsed, rss_mb(proc.pid))
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


def series(
    argv_for: Callable[[int], list[str]], env: dict[str, str], cwd: Path, starts: int
) -> dict[str, Any]:
    """One warm-up start (migrates a fresh database), then `starts` measured ones."""
    warm_port = free_port()
    warm = start_once(argv_for(warm_port), env, warm_port, cwd)
    runs = []
    for _ in range(starts):
        port = free_port()
        runs.append(start_once(argv_for(port), env, port, cwd))
    return {
        "first_start_ms": warm.seconds * 1000,
        "start_ms": median([r.seconds for r in runs]) * 1000,
        "rss_mb": median([r.rss_mb for r in runs]),
        "runs_start_ms": [round(r.seconds * 1000, 1) for r in runs],
        "runs_rss_mb": [round(r.rss_mb, 1) for r in runs],
    }


def _oppbot_argv(port: int) -> list[str]:
    return [str(VENV_PYTHON), "-m", "oppbot", "serve", "--host", "127.0.0.1", "--port", str(port)]


def _bare_argv(port: int) -> list[str]:
    return [str(VENV_PYTHON), str(BARE_SERVER), "--port", str(port)]


def run(
    *,
    smoke: bool = False,
    pg_problem: str | None = None,
    after_load: dict[str, float] | None = None,
    figure1_ran: bool = False,
    log: Callable[[str], None] = print,
) -> FigureResult:
    """`after_load`: figure 1's `oppbot serve` VmRSS per backend, read right after its load."""
    result = FigureResult("3", TITLE)
    starts = 1 if smoke else 3
    details: dict[str, Any] = {"starts": starts, "idle_settle_s": IDLE_SETTLE_S}
    with tempfile.TemporaryDirectory(prefix="oppbot-bench-") as tmp:
        cwd = Path(tmp)  # no stray .env from the repository
        log("  figure 3: bare aiohttp baseline ...")
        bare = series(_bare_argv, _clean_env({}), cwd, starts)
        details["bare_aiohttp"] = bare
        with scratch_backends(tmp, "bench_fp", pg_problem, details) as backends:
            for backend, url in backends:
                log(f"  figure 3: oppbot serve on {backend} ...")
                env = _clean_env({"OPPBOT_DATABASE_URL": url})
                measured = series(_oppbot_argv, env, cwd, starts)
                details[backend] = measured
                result.rows += [
                    Row(
                        "3",
                        backend,
                        "start → green /healthz",
                        "ms",
                        measured["start_ms"],
                        bare["start_ms"],
                        f"< {START_TARGET_MS:g} ms",
                        passed=measured["start_ms"] < START_TARGET_MS,
                        note=f"first start, empty database (migrations): {measured['first_start_ms']:.0f} ms",
                    ),
                    Row(
                        "3",
                        backend,
                        "idle RSS",
                        "MB",
                        measured["rss_mb"],
                        bare["rss_mb"],
                        f"< {IDLE_RSS_TARGET_MB:g} MB",
                        passed=measured["rss_mb"] < IDLE_RSS_TARGET_MB,
                    ),
                ]
    result.rows += _after_load_rows(after_load, figure1_ran, details)
    result.details = details
    return result


def _after_load_rows(
    after_load: dict[str, float] | None, figure1_ran: bool, details: dict[str, Any]
) -> list[Row]:
    """RSS of figure 1's `oppbot serve` right after its load, next to its idle RSS from this figure."""
    target = f"< {AFTER_LOAD_RSS_TARGET_MB:g} MB"
    if not after_load:
        why = "figure 1 failed or was not measured" if figure1_ran else "figure 1 did not run (--only)"
        return [
            Row(
                "3",
                "after figure 1",
                "RSS after load",
                "MB",
                None,
                target=target,
                note=f"not measured: {why}",
            )
        ]
    rows = []
    for backend, mb in after_load.items():
        idle = (details.get(backend) or {}).get("rss_mb")
        rows.append(
            Row(
                "3",
                f"{backend}, after figure 1",
                "RSS after load",
                "MB",
                mb,
                idle,
                target,
                passed=mb < AFTER_LOAD_RSS_TARGET_MB,
                note="baseline = idle RSS of oppbot serve on the same backend",
            )
        )
    details["rss_after_load_mb"] = after_load
    return rows
