"""The compiled arrays of every bundled scenario are those the per-store compiler gave.

``data/compiled-*.npz`` were saved from ``compile_network`` before it was vectorised (one
Python loop per store and rule); the vectorised compiler must give the very same arrays,
node ids and level bounds, so every engine result is unchanged.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from aftershock.api.scenarios import load
from aftershock.graph import compile_network

DATA = Path(__file__).parent / "data"
ARRAYS = (
    "site_kind",
    "site_node",
    "alt_source",
    "alt_factor",
    "alt_group",
    "alt_slot",
    "group_target",
    "slot_service",
    "slot_site",
    "control_from",
    "control_to",
    "control_p",
    "control_delay_days",
    "store_demand_units_per_day",
)


@pytest.mark.parametrize("name", ["coop-kaseya-2021", "grocer-3dc", "ocs-2022"])
def test_bundled_scenario_compiles_to_the_saved_arrays(name: str) -> None:
    saved = np.load(DATA / f"compiled-{name}.npz")
    net = compile_network(load(name))
    for field in ARRAYS:
        got = getattr(net, field)
        assert got.dtype.kind == saved[field].dtype.kind, field
        np.testing.assert_array_equal(got, saved[field], err_msg=field)
    assert net.service_ids == tuple(saved["service_ids"].tolist())
    assert net.site_ids == tuple(saved["site_ids"].tolist())
    assert net.node_ids == tuple(saved["node_ids"].tolist())
    assert net.n_stores == int(saved["n_stores"])
    assert net.level_group_bounds == tuple(map(tuple, saved["level_group_bounds"].tolist()))
    assert net.index == {n: i for i, n in enumerate(net.node_ids)}
