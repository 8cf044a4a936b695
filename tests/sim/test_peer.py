"""The engine agrees with a plain SimPy process model of the same day order (benchmarks/simpy_peer.py).

Deterministic demand: the daily chain series, and with several DCs the per-DC series, agree
to rounding. Poisson demand: the peer draws from one Generator per store, the engine from one
per replication, so the two agree within sampling error only.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from aftershock import api
from aftershock.sim import build_inputs, run
from aftershock.sim.inputs import SimInputs
from aftershock.testing import (
    STOCKED_STORE_COLUMNS,
    assert_same_means,
    benchmark_module,
    pause_inputs,
    scenario_dict,
    stores_csv,
    write_scenario,
)

COMPARED = ("demand_units", "sales_units", "lost_units", "shipped_units", "backlog_units", "on_hand_units")
#: Per-DC series (replication, dc, day) compared with several DCs; stock only at DCs with supply.
COMPARED_BY_DC = ("dc_backlog_units", "dc_shipped_units", "dc_lent_units", "dc_capacity_units_by_dc")


def peer() -> ModuleType:
    """benchmarks/simpy_peer.py."""
    return benchmark_module("simpy_peer")


inputs = pause_inputs


THREE_ITEMS = {
    "items": [
        {"id": "dry", "demand_share": 0.5},
        {"id": "fresh", "demand_share": 0.3},
        {"id": "frozen", "demand_share": 0.2},
    ]
}

CASES = {
    # daily review, one item: a 4-day pause, then capacity below the backlog for days
    "daily-one-item": (
        {"stores": 6, "review": 1, "lead": 1, "pause": (5, 9), "capacity": 90.0, "on_hand": 28.0},
        None,
    ),
    # weekly review, lead 2, three items, weekday factors: partial shipments split over items
    "weekly-three-items": (
        {"stores": 8, "review": 7, "lead": 2, "pause": (3, 8), "capacity": 150.0, "on_hand": 40.0},
        {**THREE_ITEMS, "demand": {"weekday_factors": [1.0, 0.8, 0.9, 1.1, 1.3, 1.5, 0.4]}},
    ),
    # a pause long enough that stores run out and their open-order queues fill and merge
    "long-pause-stockouts": (
        {"stores": 5, "review": 1, "lead": 1, "pause": (2, 14), "capacity": 60.0, "on_hand": 20.0},
        {"items": THREE_ITEMS["items"][:2]},
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_exact_agreement_with_deterministic_demand(tmp_path: Path, case: str) -> None:
    kwargs, changes = CASES[case]
    review, lead = kwargs["review"], kwargs["lead"]
    inp = inputs(tmp_path, changes, demand=7.0, order_up_to=7.0 * (review + lead + 3), horizon=30, **kwargs)
    engine = run(inp, 2, 3)
    other = peer().run(inp, 2, 3)
    for name in COMPARED:
        np.testing.assert_allclose(engine[name], other[name], rtol=1e-12, atol=1e-9, err_msg=name)
    # the scenarios exercise what they are meant to: a backlog to clear, days capacity binds
    assert other["backlog_units"].max() > 0
    assert (other["shipped_units"] >= kwargs["capacity"] - 1e-9).any()
    if case == "long-pause-stockouts":
        assert other["lost_units"].sum() > 0
        assert inp.open_slots < kwargs["pause"][1] - kwargs["pause"][0]  # the queue fills


def test_full_queue_merges_into_the_newest_open_order(tmp_path: Path) -> None:
    # capacity 9 < demand 12: a standing backlog, so freed slots are reused while others stay open;
    # from day 34 the engine merges store 0's orders into its day-11 slot, the peer into its newest
    inp = inputs(
        tmp_path,
        stores=2,
        demand=6.0,
        order_up_to=54.0,
        on_hand=36.0,
        pause=(9, 23),
        capacity=9.0,
        horizon=40,
        lead=2,
        review=1,
    )
    engine, other = run(inp, 1, 3), peer().run(inp, 1, 3)
    for name in COMPARED:
        np.testing.assert_allclose(engine[name], other[name], rtol=1e-12, atol=1e-9, err_msg=name)


# -- several DCs --------------------------------------------------------------------------------


def two_dc_inputs(
    folder: Path,
    *,
    down: tuple[int, int],
    capacity: tuple[float, float],
    backup: dict[str, Any] | None = None,
    plan: dict[str, Any] | None = None,
    supply: dict[str, Any] | None = None,
    receive_down: tuple[int, int] | None = None,
    items: list[dict[str, Any]] | None = None,
    lead: tuple[int, int] = (1, 2),
    horizon: int = 30,
) -> SimInputs:
    """Three stores at dc-a and three at dc-b (listed b first: the order must not matter).

    dc-a's dc.ship needs service wms-a, isolated on days ``down`` = [a, b): dc-a is stopped
    then. ``backup`` makes dc-b dc-a's backup; ``supply`` gives both DCs stock, and then
    ``receive_down`` closes dc-b's dock (dc.receive needs service erp-b) on those days.
    Stores demand 7, 8, 9 units a day, order daily up to 6 days of demand, hold 3 days of it; dc-a's
    stores have lead time ``lead[0]``, dc-b's ``lead[1]``.
    """
    a, b = down
    dcs: list[dict[str, Any]] = [
        {"id": "dc-b", "pick_capacity_units_per_day": capacity[1]},
        {"id": "dc-a", "pick_capacity_units_per_day": capacity[0]},
    ]
    if backup is not None:
        dcs[1]["backups"] = [{"dc": "dc-b", **backup}]
    if supply is not None:
        for dc in dcs:
            dc["supply"] = supply
    requires: list[dict[str, Any]] = [
        {"site": {"id": "dc-a"}, "capability": "dc.ship", "groups": [[{"service": "wms-a"}]]},
        {"site": {"id": "dc-b"}, "capability": "dc.ship", "groups": [[{"service": "wms-b"}]]},
    ]
    isolate = [{"service": "wms-a", "from_day": a, "until_day": b}]
    if receive_down is not None:
        requires.append(
            {"site": {"id": "dc-b"}, "capability": "dc.receive", "groups": [[{"service": "erp-b"}]]}
        )
        isolate.append({"service": "erp-b", "from_day": receive_down[0], "until_day": receive_down[1]})
    data = scenario_dict(
        horizon_days=horizon,
        services=[
            {"id": "corp-it", "party": "vendor"},
            {"id": "wms-a", "party": "msp"},
            {"id": "wms-b", "party": "msp"},
            {"id": "erp-b", "party": "msp"},
        ],
        control=[],
        requires=requires,
        incident={
            "compromise": {"service": "corp-it", "day": a},
            "isolate": isolate,
            "restore": {"corp-it": {"day": a + 1}},
        },
        demand={"distribution": "deterministic"},
        sites={"stores": {"table": "stores.csv"}, "dcs": dcs, "channels": []},
        plan={"allocation": "fifo", **(plan or {})},
    )
    if items is not None:
        data["items"] = items
    header = [*STOCKED_STORE_COLUMNS[:2], "dc", *STOCKED_STORE_COLUMNS[2:]]
    rows = [
        (f"{dc}{j}", "r", f"dc-{dc}", 7.0 + j, 3 * (7.0 + j), 6 * (7.0 + j), lead[k], 1, 0)
        for k, dc in enumerate("ab")
        for j in range(3)
    ]
    return build_inputs(api.load(write_scenario(folder, data, stores_csv(rows, header))))


def assert_agree(engine: dict[str, np.ndarray], other: dict[str, np.ndarray], inp: SimInputs) -> None:
    """The chain series and the per-DC series agree to rounding; stock where a DC holds it."""
    for name in COMPARED:
        np.testing.assert_allclose(engine[name], other[name], rtol=1e-12, atol=1e-9, err_msg=name)
    for name in COMPARED_BY_DC:
        np.testing.assert_allclose(engine[name], other[name], rtol=1e-12, atol=1e-9, err_msg=name)
    held = (inp.supplier_index >= 0).any(axis=1)
    np.testing.assert_allclose(
        engine["dc_stock_units"][:, held],
        other["dc_stock_units"][:, held],
        rtol=1e-12,
        atol=1e-9,
        err_msg="stock",
    )


A, B = 0, 1  # DCs in id order: dc-a, dc-b
DOWN = (4, 12)

MULTI_DC = {
    # no backup: dc-a's stores wait out the outage, dc-b's never notice it
    "disjoint-stores": {"capacity": (30.0, 40.0)},
    # three items: partial shipments split over items, at each DC on its own
    "disjoint-three-items": {"capacity": (30.0, 28.0), "items": THREE_ITEMS["items"]},
    # dc-b lends half of what its own stores leave, from the second day of the outage, one day slower
    "backup-own-stores-first": {
        "capacity": (30.0, 40.0),
        "backup": {"share_of_spare": 0.5, "switch_over_days": 1, "extra_lead_time_days": 1},
    },
    # dc-b serves dc-a's stores first, from the first day, with 60 % of its capacity; its own stores wait
    "backup-covered-stores-first": {
        "capacity": (30.0, 40.0),
        "backup": {"share_of_spare": 0.6, "switch_over_days": 0, "extra_lead_time_days": 2},
        "plan": {"backup_priority": "covered_stores_first"},
    },
    # DC stock: a supplier with a daily limit, dc-b's dock closed for days, stock that runs short
    "backup-with-dc-stock": {
        "capacity": (30.0, 40.0),
        "backup": {"share_of_spare": 1.0, "switch_over_days": 2},
        "supply": {
            "initial_cover_days": 3,
            "target_cover_days": 2,
            "inbound_capacity_units_per_day": 45,
            "suppliers": [{"lead_time_days": 2, "capacity_units_per_day": 40}],
        },
        "receive_down": (6, 9),
        "items": THREE_ITEMS["items"][:2],
    },
    # DC stock without an inbound limit: dc-b's dock is closed for days and its stock runs out
    "dc-stock-dock-closed": {
        "capacity": (30.0, 40.0),
        "supply": {"initial_cover_days": 2, "target_cover_days": 1, "suppliers": [{"lead_time_days": 1}]},
        "receive_down": (2, 5),
    },
}


@pytest.mark.parametrize("case", list(MULTI_DC))
def test_exact_agreement_with_several_dcs(tmp_path: Path, case: str) -> None:
    kwargs = MULTI_DC[case]
    inp = two_dc_inputs(tmp_path, down=DOWN, **kwargs)
    assert inp.dc_ids == ("dc-a", "dc-b") and inp.store_dc.tolist() == [A, A, A, B, B, B]
    engine = run(inp, 2, 3)
    other = peer().run(inp, 2, 3)
    assert_agree(engine, other, inp)
    a, b = DOWN
    # dc-a is stopped exactly on the outage days; its stores' orders pile up meanwhile
    assert (other["dc_capacity_units_by_dc"][:, A, a:b] == 0).all()
    assert (other["dc_capacity_units_by_dc"][:, A, b:] > 0).all()
    assert other["dc_backlog_units"][:, A, b - 1].min() > 0
    backup = kwargs.get("backup")
    if backup is None:
        # nobody ships dc-a's orders while it is down, and dc-b lends nothing
        assert (other["dc_shipped_units"][:, A, a:b] == 0).all()
        assert (other["dc_lent_units"] == 0).all()
        assert other["lost_units"].sum() > 0
    else:
        # dc-b lends from the day after switch_over_days of the outage, and only during it
        switch = backup["switch_over_days"]
        lent = other["dc_lent_units"][:, B]
        assert (lent[:, : a + switch] == 0).all() and (lent[:, b:] == 0).all()
        assert (lent[:, a + switch] > 0).all()
        assert (other["dc_lent_units"][:, A] == 0).all()
    if "supply" in kwargs:
        # stock binds: some day dc-b ships less than it could and is left with (almost) nothing
        stock = other["dc_stock_units"]
        assert np.isfinite(stock).all() and stock.min() < 1e-9


def test_a_backup_cuts_the_lost_sales_of_an_outage(tmp_path: Path) -> None:
    # the same outage without and with a backup: the backup must help, and both agree with the engine
    lost = []
    for k, backup in enumerate((None, {"share_of_spare": 1.0, "switch_over_days": 1})):
        inp = two_dc_inputs(tmp_path / str(k), down=DOWN, capacity=(30.0, 40.0), backup=backup)
        engine, other = run(inp, 1, 3), peer().run(inp, 1, 3)
        assert_agree(engine, other, inp)
        lost.append(other["lost_units"].sum())
    assert lost[1] < lost[0]


def test_peer_refuses_what_it_does_not_model(tmp_path: Path) -> None:
    inp = inputs(
        tmp_path,
        {"behaviour": {"churn_fraction": 0.2}},
        stores=2,
        demand=5.0,
        order_up_to=20.0,
        on_hand=10.0,
        pause=(2, 4),
        capacity=100.0,
    )
    with pytest.raises(AssertionError, match="churn"):
        peer().run(inp, 1, 0)


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        ({"allocation_by_dc": {"dc-b": "proportional"}}, "FIFO allocation only"),
        ({"surge": [{"from_day": 0, "dc": "dc-b", "extra_pick_fraction": 0.5}]}, "no surge"),
    ],
)
def test_peer_refuses_what_it_does_not_model_at_one_dc(tmp_path: Path, plan: dict, message: str) -> None:
    inp = two_dc_inputs(tmp_path, down=DOWN, capacity=(30.0, 40.0), plan=plan)
    with pytest.raises(AssertionError, match=message):
        peer().run(inp, 1, 0)


@pytest.mark.slow
def test_agreement_within_sampling_error_with_poisson_demand(tmp_path: Path) -> None:
    inp = inputs(
        tmp_path,
        {"items": THREE_ITEMS["items"][:2]},
        stores=6,
        demand=6.0,
        order_up_to=40.0,
        on_hand=25.0,
        pause=(4, 9),
        capacity=60.0,
        horizon=25,
        distribution="poisson",
    )
    n = 200
    engine = run(inp, n, 11)
    other = peer().run(inp, n, 11)
    assert_same_means(engine, other, n)
