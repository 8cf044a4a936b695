"""Several DCs (issue 12): known answers computed by hand, and bad input refused by the CLI.

Every scenario comes from :func:`aftershock.testing.two_dc_scenario`: deterministic demand,
daily review, lead time 1, each store starting with ``cover`` = 3 days of demand on the shelf
and ordering up to 3 days (nothing on the way on day 0). A store of demand d therefore ends
each normal day with 2d on the shelf and orders d, which its DC ships and which arrives the
next morning. Each DC ``x`` has its own WMS ``wms-x``; ``pause={x: (a, b)}`` isolates it on
days [a, b), so DC x ships nothing on those days.

The hand computations below follow the day order of the spec (/tmp/notes/multidc_spec.md):
deliveries arrive, the DC dock receives, demand is sold, stores order up to 3d
(position = shelf + on the way + open orders), DCs ship, DCs reorder from suppliers. Per-day
series are "end of day" values.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from aftershock import api
from aftershock.cli.app import main
from aftershock.io.scenario_file import load_scenario
from aftershock.sim import build_inputs
from aftershock.sim.engine import advance
from aftershock.sim.result import Result
from aftershock.sim.runner import replication_seeds
from aftershock.testing import two_dc_scenario


def edit(path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    """Apply ``change`` to the scenario YAML at ``path`` and write it back."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def series(result: Result, name: str) -> np.ndarray:
    """Replication 0 of a Dataset variable."""
    return result.dataset[name].values[0]


def by_dc(result: Result, name: str, dc: str) -> np.ndarray:
    """Replication 0 of a (replication, dc, day) variable at one DC."""
    return result.dataset[name].sel(dc=dc).values[0]


def store_totals(result: Result) -> dict[str, float]:
    """Replication 0's lost units over the horizon, by store id."""
    values = result.dataset["store_lost_units_total"].values[0]
    return dict(zip(result.dataset["store"].values.tolist(), values.tolist(), strict=True))


def state_after(path: Path, days: int) -> Any:
    """The engine state on the morning of day ``days`` (one replication, seed 0)."""
    inp = build_inputs(load_scenario(path))
    state, _ = advance(inp, replication_seeds(0, 0, 1), days)
    return state


# --- (1) disjoint DCs = separate one-DC runs -----------------------------------------------


def test_two_disjoint_dcs_give_exactly_two_one_dc_runs(tmp_path: Path) -> None:
    # DC a: stores of 5 and 7 a day, 8 units a day of capacity (short: it needs 12), paused
    # on [3, 6); DC b: one store of 3 a day, paused on [5, 9). Nothing links them, so every
    # store-level and per-DC number must equal that of a run of its DC alone.
    stores = {"a": [5.0, 7.0], "b": [3.0]}
    capacity = {"a": 8.0, "b": 100.0}
    pause = {"a": (3, 6), "b": (5, 9)}
    both = api.simulate(
        two_dc_scenario(tmp_path / "both", stores=stores, capacity=capacity, pause=pause),
        replications=1,
        seed=0,
        keep_store_days=True,
    )
    total_lost = 0.0
    for dc in ("a", "b"):
        alone = api.simulate(
            two_dc_scenario(
                tmp_path / dc,
                stores={dc: stores[dc]},
                capacity={dc: capacity[dc]},
                pause={dc: pause[dc]},
            ),
            replications=1,
            seed=0,
            keep_store_days=True,
        )
        mine = both.dataset["store_dc"].values == dc
        assert list(both.dataset["store"].values[mine]) == list(alone.dataset["store"].values)
        for name in ("store_lost_units", "store_sales_units", "store_on_hand_units"):
            assert np.array_equal(both.dataset[name].values[:, mine], alone.dataset[name].values), name
        # the one-DC run's chain series are that DC's series in the two-DC run
        assert np.array_equal(by_dc(both, "dc_shipped_units", dc), series(alone, "shipped_units"))
        assert np.array_equal(by_dc(both, "dc_backlog_units", dc), series(alone, "backlog_units"))
        assert np.array_equal(by_dc(both, "dc_shipped_units", dc), by_dc(alone, "dc_shipped_units", dc))
        assert np.array_equal(by_dc(both, "dc_backlog_units", dc), by_dc(alone, "dc_backlog_units", dc))
        assert np.array_equal(by_dc(both, "dc_capacity_units_by_dc", dc), series(alone, "dc_capacity_units"))
        lost_alone = float(series(alone, "lost_units").sum())
        row = next(r for r in both.summary["dcs"] if r["dc"] == dc)
        assert row["metrics"]["lost_sales_units"]["mean"] == lost_alone
        total_lost += lost_alone
    assert not by_dc(both, "dc_lent_units", "a").any() and not by_dc(both, "dc_lent_units", "b").any()
    assert float(series(both, "lost_units").sum()) == total_lost
    # and the run is not trivial: a (short of capacity) never clears its backlog; b (shelf of 9,
    # paused 4 days) loses its 3 a day on days 8 and 9 and clears its backlog on day 9
    rows = {r["dc"]: r["metrics"] for r in both.summary["dcs"]}
    assert rows["a"]["lost_sales_units"]["mean"] > 0 and rows["a"]["backlog_clear_day"]["mean"] is None
    assert rows["b"]["lost_sales_units"]["mean"] == 6 and rows["b"]["backlog_clear_day"]["mean"] == 9


