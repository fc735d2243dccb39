"""The Teams app: its manifest (the official schema, vendored), its icons, and `oppbot teams package`
run as people run it (a real process, a real zip)."""

from __future__ import annotations

import io
import json
import os
import runpy
import subprocess
import sys
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator
from PIL import Image

from oppbot.adapters.teams.package import PLACEHOLDER_ID, app_manifest, command_lists
from oppbot.grammar.usage import USAGE, VERB_ALIASES

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = ROOT / "manifests" / "teams"
SCHEMA = Path(__file__).parent / "schema" / "MicrosoftTeams-1.19.schema.json"
APP_ID = "1b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b"


@cache
def manifest_validator() -> Draft4Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema)


def valid_manifest(manifest: dict[str, Any]) -> dict[str, Any]:
    errors = [
        f"{list(e.absolute_path)}: {e.message[:200]}" for e in manifest_validator().iter_errors(manifest)
    ]
    assert not errors, errors
    return manifest


def committed() -> dict[str, Any]:
    data = json.loads((MANIFESTS / "manifest.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_the_manifest_follows_the_official_schema() -> None:
    manifest = valid_manifest(committed())
    version = manifest["manifestVersion"]
    assert manifest["$schema"].endswith(f"/teams/v{version}/MicrosoftTeams.schema.json")
    assert json.loads(SCHEMA.read_text())["properties"]["manifestVersion"]["const"] == version
    assert manifest["id"] == PLACEHOLDER_ID  # the package puts the configured one
    (bot,) = manifest["bots"]
    assert bot["botId"] == PLACEHOLDER_ID and sorted(bot["scopes"]) == ["groupChat", "personal", "team"]
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}


def test_the_command_lists_are_the_grammars() -> None:
    """Kept in step with the grammar: regenerate the file's lists from command_lists() if this fails."""
    lists = committed()["bots"][0]["commandLists"]
    assert lists == command_lists()
    scopes = sorted(s for x in lists for s in x["scopes"])
    assert scopes == ["groupChat", "personal", "team"]
    usage = set(USAGE.values())
    for entry in (c for x in lists for c in x["commands"]):
        title, description = entry["title"], entry["description"]
        assert title in VERB_ALIASES, title  # what people type is a verb the parser knows
        assert len(description) <= 128 and description.split()[0] == title
        assert description in usage or (
            description.endswith(" …") and any(u.startswith(description[:-2]) for u in usage)
        )
    personal = {c["title"] for c in lists[0]["commands"]}
    assert {"new", "list", "show", "next", "win", "lose", "help"} <= personal


def test_icons_are_the_sizes_teams_asks_for() -> None:
    color = Image.open(MANIFESTS / "color.png")
    assert color.size == (192, 192) and color.format == "PNG"
    outline = Image.open(MANIFESTS / "outline.png").convert("RGBA")
    assert outline.size == (32, 32)
    pixels = [outline.getpixel((x, y)) for x in range(32) for y in range(32)]
    alphas = {p[3] for p in pixels}  # type: ignore[index]
    assert 0 in alphas and 255 in alphas  # transparent around, opaque where drawn
    assert all(p[:3] == (255, 255, 255) for p in pixels if p[3] > 0)  # type: ignore[index]  # white only


def test_the_icon_script_draws_the_committed_icons() -> None:
    script = runpy.run_path(str(MANIFESTS / "make_icons.py"))
    for name, draw in (("color.png", script["color_icon"]), ("outline.png", script["outline_icon"])):
        committed_icon = Image.open(MANIFESTS / name).convert("RGBA")
        drawn = draw().convert("RGBA")
        assert drawn.size == committed_icon.size and drawn.tobytes() == committed_icon.tobytes(), name


def test_the_app_id_goes_into_the_app_and_the_bot() -> None:
    manifest = valid_manifest(app_manifest(APP_ID.upper()))
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID


# --- the command, as a process ----------------------------------------------------------------------------
def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "oppbot", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
        check=False,
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OPPBOT_")}
    clean["OPPBOT_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path}/cli.db"
    return clean


def test_teams_package_builds_the_zip_with_the_configured_app_id(env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "out" / "app.zip"
    result = run(["teams", "package", "--out", str(out)], {**env, "OPPBOT_TEAMS_APP_ID": APP_ID}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert str(out) in result.stdout
    with zipfile.ZipFile(out) as zf:
        assert sorted(zf.namelist()) == ["color.png", "manifest.json", "outline.png"]  # at the root
        manifest = valid_manifest(json.loads(zf.read("manifest.json")))
        icons = {name: zf.read(name) for name in ("color.png", "outline.png")}
    assert manifest["id"] == manifest["bots"][0]["botId"] == APP_ID
    assert PLACEHOLDER_ID not in json.dumps(manifest)
    for name, data in icons.items():
        assert data == (MANIFESTS / name).read_bytes()
        Image.open(io.BytesIO(data)).verify()
    # The default name, in the current directory.
    result = run(["teams", "package"], {**env, "OPPBOT_TEAMS_APP_ID": APP_ID}, tmp_path)
    assert result.returncode == 0 and (tmp_path / "oppbot-teams.zip").is_file()


@pytest.mark.parametrize(("app_id", "says"), [(None, "is not set"), ("my-bot", "GUID")])
def test_teams_package_without_an_app_id_is_bad_usage(
    env: dict[str, str], tmp_path: Path, app_id: str | None, says: str
) -> None:
    if app_id:
        env = {**env, "OPPBOT_TEAMS_APP_ID": app_id}
    result = run(["teams", "package", "--out", "app.zip"], env, tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "OPPBOT_TEAMS_APP_ID" in lines[0] and says in lines[0], result.stderr
    assert not (tmp_path / "app.zip").exists()
