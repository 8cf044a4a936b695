"""Parsing YAML and JSON while remembering the line of every key."""

from __future__ import annotations

import json

import pytest

from aftershock.errors import ScenarioError
from aftershock.io.yaml_lines import dotted, line_of, parse_document

TEXT = """\
name: x
sites:
  dcs:
    - id: dc
      pick: 5
    - id: dc2
list_of_lists:
  - - a
    - b
"""


def test_every_key_and_list_item_has_its_line() -> None:
    data, lines = parse_document(TEXT, "s.yaml")
    assert data["sites"]["dcs"][1] == {"id": "dc2"}
    assert lines[("name",)] == 1
    assert lines[("sites", "dcs")] == 3
    assert lines[("sites", "dcs", 0)] == 4
    assert lines[("sites", "dcs", 0, "pick")] == 5
    assert lines[("sites", "dcs", 1, "id")] == 6
    assert lines[("list_of_lists", 0, 1)] == 9


def test_line_of_falls_back_to_the_nearest_parent() -> None:
    _, lines = parse_document(TEXT, "s.yaml")
    assert line_of(lines, ("sites", "dcs", 0, "missing_key")) == 4
    assert line_of(lines, ("nowhere",)) == 1  # the document itself
    assert line_of({}, ("a",)) is None


def test_dotted_paths() -> None:
    assert dotted(("requires", 0, "groups", 1, 2, "service")) == "requires[0].groups[1][2].service"
    assert dotted(()) == ""


def test_duplicate_keys_are_all_reported_with_lines() -> None:
    text = "a: 1\nb:\n  c: 1\n  c: 2\na: 3\n"
    with pytest.raises(ScenarioError) as exc:
        parse_document(text, "s.yaml")
    assert [(p.line, p.field) for p in exc.value.problems] == [(4, "b.c"), (5, "a")]


def test_syntax_error_mentions_where_the_construct_started() -> None:
    with pytest.raises(ScenarioError) as exc:
        parse_document('name: x\ntitle: "abc\nhorizon_days: 3\n', "s.yaml")
    [problem] = exc.value.problems
    assert problem.message.startswith("YAML syntax error: found unexpected end of stream")
    assert problem.message.endswith("(while scanning a quoted scalar that starts on line 2)")


def test_json_values_come_from_the_json_parser() -> None:
    text = json.dumps({"a": "\U0001f600 \u00e9", "b": [1, 2.5, None, True]}, indent="\t")
    assert "\\ud83d" in text and "\t" in text
    data, lines = parse_document(text, "s.json", is_json=True)
    assert data == {"a": "\U0001f600 \u00e9", "b": [1, 2.5, None, True]}
    assert lines[("b",)] == 3


def test_json_that_yaml_cannot_read_still_loads_without_lines() -> None:
    # YAML limits implicit keys to 1024 characters; JSON does not
    text = json.dumps({"k" * 1100: 1, "b": 2})
    data, lines = parse_document(text, "s.json", is_json=True)
    assert data == {"k" * 1100: 1, "b": 2} and lines == {}
    with pytest.raises(ScenarioError):
        parse_document(text.replace('"b"', "b: :"), "s.json", is_json=True)