# --- (2) a backup lends its spare ------------------------------------------------------------

# Primary a: one store of d = 10 (shelf 30), capacity 100, down P = 6 days on [2, 8).
# Backup b: one store of 20 a day, capacity 26: its spare is X = 26 - 20 = 6 < 10 a day, so
# the spare binds. A backup with switch_over s starts on day 2 + s (a's down-day count on day
# 2 + k is k + 1, and it covers once that is > s); its shipments take 1 + e days (e = extra
# lead). The store sells its 30 units on days 2, 3, 4 plus whatever the backup delivers; a
# ships its whole backlog (30 - what is on the way) on day 8, which arrives on day 9.
#
# s = 1, e = 1: lent on days 3..7, arriving 5..9.
#   day:          2    3    4    5    6    7    8
#   shelf+arrive 30   20   10    6    6    6    6   -> lost 4 on days 5..8 = 16
#   order        10   10   10    6    6    6    6   (up to 30: shelf + on the way + open)
#   open (a)     10 20-6 24-6 24-6 24-6 24-6   0  = 10, 14, 18, 18, 18, 18, 0
# s = 0, e = 1: lent on days 2..7, arriving 4..9.
#   shelf+arrive 30   20 10+6 6+6 2+6   6    6   -> lost 2, 4, 4 on days 6, 7, 8 = 10
#   open (a)     10-6=4, 14-6=8, 18-6=12, 22-6=16, 24-6=18, 24-6=18, 0
# s = 1, e = 0: lent on days 3..7, arriving 4..8.
#   shelf+arrive 30   20 10+6 6+6 2+6   6    6   -> lost 2, 4, 4 on days 6, 7, 8 = 10
#   open (a)     10, 20-6=14, 24-6=18, 28-6=22, 30-6=24, 30-6=24, 0
# s = 2, e = 1: lent on days 4..7, arriving 6..9: shelf 30, 20, 10, 0 (lost 10), 6, 6, 6
#   -> lost 10 + 4 + 4 + 4 = 22; open 10, 20, 30-6=24, then (day 5: no order, 6 on the way)
#   24-6=18, 18, 18, 0
# No backup: lost 10 on days 5..8 = 40; open 10, 20, 30, 30, 30, 30, 0.
BACKUP_CASES = {
    "s1-e1": (1, 1, [0, 0, 0, 4, 4, 4, 4], [10, 14, 18, 18, 18, 18, 0], [0, 6, 6, 6, 6, 6, 0]),
    "s0-e1": (0, 1, [0, 0, 0, 0, 2, 4, 4], [4, 8, 12, 16, 18, 18, 0], [6, 6, 6, 6, 6, 6, 0]),
    "s1-e0": (1, 0, [0, 0, 0, 0, 2, 4, 4], [10, 14, 18, 22, 24, 24, 0], [0, 6, 6, 6, 6, 6, 0]),
    "s2-e1": (2, 1, [0, 0, 0, 10, 4, 4, 4], [10, 20, 24, 18, 18, 18, 0], [0, 0, 6, 6, 6, 6, 0]),
    "none": (None, None, [0, 0, 0, 10, 10, 10, 10], [10, 20, 30, 30, 30, 30, 0], [0] * 7),
}


