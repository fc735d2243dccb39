"""Figure 5: more work per core — CPU per request, `--workers 2` against one worker, two replicas
behind HAProxy. Everything side by side in one run, with figure 1's load generator and fake Slack.

Servers (each started as subprocesses on free loopback ports, one configuration after the other, on one
PostgreSQL database and one SQLite file that are loaded once as figure 1 loads them):

- `cache off`: `oppbot serve` with OPPBOT_SETUP_CACHE=off — every unit of work reads cycles, stages,
  salespeople, identities and preferences from the database, as before the set-up cache. The baseline
  of CPU per request.
- `1 worker`: `oppbot serve` as shipped (set-up cache on).
- `2 workers`: `oppbot serve --workers 2` (baseline: `1 worker`; target ≥ 1.6× on 2 cores).
- `haproxy 2×`: two `oppbot serve` replicas behind HAProxy running deploy/haproxy.cfg (Debian's
  haproxy), the load sent to HAProxy (baseline: `1 worker` direct).

Operation: the Next-stage click (`button`, a write with its reply posted to the response_url), at 16
and 64 closed-loop clients. CPU per request = user + system CPU of the server's process tree during
the cell (read from /proc by the generator, which runs on the same machine) / completed requests.
The load generator itself uses CPU on the same cores: throughput ratios are what is compared.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import ROOT, VENV_PYTHON, FigureResult, Row, free_port, scratch_backends
from bench.http_load import (
    BOT_TOKEN,
    SECRET,
    SMOKE_DUPLICATE_GRACE_S,
    _api_url,
    _phases,
    _plan_timeout,
    _prepare,
    _Proc,
    _run_plan,
    _server_env,
    _spawn_generator,
    _wait_healthy,
    slack_adapter_ready,
)

TITLE = "More work per core: CPU per request, --workers 2, HAProxy with two replicas (Slack clicks)"
CLIENTS = (16, 64)
SMOKE_CLIENTS = (8,)
POOL = 700  # load opportunities per configuration's clicks (six moves each)
SMOKE_POOL = 20
CPU_RATIO_TARGET = 0.5  # CPU per request at most half of the cache-off server
WORKERS_RATIO_TARGET = 1.6
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
HAPROXY_CFG = ROOT / "deploy" / "haproxy.cfg"


def _serve(port: int, workers: int) -> list[str]:
    argv = [str(VENV_PYTHON), "-m", "oppbot", "serve", "--host", "127.0.0.1", "--port", str(port)]
    return argv + (["--workers", str(workers)] if workers > 1 else [])


def _measure(
    name: str,
    *,
    env: dict[str, str],
    pool: list[tuple[str, int]],
    replicas: int,
    workers: int,
    smoke: bool,
    tmp: Path,
    log: Callable[[str], None],
) -> dict[str, Any]:
    gen = _spawn_generator(tmp, f"scale-{name}")
    procs: list[_Proc] = []
    try:
        api_url = _api_url(gen)
        ports = [free_port() for _ in range(replicas)]
        for n, port in enumerate(ports):
            server = _Proc(
                _serve(port, workers),
                env={**env, "OPPBOT_SLACK_API_URL": api_url},
                cwd=tmp,
                log_path=tmp / f"scale-{name}-{n}.log",
                pipes=False,
            )
            procs.append(server)
        for server, port in zip(procs, ports, strict=True):
            _wait_healthy(server, port, name)
        target_port = ports[0]
        cpu_pids = [p.proc.pid for p in procs]
        if replicas > 1:
            target_port = free_port()
            lb_env = {
                **os.environ,
                "LB_BIND": f"127.0.0.1:{target_port}",
                **{f"BACKEND_{i + 1}": f"127.0.0.1:{p}" for i, p in enumerate(ports)},
            }
            lb = _Proc(
                [HAPROXY, "-db", "-f", str(HAPROXY_CFG)],
                env=lb_env,
                cwd=tmp,
                log_path=tmp / f"scale-{name}-haproxy.log",
                pipes=False,
            )
            procs.append(lb)
            _wait_healthy(lb, target_port, f"{name} (haproxy)")
        phases = [p for p in _phases(("button",), SMOKE_CLIENTS if smoke else CLIENTS, smoke)]
        plan = {
            "mode": "oppbot",
            "phases": phases,
            "pools": {"button": pool},
            "grace_s": SMOKE_DUPLICATE_GRACE_S if smoke else 0.5,
            "events_url": f"http://127.0.0.1:{target_port}/slack/events",
            "cpu_pids": cpu_pids,
        }
        log(f"  figure 5: {name} ...")
        result = _run_plan(gen, plan, _plan_timeout(phases))
        for server in procs:
            if server.proc.poll() is not None:
                raise RuntimeError(f"{name}: a process died under load: {server.tail()}")
        result["server_log_errors"] = sum(
            1
            for server in procs
            for line in server.log_path.read_text(errors="replace").splitlines()
            if " ERROR " in line
        )
        return result
    finally:
        for server in reversed(procs):
            server.stop()
        gen.stop()


def _cells(result: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {p["clients"]: p for p in result["phases"] if p["measured"]}


def _problems(result: dict[str, Any]) -> int:
    keys = ("http_errors", "transport_errors", "no_reply", "refused", "duplicates")
    return sum(p[k] for p in result["phases"] for k in keys) + int(result.get("server_log_errors", 0))


def _rows(backend: str, runs: dict[str, dict[str, Any]], clients: tuple[int, ...]) -> list[Row]:
    rows: list[Row] = []
    cells = {name: _cells(run) for name, run in runs.items()}
    for c in clients:
        case = f"{backend} button ×{c}"
        after = cells["1 worker"][c]
        before = cells.get("cache off", {}).get(c, {"rps": None})
        cpu, base_cpu = after.get("cpu_ms_per_request"), before.get("cpu_ms_per_request")
        rows.append(
            Row(
                "5",
                case,
                "server CPU per request (1 worker)",
                "ms",
                cpu,
                base_cpu,
                f"≤ {CPU_RATIO_TARGET:.0%} of cache off",
                passed=(cpu / base_cpu <= CPU_RATIO_TARGET) if cpu and base_cpu else None,
                note=f"baseline: OPPBOT_SETUP_CACHE=off; {after['rps']} vs {before['rps']} req/s",
            )
        )
        for name, target in (("2 workers", WORKERS_RATIO_TARGET), ("haproxy 2×", None)):
            if name not in cells:
                continue
            cell = cells[name][c]
            rps, base = cell["rps"], after["rps"]
            reply = cell["reply_ms"]
            rows.append(
                Row(
                    "5",
                    case,
                    f"throughput, {name}",
                    "req/s",
                    rps,
                    base,
                    f"≥ {target:g}× 1 worker" if target else "",
                    passed=(rps / base >= target) if target and rps and base else None,
                    note=(
                        f"baseline: 1 worker; ack p99 {cell['ack_ms']['p99']} ms, reply p50/p99 "
                        f"{reply['p50']}/{reply['p99']} ms; CPU {cell.get('cpu_ms_per_request')} ms/request"
                    ),
                )
            )
    bad = sum(_problems(run) for run in runs.values())
    rows.append(
        Row(
            "5",
            backend,
            "errors + duplicates (all configurations)",
            "",
            float(bad),
            target="0",
            passed=bad == 0,
            note=", ".join(f"{name}: {_problems(run)}" for name, run in runs.items()),
        )
    )
    return rows


def run(
    *, smoke: bool = False, pg_problem: str | None = None, log: Callable[[str], None] = print
) -> FigureResult:
    result = FigureResult("5", TITLE)
    if not slack_adapter_ready():
        result.status, result.reason = "not_measured", "Slack adapter not merged"
        return result
    clients = SMOKE_CLIENTS if smoke else CLIENTS
    per_run = SMOKE_POOL if smoke else POOL
    details: dict[str, Any] = {"clients": list(clients), "load_opportunities_per_configuration": per_run}
    with tempfile.TemporaryDirectory(prefix="oppbot-bench-scale-") as tmp_name:
        tmp = Path(tmp_name)
        with scratch_backends(tmp, "bench_scale", pg_problem, details) as backends:
            for backend, url in backends:
                if smoke and backend == "sqlite":
                    continue  # the smoke run only has to show the figure runs: PostgreSQL has every row
                configs: list[tuple[str, dict[str, str], int, int]] = [("1 worker", {}, 1, 1)]
                if not smoke:  # smoke: one worker and two, only to show the figure runs
                    configs.insert(0, ("cache off", {"OPPBOT_SETUP_CACHE": "off"}, 1, 1))
                configs.append(("2 workers", {}, 1, 2))
                if backend == "postgresql" and Path(HAPROXY).exists() and not smoke:
                    configs.append(("haproxy 2×", {}, 2, 1))
                log(f"  figure 5: {backend}: loading {per_run * len(configs)} load opportunities ...")
                loaded = asyncio.run(_prepare(url, per_run * len(configs)))
                env = _server_env(
                    {
                        "OPPBOT_DATABASE_URL": url,
                        "OPPBOT_SLACK_SIGNING_SECRET": SECRET,
                        "OPPBOT_SLACK_BOT_TOKEN": BOT_TOKEN,
                        "OPPBOT_SCHEDULER": "off",
                    }
                )
                runs: dict[str, dict[str, Any]] = {}
                for n, (name, extra, replicas, workers) in enumerate(configs):
                    runs[name] = _measure(
                        f"{backend}-{name.replace(' ', '-')}",
                        env={**env, **extra},
                        pool=loaded[n * per_run : (n + 1) * per_run],
                        replicas=replicas,
                        workers=workers,
                        smoke=smoke,
                        tmp=tmp,
                        log=log,
                    )
                details[backend] = runs
                result.rows += _rows(backend, runs, clients)
    result.details = details
    return result
