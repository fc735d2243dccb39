"""The command line's docstring lists exactly the commands that exist (it once named a missing one)."""

from __future__ import annotations

import re

from oppbot import cli


def test_docstring_names_exactly_the_registered_commands() -> None:
    doc = cli.__doc__ or ""
    listed = re.search(r"\):\s*([a-z, ]+)\.", doc)
    assert listed is not None, doc
    named = {word.strip() for word in listed.group(1).split(",")}
    commands = {c.name or (c.callback.__name__ if c.callback else "") for c in cli.app.registered_commands}
    groups = {g.name or "" for g in cli.app.registered_groups}
    assert named == commands | groups
