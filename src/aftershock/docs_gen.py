"""Generate docs/scenario-format.md (from the JSON Schema) and docs/cli-reference.md (from --help).

    python -m aftershock.docs_gen          # rewrite both files
    make docs                              # the same

``tests/test_docs.py`` fails when the files in the repository differ from what this makes,
so a new field or command only needs its description (or docstring) and a rerun.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter

from aftershock import api
from aftershock.model.base import Day, Id
from aftershock.model.scenario import Scenario

DOCS = Path(__file__).parents[2] / "docs"

#: Pydantic model classes by name.
Classes = dict[str, type[BaseModel]]

#: Environment of every ``--help`` run, so the text does not depend on the terminal.
HELP_ENV: dict[str, str | None] = {
    "COLUMNS": "100",
    "LINES": "50",
    "NO_COLOR": "1",
    "TERM": "dumb",
    "_TYPER_FORCE_DISABLE_TERMINAL": "1",
    "FORCE_COLOR": None,
    "TTY_COMPATIBLE": None,
    "TTY_INTERACTIVE": None,
}

#: JSON Schema of the shared identifier and day types; fields of these types are shown as
#: ``id`` and ``day`` (explained once at the top) instead of repeating pattern and text.
ID_SCHEMA: dict[str, Any] = TypeAdapter(Id).json_schema()
DAY_SCHEMA: dict[str, Any] = TypeAdapter(Day).json_schema()

_BOUNDS = (
    ("minimum", "≥"),
    ("exclusiveMinimum", ">"),
    ("maximum", "≤"),
    ("exclusiveMaximum", "<"),
    ("minLength", "min length"),
    ("maxLength", "max length"),
    ("minItems", "min items"),
    ("maxItems", "max items"),
)


# --- scenario format ---------------------------------------------------------------------


def _is_id(prop: dict[str, Any]) -> bool:
    return prop.get("pattern") == ID_SCHEMA["pattern"] and prop.get("type") == "string"


def _is_day(prop: dict[str, Any]) -> bool:
    return (
        prop.get("type") == "integer"
        and prop.get("minimum") == DAY_SCHEMA["minimum"]
        and prop.get("description") == DAY_SCHEMA["description"]
    )


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _link(name: str) -> str:
    return f"[{name}](#{name.lower()})"


def _natural(parts: list[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    if len(parts) <= 2:
        return " or ".join(parts)
    return ", ".join(parts[:-1]) + " or " + parts[-1]


def _type(prop: dict[str, Any]) -> str:
    """The type of a property in words, with links to the models it refers to."""
    if "$ref" in prop:
        return _link(_ref_name(prop["$ref"]))
    if "anyOf" in prop:
        members = [m for m in prop["anyOf"] if m.get("type") != "null"]
        nullable = len(members) < len(prop["anyOf"])
        scalars = [m for m in members if m.get("type") != "array"]
        lists = [m for m in members if m.get("type") == "array"]
        text = _natural([_type(m) for m in members])
        # a value or a list of such values (selectors): say it once
        if scalars and len(lists) == 1 and lists[0].get("items", {}).get("anyOf") == scalars:
            text = _natural([_type(m) for m in scalars]) + ", or a list of them"
        if not nullable:
            return text
        return f"{text} or null" if " " not in text else f"{text}; or null"
    if "allOf" in prop:
        return " and ".join(_type(p) for p in prop["allOf"])
    if _is_id(prop):
        return "[id](#identifiers-and-days)"
    if _is_day(prop):
        return "[day](#identifiers-and-days)"
    kind = prop.get("type", "any")
    if kind == "array":
        return f"list of {_type(prop.get('items', {}))}"
    if kind == "object":
        if "patternProperties" in prop:
            (value,) = prop["patternProperties"].values()
            names = prop.get("propertyNames", {})
            key = "id" if names.get("maxLength") == ID_SCHEMA["maxLength"] else "name"
            return f"map of {key} → {_type(value)}"
        if isinstance(prop.get("additionalProperties"), dict):
            return f"map of name → {_type(prop['additionalProperties'])}"
        return "mapping"
    if kind == "string" and prop.get("format") == "date":
        return "date (YYYY-MM-DD)"
    return str(kind)


def _constraints(prop: dict[str, Any]) -> str:
    """Bounds, patterns and allowed values of a property (and of its union members)."""
    parts: list[str] = []
    for p in [prop, *prop.get("anyOf", [])]:
        if _is_id(p) or _is_day(p) or "$ref" in p:
            continue
        for key, label in _BOUNDS:
            if key in p:
                parts.append(f"{label} {p[key]}")
        if "pattern" in p:
            parts.append(f"pattern `{p['pattern']}`")
        if "enum" in p:
            parts.append("one of " + ", ".join(f"`{v}`" for v in p["enum"]))
        elif "const" in p:
            parts.append(f"must be `{p['const']}`")
        items = p.get("items") if p.get("type") == "array" else None
        if isinstance(items, dict):
            inner = _constraints(items)
            if inner:
                parts.append(f"each item: {inner}")
    return ", ".join(dict.fromkeys(parts))


def _as_written(model: BaseModel) -> dict[str, Any]:
    """The fields a default model instance sets, as they would appear in a file."""
    return model.model_dump(mode="json", by_alias=True, exclude_unset=True)


def _literal(value: Any) -> str:
    """A default as it would be written in a scenario file."""
    if value is None:
        return "`null`"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if isinstance(value, str):
        return f"`{value}`"
    if isinstance(value, BaseModel):
        value = _as_written(value)
    if isinstance(value, list):
        value = [_as_written(v) if isinstance(v, BaseModel) else v for v in value]
    return f"`{json.dumps(value, ensure_ascii=False)}`"


def _is_model(tp: Any) -> bool:
    # ``list[Item]`` passes ``isinstance(..., type)`` on some Pythons; it is not a model
    if isinstance(tp, types.GenericAlias) or not isinstance(tp, type):
        return False
    return issubclass(tp, BaseModel)


def _model_classes(root: type[BaseModel] = Scenario) -> Classes:
    """Every model reachable from ``root``, by class name (the JSON Schema's ``$defs`` keys)."""
    found: Classes = {}

    def members(tp: Any) -> Iterator[Any]:
        yield tp
        for arg in typing.get_args(tp):
            yield from members(arg)

    def visit(model: type[BaseModel]) -> None:
        if model.__name__ in found:
            return
        found[model.__name__] = model
        for field in model.model_fields.values():
            for tp in members(field.annotation):
                if _is_model(tp):
                    visit(tp)

    visit(root)
    return found


def _mentions(tp: Any, target: Any) -> bool:
    """Whether the type hint ``tp`` is ``target`` or has it among its arguments."""
    return tp == target or any(_mentions(arg, target) for arg in typing.get_args(tp))


def _day_fields(classes: Classes) -> set[tuple[str, str]]:
    """``(model, key)`` of every field declared with the shared ``Day`` type.

    A field's own description replaces the one of ``Day`` in the JSON Schema, so these
    fields are found from the type hints rather than from the schema.
    """
    found: set[tuple[str, str]] = set()
    for name, model in classes.items():
        hints = typing.get_type_hints(model, include_extras=True)
        for field, info in model.model_fields.items():
            if _mentions(hints.get(field), Day):
                found.add((name, info.alias or field))
    return found


def _default(model_name: str, field: str, prop: dict[str, Any], classes: Classes) -> str:
    """The default of an optional field: from the schema, or from the model's default factory."""
    if "default" in prop:
        return _literal(prop["default"])
    model = classes.get(model_name)
    if model is None:
        return ""
    for name, info in model.model_fields.items():
        if field in (name, info.alias) and info.default_factory is not None:
            return _literal(info.default_factory())  # type: ignore[call-arg]
    return ""


def _refs(prop: Any) -> Iterator[str]:
    """Names of the models a property refers to, in order."""
    if isinstance(prop, dict):
        if "$ref" in prop:
            yield _ref_name(prop["$ref"])
        for value in prop.values():
            yield from _refs(value)
    elif isinstance(prop, list):
        for value in prop:
            yield from _refs(value)


def _paths(models: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """Where each model occurs in a scenario file, e.g. ``incident.restore.<id>``.

    ``[]`` stands for any element of a list, ``<id>`` for any key of a map.
    """
    found: dict[str, list[str]] = {}

    def walk_prop(prop: dict[str, Any], path: str, stack: tuple[str, ...]) -> None:
        if "$ref" in prop:
            walk_model(_ref_name(prop["$ref"]), path, stack)
        for member in prop.get("anyOf", []) + prop.get("allOf", []):
            walk_prop(member, path, stack)
        if isinstance(prop.get("items"), dict):
            walk_prop(prop["items"], path + "[]", stack)
        for value in prop.get("patternProperties", {}).values():
            walk_prop(value, path + ".<id>", stack)
        if isinstance(prop.get("additionalProperties"), dict):
            walk_prop(prop["additionalProperties"], path + ".<name>", stack)

    def walk_model(name: str, path: str, stack: tuple[str, ...]) -> None:
        if name in stack or name not in models:
            return
        if path:
            found.setdefault(name, []).append(path)
        for field, prop in models[name].get("properties", {}).items():
            walk_prop(prop, f"{path}.{field}" if path else field, (*stack, name))

    walk_model("Scenario", "", ())
    return {name: list(dict.fromkeys(p)) for name, p in found.items()}


def _reading_order(models: dict[str, dict[str, Any]]) -> list[str]:
    """Models depth-first from the root in field order, so related models sit together."""
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order or name not in models:
            return
        order.append(name)
        for prop in models[name].get("properties", {}).values():
            for ref in _refs(prop):
                visit(ref)

    visit("Scenario")
    return order + sorted(set(models) - set(order))


def _sentence(text: str) -> str:
    """``text`` stripped, first letter lower case, ending with a full stop."""
    text = text.strip()
    text = text[:1].lower() + text[1:]
    return text if text.endswith(".") else text + "."


def _cell(text: Any) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def scenario_format(schema: dict[str, Any] | None = None) -> str:
    """Markdown reference of every model in the scenario schema: one section, one table each."""
    schema = api.schema() if schema is None else schema
    defs = schema.get("$defs", schema.get("definitions", {}))
    models = {"Scenario": schema, **defs}
    classes = _model_classes()
    paths = _paths(models)
    day_fields = _day_fields(classes)
    out = [
        "# Scenario format",
        "",
        "Generated from the JSON Schema by `python -m aftershock.docs_gen`; do not edit by hand.",
        "Get the schema itself with `aftershock schema > scenario.schema.json` and point your",
        "editor's YAML plugin at it for completion and checks while you type. What the terms",
        "mean is in [concepts](concepts.md).",
        "",
        'Unknown keys are errors (with a "did you mean"). A field that is not required may be',
        "left out; it then takes its default.",
        "",
        "## Identifiers and days",
        "",
        "An **id** names a party, service, site, item or threat: "
        + _sentence(ID_SCHEMA["description"].removeprefix("Identifier:"))
        + f" At most {ID_SCHEMA['maxLength']} characters (pattern `{ID_SCHEMA['pattern']}`).",
        "Parties, services, DCs, channels and items must all have different ids, and none of",
        "the first four may repeat a store id from the store table.",
        "",
        f"A **day** is a whole number ≥ {DAY_SCHEMA['minimum']}, the "
        + _sentence(DAY_SCHEMA["description"])
        + " `start_date` only names day 0 on the calendar. A window from `from_day` to",
        "`until_day` includes its first day and excludes its last; a missing `until_day` means",
        "the end of the horizon unless the field's description says otherwise.",
        "",
    ]
    for name in _reading_order(models):
        model = models[name]
        out += [f"## {name}", ""]
        if model.get("description"):
            out += [_cell(model["description"]), ""]
        if paths.get(name):
            where = ", ".join(f"`{p}`" for p in paths[name])
            out += [f"Where in a scenario file: {where}.", ""]
        props = model.get("properties", {})
        if not props:
            if "enum" in model:
                out += ["One of: " + ", ".join(f"`{v}`" for v in model["enum"]), ""]
            continue
        required = set(model.get("required", []))
        out += [
            "| name | type | required | default | description | constraints |",
            "|---|---|---|---|---|---|",
        ]
        for field, prop in props.items():
            is_required = field in required
            default = "" if is_required else _default(name, field, prop, classes)
            description = prop.get("description", "")
            if description in (ID_SCHEMA["description"], DAY_SCHEMA["description"]):
                description = ""  # the type column links to the shared explanation
            shape = prop
            if (name, field) in day_fields and prop.get("type") == "integer":
                shape = {**prop, "description": DAY_SCHEMA["description"]}  # shown as a day
            out.append(
                f"| `{field}` | {_cell(_type(shape))} | {'yes' if is_required else ''} | "
                f"{_cell(default)} | {_cell(description)} | {_cell(_constraints(shape))} |"
            )
        out.append("")
    return "\n".join(out).rstrip() + "\n"


# --- CLI reference -----------------------------------------------------------------------


def _commands(group: Any, path: list[str]) -> Iterator[tuple[list[str], Any]]:
    """Every visible command under ``group`` (depth first, in registration order)."""
    for name in group.list_commands(None):
        command = group.get_command(None, name)
        if command is None or getattr(command, "hidden", False):
            continue
        yield [*path, name], command
        if hasattr(command, "list_commands"):
            yield from _commands(command, [*path, name])


def command_paths() -> list[list[str]]:
    """The path of every visible CLI command, e.g. ``["runs", "show"]``."""
    from typer.main import get_command

    from aftershock.cli.app import app

    return [path for path, _ in _commands(get_command(app), [])]


def _help(path: list[str]) -> str:
    from typer.testing import CliRunner

    from aftershock.cli.app import app

    result = CliRunner().invoke(app, [*path, "--help"], env=HELP_ENV, prog_name="aftershock")
    if result.exit_code != 0:
        raise RuntimeError(f"aftershock {' '.join(path)} --help failed: {result.output}")
    lines = [line.rstrip() for line in result.output.splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(lines).rstrip()


def cli_reference() -> str:
    """Markdown of every command's ``--help``, with an index."""
    from typer.main import get_command

    from aftershock.cli.app import app

    commands = list(_commands(get_command(app), []))
    out = [
        "# CLI reference",
        "",
        "Generated from `--help` by `python -m aftershock.docs_gen`; do not edit by hand.",
        "Every command that takes a SCENARIO accepts a bundled scenario name or a path. Errors",
        "in the input are printed one per line (file, line or row, field, what was expected)",
        "with exit code 1; usage errors exit with 2; `--debug` before the command shows a",
        "traceback for an internal error (exit code 3).",
        "",
        "| command | what it does |",
        "|---|---|",
    ]
    for path, command in commands:
        title = " ".join(["aftershock", *path])
        anchor = title.replace(" ", "-")
        summary = command.get_short_help_str(limit=200)
        out.append(f"| [`{title}`](#{anchor}) | {_cell(summary)} |")
    out.append("")
    for path in [[], *(p for p, _ in commands)]:
        title = " ".join(["aftershock", *path])
        out += [f"## `{title}`", "", "```", _help(path), "```", ""]
    return "\n".join(out).rstrip() + "\n"


# --- entry point -------------------------------------------------------------------------


def documents() -> dict[str, str]:
    """Every generated document by file name (each text ends with one newline)."""
    return {"scenario-format.md": scenario_format(), "cli-reference.md": cli_reference()}


def main() -> None:
    """Rewrite the generated documents."""
    DOCS.mkdir(exist_ok=True)
    for name, text in documents().items():
        (DOCS / name).write_text(text, encoding="utf-8")
        print(f"wrote docs/{name}")


if __name__ == "__main__":
    main()