@pytest.mark.parametrize("case", list(BACKUP_CASES))
def test_a_backup_lends_its_spare_day_by_day(tmp_path: Path, case: str) -> None:
    switch, extra, lost, backlog, lent = BACKUP_CASES[case]
    backups = (
        None
        if switch is None
        else {
            "a": [
                {"dc": "b", "share_of_spare": 1.0, "switch_over_days": switch, "extra_lead_time_days": extra}
            ]
        }
    )
    path = two_dc_scenario(
        tmp_path,
        stores={"a": [10.0], "b": [20.0]},
        capacity={"a": 100.0, "b": 26.0},
        pause={"a": (2, 8)},
        backups=backups,
        horizon=14,
    )
    result = api.simulate(path, replications=1, seed=0)
    days = slice(2, 9)
    assert series(result, "lost_units")[days].tolist() == lost
    assert series(result, "lost_units").sum() == sum(lost)  # nothing lost outside days 2..8
    assert by_dc(result, "dc_backlog_units", "a")[days].tolist() == backlog
    assert by_dc(result, "dc_lent_units", "b")[days].tolist() == lent
    assert by_dc(result, "dc_lent_units", "b").sum() == sum(lent)
    # b ships its own store's 20 a day plus what it lends, never more than 26; it loses nothing
    assert (by_dc(result, "dc_shipped_units", "b") == 20 + by_dc(result, "dc_lent_units", "b")).all()
    assert by_dc(result, "dc_backlog_units", "b").sum() == 0
    # a ships nothing while down, then its whole backlog on day 8 (30 less what is on the way)
    assert by_dc(result, "dc_shipped_units", "a")[2:8].sum() == 0
    on_the_way = 6 if extra == 1 else 0  # the backup's day-7 shipment arrives on day 9 when e = 1
    assert by_dc(result, "dc_shipped_units", "a")[8] == 30 - on_the_way
    rows = {r["dc"]: r["metrics"] for r in result.summary["dcs"]}
    assert rows["a"]["lost_sales_units"]["mean"] == sum(lost)
    assert rows["b"]["lent_units"]["mean"] == sum(lent)


# --- (3) DC stock limits dispatch ----------------------------------------------------------


def test_dc_stock_that_runs_out_limits_dispatch(tmp_path: Path) -> None:
    # DC a: one store of 10 a day; stock 2 days of demand = 20 on day 0; 10 on the way arriving
    # on days 0 and 1 (one day of demand a day over the supplier lead of 2); the supplier ships
    # at most 4 a day. Target position (2 + 2) × 10 = 40; each day the DC orders
    # max(0, 40 - stock - on the way), cut to 4.
    #   day   received  stock before ship  shipped  stock after  ordered (arrives day + 2)
    #   0     10        30                  10       20           40-20-10 = 10 -> 4
    #   1     10        30                  10       20           4
    #   2      4        24                  10       14           4
    #   3      4        18                  10        8           4
    #   4      4        12                  10        2           4
    #   5      4         6                   6        0           4
    #   6+     4         4                   4        0           4
    # The store gets 10 until day 5, then 6 (day 6), then 4 a day. Its shelf (30, ends a day at 20)
    # is 26-10=16 on day 6, 20-10=10 on day 7, 14-10=4 on day 8, 8: 0 (lost 2) on day 9, then
    # 4 a day against 10: lost 6 a day from day 10.
    # DC b (no supply) serves its store of 5 a day as usual: its stock is unlimited.
    path = two_dc_scenario(
        tmp_path,
        stores={"a": [10.0], "b": [5.0]},
        capacity={"a": 100.0, "b": 100.0},
        supply={
            "a": {"initial_cover_days": 2, "suppliers": [{"lead_time_days": 2, "capacity_units_per_day": 4}]}
        },
        horizon=14,
    )
    result = api.simulate(path, replications=1, seed=0)
    # short of stock, lines are scaled by stock / wanted: equal up to rounding
    exact = {"abs": 1e-9}
    assert by_dc(result, "dc_shipped_units", "a") == pytest.approx([10] * 5 + [6] + [4] * 8, **exact)
    assert by_dc(result, "dc_received_units", "a") == pytest.approx([10, 10] + [4] * 12, **exact)
    assert by_dc(result, "dc_stock_units", "a") == pytest.approx([20, 20, 14, 8, 2] + [0] * 9, **exact)
    assert (by_dc(result, "dc_stock_units", "a") >= 0).all()
    # open orders at a: day 5: 10-6 = 4; day 6: 4+10-4 = 10; day 7: 16; day 8: 22; day 9: 22+8-4 = 26;
    # then 26 (the store orders 4 a day, up to 30 = 0 on the shelf + 4 on the way + 26 open)
    backlog = [0] * 5 + [4, 10, 16, 22, 26, 26, 26, 26, 26]
    assert by_dc(result, "dc_backlog_units", "a") == pytest.approx(backlog, **exact)
    assert series(result, "lost_units") == pytest.approx([0] * 9 + [2] + [6] * 4, **exact)
    assert by_dc(result, "dc_shipped_units", "b").tolist() == [5] * 14
    assert not np.isfinite(by_dc(result, "dc_stock_units", "b")).any()


# --- (4) inbound goes on during an outbound pause -------------------------------------------


