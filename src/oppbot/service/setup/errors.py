"""The set-up file's errors: each problem is placed at a path and, when the text had one, a line."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

Loc = tuple[str | int, ...]


class SetupError(Exception):
    """A set-up file that cannot be loaded. Each problem reads ``path (line N): message``."""

    def __init__(self, errors: str | Sequence[str], *, source: str = "<file>") -> None:
        self.errors: list[str] = [errors] if isinstance(errors, str) else list(errors)
        self.source = source
        super().__init__("\n".join(self.errors))


def _format_loc(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out or "(file)"


class _Problems:
    """Problems found so far, each placed at a path and, when the text had one, a line."""

    def __init__(self, lines: Mapping[Loc, int], source: str) -> None:
        self.lines = lines
        self.source = source
        self.items: list[str] = []

    def line(self, loc: Loc) -> int | None:
        for end in range(len(loc), 0, -1):
            if loc[:end] in self.lines:
                return self.lines[loc[:end]]
        return None

    def add(self, loc: Loc, message: str) -> None:
        line = self.line(loc)
        where = _format_loc(loc) + (f" (line {line})" if line else "")
        self.items.append(f"{where}: {message}")

    def check(self) -> None:
        if self.items:
            raise SetupError(self.items, source=self.source)
