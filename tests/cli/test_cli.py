"""The command line as people and outside tests drive it: real processes, a real SQLite file."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

OPPBOT = [sys.executable, "-m", "oppbot"]


def run(
    args: list[str], env: dict[str, str], stdin: str = "", timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*OPPBOT, *args], input=stdin, capture_output=True, text=True, env=env, timeout=timeout, check=False
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OPPBOT_")}
    clean["OPPBOT_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path}/cli.db"
    return clean


def test_scripted_chat_loads_demo_and_answers_each_line(env: dict[str, str]) -> None:
    result = run(["chat", "--as", "AH"], env, stdin="list\nshow OP000001\nnxt OP000001\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Your opportunities" in out
    assert "OP000001 ·" in out  # the card names its number
    assert "Did you mean `next`?" in out
    assert "Traceback" not in out + result.stderr


def test_chat_as_unknown_salesperson_is_bad_usage(env: dict[str, str]) -> None:
    result = run(["chat", "--as", "NOPE"], env)
    assert result.returncode == 2
    assert "no salesperson NOPE" in result.stderr


def test_bad_setting_stops_with_one_line_naming_it(env: dict[str, str]) -> None:
    result = run(["db", "upgrade"], {**env, "OPPBOT_CURRENCY": "XYZ"})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "OPPBOT_CURRENCY" in lines[0]


def test_setup_demo_twice_changes_nothing(env: dict[str, str]) -> None:
    first = run(["setup", "demo"], env)
    assert first.returncode == 0, first.stderr
    second = run(["setup", "demo"], env)
    assert second.returncode == 0, second.stderr
    listing = run(["chat", "--as", "OF"], env, stdin="list all status=all\n")
    numbers = {word for word in listing.stdout.split() if word.startswith("OP0")}
    assert len(numbers) == 12


def test_setup_load_bad_file_is_reported_and_changes_nothing(env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "sales_cycles:\n  - code: X1\n    stages:\n"
        "      - {stage: 1, description: A, completed: 150, chances: 5}\n"
    )
    result = run(["setup", "load", str(bad)], env)
    assert result.returncode == 1
    assert "completed" in result.stderr
    cycles = run(["chat", "--as", "OF"], env, stdin="cycles\n")
    assert "X1" not in cycles.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_healthz_and_stops_on_sigterm(env: dict[str, str]) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [*OPPBOT, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        body = ""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    body = response.read().decode()
                    break
            except OSError:
                time.sleep(0.1)
        assert '"ok"' in body
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
