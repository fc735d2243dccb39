"""A real `oppbot serve` subprocess in playground mode on a temporary SQLite file, and headless Chromium."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Debian's chromium in a container: no sandbox (root in CI), no GPU, nothing fetched from the network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
START_TIMEOUT = 60.0  # seconds: migrations and the demo on a loaded 2-core machine
PAGE_TIMEOUT = 30_000  # ms for each wait in a page: the machine is shared and loaded


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    url: str
    database: Path
    process: subprocess.Popen[str]
    output: list[str]


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any OPPBOT_* setting of the developer's shell (no real credentials)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPPBOT_")}
    env.update(extra)
    return env


def start_serve(tmp_path: Path, **settings: str) -> Served:
    database = tmp_path / "playground.db"
    port = free_port()
    env = clean_env(OPPBOT_DATABASE_URL=f"sqlite+aiosqlite:///{database}", OPPBOT_PORT=str(port), **settings)
    process = subprocess.Popen(
        [sys.executable, "-m", "oppbot", "serve"],
        cwd=tmp_path,  # no developer's .env
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    found = threading.Event()
    url: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            if line.startswith("oppbot playground: "):
                url.append(line.split(": ", 1)[1].strip())
                found.set()

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT
    while not found.wait(0.2):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError("oppbot serve did not print the playground's address:\n" + "".join(output))
    return Served(url[0], database, process, output)


def stop_serve(served: Served) -> None:
    served.process.terminate()
    try:
        served.process.wait(30)
    except subprocess.TimeoutExpired:
        served.process.kill()
        served.process.wait(10)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    server = start_serve(tmp_path)
    try:
        yield server
    finally:
        stop_serve(server)


def need_chromium() -> None:
    """Skip without a browser locally; CI installs it (.ci/run), so there a missing one fails."""
    if CHROMIUM.exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing (CI=true): .ci/run installs Debian's chromium")
    pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    need_chromium()
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("the playwright package is missing (pip install -e '.[dev]')")
    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


@asynccontextmanager
async def open_page(
    browser: Any,
    viewport: tuple[int, int] | None = None,
    *,
    explain: tuple[Served, str] | None = None,
) -> AsyncIterator[tuple[Any, list[str]]]:
    """A new page (`viewport` width × height, else Playwright's default) and its uncaught JavaScript
    errors as they happen. With `explain` (the server and a screenshot's name) a failure inside the
    block leaves the screenshot, the page's text and the server's output behind."""
    options: dict[str, Any] = {}
    if viewport is not None:
        options["viewport"] = {"width": viewport[0], "height": viewport[1]}
    page = await browser.new_page(**options)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(PAGE_TIMEOUT)
    try:
        yield page, errors
    except BaseException:
        if explain is not None:
            served, name = explain
            await explain_failure(served, page, name)
        raise


async def screenshot(page: Any, name: str, *, full_page: bool = False) -> Path:
    """The page as a PNG in tests/artifacts (kept by CI)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    await page.screenshot(path=str(path), full_page=full_page)
    return path


async def explain_failure(served: Served, page: Any, name: str) -> None:
    """What the page showed and what the server said, for a failure in CI."""
    print(f"screenshot: {await screenshot(page, name, full_page=True)}")
    print("page:", await page.locator("body").inner_text())
    print("server:", "".join(served.output[-60:]))


@dataclass
class InProcess:
    """The playground inside the test's own event loop: the workspace and stand-in can be driven directly."""

    playground: Any  # oppbot.playground.SlackPlayground
    url: str

    @property
    def workspace(self) -> Any:
        return self.playground.workspace

    async def home_of(self, user: str, timeout: float = 30.0) -> dict[str, Any]:
        """The App Home view published for `user` (app_home_opened is acknowledged before it is drawn)."""
        views = self.playground.standin.home_views
        deadline = time.monotonic() + timeout
        while user not in views:
            if time.monotonic() > deadline:
                raise AssertionError(f"no App Home published for {user} within {timeout}s")
            await asyncio.sleep(0.05)
        return views[user]

    async def settle(self, before: int, *, quiet: float = 0.4, timeout: float = 30.0) -> None:
        """Wait for the bot's calls that follow a request: at least one new one, then a quiet moment."""
        calls = self.playground.standin.calls
        deadline = time.monotonic() + timeout
        seen = len(calls)
        quiet_since = time.monotonic()
        while time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            if len(calls) != seen:
                seen, quiet_since = len(calls), time.monotonic()
            elif seen > before and time.monotonic() - quiet_since >= quiet:
                return
        raise AssertionError(f"the bot made no Web API call within {timeout}s")


@pytest.fixture
async def in_process(tmp_path: Path) -> AsyncIterator[InProcess]:
    from oppbot.config import load_settings
    from oppbot.playground import SlackPlayground
    from oppbot.playground.loopback import LoopbackServer
    from oppbot.runtime import Runtime
    from oppbot.serve import adapter_mounts
    from oppbot.server import build_app

    settings = load_settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/inproc.db", port=0, locale="en")
    playground = await SlackPlayground.start(settings)
    runtime = Runtime.create(playground.settings)
    await runtime.migrate()
    await playground.load_demo(runtime)
    # As `oppbot serve` mounts them: Slack and Teams (the playground's settings carry both), the page.
    server = LoopbackServer(build_app(runtime, [*adapter_mounts(playground.settings), playground.mount]))
    url = await server.start()
    page_url = playground.attach(int(url.rsplit(":", 1)[1]))
    try:
        yield InProcess(playground, page_url)
    finally:
        await server.stop()
        await playground.stop()
