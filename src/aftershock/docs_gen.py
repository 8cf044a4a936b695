"""Generate docs/scenario-format.md (from the JSON Schema) and docs/cli-reference.md (from --help).

    python -m aftershock.docs_gen          # rewrite both files
    make docs                              # the same

``tests/test_docs.py`` fails when the files in the repository differ from what this makes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from aftershock import api

DOCS = Path(__file__).parents[2] / "docs"


def _type(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{name.lower()})"
    if "anyOf" in prop:
        return " or ".join(_type(p) for p in prop["anyOf"])
    if "allOf" in prop:
        return " and ".join(_type(p) for p in prop["allOf"])
    if "enum" in prop:
        return "one of " + ", ".join(f"`{v}`" for v in prop["enum"])
    if "const" in prop:
        return f"`{prop['const']}`"
    kind = prop.get("type", "any")
    if kind == "array":
        return f"list of {_type(prop.get('items', {}))}"
    if kind == "object" and "additionalProperties" in prop:
        return f"map of name → {_type(prop['additionalProperties'])}"
    return str(kind)


def _constraints(prop: dict[str, Any]) -> str:
    parts = []
    for key, label in (
        ("minimum", "≥"),
        ("exclusiveMinimum", ">"),
        ("maximum", "≤"),
        ("exclusiveMaximum", "<"),
        ("minLength", "min length"),
        ("maxLength", "max length"),
        ("minItems", "min items"),
        ("maxItems", "max items"),
        ("pattern", "pattern"),
    ):
        for p in [prop, *prop.get("anyOf", [])]:
            if key in p:
                value = f"`{p[key]}`" if key == "pattern" else p[key]
                parts.append(f"{label} {value}")
    return ", ".join(dict.fromkeys(parts))


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def scenario_format() -> str:
    """Markdown reference of every model in the scenario schema."""
    schema = api.schema()
    models = {"Scenario": schema, **schema.get("$defs", {})}
    out = [
        "# Scenario format",
        "",
        "Generated from the JSON Schema by `python -m aftershock.docs_gen`; do not edit by hand.",
        "Get the schema itself with `aftershock schema > scenario.schema.json` and point your",
        "editor's YAML plugin at it for completion and checks while you type.",
        "",
        'Unknown keys are errors (with a "did you mean"). Days are whole numbers counted from',
        "day 0, the start of the horizon; `start_date` only names day 0 on the calendar.",
        "",
    ]
    for name, model in models.items():
        out += [f"## {name}", ""]
        if model.get("description"):
            out += [" ".join(model["description"].split()), ""]
        props = model.get("properties", {})
        if not props:
            if "enum" in model:
                out += ["One of: " + ", ".join(f"`{v}`" for v in model["enum"]), ""]
            continue
        required = set(model.get("required", []))
        out += [
            "| field | type | required | default | constraints | description |",
            "|---|---|---|---|---|---|",
        ]
        for field, prop in props.items():
            default = prop.get("default", "")
            default_text = "" if field in required else f"`{default}`" if default != "" else ""
            description = _cell(prop.get("description", ""))
            out.append(
                f"| `{field}` | {_cell(_type(prop))} | {'yes' if field in required else ''} | "
                f"{_cell(default_text)} | {_cell(_constraints(prop))} | {description} |"
            )
        out.append("")
    return "\n".join(out)


def cli_reference() -> str:
    """Markdown of every command's --help."""
    from typer.main import get_command
    from typer.testing import CliRunner

    from aftershock.cli.app import app

    env = {"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb", "_TYPER_FORCE_DISABLE_TERMINAL": "1"}
    runner = CliRunner()
    root = get_command(app)
    out = [
        "# CLI reference",
        "",
        "Generated from `--help` by `python -m aftershock.docs_gen`; do not edit.",
        "",
    ]

    def walk(command: Any, path: list[str]) -> None:
        result = runner.invoke(app, [*path, "--help"], env=env, prog_name="aftershock")
        title = " ".join(["aftershock", *path])
        text = "\n".join(line.rstrip() for line in result.output.rstrip().splitlines())
        out.extend([f"## `{title}`", "", "```", text, "```", ""])
        for name in sorted(getattr(command, "commands", {}) or {}):
            walk(command.commands[name], [*path, name])

    old = os.environ.copy()
    os.environ.update(env)
    try:
        walk(root, [])
    finally:
        os.environ.clear()
        os.environ.update(old)
    return "\n".join(out)


def documents() -> dict[str, str]:
    """Every generated document by file name."""
    return {"scenario-format.md": scenario_format(), "cli-reference.md": cli_reference()}


def main() -> None:
    """Rewrite the generated documents."""
    DOCS.mkdir(exist_ok=True)
    for name, text in documents().items():
        (DOCS / name).write_text(text + "\n", encoding="utf-8")
        print(f"wrote docs/{name}")


if __name__ == "__main__":
    main()