def test_dc_stock_grows_during_an_outbound_pause(tmp_path: Path) -> None:
    # DC a: one store of 10 a day, stock 2 days = 20, supplier lead 2 without a limit, target
    # (2 + 2) × 10 = 40. Normal day: receive 10, ship 10, stock 20, order 10 (20 + 10 on the way).
    # Outbound paused on [3, 7) (dc.ship down, dc.receive up): inbound keeps arriving.
    #   day 3: receive 10 (ordered day 1) -> 30, ship 0; position 30 + 10 = 40 -> order 0
    #   day 4: receive 10 (ordered day 2) -> 40; order 0
    #   days 5, 6: receive 0 -> 40
    #   The store orders 10 on days 3, 4, 5 (open 30), sells its shelf by day 5 and loses 10 on days
    #   6 and 7 (what a ships on day 7 arrives on day 8).
    #   day 7: a ships the 30 open -> stock 10; position 10 -> order 30 (arrives day 9)
    #   day 8: receive 0; ship 10 -> 0; position 0 + 30 -> order 10 (day 10)
    #   day 9: receive 30 -> ship 10 -> 20; back to normal.
    path = two_dc_scenario(
        tmp_path,
        stores={"a": [10.0], "b": [5.0]},
        capacity={"a": 100.0, "b": 100.0},
        pause={"a": (3, 7)},
        supply={"a": {"initial_cover_days": 2, "suppliers": [{"lead_time_days": 2}]}},
        horizon=12,
    )
    result = api.simulate(path, replications=1, seed=0)
    stock = result.dataset["dc_stock_units"]
    assert stock.dims == ("replication", "dc", "day")
    assert stock.sel(dc="a").values[0].tolist() == [20, 20, 20, 30, 40, 40, 40, 10, 0, 20, 20, 20]
    assert by_dc(result, "dc_received_units", "a").tolist() == [10] * 5 + [0] * 4 + [30, 10, 10]
    assert by_dc(result, "dc_shipped_units", "a").tolist() == [10, 10, 10, 0, 0, 0, 0, 30, 10, 10, 10, 10]
    assert series(result, "lost_units").tolist() == [0] * 6 + [10, 10] + [0] * 4
    row = next(r for r in result.summary["dcs"] if r["dc"] == "a")
    assert row["metrics"]["shipped_units"]["mean"] == 100


# --- (5) dc.receive down: deliveries wait at the dock ----------------------------------------


def test_deliveries_wait_at_the_dock_while_dc_receive_is_down(tmp_path: Path) -> None:
    # As above (stock 20, supplier lead 2, target 40), but DC a's dc.receive needs 'erp-a',
    # isolated on [3, 6); outbound works. Position = stock + on the way + dock.
    #   day 3: 10 reach the dock, not received; ship 10 -> stock 10; position 10+10+10 = 30 -> order 10
    #   day 4: dock 20; ship 10 -> stock 0; position 0 + 10 + 20 -> order 10
    #   day 5: dock 30; stock 0: nothing shipped (store's order of 10 waits); position 0+10+30 -> 0
    #   day 6: receive up: the dock's 30 + today's 10 = 40 received; ship 10 + 10 = 20 -> stock 20;
    #          position 20 -> order 20 (arrives day 8)
    #   day 7: receive 0 (day 5 ordered nothing); ship 10 -> 10; order 10
    #   day 8: receive 20 -> 30; ship 10 -> 20; normal again.
    # The store (shelf 30, ends normal days at 20) gets nothing on day 6: 20 - 10 = 10, no loss.
    path = two_dc_scenario(
        tmp_path,
        stores={"a": [10.0], "b": [5.0]},
        capacity={"a": 100.0, "b": 100.0},
        supply={"a": {"initial_cover_days": 2, "suppliers": [{"lead_time_days": 2}]}},
        horizon=10,
    )

    def receive_needs_erp(data: dict[str, Any]) -> None:
        data["services"].append({"id": "erp-a", "party": "msp"})
        data["requires"].append(
            {"site": {"id": "a"}, "capability": "dc.receive", "groups": [[{"service": "erp-a"}]]}
        )
        data["incident"]["isolate"].append({"service": "erp-a", "from_day": 3, "until_day": 6})

    edit(path, receive_needs_erp)
    result = api.simulate(path, replications=1, seed=0)
    assert by_dc(result, "dc_received_units", "a").tolist() == [10, 10, 10, 0, 0, 0, 40, 0, 20, 10]
    assert by_dc(result, "dc_stock_units", "a").tolist() == [20, 20, 20, 10, 0, 0, 20, 10, 20, 20]
    assert by_dc(result, "dc_shipped_units", "a").tolist() == [10] * 5 + [0, 20] + [10] * 3
    assert by_dc(result, "dc_backlog_units", "a").tolist() == [0] * 5 + [10] + [0] * 4
    assert series(result, "lost_units").sum() == 0
    # the morning of day 6: 30 units at the dock (3 deliveries of 10), none in stock
    state = state_after(path, 6)
    assert state.dock[0, 0].sum() == 30 and state.dc_stock[0, 0].sum() == 0


