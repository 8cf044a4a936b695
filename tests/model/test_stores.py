"""Selecting stores by their text attributes."""

from __future__ import annotations

import numpy as np

from aftershock.model import StoreFrame


def frame() -> StoreFrame:
    n = 4
    return StoreFrame(
        ids=np.array(["s1", "s2", "s3", "s4"]),
        demand_units_per_day=np.ones(n),
        on_hand_units=np.ones(n),
        order_up_to_units=np.ones(n),
        reorder_point_units=np.full(n, np.inf),
        lead_time_days=np.ones(n, dtype=np.int64),
        review_period_days=np.ones(n, dtype=np.int64),
        order_weekday=np.zeros(n, dtype=np.int64),
        attributes={
            "id": np.array(["s1", "s2", "s3", "s4"]),
            "region": np.array(["north", "north", "south", "south"]),
            "tier": np.array(["1", "2", "1", "3"]),
            "open": np.array(["true", "false", "true", "true"]),
        },
    )


def test_select_by_one_value_a_list_and_several_columns() -> None:
    stores = frame()
    assert stores.select({"region": "north"}).tolist() == [True, True, False, False]
    assert stores.select({"tier": ["1", "3"]}).tolist() == [True, False, True, True]
    assert stores.select({"region": "south", "tier": "1"}).tolist() == [False, False, True, False]


def test_numbers_and_booleans_match_their_text() -> None:
    stores = frame()
    assert stores.select({"tier": 1}).tolist() == [True, False, True, False]
    assert stores.select({"tier": 2.0}).tolist() == [False, True, False, False]
    assert stores.select({"open": False}).tolist() == [False, True, False, False]


def test_unknown_column_selects_nothing() -> None:
    stores = frame()
    assert not stores.select({"format": "x"}).any()
    assert len(stores) == 4 and stores.regions.tolist()[2] == "south"
