"""Run an aiohttp application on 127.0.0.1 with an OS-assigned free port."""

from __future__ import annotations

from aiohttp import web


class LoopbackServer:
    """Serves ``app`` on a random free loopback port; ``url`` is e.g. ``http://127.0.0.1:54321``."""

    def __init__(self, app: web.Application) -> None:
        self._app = app
        # Short shutdown timeout: tests must not wait seconds for keep-alive connections to drain.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        self.url = ""

    async def start(self) -> str:
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self.url

    @property
    def addresses(self) -> list[str]:
        """The host part of every socket the server listens on."""
        return [str(address[0]) for address in self._runner.addresses]

    async def stop(self) -> None:
        await self._runner.cleanup()
