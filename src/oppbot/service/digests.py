"""A manager's digest (placeholder: the branch `digests` brings the real content).

The scheduler only relies on this interface: `build(manager, since=…, now=…)` returns the direct
message to send (a document, maybe with the chart as an image).
"""

from __future__ import annotations

from datetime import datetime

from oppbot.notify.port import Direct
from oppbot.replies.document import Note
from oppbot.service.opportunities import OpportunityService


class DigestService:
    def __init__(self, service: OpportunityService) -> None:
        self.service = service

    async def build(self, manager: str, *, since: datetime | None, now: datetime) -> Direct:
        start = since.isoformat(timespec="minutes") if since else "the start"
        return Direct(
            manager, Note((f"Digest for {manager}: {start} to {now.isoformat(timespec='minutes')}",))
        )
