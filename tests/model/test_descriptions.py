"""Every field of the scenario schema says what it means, its unit, and what leaving it out does.

The descriptions end up in ``aftershock schema`` (editor completion) and in the generated
docs/scenario-format.md, so they are checked here on the JSON Schema users see.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import TypeAdapter

from aftershock.model import Scenario
from aftershock.model.base import Day, Id

SCHEMA = Scenario.model_json_schema(by_alias=True)
#: Descriptions of the shared types: a field that only inherits one of these has none of its own.
SHARED = {TypeAdapter(Id).json_schema()["description"], TypeAdapter(Day).json_schema()["description"]}
#: "Leave out for ...", "Leave out to ...", "Leave a service out (or ...) and ...".
LEAVE_OUT = re.compile(r"\bLeave (\w+ ){0,3}out\b")


def fields() -> list[tuple[str, str, dict[str, Any], bool]]:
    """``(model, key, property, required)`` of every field of every model."""
    models = {"Scenario": SCHEMA, **SCHEMA["$defs"]}
    out = []
    for name, model in models.items():
        required = set(model.get("required", []))
        for key, prop in model.get("properties", {}).items():
            out.append((name, key, prop, key in required))
    return out


FIELDS = fields()


@pytest.mark.parametrize(
    ("model", "key", "prop", "required"), FIELDS, ids=[f"{m}.{k}" for m, k, *_ in FIELDS]
)
def test_every_field_has_a_full_sentence(model: str, key: str, prop: dict, required: bool) -> None:
    text = prop.get("description", "")
    assert text and text not in SHARED, f"{model}.{key} has no description of its own"
    assert text[0].isupper(), f"{model}.{key}: start with a capital letter: {text!r}"
    assert text.endswith("."), f"{model}.{key}: end with a full stop: {text!r}"
    assert "None" not in text and "Default:" not in text, (
        f"{model}.{key}: say what leaving it out means ('Leave out for ...'), not 'None: ...': {text!r}"
    )
    if not required:
        assert LEAVE_OUT.search(text), f"{model}.{key}: say what leaving it out means: {text!r}"


def test_the_check_covers_every_model() -> None:
    assert {m for m, *_ in FIELDS} >= {"Scenario", "SiteSelector", "Plan", "Estimate", "Threat", "Source"}
    assert len(FIELDS) > 100


@pytest.mark.parametrize(
    ("model", "key", "words"),
    [
        ("Scenario", "horizon_days", ["days"]),
        ("Item", "demand_share", ["in proportion"]),
        ("Item", "price", ["currency"]),
        ("DistributionCentre", "pick_capacity_units_per_day", ["Units", "dc.pick"]),
        ("Alternative", "factor", ["Share (0-1)"]),
        ("Control", "delay_days", ["Days"]),
        ("Surge", "cost_per_shift", ["currency"]),
        ("Threat", "response_cost", ["currency"]),
        ("SiteSelector", "ids", ["with kind or where", "also meet"]),
    ],
)
def test_descriptions_name_the_unit(model: str, key: str, words: list[str]) -> None:
    text = SCHEMA["$defs"].get(model, SCHEMA)["properties"][key]["description"]
    for word in words:
        assert word in text, (model, key, word)
