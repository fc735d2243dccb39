"""Run every benchmark figure, print one table, write bench/results/latest.{json,md}.

python -m bench                          # everything (sizes 10k, 100k, 1M), ≤ 10 minutes
python -m bench --smoke --out /tmp/b     # tiny sizes, < 30 s (the test suite runs this)
python -m bench --only stall,footprint --sizes 10000,100000
python -m bench --only reminders          # figure 4: a reminder pass over 1M opportunities, 100k stalled
python -m bench --only scale-out          # figure 5: CPU per request, --workers 2, HAProxy with two replicas
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python bench/run.py`: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import footprint, http_load, reminders, scale, scale_out
from bench.common import FigureResult, Row

RESULTS = Path(__file__).resolve().parent / "results"
# --only names → figure keys
FIGURES: dict[str, str] = {"http": "1", "stall": "2", "scale": "2", "footprint": "3", "reminders": "4"}
FIGURES["scale-out"] = "5"
TITLES = {"1": http_load.TITLE, "2": scale.TITLE, "3": footprint.TITLE, "4": reminders.TITLE}
TITLES["5"] = scale_out.TITLE


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one repetition (< 30 s)")
    parser.add_argument("--sizes", help="figure 2 sizes, e.g. 10000,100000,1000000")
    parser.add_argument(
        "--only", help="comma-separated: http, stall (= scale), footprint, reminders, scale-out"
    )
    parser.add_argument("--reminder-size", type=int, help="figure 4's opportunities (default 1000000)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="directory for latest.json and latest.md")
    args = parser.parse_args(argv)
    if args.sizes:
        args.size_list = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    else:
        args.size_list = list(scale.SMOKE_SIZES if args.smoke else scale.DEFAULT_SIZES)
    wanted = (
        {"http", "stall", "footprint", "reminders", "scale-out"}
        if not args.only
        else {s.strip() for s in args.only.split(",")}
    )
    unknown = wanted - FIGURES.keys()
    if unknown:
        parser.error(f"--only: unknown {', '.join(sorted(unknown))} (known: {', '.join(FIGURES)})")
    args.figures = sorted({FIGURES[w] for w in wanted})
    return args


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _guarded(key: str, work: Callable[[], FigureResult]) -> FigureResult:
    """A figure that crashes is reported as failed; the others still run."""
    start = time.perf_counter()
    try:
        result = work()
    except Exception as exc:
        traceback.print_exc()
        result = FigureResult(key, TITLES[key], status="failed", reason=f"{type(exc).__name__}: {exc}")
    result.seconds = time.perf_counter() - start
    return result


def run_figures(args: argparse.Namespace) -> list[FigureResult]:
    results: list[FigureResult] = []
    pg_problem = asyncio.run(scale.pg_available())
    if pg_problem:
        _log(f"PostgreSQL unavailable: {pg_problem}")
    after_load: dict[str, float] | None = None  # figure 1's server RSS after its load, for figure 3
    for key in args.figures:
        _log(f"figure {key}: {TITLES[key]}")
        if key == "1":
            fig1 = _guarded(key, lambda: http_load.run(smoke=args.smoke, pg_problem=pg_problem, log=_log))
            results.append(fig1)
            after_load = fig1.details.get("rss_after_load_mb")
        elif key == "2":
            results.append(
                _guarded(key, lambda: asyncio.run(scale.run(args.size_list, smoke=args.smoke, log=_log)))
            )
        elif key == "4":
            results.append(
                _guarded(
                    key,
                    lambda: asyncio.run(reminders.run(smoke=args.smoke, size=args.reminder_size, log=_log)),
                )
            )
        elif key == "5":
            results.append(
                _guarded(key, lambda: scale_out.run(smoke=args.smoke, pg_problem=pg_problem, log=_log))
            )
        elif key == "3":
            results.append(
                _guarded(
                    key,
                    lambda loaded=after_load: footprint.run(  # type: ignore[misc]
                        smoke=args.smoke,
                        pg_problem=pg_problem,
                        after_load=loaded,
                        figure1_ran="1" in args.figures,
                        log=_log,
                    ),
                )
            )
    return results


# --- output ---------------------------------------------------------------------------------------------
def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if unit == "stmts":
        return f"{value:.0f}"
    if unit == "k":
        return f"{value:.2f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"


def _verdict(row: Row) -> str:
    if row.passed is None:
        return "n/a" if row.value is None else "info"
    return "PASS" if row.passed else "FAIL"


HEADER = ("fig", "case", "metric", "oppbot", "baseline", "ratio", "target", "result", "note")


def table_rows(results: list[FigureResult]) -> list[tuple[str, ...]]:
    lines: list[tuple[str, ...]] = []
    for fig in results:
        if fig.status != "measured" and not fig.rows:
            lines.append((fig.key, "—", fig.title, "—", "—", "—", "—", fig.status.upper(), fig.reason))
        for r in fig.rows:
            unit = f" {r.unit}" if r.unit and r.unit not in ("k", "stmts") else ""
            lines.append(
                (
                    r.figure,
                    r.case,
                    r.metric + (f" ({r.unit})" if r.unit in ("k", "stmts") else ""),
                    _fmt(r.value, r.unit) + (unit if r.value is not None else ""),
                    _fmt(r.baseline, r.unit) + (unit if r.baseline is not None else ""),
                    "—" if r.ratio is None else f"{r.ratio:.2f}×",
                    r.target,
                    _verdict(r),
                    r.note,
                )
            )
    return lines


def render_text(results: list[FigureResult]) -> str:
    lines = [HEADER, *table_rows(results)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADER) - 1)]
    out = []
    for n, line in enumerate(lines):
        out.append("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=False)) + "  " + line[-1])
        if n == 0:
            out.append("  ".join("-" * w for w in widths) + "  " + "-" * 4)
    for fig in results:
        if fig.status != "measured":
            out.append(f"figure {fig.key}: {fig.reason or fig.status}")
    return "\n".join(out)


def render_markdown(results: list[FigureResult], meta: dict[str, Any]) -> str:
    out = [
        "# oppbot benchmarks: latest run",
        "",
        f"{meta['finished_at']} · {meta['machine']['cpus']} CPUs · Python {meta['machine']['python']} · "
        f"{meta['machine'].get('postgresql', 'PostgreSQL n/a')} · sizes {meta['sizes']} · "
        f"{'smoke' if meta['smoke'] else 'full'} run in {meta['seconds']:.0f} s",
        "",
        "Command: `make bench` (= `.venv/bin/python -m bench`). Baselines are measured in the same run; "
        "ratio = oppbot / baseline.",
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "---|" * len(HEADER),
    ]
    for line in table_rows(results):
        out.append("| " + " | ".join(cell.replace("|", "\\|") for cell in line) + " |")
    out.append("")
    for fig in results:
        out.append(
            f"- figure {fig.key} ({fig.title}): {fig.status}" + (f" — {fig.reason}" if fig.reason else "")
        )
    out.append("")
    return "\n".join(out)


def _postgres_version() -> str | None:
    async def go() -> str | None:
        if await scale.pg_available() is not None:
            return None
        conn = await scale._pg()
        try:
            version: str = await conn.fetchval("SHOW server_version")
            return f"PostgreSQL {version}"
        finally:
            await conn.close()

    return asyncio.run(go())


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    started = time.perf_counter()
    results = run_figures(args)
    seconds = time.perf_counter() - started
    meta: dict[str, Any] = {
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(seconds, 1),
        "smoke": args.smoke,
        "sizes": args.size_list,
        "argv": sys.argv[1:] if argv is None else argv,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
    }
    pg = _postgres_version()
    if pg:
        meta["machine"]["postgresql"] = pg
    all_rows = [r for f in results for r in f.rows]
    document = {
        **meta,
        "summary": {
            "passed": sum(1 for r in all_rows if r.passed is True),
            "failed": sum(1 for r in all_rows if r.passed is False),
            "not_measured": [f.key for f in results if f.status != "measured"],
        },
        "figures": {f.key: f.to_json() for f in results},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latest.json").write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    (args.out / "latest.md").write_text(render_markdown(results, meta))
    print(render_text(results))
    summary = document["summary"]
    print(
        f"\n{len(all_rows)} rows, {summary['passed']} pass, {summary['failed']} fail; {seconds:.0f} s; "
        f"wrote {args.out / 'latest.json'} and latest.md"
    )
    return 1 if any(f.status == "failed" for f in results) else 0


if __name__ == "__main__":
    sys.exit(main())