# --- (6) click-and-collect through store.pickup ---------------------------------------------


@pytest.mark.parametrize(("to_delivery", "lost_a_day", "delivered_a_day"), [(0.0, 5.0, 0.0), (0.4, 3.0, 2.0)])
def test_click_and_collect_fails_where_store_pickup_is_down(
    tmp_path: Path, to_delivery: float, lost_a_day: float, delivered_a_day: float
) -> None:
    # Channel 'web' serves every store; a quarter of demand is ordered online and collected.
    # Store a-s1 (20 a day) needs 'pickup-a' for store.pickup, isolated on [2, 5): on days 2, 3, 4
    # its click-and-collect part 0.25 × 20 = 5 fails; a share f of it is delivered instead
    # (diverted online) and 5 × (1 - f) is lost: f = 0 -> 5 lost; f = 0.4 -> 2 delivered, 3 lost.
    # The other stores and days are served in full (the shelves never run short: a-s1 sells
    # less on those days and orders less).
    path = two_dc_scenario(
        tmp_path,
        stores={"a": [10.0, 20.0], "b": [30.0]},
        capacity={"a": 100.0, "b": 100.0},
        horizon=10,
    )

    def pickup(data: dict[str, Any]) -> None:
        data["sites"]["channels"] = [
            {
                "id": "web",
                "click_and_collect_share": 0.25,
                "failed_pickup_to_delivery_fraction": to_delivery,
            }
        ]
        data["services"].append({"id": "pickup-a", "party": "chain"})
        data["requires"].append(
            {"site": {"id": "a-s1"}, "capability": "store.pickup", "groups": [[{"service": "pickup-a"}]]}
        )
        data["incident"]["isolate"].append({"service": "pickup-a", "from_day": 2, "until_day": 5})

    edit(path, pickup)
    result = api.simulate(path, replications=1, seed=0)
    expected = [0.0, 0.0] + [lost_a_day] * 3 + [0.0] * 5
    assert series(result, "lost_pickup_units").tolist() == expected
    assert series(result, "lost_units").tolist() == expected
    assert series(result, "diverted_online_units").tolist() == [0.0, 0.0] + [delivered_a_day] * 3 + [0.0] * 5
    assert series(result, "sales_units").tolist() == [60.0, 60.0] + [55.0] * 3 + [60.0] * 5
    lost = store_totals(result)
    assert lost == {"a-s0": 0.0, "a-s1": 3 * lost_a_day, "b-s0": 0.0}


# --- (7) a channel serving a selector of stores --------------------------------------------


def test_only_the_stores_a_channel_serves_divert_online(tmp_path: Path) -> None:
    # Every store's doors need 'pos', isolated on [2, 4): two closed days. Half of a closed
    # store's demand goes online, but the only channel serves the stores of DC a (where dc = a).
    # a-s0 (10) and a-s1 (20) lose half of 2 days: 10 and 20, and 0.5 × 30 = 15 a day goes online;
    # b-s0 (30) has no channel and loses all of 2 days: 60.
    path = two_dc_scenario(
        tmp_path,
        stores={"a": [10.0, 20.0], "b": [30.0]},
        capacity={"a": 100.0, "b": 100.0},
        horizon=8,
    )

    def closed(data: dict[str, Any]) -> None:
        data["sites"]["channels"] = [{"id": "web", "serves": {"where": {"dc": "a"}}}]
        data["behaviour"] = {"divert_online_fraction": 0.5}
        data["services"].append({"id": "pos", "party": "chain"})
        data["requires"].append(
            {"site": {"kind": "store"}, "capability": "store.sell", "groups": [[{"service": "pos"}]]}
        )
        data["incident"]["isolate"].append({"service": "pos", "from_day": 2, "until_day": 4})

    edit(path, closed)
    result = api.simulate(path, replications=1, seed=0)
    assert series(result, "diverted_online_units").tolist() == [0, 0, 15, 15, 0, 0, 0, 0]
    assert series(result, "lost_closed_units").tolist() == [0, 0, 45, 45, 0, 0, 0, 0]
    lost = store_totals(result)
    assert lost == {"a-s0": 10.0, "a-s1": 20.0, "b-s0": 60.0}


