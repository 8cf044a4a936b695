"""What the checks keep per store table (ids -> rows, selector masks) gives the answers of
the plain per-store code it replaced, on the bundled scenarios and on a generated table."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from aftershock.io import load_scenario, read_store_table
from aftershock.io.bundled import bundled_scenarios
from aftershock.model import Scenario, SiteSelector, StoreDefaults, StoreFrame
from aftershock.model.checks import (
    check_numbers,
    check_scenario,
    column_values,
    select_sites,
    site_kinds,
    store_rows,
)
from aftershock.model.stores import derived
from aftershock.testing import benchmark_module


def _reference_kinds(scenario: Scenario, stores: StoreFrame) -> dict[str, str]:
    """The per-store code the cached checks replaced (kept here as the reference)."""
    kinds = dict.fromkeys(stores.ids.tolist(), "store")
    kinds.update({dc.id: "dc" for dc in scenario.sites.dcs})
    kinds.update({ch.id: "channel" for ch in scenario.sites.channels})
    return kinds


def _reference_select(selector: SiteSelector, scenario: Scenario, stores: StoreFrame) -> list[str]:
    kinds = _reference_kinds(scenario, stores)
    if selector.id is not None or selector.ids is not None:
        listed = [selector.id] if selector.id is not None else list(selector.ids or [])
        picked = [s for s in dict.fromkeys(listed) if s in kinds]
    else:
        picked = list(kinds)
    if selector.kind is not None:
        picked = [s for s in picked if kinds[s] == selector.kind]
    if selector.where is not None:
        matched = set(stores.ids[stores.select(selector.where)].tolist())
        picked = [s for s in picked if s in matched]
    return picked


def _selectors(scenario: Scenario, stores: StoreFrame) -> list[SiteSelector]:
    """The scenario's own selectors, and every kind of key on its sites and columns."""
    found = [r.site for r in scenario.requires if r.site is not None]
    found += [c.serves for c in scenario.sites.channels if c.serves is not None]
    ids = stores.ids.tolist()
    others = [d.id for d in scenario.sites.dcs] + [c.id for c in scenario.sites.channels]
    wheres = [{}] + [
        {key: value}
        for key, column in stores.attributes.items()
        for value in sorted(set(column.tolist()))[:2]
    ]
    two = [k for k in stores.attributes][:2]
    if len(two) == 2:
        wheres.append({two[0]: sorted(set(stores.attributes[two[0]].tolist())), two[1]: "no-such-value"})
        wheres.append({two[0]: str(stores.attributes[two[0]][0]), two[1]: str(stores.attributes[two[1]][0])})
    listed = [ids[-1], *others, ids[0], "no-such-site", ids[-1], ids[len(ids) // 2]]
    for kind in (None, "store", "dc", "channel"):
        for where in [None, *wheres]:
            found.append(_selector(kind=kind, where=where))
            found.append(_selector(ids=listed, kind=kind, where=where))
        found.append(_selector(id=others[0] if others else ids[0], kind=kind))
    return [f for f in found if f is not None]


def _selector(**keys: object) -> SiteSelector | None:
    """The selector of the keys given (None: the schema refuses the combination)."""
    try:
        return SiteSelector.model_validate({k: v for k, v in keys.items() if v is not None})
    except ValidationError:
        return None


def _assert_same(scenario: Scenario, stores: StoreFrame) -> None:
    assert site_kinds(scenario, stores) == _reference_kinds(scenario, stores)
    assert list(site_kinds(scenario, stores)) == list(_reference_kinds(scenario, stores))
    selectors = _selectors(scenario, stores)
    for selector in selectors:
        assert select_sites(selector, scenario, stores) == _reference_select(selector, scenario, stores), (
            selector
        )
    # a second round answers from what the first kept, and still the same
    for selector in selectors:
        assert select_sites(selector, scenario, stores) == _reference_select(selector, scenario, stores), (
            selector
        )


@pytest.mark.parametrize("name", [b.name for b in bundled_scenarios()])
def test_selectors_pick_what_the_per_store_code_picked_on_bundled_scenarios(name: str) -> None:
    loaded = load_scenario(name)
    _assert_same(loaded.scenario, loaded.stores)


@pytest.fixture
def generated(tmp_path: Path) -> StoreFrame:
    """5,000 stores shaped like grocer-3dc's (the load benchmark's table)."""
    path = tmp_path / "stores.csv"
    benchmark_module("load_stores").make_table(5_000).to_csv(path, index=False)
    return read_store_table(path, "stores.csv", StoreDefaults())


def test_selectors_pick_what_the_per_store_code_picked_on_a_generated_table(generated: StoreFrame) -> None:
    _assert_same(load_scenario("grocer-3dc").scenario, generated)


def test_a_store_id_that_is_also_a_dc_or_channel_id_keeps_the_per_store_answers(
    generated: StoreFrame,
) -> None:
    """Such an id is an error the checks report, but every selector still resolves as before."""
    scenario = load_scenario("grocer-3dc").scenario
    ids = generated.ids.copy()
    ids[3], ids[7] = "dc-north", scenario.sites.channels[0].id
    stores = dataclasses.replace(generated, ids=ids)
    _assert_same(scenario, stores)


def test_kept_values_are_built_once_per_table_and_cannot_be_changed(generated: StoreFrame) -> None:
    calls = []

    def build() -> np.ndarray:
        calls.append(1)
        return np.arange(3)

    first = derived(generated, "test", build)
    assert derived(generated, "test", build) is first
    assert len(calls) == 1
    with pytest.raises(ValueError, match="read-only"):
        first[0] = 7
    rows = store_rows(generated)
    assert rows is store_rows(generated)
    assert [rows[s] for s in generated.ids[[0, 4_999]].tolist()] == [0, 4_999]
    assert column_values(generated, "region") == frozenset(generated.regions.tolist())


def test_kept_values_stay_with_their_table(generated: StoreFrame) -> None:
    """A copy with other ids, or a frame sent to another process, builds its own."""
    derived(generated, "test", lambda: "kept")
    store_rows(generated)
    assert len(pickle.dumps(generated)) < len(pickle.dumps(generated.__dict__))  # not sent along
    sent = pickle.loads(pickle.dumps(generated))
    assert derived(sent, "test", lambda: "rebuilt") == "rebuilt"
    other = dataclasses.replace(
        generated, ids=np.array([f"x{i}" for i in range(len(generated))], dtype=object)
    )
    assert "x0" in store_rows(other) and "x0" not in store_rows(generated)


def _channels_scenario(serves: list[dict | None]) -> Scenario:
    data = load_scenario("grocer-3dc").scenario.model_dump(by_alias=True)
    first = data["sites"]["channels"][0]
    data["sites"]["channels"] = [
        {**copy.deepcopy(first), "id": f"web-{i}", "serves": s} for i, s in enumerate(serves)
    ]
    data["uncertainty"] = {}
    return Scenario.model_validate(data)


@pytest.mark.parametrize(
    ("serves", "message"),
    [
        (
            [{"where": {"region": "Metro"}}, {"where": {"format": "large"}}],
            "store 'g-000005' is also served by channel 'web-0'; a store is served by at most one "
            "channel (narrow the selectors)",
        ),
        (
            [{"ids": ["g-000030", "g-000002"]}, None],
            "store 'g-000002' is also served by channel 'web-0'; a store is served by at most one "
            "channel (narrow the selectors)",
        ),
        (
            [{"where": {"region": "Metro"}}, {"ids": ["g-000001", "g-000029", "g-000019"]}],
            "store 'g-000029' is also served by channel 'web-0'; a store is served by at most one "
            "channel (narrow the selectors)",
        ),
        ([{"ids": ["g-000002", "dc-west"]}], "a channel serves stores, and 'dc-west' is a dc"),
        ([{"kind": "dc"}], "a channel serves stores, and 'dc-central' is a dc"),
        (
            [None, {"kind": "store", "where": {"region": "Coast"}}],
            "store 'g-000001' is also served by channel 'web-0'; a store is served by at most one "
            "channel (narrow the selectors)",
        ),
        ([{"where": {"region": "Metro"}}, {"where": {"region": "Coast"}}], None),
    ],
)
def test_channel_problems_name_the_first_store_in_pick_order(
    generated: StoreFrame, serves: list[dict | None], message: str
) -> None:
    """The messages of the per-store code (checked against it when the masks replaced it)."""
    scenario = _channels_scenario(serves)
    found = [m for loc, m in check_scenario(scenario, generated) if loc[:2] == ("sites", "channels")]
    assert found == ([] if message is None else [message])


def test_stores_without_a_dc_are_counted_from_the_kept_rows(generated: StoreFrame) -> None:
    dc = generated.attributes["dc"].copy()
    dc[[5, 9, 11, 4_000]] = ""
    stores = dataclasses.replace(generated, attributes={**generated.attributes, "dc": dc})
    scenario = load_scenario("grocer-3dc").scenario
    assert check_scenario(scenario, stores)[0] == (
        ("sites", "stores", "table"),
        "4 store(s) have no DC (g-000006, g-000010, g-000012 and 1 more): with 3 DCs every store needs "
        "a dc cell in the store table, or set sites.stores.defaults.dc",
    )
    data = scenario.model_dump(by_alias=True)
    data["sites"]["stores"]["defaults"]["dc"] = "dc-west"
    assert not check_scenario(Scenario.model_validate(data), stores)


@pytest.mark.parametrize("name", [b.name for b in bundled_scenarios()])
def test_range_ends_are_checked_with_the_checks_a_number_can_fail(name: str) -> None:
    """An uncertain field's lowest and highest values are checked by the checks that read
    numbers only (the others passed on the scenario as written): the same problems."""
    loaded = load_scenario(name)
    data = loaded.scenario.model_dump(by_alias=True)
    data["uncertainty"] = {}
    sound = Scenario.model_validate(data)
    assert check_numbers(sound, loaded.stores) == check_scenario(sound, loaded.stores) == []
    data["incident"]["compromise"]["day"] = data["horizon_days"]
    data["plan"]["surge"] = [{"from_day": data["horizon_days"] + 3}]
    late = Scenario.model_validate(data)
    found = check_numbers(late, loaded.stores)
    assert found == check_scenario(late, loaded.stores)
    assert [loc for loc, _ in found] == [("incident", "compromise", "day"), ("plan", "surge", 0, "from_day")]
