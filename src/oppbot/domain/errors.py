"""Domain errors: a stable code plus the values a friendly message needs."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule was broken. `code` is the spec's error code; `params` fill the message."""

    def __init__(self, code: str, /, **params: Any) -> None:
        super().__init__(code, params)
        self.code = code
        self.params: dict[str, Any] = params

    def __str__(self) -> str:
        details = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.code}({details})" if details else self.code
