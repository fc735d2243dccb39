"""The `oppbot` command line (conventions.md): serve, chat, scheduler, setup, db, teams."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from oppbot.config import Settings, SettingsError, load_settings
from oppbot.domain.errors import DomainError
from oppbot.runtime import Runtime

T = TypeVar("T")

app = typer.Typer(
    help="oppbot: a Business Central-style opportunity pipeline in Slack and Teams.", no_args_is_help=True
)
setup_app = typer.Typer(help="Load set-up data.", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(setup_app, name="setup")
app.add_typer(db_app, name="db")
teams_app = typer.Typer(help="Microsoft Teams.", no_args_is_help=True)
app.add_typer(teams_app, name="teams")

EXIT_ERROR = 1
EXIT_USAGE = 2


def _settings(**overrides: object) -> Settings:
    try:
        return load_settings(**overrides)
    except SettingsError as exc:
        typer.echo(f"oppbot: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from exc


def _with_runtime(settings: Settings, work: Callable[[Runtime], Awaitable[T]]) -> T:
    """Migrate, run `work`, dispose: every command sees an up-to-date schema."""

    async def go() -> T:
        runtime = Runtime.create(settings)
        try:
            await runtime.migrate()
            return await work(runtime)
        finally:
            await runtime.close()

    return asyncio.run(go())


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on (OPPBOT_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (OPPBOT_PORT).")] = None,
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes sharing the port (one per core is typical).")
    ] = 1,
) -> None:
    """Run the web server: Slack at /slack/events, /healthz, /livez, /metrics; without chat
    credentials, the playground at /."""
    overrides: dict[str, object] = {}
    if host is not None:
        overrides["host"] = host
    if port is not None:
        overrides["port"] = port
    settings = _settings(**overrides)
    from oppbot.logs import configure_logging
    from oppbot.workers import MULTIPROC_ENV, prepare_metrics_dir, run_workers

    configure_logging(settings.log_format)
    if settings.teams_configured:  # a secret or a tenant missing: one line, exit 2, before any worker starts
        from oppbot.adapters.teams.sdk import check_settings

        try:
            check_settings(settings)
        except SettingsError as exc:
            typer.echo(f"oppbot: {exc}", err=True)
            raise typer.Exit(EXIT_USAGE) from exc
    if workers > 1:
        raise typer.Exit(run_workers(settings, workers))
    if os.environ.get(MULTIPROC_ENV):  # one process in multiprocess mode: the directory must exist
        prepare_metrics_dir()
    from oppbot.serve import run_server  # after the metrics directory: prometheus-client reads it on import

    run_server(settings)


@app.command()
def chat(
    as_: Annotated[str, typer.Option("--as", help="Act as this salesperson code, e.g. AH.")] = "AH",
) -> None:
    """Chat with the bot in this terminal (or pipe commands in, one per line)."""
    from oppbot.adapters.console import chat as console_chat
    from oppbot.service.setup import load_demo

    settings = _settings()

    async def work(runtime: Runtime) -> int:
        # First run on an empty database: load the demo so there is something to try.
        if not await runtime.service.salespeople():
            await load_demo(runtime.service)
        actor = await runtime.service.salesperson(as_)
        if actor is None:
            codes = ", ".join(p.code for p in await runtime.service.salespeople())
            typer.echo(f"oppbot: there is no salesperson {as_.upper()} (known: {codes})", err=True)
            return EXIT_USAGE
        await console_chat(runtime, actor, sys.stdin, sys.stdout)
        return 0

    code = _with_runtime(settings, work)
    raise typer.Exit(code)


@app.command()
def scheduler(
    once: Annotated[
        bool, typer.Option("--once", help="Send what is due now, print the counts, exit.")
    ] = False,
) -> None:
    """Run the reminder and digest scheduler alone (beside any number of `serve` processes)."""
    from oppbot.logs import configure_logging
    from oppbot.notify.scheduler import Scheduler

    settings = _settings()
    configure_logging(settings.log_format)

    async def work(runtime: Runtime) -> None:
        closers = register_direct_notifiers(runtime)
        runner = Scheduler(runtime)
        try:
            if once:
                report = await runner.run_once()
                typer.echo(f"reminders sent {report.reminders}, digests sent {report.digests}")
                return
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            runner.start()
            try:
                await stop.wait()
            finally:
                await runner.stop()
        finally:
            for close in closers:
                await close()

    _with_runtime(settings, work)


def register_direct_notifiers(runtime: Runtime) -> list[Callable[[], Awaitable[None]]]:
    """The chat platforms configured, as ways to write to a person first (reminders, digests);
    what to close when done."""
    closers: list[Callable[[], Awaitable[None]]] = []
    if runtime.settings.slack_configured or runtime.settings.slack_bot_token:
        from oppbot.adapters.slack.direct import SlackDirectNotifier

        runtime.direct.add(SlackDirectNotifier.for_runtime(runtime))
    if runtime.settings.teams_configured:
        from oppbot.adapters.teams import build_teams

        teams = build_teams(runtime)  # registers its direct, live-card and feed notifiers

        async def close_teams() -> None:
            await teams.outbox.drain()
            await teams.sdk.stop()

        closers.append(close_teams)
    return closers


@setup_app.command("demo")
def setup_demo() -> None:
    """Load Business Central's demo cycles, codes and people plus demo opportunities (idempotent)."""
    from oppbot.service.setup import load_demo

    report = _with_runtime(_settings(), lambda rt: load_demo(rt.service))
    typer.echo("demo data loaded: " + ", ".join(f"{k} {v}" for k, v in report.counts.items()))


