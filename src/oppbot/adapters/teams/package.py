"""`oppbot teams package`: the Teams app package (a zip of manifest.json, color.png, outline.png).

The manifest lives in `manifests/teams/` with a placeholder id; the package gets the configured
OPPBOT_TEAMS_APP_ID as the app's id and the bot's id (one Entra app registration serves both). Its
command lists are the grammar's own usage lines (`command_lists`); a test keeps the file in step.
"""

from __future__ import annotations

import json
import uuid
import zipfile
from pathlib import Path
from typing import Any

from oppbot.grammar.usage import USAGE

PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000"
ICONS = ("color.png", "outline.png")
# Teams' limits on a command list (manifest schema): 10 commands, a title of 32, a description of 128.
MAX_COMMANDS = 10
MAX_DESCRIPTION = 128
# What Teams suggests as one types, per scope: a person's own work in 1:1 chat, the team's in channels.
PERSONAL = ("new", "list", "show", "next", "update", "win", "lose", "pipeline", "stats", "help")
SHARED = ("list", "show", "new", "pipeline", "stats", "history", "cycles", "contacts", "feed", "help")
# A fixed time for the zip's entries: the same inputs give the same package.
ZIP_TIME = (2026, 1, 1, 0, 0, 0)


class PackageError(Exception):
    """The package can't be built; the message says why in one line."""


def manifest_dir() -> Path:
    """`manifests/teams` of the checkout oppbot runs from, else of the current directory."""
    checkout = Path(__file__).resolve().parents[4] / "manifests" / "teams"
    return checkout if checkout.is_dir() else Path.cwd() / "manifests" / "teams"


def _short(usage: str) -> str:
    """A usage line within Teams' 128 characters, cut after a whole option."""
    if len(usage) <= MAX_DESCRIPTION:
        return usage
    cut = usage[: MAX_DESCRIPTION - 2]
    return cut[: cut.rfind("] ") + 1] + " …"


def command(verb: str) -> dict[str, str]:
    usage = USAGE[verb]
    return {"title": usage.split()[0], "description": _short(usage)}


def command_lists() -> list[dict[str, Any]]:
    """The bot's command lists, from the grammar's usage lines (titles are what people type)."""
    return [
        {"scopes": ["personal"], "commands": [command(v) for v in PERSONAL[:MAX_COMMANDS]]},
        {"scopes": ["team", "groupChat"], "commands": [command(v) for v in SHARED[:MAX_COMMANDS]]},
    ]


def load_manifest(source: Path | None = None) -> dict[str, Any]:
    path = (source or manifest_dir()) / "manifest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PackageError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise PackageError(f"{path} is not a JSON object")
    return data


def app_manifest(app_id: str, source: Path | None = None) -> dict[str, Any]:
    """The manifest with `app_id` as the app's and the bot's id."""
    try:
        app_id = str(uuid.UUID(app_id.strip()))
    except ValueError as exc:
        raise PackageError(
            f"OPPBOT_TEAMS_APP_ID must be the bot's Microsoft App ID (a GUID), not {app_id!r}"
        ) from exc
    manifest = load_manifest(source)
    manifest["id"] = app_id
    for bot in manifest.get("bots", []):
        bot["botId"] = app_id
    return manifest


def build_package(app_id: str, out: Path, source: Path | None = None) -> Path:
    """Write the uploadable zip to `out`: the manifest (with the app id) and both icons at its root."""
    folder = source or manifest_dir()
    manifest = app_manifest(app_id, folder)
    missing = [name for name in ICONS if not (folder / name).is_file()]
    if missing:
        raise PackageError(f"{folder} lacks {', '.join(missing)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
        zf.writestr(zipfile.ZipInfo("manifest.json", ZIP_TIME), text)
        for name in ICONS:
            zf.writestr(zipfile.ZipInfo(name, ZIP_TIME), (folder / name).read_bytes())
    return out
