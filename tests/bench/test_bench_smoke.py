"""The benchmarks cannot rot: `python -m bench --smoke` runs end to end. No speed is asserted here."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from tests.dbfixtures import PG_DATABASE, PG_HOST, PG_PORT, PG_USER

ROOT = Path(__file__).resolve().parents[2]
FIGURES = {"1", "2", "3", "4", "5"}
ROW_KEYS = {"figure", "case", "metric", "value", "baseline", "ratio", "target", "passed"}


def _require_postgresql() -> None:
    async def probe() -> None:
        conn = await asyncpg.connect(
            host=PG_HOST, port=PG_PORT, user=PG_USER, database=PG_DATABASE, timeout=5
        )
        await conn.close()

    try:
        asyncio.run(probe())
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        message = f"PostgreSQL at {PG_HOST}:{PG_PORT}/{PG_DATABASE} is unreachable: {exc!r}"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true: the benchmark smoke run must run)", pytrace=False)
        pytest.skip(message)


def test_smoke_run_writes_every_figure(tmp_path: Path) -> None:
    _require_postgresql()
    env = {
        **os.environ,
        "OPPBOT_BENCH_PG_HOST": PG_HOST,
        "OPPBOT_BENCH_PG_PORT": str(PG_PORT),
        "OPPBOT_BENCH_PG_USER": PG_USER,
        "OPPBOT_BENCH_PG_DATABASE": PG_DATABASE,
    }
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--out", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout + done.stderr

    document = json.loads((tmp_path / "latest.json").read_text())
    assert document["smoke"] is True
    assert set(document["figures"]) == FIGURES
    for key, figure in document["figures"].items():
        assert figure["status"] in ("measured", "not_measured"), (key, figure)
        if figure["status"] == "not_measured":
            # Never silent: a figure that was not measured says why.
            assert figure["reason"], key
            assert f"figure {key}: " in done.stdout
        else:
            assert figure["rows"], key
            for row in figure["rows"]:
                assert set(row) >= ROW_KEYS, row

    scale = document["figures"]["2"]
    assert scale["status"] == "measured"
    for op in ("stall", "pipeline", "stats"):
        for size in document["sizes"]:
            measured = scale["details"]["sizes"][str(size)]["ops"][op]
            assert measured["statements"] > 0
            assert measured["result_size"] == measured["baseline_result_size"], (op, size)

    footprint = document["figures"]["3"]
    assert footprint["status"] == "measured"
    assert {"sqlite", "postgresql"} <= set(footprint["details"])

    reminder_pass = document["figures"]["4"]
    assert reminder_pass["status"] == "measured"
    assert reminder_pass["details"]["oppbot_rows"] == reminder_pass["details"]["baseline_rows"] > 0

    # Figure 5: one worker and --workers 2 both answered every click, each with its server's CPU.
    scale_out = document["figures"]["5"]
    assert scale_out["status"] == "measured"
    runs = scale_out["details"]["postgresql"]
    assert set(runs) == {"1 worker", "2 workers"}
    for run in runs.values():
        cells = [p for p in run["phases"] if p["measured"]]
        assert cells and all(p["ok"] > 0 and p["cpu_ms_per_request"] for p in cells), cells
    assert any(r["metric"].startswith("errors") and r["passed"] for r in scale_out["rows"])
    http = document["figures"]["1"]
    if http["status"] == "measured":
        assert any(r["metric"] == "p99 reply in Slack" for r in http["rows"])

    markdown = (tmp_path / "latest.md").read_text()
    assert "| fig |" in markdown