# --- (8) plan entries for one DC --------------------------------------------------------------


def test_an_order_cap_at_one_dc_caps_only_its_stores(tmp_path: Path) -> None:
    # a and b: one store of 10 a day each, both paused on [2, 6): each store orders 10 on days
    # 2, 3, 4 (open 30), sells out by day 4 and loses 10 on days 5 and 6. From day 6 the cap of
    # 12 units a day per store line applies at a only (dcs: [a]) until day 12.
    # b ships its 30 on day 6. a ships 12 a day on days 6..11; its open orders (end of day):
    #   day 6: 30-12 = 18; day 7: 18+10-12 = 16 (shelf 12-10 = 2, order 10); day 8: 14; 9: 12;
    #   10: 10; 11: 8; day 12 (no cap): 8 + 10 = 18 shipped -> 0.
    path = two_dc_scenario(
        tmp_path,
        stores={"a": [10.0], "b": [10.0]},
        capacity={"a": 100.0, "b": 100.0},
        pause={"a": (2, 6), "b": (2, 6)},
        plan={
            "order_cap": {"units": 12, "from_day": 6, "until_day": 12, "apply_at": "dispatch", "dcs": ["a"]}
        },
        horizon=14,
    )
    result = api.simulate(path, replications=1, seed=0)
    assert by_dc(result, "dc_shipped_units", "a").tolist() == [10, 10] + [0] * 4 + [12] * 6 + [18, 10]
    assert by_dc(result, "dc_shipped_units", "b").tolist() == [10, 10] + [0] * 4 + [30] + [10] * 7
    assert by_dc(result, "dc_backlog_units", "a")[2:13].tolist() == [10, 20, 30, 30, 18, 16, 14, 12, 10, 8, 0]
    assert by_dc(result, "dc_backlog_units", "b")[2:7].tolist() == [10, 20, 30, 30, 0]
    # the capped store never runs short after day 6: 12 a day covers its 10
    assert series(result, "lost_units").tolist() == [0] * 5 + [20, 20] + [0] * 7


def test_a_surge_at_one_dc_adds_capacity_there_only(tmp_path: Path) -> None:
    # a and b: one store of 10 a day each, 12 units a day of capacity, both paused on [2, 6)
    # (open 30 each). A surge of +100 % pick capacity at a from day 6: a ships 24 on day 6 and
    # the last 6 + 10 = 16 on day 7; b ships 12 a day: 30 + 10 a day is cleared at 2 a day.
    #   b open (end of day): 6: 18; 7: 18+10-12 = 16; 8: 14; ... 14: 2; 15: 0
    #   (from day 7 b's store gets 12 a day for its 10, so b ships 12 until the backlog is gone)
    path = two_dc_scenario(
        tmp_path,
        stores={"a": [10.0], "b": [10.0]},
        capacity={"a": 12.0, "b": 12.0},
        pause={"a": (2, 6), "b": (2, 6)},
        plan={"surge": [{"from_day": 6, "dc": "a", "extra_pick_fraction": 1.0}]},
        horizon=18,
    )
    result = api.simulate(path, replications=1, seed=0)
    assert by_dc(result, "dc_capacity_units_by_dc", "a").tolist() == [12, 12] + [0] * 4 + [24] * 12
    assert by_dc(result, "dc_capacity_units_by_dc", "b").tolist() == [12, 12] + [0] * 4 + [12] * 12
    assert by_dc(result, "dc_shipped_units", "a")[6:9].tolist() == [24, 16, 10]
    assert by_dc(result, "dc_backlog_units", "a")[6:8].tolist() == [6, 0]
    assert by_dc(result, "dc_backlog_units", "b")[6:16].tolist() == [18, 16, 14, 12, 10, 8, 6, 4, 2, 0]
    assert by_dc(result, "dc_shipped_units", "b")[6:17].tolist() == [12] * 9 + [12, 10]


