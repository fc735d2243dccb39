"""A playground pane's revision number and the page's long poll on it: "anything after revision N?"."""

from __future__ import annotations

import asyncio


class LongPolled:
    """Mixed into the Slack workspace and the Teams chat; each sets the three attributes at creation."""

    rev: int
    closing: bool
    _changed: asyncio.Event

    def _bump(self) -> None:
        self.rev += 1
        self._changed.set()
        self._changed = asyncio.Event()

    def release(self) -> None:
        """The server is stopping: answer every waiting long poll now, so none holds the shutdown up."""
        self.closing = True
        self._bump()

    async def wait(self, after: int, timeout: float) -> None:
        """Return once something changed after revision `after` (or on timeout): the page's long poll."""
        if self.rev > after or self.closing:
            return
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
        except TimeoutError:
            return
