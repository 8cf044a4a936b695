"""YAML/JSON parsing that remembers the line of every key, so errors can point at it."""

from __future__ import annotations

import json
from typing import Any

import yaml

from aftershock.errors import Problem, ScenarioError

Path_ = tuple[str | int, ...]


def parse_document(text: str, source: str, *, is_json: bool = False) -> tuple[Any, dict[Path_, int]]:
    """Parse YAML (or JSON) text; return the data and a map from key path to line number.

    Raises :class:`ScenarioError` naming the line of a syntax error or duplicate key.
    """
    json_data: Any = None
    if is_json:
        try:
            json_data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ScenarioError.from_problems(
                [Problem(source, f"JSON syntax error: {exc.msg}", line=exc.lineno)]
            ) from None
        # JSON allows tabs where YAML does not; raw tabs cannot occur inside JSON strings,
        # so replacing them keeps every value and line of the YAML view used for line numbers
        text = text.replace("\t", " ")
    try:
        data, node = _parse_yaml(text, source)
    except ScenarioError:
        if is_json:  # valid JSON that YAML cannot read: the data without line numbers
            return json_data, {}
        raise
    lines: dict[Path_, int] = {}
    duplicates: list[Problem] = []
    _walk(node, (), lines, duplicates, source)
    if duplicates:
        raise ScenarioError.from_problems(duplicates)
    # the JSON parser's values are the reference (YAML reads "\ud83d\ude00" as two surrogates)
    return (json_data if is_json else data), lines


def _parse_yaml(text: str, source: str) -> tuple[Any, yaml.Node]:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise ScenarioError.from_problems([Problem(source, "the file is empty")])
        return loader.construct_document(node), node
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = exc.problem or str(exc)
        start = exc.context_mark
        if exc.context and start is not None and mark is not None and start.line != mark.line:
            what += f" ({exc.context} that starts on line {start.line + 1})"
        raise ScenarioError.from_problems(
            [Problem(source, f"YAML syntax error: {what}", line=line)]
        ) from None
    except yaml.YAMLError as exc:
        raise ScenarioError.from_problems([Problem(source, f"YAML error: {exc}")]) from None
    finally:
        loader.dispose()


def _walk(node: yaml.Node, path: Path_, lines: dict[Path_, int], dups: list[Problem], source: str) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                dups.append(
                    Problem(
                        source,
                        f"duplicate key '{key}' (the earlier value would be silently replaced)",
                        line=key_node.start_mark.line + 1,
                        field=_dotted((*path, key)),
                    )
                )
            seen.add(key)
            lines[(*path, key)] = key_node.start_mark.line + 1
            _walk(value_node, (*path, key), lines, dups, source)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines, dups, source)


def _dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def line_of(lines: dict[Path_, int], path: Path_) -> int | None:
    """Line of the longest prefix of ``path`` that the document contains."""
    for end in range(len(path), -1, -1):
        found = lines.get(tuple(path[:end]))
        if found is not None:
            return found
    return None


dotted = _dotted