def test_allocation_by_dc_changes_only_that_dc(tmp_path: Path) -> None:
    # a and b: stores of 10 and 30 a day, 60 units a day of capacity, both paused on [2, 6):
    # each store ordered its demand on days 2, 3, 4 -> open lines (10, 10, 10) and (30, 30, 30),
    # 120 in all. On day 6 (no new orders: positions are at 3 days) each DC ships 60.
    #   b, fifo (the plan's policy): oldest lines first, store order within a day:
    #     day 2: 10 + 30, day 3: 10 + 10 of 30 -> shipped 20 and 40, open 10 and 50
    #   a, proportional (allocation_by_dc): 60/120 of every line -> shipped 15 and 45, open 15 and 45
    path = two_dc_scenario(
        tmp_path,
        stores={"a": [10.0, 30.0], "b": [10.0, 30.0]},
        capacity={"a": 60.0, "b": 60.0},
        pause={"a": (2, 6), "b": (2, 6)},
        plan={"allocation": "fifo", "allocation_by_dc": {"a": "proportional"}},
        horizon=10,
    )
    state = state_after(path, 7)  # the morning of day 7: day 6 shipped
    open_units = state.open_units[0].sum(axis=(1, 2))  # stores a-s0, a-s1, b-s0, b-s1
    assert open_units.tolist() == [15.0, 45.0, 10.0, 50.0]
    result = api.simulate(path, replications=1, seed=0)
    assert by_dc(result, "dc_shipped_units", "a")[6] == 60 and by_dc(result, "dc_shipped_units", "b")[6] == 60


def test_backup_priority_covered_stores_first_against_own_stores_first(tmp_path: Path) -> None:
    # As test (2) with s = 1, e = 1, but the backup lends half: share_of_spare 0.5.
    # own_stores_first: b lends 0.5 × (26 - 20) = 3 a day on days 3..7 (15 in all); a's store
    #   sells 30 on days 2..4 and gets 3 a day on days 5..8: lost 7 a day = 28; b loses nothing.
    # covered_stores_first: b lends up to 0.5 × 26 = 13 a day to a's store first, then ships
    #   its own store with what is left. a's store (open after ordering -> lent -> left):
    #     day 3: 20 -> 13 -> 7;  day 4: 17 -> 13 -> 4;  day 5: shelf 13 - 10 = 3, 14 -> 13 -> 1;
    #     day 6: shelf 13 + 3 - 10 = 6, 11 -> 11 -> 0;  day 7: shelf 13 + 6 - 10 = 9, 10 -> 10 -> 0
    #   lent 13, 13, 13, 11, 10 = 60; a's store never runs out: lost 0.
    #   b's own store (20 a day, shelf 60) gets 13, 13, 13, 15, 16 on days 3..7 and 26 from day 8:
    #     open (end of day) 3: 7; 4: 14; 5: 21; 6: 26; 7: 30; 8: 24; 9: 18; 10: 12; 11: 6; 12: 0
    #   its shelf never empties (60 - 20 a day, refilled by 13..16 a day): lost 0.
    results = {}
    for priority in ("own_stores_first", "covered_stores_first"):
        path = two_dc_scenario(
            tmp_path / priority,
            stores={"a": [10.0], "b": [20.0]},
            capacity={"a": 100.0, "b": 26.0},
            pause={"a": (2, 8)},
            backups={
                "a": [{"dc": "b", "share_of_spare": 0.5, "switch_over_days": 1, "extra_lead_time_days": 1}]
            },
            plan={"backup_priority": priority},
            horizon=14,
        )
        results[priority] = api.simulate(path, replications=1, seed=0)
    own, covered = results["own_stores_first"], results["covered_stores_first"]
    assert by_dc(own, "dc_lent_units", "b")[2:9].tolist() == [0, 3, 3, 3, 3, 3, 0]
    assert series(own, "lost_units")[2:9].tolist() == [0, 0, 0, 7, 7, 7, 7]
    assert series(own, "lost_units").sum() == 28
    assert by_dc(own, "dc_backlog_units", "b").sum() == 0
    assert by_dc(covered, "dc_lent_units", "b")[2:9].tolist() == [0, 13, 13, 13, 11, 10, 0]
    assert series(covered, "lost_units").sum() == 0
    assert by_dc(covered, "dc_backlog_units", "b")[2:13].tolist() == [0, 7, 14, 21, 26, 30, 24, 18, 12, 6, 0]
    assert (by_dc(covered, "dc_shipped_units", "b") <= 26).all()
    # the hand-computed difference: 45 more units lent, 28 fewer units lost
    lent = {k: float(by_dc(r, "dc_lent_units", "b").sum()) for k, r in results.items()}
    assert lent["covered_stores_first"] - lent["own_stores_first"] == 60 - 15
    assert series(own, "lost_units").sum() - series(covered, "lost_units").sum() == 28


# --- bad input through the command line ------------------------------------------------------


def run_main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code), out, err


