"""Parsing YAML and JSON while remembering the line of every key."""

from __future__ import annotations

import json
import time

import pytest

from aftershock.errors import ScenarioError
from aftershock.io.yaml_lines import MAX_DEPTH, dotted, line_of, parse_document, parse_value

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


# -- input limits: checked on parse events, before aliases expand or values are built -----

BOMB = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{n}: &{n} [{','.join(['*' + p] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)


# each anchor nests the one before: 41 levels as written, 1,600 expanded
CHAIN = "".join(
    f"a{i}: &a{i} " + "[" * 40 + (f"*a{i - 1}" if i else "0") + "]" * 40 + "\n" for i in range(40)
)


@pytest.mark.parametrize(
    ("text", "is_json", "message", "line"),
    [
        (BOMB, False, "with its aliases expanded the document has 66,430 values; expected at most 20,000", 5),
        (CHAIN, False, "with its aliases expanded, nested more than 48 levels deep", 2),
        ("a:\n  b: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5), False, "levels deep", 2),
        ('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}", True, "levels deep", None),
        ("name: x\nb: y\x00\n", False, "character #x0000 is not allowed", 2),
        ("a: 1\nhorizon_days: " + "9" * 5000, False, "a number of 5000 characters", 2),
        ('{"horizon_days": ' + "9" * 5000 + "}", True, "", None),
        ("start_date: 2022-02-30\n", False, "'2022-02-30' is not a valid date", 1),
        ("x: " + "y" * 2_000_001, False, "expected at most 2,000,000", None),
        ("x: [" + ",".join(["1"] * 900_000) + "]", False, "more than 20,000 values", 1),
        ("".join("  " * i + f"k{i}:\n" for i in range(60)), False, "levels deep", 49),
    ],
)
def test_hostile_documents_are_refused_fast_with_a_line(text, is_json, message, line):
    started = time.monotonic()
    with pytest.raises(ScenarioError) as info:
        parse_document(text, "s.yaml", is_json=is_json)
    assert time.monotonic() - started < 1.0
    problem = info.value.problems[0]
    assert message in problem.message
    assert problem.line == line


def test_a_few_aliases_are_still_fine():
    data, _ = parse_document("base: &b {x: 1}\none: *b\ntwo: *b\n", "s.yaml")
    assert data["two"] == {"x": 1}


def test_override_values_have_the_same_limits():
    with pytest.raises(ScenarioError, match="aliases expanded"):
        parse_value("[" + BOMB.replace("\n", ", ").rstrip(", ") + "]", "--set")
    with pytest.raises(ScenarioError, match="not a valid date"):
        parse_value("2021-13-01", "--set")
    assert parse_value("[unclosed", "--set") == "[unclosed"
