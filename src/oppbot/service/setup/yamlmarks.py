"""Reading a set-up file: YAML (JSON is YAML) keeping every key's and item's line."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from oppbot.service.setup.errors import Loc, SetupError, _Problems


def _walk(node: yaml.Node, path: Loc, lines: dict[Loc, int], problems: list[tuple[Loc, str]]) -> None:
    if len(path) > 32:
        return
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key = str(key_node.value)
            here = (*path, key)
            lines.setdefault(here, key_node.start_mark.line + 1)
            if key_node.tag == "tag:yaml.org,2002:bool":
                hint = " (did you mean `number`?)" if key.lower() == "no" else ""
                problems.append((here, f"YAML reads the key `{key}` as true/false{hint}"))
            elif key in seen and key != "<<":
                problems.append((here, "this key is given twice"))
            seen.add(key)
            _walk(value_node, here, lines, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines.setdefault((*path, index), item.start_mark.line + 1)
            _walk(item, (*path, index), lines, problems)


def _read(data_or_text: str | bytes | Mapping[str, Any], source: str) -> tuple[Any, _Problems]:
    if isinstance(data_or_text, Mapping):
        return dict(data_or_text), _Problems({}, source)
    loader = yaml.SafeLoader(data_or_text)
    lines: dict[Loc, int] = {}
    found: list[tuple[Loc, str]] = []
    try:
        node = loader.get_single_node()
        if node is not None:
            _walk(node, (), lines, found)
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"(file) (line {mark.line + 1})" if mark else "(file)"
        raise SetupError(f"{where}: not valid YAML: {exc.problem or exc.context}", source=source) from exc
    except yaml.YAMLError as exc:
        raise SetupError(f"(file): not valid YAML: {exc}", source=source) from exc
    finally:
        loader.dispose()
    problems = _Problems(lines, source)
    for loc, message in found:
        problems.add(loc, message)
    problems.check()
    return data, problems