def line_of(path: Path, text: str, after: str | None = None) -> int:
    """1-based number of the first line equal to ``text`` (after the line equal to ``after``)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index(after) if after is not None else 0
    return lines.index(text, start) + 1


def _unknown_dc_cell(folder: Path) -> tuple[Path, str]:
    path = two_dc_scenario(folder, stores={"a": [10.0], "b": [20.0, 5.0]}, capacity={"a": 100.0, "b": 100.0})
    table = path.parent / "stores.csv"
    rows = table.read_text(encoding="utf-8").splitlines()
    assert rows[3].startswith("b-s1,r,b,")
    rows[3] = rows[3].replace(",b,", ",zz,")  # data row 3
    table.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path, "stores.csv row 3: dc: expected the id of a DC of the scenario (a, b), got 'zz'"


def _backup_itself(folder: Path) -> tuple[Path, str]:
    path = two_dc_scenario(
        folder,
        stores={"a": [10.0], "b": [20.0]},
        capacity={"a": 100.0, "b": 100.0},
        backups={"b": [{"dc": "b"}]},
    )
    line = line_of(path, "    - dc: b", after="  - id: b")
    return path, f"scenario.yaml:{line}: sites.dcs[1].backups[0].dc: DC 'b' cannot be its own backup"


def _backup_cycle(folder: Path) -> tuple[Path, str]:
    path = two_dc_scenario(
        folder,
        stores={"a": [10.0], "b": [20.0], "c": [5.0]},
        capacity={"a": 100.0, "b": 100.0, "c": 100.0},
        backups={"a": [{"dc": "b"}], "b": [{"dc": "c"}], "c": [{"dc": "a"}]},
    )
    line = line_of(path, "    backups:")
    return path, f"scenario.yaml:{line}: sites.dcs[0].backups: backup DCs form a cycle: a -> b -> c -> a"


def _supplier_unknown_item(folder: Path) -> tuple[Path, str]:
    path = two_dc_scenario(
        folder,
        stores={"a": [10.0], "b": [20.0]},
        capacity={"a": 100.0, "b": 100.0},
        supply={"b": {"suppliers": [{"id": "mill", "items": ["all", "bread"]}]}},
    )
    line = line_of(path, "        - bread")
    return path, (
        f"scenario.yaml:{line}: sites.dcs[1].supply.suppliers[0].items[1]: unknown item 'bread' (known: all)"
    )


def _single_dc_column_names_another(folder: Path) -> tuple[Path, str]:
    path = two_dc_scenario(folder, stores={"a": [10.0, 20.0]}, capacity={"a": 100.0})
    table = path.parent / "stores.csv"
    rows = table.read_text(encoding="utf-8").splitlines()
    rows[2] = rows[2].replace(",a,", ",north,")  # data row 2
    table.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path, "stores.csv row 2: dc: expected the id of a DC of the scenario (a), got 'north'"


BAD = {
    "dc-cell-names-no-dc": _unknown_dc_cell,
    "backup-is-itself": _backup_itself,
    "backups-form-a-cycle": _backup_cycle,
    "supplier-for-unknown-item": _supplier_unknown_item,
    "single-dc-column-names-another": _single_dc_column_names_another,
}


@pytest.mark.parametrize("command", ["validate", "simulate"])
@pytest.mark.parametrize("case", list(BAD))
def test_bad_several_dc_input_is_one_message_exit_1_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, command: str
) -> None:
    path, message = BAD[case](tmp_path / "scenario")
    out_file = tmp_path / "out" / "x.nc"
    out_file.parent.mkdir()
    args = ["validate", str(path)]
    if command == "simulate":
        args = ["simulate", str(path), "-n", "2", "--out", str(out_file)]
    code, out, err = run_main(args, capsys)
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err  # one message for the one problem
    assert lines[0].startswith("error: ") and message in lines[0], err
    assert "Traceback" not in err
    assert list(out_file.parent.iterdir()) == []  # nothing written, not even a temporary file


def test_a_dc_the_incident_never_touched_clears_on_the_incident_day() -> None:
    """Chance carry-overs at an untouched DC (within 5% of a normal day) are not a backlog to clear."""
    from aftershock.sim.metrics import backlog_clear_day, dc_clear_slack

    shipped = np.array([[100.0] * 10])
    backlog = np.array([[10.0, 0, 10, 0, 10, 14, 0, 15, 0, 0]])  # incident on day 5
    onset = np.array([5.0])
    slack = dc_clear_slack(shipped, onset)
    assert slack.tolist() == [5.0]  # 5% of 100 a day
    # normal = 10 × 1.01 + 1 + 5 = 16.1: 14 and 15 are within it
    assert backlog_clear_day(backlog, onset, slack=slack).tolist() == [5.0]
    # without the slack (the chain's own definition, normal = 11.1) 14 and 15 count as a
    # backlog: cleared on day 8, the first day after the post-incident peak (15, day 7) at normal
    assert backlog_clear_day(backlog, onset).tolist() == [8.0]
