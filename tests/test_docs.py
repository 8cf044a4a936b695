"""Docs stay true: generated references are current, examples validate, nothing is undocumented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from aftershock import api, docs_gen
from aftershock.policies import allocation_policies
from aftershock.testing import scenario_dict, write_scenario

DOCS = Path(__file__).parents[1] / "docs"


@pytest.mark.parametrize("name", ["scenario-format.md", "cli-reference.md"])
def test_generated_docs_are_current(name: str) -> None:
    assert (DOCS / name).read_text() == docs_gen.documents()[name] + "\n", (
        f"docs/{name} is out of date: run `make docs`"
    )


def test_every_command_is_in_the_cli_reference() -> None:
    from typer.main import get_command

    from aftershock.cli.app import app

    text = (DOCS / "cli-reference.md").read_text()
    root = get_command(app)
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        assert f"## `aftershock {name}`" in text, name
        for sub in getattr(command, "commands", {}) or {}:
            assert f"## `aftershock {name} {sub}`" in text, sub


def test_every_policy_is_documented() -> None:
    text = (DOCS / "policies.md").read_text()
    for name in allocation_policies():
        assert f"| `{name}` |" in text, name


def test_concept_examples_validate(tmp_path: Path) -> None:
    text = (DOCS / "concepts.md").read_text()
    blocks = re.findall(r"```yaml\n# example: (\w+)\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 8
    for concept, body in blocks:
        fragment = yaml.safe_load(body)
        data = scenario_dict()
        for key, value in fragment.items():
            if isinstance(value, list) and all(isinstance(v, dict) and "id" in v for v in value):
                merged = {v["id"]: v for v in data.get(key, [])}
                merged.update({v["id"]: v for v in value})
                data[key] = list(merged.values())
            else:
                data[key] = value
        folder = tmp_path / concept
        api.validate(write_scenario(folder, data))


def test_every_public_name_has_a_docstring() -> None:
    import aftershock

    for name in aftershock.__all__:
        obj = getattr(aftershock, name)
        if callable(obj):
            assert obj.__doc__, name
