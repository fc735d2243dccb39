"""Log set-up: plain text, or (`OPPBOT_LOG_FORMAT=json`) one JSON object per line for log stacks.

A request's context (key, surface, user, opportunity) lives in context variables set by the adapter
that handles it, so every line logged while it runs carries them, whichever module logs it.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

request_key: ContextVar[str | None] = ContextVar("request_key", default=None)
surface: ContextVar[str | None] = ContextVar("surface", default=None)
user: ContextVar[str | None] = ContextVar("user", default=None)
opportunity: ContextVar[str | None] = ContextVar("opportunity", default=None)

_CONTEXT = (("request_key", request_key), ("surface", surface), ("user", user), ("opportunity", opportunity))


@contextmanager
def request_context(**values: str | None) -> Iterator[None]:
    """Set some of request_key, surface, user, opportunity for the code run inside."""
    tokens = [(var, var.set(values[name])) for name, var in _CONTEXT if name in values]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, the request context, and any
    `extra={"duration_ms": ...}` the caller passed; an exception as its formatted text."""

    EXTRA = ("duration_ms", "command", "outcome", "status")

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        for name, var in _CONTEXT:
            if (value := var.get()) is not None:
                entry[name] = value
        for name in self.EXTRA:
            if (value := record.__dict__.get(name)) is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(log_format: str = "text", level: int = logging.INFO) -> None:
    """Route every logger (oppbot's, aiohttp's, Bolt's) to stderr in the chosen format."""
    handler = logging.StreamHandler(sys.stderr)
    if str(log_format) == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
