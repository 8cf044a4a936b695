"""Docs stay true: generated references are current, examples validate, nothing is undocumented."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from aftershock import api, docs_gen
from aftershock.model import SITE_CAPABILITIES, Capability
from aftershock.policies import allocation_policies
from aftershock.testing import scenario_dict, write_scenario

DOCS = Path(__file__).parents[1] / "docs"

#: A fenced YAML block whose first line is ``# example: <concept>``.
EXAMPLE = re.compile(r"^```yaml\n# example: ([\w-]+)\n(.*?)^```", flags=re.S | re.M)

#: Concepts that must each have at least one validated example in docs/concepts.md.
CONCEPTS_WITH_EXAMPLES = {"parties", "services", "sites", "requires", "control", "incident", "plan"}


def concept_examples() -> list[tuple[str, str]]:
    """``(concept, yaml text)`` of every marked example in docs/concepts.md."""
    return EXAMPLE.findall((DOCS / "concepts.md").read_text(encoding="utf-8"))


def merge_fragment(fragment: dict[str, Any]) -> dict[str, Any]:
    """The reference scenario with ``fragment`` merged in.

    Lists of entries with an ``id`` (parties, services, ...) are merged by id, so an example
    can add a service without repeating the others; every other key is replaced.
    """
    data = scenario_dict()
    for key, value in copy.deepcopy(fragment).items():
        has_ids = isinstance(value, list) and all(isinstance(v, dict) and "id" in v for v in value)
        if has_ids and isinstance(data.get(key), list):
            merged = {v["id"]: v for v in data[key]}
            merged.update({v["id"]: v for v in value})
            data[key] = list(merged.values())
        else:
            data[key] = value
    return data


@pytest.mark.parametrize("name", ["scenario-format.md", "cli-reference.md"])
def test_generated_docs_are_current(name: str) -> None:
    on_disk = (DOCS / name).read_text(encoding="utf-8")
    assert on_disk == docs_gen.documents()[name], (
        f"docs/{name} is out of date: run `python -m aftershock.docs_gen` (or `make docs`)"
    )


def test_every_command_is_in_the_cli_reference() -> None:
    text = (DOCS / "cli-reference.md").read_text(encoding="utf-8")
    paths = docs_gen.command_paths()
    assert ["simulate"] in paths
    assert any(len(path) > 1 for path in paths), "sub-commands of groups (runs ...) are walked"
    for path in paths:
        title = " ".join(["aftershock", *path])
        assert f"## `{title}`\n" in text, f"`{title}` is not in docs/cli-reference.md"


def test_every_model_of_the_schema_has_a_section() -> None:
    text = (DOCS / "scenario-format.md").read_text(encoding="utf-8")
    for name in ["Scenario", *api.schema()["$defs"]]:
        assert f"\n## {name}\n" in text, name


def test_every_policy_is_documented() -> None:
    text = (DOCS / "policies.md").read_text(encoding="utf-8")
    for name in allocation_policies():
        assert f"| `{name}` |" in text, name


def test_plan_allocation_lists_every_registered_policy() -> None:
    # the schema (editor completion) and the scenario reference name every policy, 'planned' too
    description = api.schema()["$defs"]["Plan"]["properties"]["allocation"]["description"]
    reference = (DOCS / "scenario-format.md").read_text(encoding="utf-8")
    row = next(line for line in reference.splitlines() if line.startswith("| `allocation` |"))
    assert "planned" in allocation_policies()
    for name in allocation_policies():
        assert f"{name} (" in description, name
        assert f"{name} (" in row, name


def test_every_capability_is_in_the_concepts_with_its_site_kind() -> None:
    text = (DOCS / "concepts.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| (\w+) \| `([\w.]+)` \|", text, flags=re.M))
    expected = {(kind, cap.value) for kind, caps in SITE_CAPABILITIES.items() for cap in caps}
    assert listed == expected
    assert {cap for _, cap in listed} == {c.value for c in Capability}


def test_every_concept_has_an_example() -> None:
    found = {concept for concept, _ in concept_examples()}
    assert found >= CONCEPTS_WITH_EXAMPLES, sorted(CONCEPTS_WITH_EXAMPLES - found)


EXAMPLES = concept_examples()


@pytest.mark.parametrize(("concept", "body"), EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_concept_example_validates(concept: str, body: str, tmp_path: Path) -> None:
    fragment = yaml.safe_load(body)
    assert isinstance(fragment, dict) and fragment, f"example {concept} is not a mapping of keys"
    path = write_scenario(tmp_path / concept, merge_fragment(fragment))
    api.validate(path)


def test_incident_example_runs_as_the_text_says(tmp_path: Path) -> None:
    import numpy as np

    from aftershock.graph import build_timeline, compile_network
    from aftershock.graph.availability import propagate
    from aftershock.graph.spread import worst_case

    fragment = yaml.safe_load(dict(EXAMPLES)["incident"])
    loaded = api.load(write_scenario(tmp_path, merge_fragment(fragment)))
    net = compile_network(loaded)
    timeline = build_timeline(loaded, net)
    hit = worst_case(net, timeline.start_service, timeline.start_day)[None, :]

    def on(day: int) -> tuple[list[float], float, float]:
        own = timeline.own_state(net, day, hit)
        slots = timeline.slot_state(net, day, hit)
        cap = propagate(net, own, timeline.alt_state(day), slots)[0]
        sell = np.round(cap[net.store_nodes("store.sell")], 3).tolist()
        return sell, float(cap[net.node("dc/dc.ship")]), round(float(cap[net.node("rmm")]), 3)

    #              s1   s2   s3   s4      dc.ship  rmm
    assert on(4) == ([1.0, 1.0, 1.0, 1.0], 1.0, 1.0)
    assert on(5) == ([0.0, 0.0, 0.0, 0.0], 0.0, 0.0)
    assert on(6) == ([0.0, 0.0, 0.0, 0.3], 0.0, 0.0)
    assert on(7) == ([0.0, 1.0, 1.0, 1.0], 0.0, 0.0)
    assert on(8) == ([1.0, 1.0, 1.0, 1.0], 1.0, 0.333)
    assert on(9)[2] == 0.667 and on(10)[2] == 1.0


def test_requires_example_runs_as_the_text_says(tmp_path: Path) -> None:
    import numpy as np

    from aftershock.graph import compile_network
    from aftershock.graph.availability import propagate

    fragment = yaml.safe_load(dict(EXAMPLES)["requires"])
    net = compile_network(api.load(write_scenario(tmp_path, merge_fragment(fragment))))

    def down(*services: str) -> np.ndarray:
        own = np.ones((1, net.n_nodes))
        for service in services:
            own[0, net.node(service)] = 0.0
        return propagate(net, own)[0]

    tms_down = down("tms")
    assert tms_down[net.node("dc/dc.ship")] == 0.5
    assert tms_down[net.store_nodes("store.receive")].tolist() == [0.5] * 4
    pos_a_down = down("pos-a")
    #                                                         s1   s2   s3   s4
    assert pos_a_down[net.store_nodes("store.sell")].tolist() == [0.3, 0.3, 1.0, 0.3]
    # the combined selector {kind: store, where: {region: south, pos_system: a}} is s4 alone
    assert pos_a_down[net.store_nodes("store.order")].tolist() == [1.0, 1.0, 1.0, 0.0]


def test_cut_sets_of_the_reference_network_are_as_the_text_says(tmp_path: Path) -> None:
    from aftershock.graph import compile_network, minimal_cut_sets

    net = compile_network(api.load(write_scenario(tmp_path, scenario_dict())))
    sell = [(c.nodes, c.demand_share) for c in minimal_cut_sets(net, "store.sell")]
    receive = [c.nodes for c in minimal_cut_sets(net, "store.receive")]
    assert sell == [(("pos-a", "app"), 0.7)]
    assert receive == [("wms",), ("dc/dc.ship",)]


def test_a_broken_example_would_fail(tmp_path: Path) -> None:
    # the check above is not vacuous: a typo in an example is a validation error
    from aftershock.errors import ScenarioError

    broken = merge_fragment({"control": [{"from": "rmm", "to": "pos-a", "delay_day": 1}]})
    with pytest.raises(ScenarioError, match="did you mean 'delay_days'"):
        api.validate(write_scenario(tmp_path, broken))


def test_every_public_name_has_a_docstring() -> None:
    import aftershock

    for name in aftershock.__all__:
        obj = getattr(aftershock, name)
        if callable(obj):
            assert obj.__doc__, name
