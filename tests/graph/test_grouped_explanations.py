"""Explanations are written once per cause, and knock-out passes run over merged stores.

A hand-made chain of eight stores: five on till system a (with a fallback app that reaches
two of them), three on till system b (isolated). Every store of one cause must share one
explanation, written once, with the right store count, regions and demand.
"""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import numpy as np
import pytest

from aftershock.api.scenarios import load
from aftershock.graph import availability, blast_radius, build_timeline, compile_network, propagate
from aftershock.graph.availability import propagate_knockouts
from aftershock.graph.cuts import candidate_nodes
from aftershock.graph.impact import _Explainer
from aftershock.graph.quotient import quotient, row_classes
from aftershock.graph.spread import NEVER
from aftershock.io import load_scenario
from aftershock.testing import scenario_dict, stores_csv, write_scenario

STORES = [
    ("s1", "north", "a", 10.0),
    ("s2", "north", "a", 20.0),
    ("s3", "south", "b", 30.0),
    ("s4", "south", "a", 40.0),
    ("s5", "south", "a", 5.0),
    ("s6", "north", "b", 15.0),
    ("s7", "north", "a", 25.0),
    ("s8", "south", "b", 35.0),
]


@pytest.fixture
def chain(tmp_path: Path):
    data = scenario_dict(
        incident={
            "compromise": {"service": "rmm", "day": 5},
            "isolate": [{"service": "pos-b"}],
            "fallbacks": {"app": {"from_day": 6, "sites_per_day": 1, "max_sites": 2}},
        },
    )
    loaded = load_scenario(write_scenario(tmp_path, data, stores_csv(STORES)))
    net = compile_network(loaded)
    return net, build_timeline(loaded, net), loaded.stores.regions


def test_store_groups_count_the_stores_of_each_cause(chain) -> None:
    net, tl, regions = chain
    rolled = blast_radius(net, tl, regions).views[1]
    sell = [g for g in rolled.store_groups if g.capability == "store.sell"]
    total = sum(s[3] for s in STORES)
    # the app reaches two pos-a stores, highest demand first: s4 (40, south) and s7 (25, north)
    assert [(g.status, g.capacity, g.stores, g.reason, g.regions) for g in sell] == [
        ("partial", 0.3, 2, "needs pos-a (compromised) or app x0.3", {"north": 1, "south": 1}),
        (
            "none",
            0.0,
            3,
            "needs pos-a (compromised) or app (not rolled out here)",
            {"north": 2, "south": 1},
        ),
        ("none", 0.0, 3, "needs pos-b (isolated (precaution))", {"north": 1, "south": 2}),
    ]
    assert [g.demand_share for g in sell] == pytest.approx([65 / total, 35 / total, 80 / total])
    assert [g.dcs for g in sell] == [{}, {}, {}]  # no DC route given
    assert sum(g.stores for g in sell) == len(STORES)


def test_one_explanation_per_cause_not_per_store(chain) -> None:
    net, tl, _ = chain
    own = np.ones((1, net.n_nodes))
    own[0, net.node("pos-a")] = own[0, net.node("pos-b")] = 0.0
    slots = np.where(tl.slot_is_fallback, (tl.slot_fallback_day < NEVER).astype(float), 0.0)
    alt = np.ones(net.alt_source.size)
    cap = propagate(net, own, alt, slots[None, :])[0]
    nodes = net.store_nodes("store.sell")
    written: list[int] = []

    def explain(node: int) -> str:
        written.append(node)
        return f"cause with capacity {cap[node]:g}"

    codes, texts = _Explainer(net, cap, alt, slots, tl.slot_is_fallback).nodes(nodes, explain)
    # three causes: pos-a with the app, pos-a without it, pos-b; one text each
    assert len(written) == 3
    by_store = {net.site_ids[i]: texts[c] for i, c in enumerate(codes)}
    assert by_store["s4"] == by_store["s7"] == "cause with capacity 0.3"
    assert by_store["s1"] == by_store["s3"] == "cause with capacity 0"  # equal texts, one code
    assert codes[0] == codes[2]
    assert sorted(np.bincount(codes).tolist()) == [2, 6]


def test_row_classes_partition_rows_as_unique_does() -> None:
    rng = np.random.default_rng(0)
    rows = rng.integers(0, 3, (500, 4)).astype(float)
    rows[:, 1] = 7.0  # a column equal in every row is skipped
    first, inverse = row_classes(rows)
    _, ref_first, ref_inverse = np.unique(rows, axis=0, return_index=True, return_inverse=True)
    assert sorted(first.tolist()) == sorted(ref_first.tolist())
    # the same partition: equal classes exactly where the reference has equal classes
    ref_inverse = ref_inverse.ravel()
    assert np.array_equal(inverse[:, None] == inverse[None, :], ref_inverse[:, None] == ref_inverse[None, :])
    assert np.array_equal(rows[first[inverse]], rows)


@pytest.mark.parametrize("compiled", [False, True], ids=["numpy", "numba"])
@pytest.mark.parametrize("name", ["coop-kaseya-2021", "grocer-3dc", "ocs-2022"])
def test_knockouts_over_merged_stores_equal_full_propagation(
    name: str, compiled: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if compiled:  # the compiled kernel, as for a quotient too large for the NumPy loop
        monkeypatch.setattr(availability, "SMALL_QUOTIENT", 0)
    net = compile_network(load(name))
    pool = candidate_nodes(net)
    knocked = [c for order in (1, 2) for c in combinations(pool, order)]
    every = np.arange(net.n_nodes)
    fallback_off = (np.arange(net.slot_service.size) % 2).astype(float)
    for slots in (None, fallback_off):
        own = np.ones((len(knocked), net.n_nodes))
        for row, members in enumerate(knocked):
            own[row, list(members)] = 0.0
        dense = None if slots is None else np.broadcast_to(slots, (len(knocked), slots.size))
        assert np.array_equal(
            propagate_knockouts(net, knocked, every, slots), propagate(net, own, None, dense)
        )
    # thousands of store nodes merge into a few dozen causes
    assert quotient(net, None).n_nodes < 40 < net.n_nodes
    # a knocked store node is not merged with the others
    store = int(net.store_nodes("store.receive")[0])
    own = np.ones((1, net.n_nodes))
    own[0, [pool[0], store]] = 0.0
    assert np.array_equal(propagate_knockouts(net, [(pool[0], store)], every), propagate(net, own))


def test_broadcast_slot_rows_are_read_once_with_the_same_result(chain) -> None:
    net, _, _ = chain
    rng = np.random.default_rng(3)
    own = rng.random((5, net.n_nodes))
    row = rng.random(net.slot_service.size)
    alt = rng.random((5, net.alt_source.size))
    dense = np.repeat(row[None, :], 5, axis=0)
    got = propagate(net, own, alt, np.broadcast_to(row, (5, row.size)))
    assert np.array_equal(got, propagate(net, own, alt, dense))
    assert np.array_equal(got[2], propagate(net, own[2], alt[2], row[None, :])[0])