@setup_app.command("load")
def setup_load(file: Annotated[Path, typer.Argument(help="A YAML or JSON set-up file.")]) -> None:
    """Load a set-up file: upsert by code in one transaction; a bad file changes nothing."""
    from oppbot.service.setup import SetupError, load_setup

    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        typer.echo(f"oppbot: cannot read {file}: {exc.strerror}", err=True)
        raise typer.Exit(EXIT_ERROR) from exc
    try:
        report = _with_runtime(_settings(), lambda rt: load_setup(rt.service, text, source=str(file)))
    except (SetupError, DomainError) as exc:
        typer.echo(f"oppbot: {file}: {exc}", err=True)
        raise typer.Exit(EXIT_ERROR) from exc
    typer.echo(f"{file} loaded: " + ", ".join(f"{k} {v}" for k, v in report.counts.items()))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply Alembic migrations to OPPBOT_DATABASE_URL."""

    async def nothing(_rt: Runtime) -> None:
        return None

    settings = _settings()
    from oppbot.logs import configure_logging

    configure_logging(settings.log_format)  # a migration job logs which migrations it ran
    _with_runtime(settings, nothing)
    typer.echo("database is up to date")


@teams_app.command("package")
def teams_package(
    out: Annotated[Path, typer.Option("--out", help="Where to write the zip.")] = Path("oppbot-teams.zip"),
) -> None:
    """Build the Teams app package to upload (manifest with OPPBOT_TEAMS_APP_ID, icons)."""
    from oppbot.adapters.teams.package import PackageError, build_package

    settings = _settings()
    if not settings.teams_app_id:
        typer.echo(
            "oppbot: OPPBOT_TEAMS_APP_ID is not set: the package needs the bot's Microsoft App ID", err=True
        )
        raise typer.Exit(EXIT_USAGE)
    try:
        written = build_package(settings.teams_app_id, out)
    except PackageError as exc:
        typer.echo(f"oppbot: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from exc
    except OSError as exc:
        typer.echo(f"oppbot: cannot write {out}: {exc.strerror}", err=True)
        raise typer.Exit(EXIT_ERROR) from exc
    typer.echo(f"Teams app package written to {written}: upload it in Teams (Apps → Manage your apps)")


def main() -> None:
    try:
        app()
    except Exception as exc:  # a runtime failure is one line for the user, not a stack trace
        logging.getLogger("oppbot").debug("command failed", exc_info=True)
        typer.echo(f"oppbot: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
