"""Several DCs (issue 12): properties on small random networks (hypothesis).

Networks of 1-3 DCs with 1-3 stores each, short capacity, outbound pauses, backups (never
in a cycle), DC stock with suppliers (limited or not, with a dc.receive outage), one or two
channels with click-and-collect, closed doors, an order cap and a surge at one DC, per-DC
allocation, one or two items, deterministic or Poisson demand. Checked:

* units are conserved, each day and over the run: stores (shelf + on the way), DCs (stock),
  suppliers (stock + dock + on the way to the DC), demand (sold, lost or diverted);
* no DC ships more than its capacity or than the stock it has; stock is never negative; a DC
  lends only while a DC it backs up has been down longer than the switch-over;
* the order DCs and channels are listed in never changes any result.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aftershock import api
from aftershock.io.scenario_file import load_scenario
from aftershock.sim import build_inputs
from aftershock.sim.engine import Chunk
from aftershock.sim.runner import replication_seeds
from aftershock.testing import two_dc_scenario

HORIZON = 12
NAMES = ("north", "east", "west")  # sorted: east, north, west
CHANNELS = ("web", "app")  # sorted: app, web
EPS = 1e-6
#: small and few: the file runs in well under a minute on 2 cores (each example writes, loads
#: and runs a scenario; the listing test runs two)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEWER = settings(SETTINGS, max_examples=30)


def window(draw: st.DrawFn) -> tuple[int, int]:
    a = draw(st.integers(0, HORIZON - 1))
    return a, draw(st.integers(a + 1, HORIZON))


@st.composite
def networks(draw: st.DrawFn) -> dict[str, Any]:
    """A random small network: the arguments of ``two_dc_scenario`` and the extra YAML."""
    n = draw(st.integers(1, 3))
    ids = list(draw(st.permutations(NAMES))[:n])  # backups go from a DC to one later in ids
    stores = {dc: draw(st.lists(st.integers(1, 15).map(float), min_size=1, max_size=3)) for dc in ids}
    capacity = {dc: float(draw(st.integers(1, 60))) for dc in ids}
    pause = {dc: window(draw) for dc in ids if draw(st.booleans())}
    backups: dict[str, list[dict[str, Any]]] = {}
    for i, dc in enumerate(ids[:-1]):
        chosen = draw(st.lists(st.sampled_from(ids[i + 1 :]), max_size=2, unique=True))
        if chosen:
            backups[dc] = [
                {
                    "dc": b,
                    "share_of_spare": draw(st.sampled_from([0.25, 0.5, 1.0])),
                    "extra_lead_time_days": draw(st.integers(0, 2)),
                    "switch_over_days": draw(st.integers(0, 2)),
                }
                for b in chosen
            ]
    supply: dict[str, dict[str, Any]] = {}
    for dc in ids:
        if not draw(st.booleans()):
            continue
        supplier: dict[str, Any] = {"id": f"mill-{dc}", "lead_time_days": draw(st.integers(1, 3))}
        if draw(st.booleans()):
            supplier["capacity_units_per_day"] = float(draw(st.integers(1, 30)))
        section: dict[str, Any] = {
            "initial_cover_days": float(draw(st.integers(0, 4))),
            "suppliers": [supplier],
        }
        if draw(st.booleans()):
            section["target_cover_days"] = float(draw(st.integers(0, 4)))
        if draw(st.booleans()):
            section["inbound_capacity_units_per_day"] = float(draw(st.integers(1, 40)))
        supply[dc] = section
    plan: dict[str, Any] = {
        "allocation": draw(st.sampled_from(["fifo", "proportional", "fair-share", "lowest-cover-first"])),
        "backup_priority": draw(st.sampled_from(["own_stores_first", "covered_stores_first"])),
    }
    if draw(st.booleans()):
        plan["allocation_by_dc"] = {
            draw(st.sampled_from(ids)): draw(st.sampled_from(["fifo", "proportional"]))
        }
    if draw(st.booleans()):
        a, b = window(draw)
        plan["order_cap"] = {
            "units": float(draw(st.integers(1, 10))),
            "from_day": a,
            "until_day": b,
            "apply_at": draw(st.sampled_from(["order", "dispatch"])),
            "dcs": [draw(st.sampled_from(ids))],
        }
    if draw(st.booleans()):
        a, b = window(draw)
        plan["surge"] = [
            {"from_day": a, "until_day": b, "dc": draw(st.sampled_from(ids)), "extra_pick_fraction": 0.5}
        ]
    channels = [
        {
            "id": CHANNELS[c],
            "serves": {"where": {"dc": ids[c]}},
            "click_and_collect_share": draw(st.sampled_from([0.0, 0.2, 0.5])),
            "failed_pickup_to_delivery_fraction": draw(st.sampled_from([0.0, 0.5])),
            **({"capacity_units_per_day": 5.0} if draw(st.booleans()) else {}),
        }
        for c in range(min(n, 2))
    ]
    return {
        "stores": stores,
        "capacity": capacity,
        "pause": pause,
        "backups": backups,
        "supply": supply,
        "plan": plan,
        "cover": float(draw(st.integers(1, 4))),
        "lead": draw(st.integers(1, 2)),
        "channels": channels,
        "two_items": draw(st.booleans()),
        "divert": draw(st.sampled_from([0.0, 0.5])),
        "closed": window(draw) if draw(st.booleans()) else None,
        "pickup_down": window(draw) if draw(st.booleans()) else None,
        "receive_down": {dc: window(draw) for dc in supply if draw(st.booleans())},
        "distribution": draw(st.sampled_from(["deterministic", "poisson"])),
    }


def write(
    folder: Path, net: dict[str, Any], listed: list[str] | None = None, channel_order: Any = None
) -> Path:
    """Write the network; ``listed`` and ``channel_order`` only change the order of the lists."""
    path = two_dc_scenario(
        folder,
        stores=net["stores"],
        capacity=net["capacity"],
        pause=net["pause"],
        backups=net["backups"],
        supply=net["supply"],
        cover=net["cover"],
        horizon=HORIZON,
        lead=net["lead"],
        plan=net["plan"],
        listed=listed,
    )
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    channels = net["channels"] if channel_order is None else [net["channels"][i] for i in channel_order]
    data["sites"]["channels"] = channels
    data["demand"] = {"distribution": net["distribution"]}
    data["behaviour"] = {"divert_online_fraction": net["divert"]}
    if net["two_items"]:
        data["items"] = [
            {"id": "all", "price": 10.0, "margin": 2.0, "demand_share": 3.0},
            {"id": "milk", "price": 2.0, "margin": 0.5, "demand_share": 1.0},
        ]
    isolate = data["incident"]["isolate"]
    for service, capability, site, days in (
        ("pos", "store.sell", {"kind": "store"}, net["closed"]),
        ("pickup", "store.pickup", {"kind": "store"}, net["pickup_down"]),
        *((f"erp-{dc}", "dc.receive", {"id": dc}, days) for dc, days in sorted(net["receive_down"].items())),
    ):
        if days is None:
            continue
        data["services"].append({"id": service, "party": "chain"})
        data["requires"].append({"site": site, "capability": capability, "groups": [[{"service": service}]]})
        isolate.append({"service": service, "from_day": days[0], "until_day": days[1]})
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def reps_of(net: dict[str, Any]) -> int:
    return 1 if net["distribution"] == "deterministic" else 3


# --- conservation, capacity and stock, day by day ---------------------------------------------


@SETTINGS
@given(net=networks(), seed=st.integers(0, 1000))
def test_units_are_conserved_and_no_dc_ships_more_than_it_can(net: dict[str, Any], seed: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        inp = build_inputs(load_scenario(write(Path(folder), net)))
    reps = reps_of(net)
    chunk = Chunk.start(inp, replication_seeds(seed, 0, reps))
    s = chunk.state
    has_supply = (inp.supplier_index >= 0).any(axis=1)  # (D,)
    supplier_of_dc = inp.supplier_index.max(axis=1)  # one supplier for every item of a DC
    backs_up = [
        [(d, b) for d, backups in enumerate(inp.dc_backups) for b in backups if b.dc == x]
        for x in range(inp.n_dcs)
    ]
    surge_extra = inp.surge_pick  # (D, T)

    def totals() -> dict[str, np.ndarray]:
        return {
            "shelf": s.on_hand.sum(axis=(1, 2)),
            "pipeline": s.pipeline.sum(axis=(1, 2, 3)),
            "stock": np.where(has_supply, s.dc_stock.sum(axis=2), 0.0),
            "supply": np.where(
                has_supply, (s.dc_stock + s.dock).sum(axis=2) + s.inbound.sum(axis=(2, 3)), 0.0
            ),
        }

    before = totals()
    assert (s.dc_stock[:, has_supply] >= 0).all()
    for day, cap, step in chunk.run_days(HORIZON):
        after = totals()
        out = step.dispatched
        flows = step.flows
        received = step.received.sum(axis=(1, 2))
        sales = flows["sales"].sum(axis=(1, 2))
        # stores: what the DCs shipped went on the way; the shelf gained what arrived, lost what sold
        assert np.allclose(out.shipped.sum(axis=1), step.shipped.sum(axis=(1, 2)), atol=EPS)
        assert np.allclose(
            after["pipeline"], before["pipeline"] - received + out.shipped.sum(axis=1), atol=EPS
        )
        assert np.allclose(after["shelf"], before["shelf"] + received - sales, atol=EPS)
        # demand is sold, lost or diverted online (no diversion to nearby stores here)
        lost = flows["lost_closed"] + flows["lost_stockout"] + flows["lost_pickup"]
        assert np.allclose(
            flows["demand"].sum(axis=(1, 2)),
            sales + lost.sum(axis=(1, 2)) + flows["diverted_online"].sum(axis=(1, 2)),
            atol=EPS,
        )
        # DC stock: yesterday's + received - shipped (own stores and lent), never negative
        expected = before["stock"] + step.dc_received - out.shipped
        assert np.allclose(
            np.where(has_supply, after["stock"], 0.0), np.where(has_supply, expected, 0.0), atol=EPS
        )
        assert (s.dc_stock[:, has_supply] >= 0).all()
        assert (step.dc_received >= -EPS).all()
        # the dock receives within its capacity × dc.receive, nothing while dc.receive is down
        with np.errstate(invalid="ignore"):  # inf × 0 where there is no limit and the dock is down
            room = np.where(cap.dc_receive > 0, inp.dc_inbound_capacity * cap.dc_receive, 0.0)
        assert (step.dc_received <= np.where(has_supply, room, 0.0) + EPS).all()
        # suppliers: stock + dock + on the way changes by what was ordered less what was shipped;
        # a DC orders >= 0 and no more than its supplier's capacity
        ordered = after["supply"] - before["supply"] + np.where(has_supply, out.shipped, 0.0)
        assert (ordered >= -EPS).all()
        limit = np.array(
            [inp.supplier_capacity[k] if k >= 0 else 0.0 for k in supplier_of_dc.tolist()], dtype=float
        )
        assert (ordered <= limit + EPS).all()
        # capacity: today's capacity <= pick capacity × (1 + surge); shipped <= capacity
        assert (out.capacity <= inp.dc_pick_capacity * (1 + surge_extra[:, day]) + EPS).all()
        assert (out.shipped <= out.capacity + EPS).all()
        assert (out.shipped >= -EPS).all()
        # lending: part of what a DC ships, and only while a DC it backs up is switched over
        assert (out.lent <= out.shipped + EPS).all()
        for b in range(inp.n_dcs):
            covering = np.zeros(reps, dtype=bool)
            for d, backup in backs_up[b]:
                covering |= s.down_days[:, d] > backup.switch_over_days
            assert (out.lent[~covering, b] == 0).all()
        # nothing negative
        assert (s.on_hand >= -EPS).all() and (s.open_units >= -EPS).all() and (step.backlog >= -EPS).all()
        before = after


# --- the listing order of DCs and channels never changes a result ---------------------------


@FEWER
@given(net=networks(), data=st.data())
def test_listing_order_of_dcs_and_channels_changes_nothing(net: dict[str, Any], data: st.DataObject) -> None:
    ids = list(net["stores"])
    listed = data.draw(st.permutations(ids), label="listed")
    channel_order = data.draw(st.permutations(range(len(net["channels"]))), label="channels")
    reps = reps_of(net)
    with tempfile.TemporaryDirectory() as folder:
        first = api.simulate(write(Path(folder) / "sorted", net), replications=reps, seed=5)
        other = api.simulate(
            write(Path(folder) / "listed", net, listed=listed, channel_order=channel_order),
            replications=reps,
            seed=5,
        )
    a, b = first.dataset, other.dataset
    assert list(a.data_vars) == list(b.data_vars)
    assert list(a.coords) == list(b.coords)
    for name in a.coords:
        assert np.array_equal(a[name].values, b[name].values), name
    for name in a.data_vars:
        assert a[name].dims == b[name].dims, name
        assert np.array_equal(a[name].values, b[name].values, equal_nan=True), name
    assert first.summary["dcs"] == other.summary["dcs"]
    assert first.summary["metrics"] == other.summary["metrics"]
    # and, on the dataset, units are conserved over the run (nothing on the way on day 0):
    # shipped by the DCs = received by the stores + still on the way at the end
    shipped_by_dcs = a["dc_shipped_units"].values.sum(axis=(1, 2))
    assert np.allclose(shipped_by_dcs, a["shipped_units"].values.sum(axis=1), atol=EPS)
    assert np.allclose(
        shipped_by_dcs, a["received_units"].values.sum(axis=1) + a["final_pipeline_units"].values, atol=EPS
    )
    assert np.allclose(
        a["initial_on_hand_units"].values
        + a["received_units"].values.sum(axis=1)
        - a["sales_units"].values.sum(axis=1),
        a["final_on_hand_units"].values,
        atol=EPS,
    )
    assert (a["dc_shipped_units"].values <= a["dc_capacity_units_by_dc"].values + EPS).all()
    stock = a["dc_stock_units"].values
    assert (stock[np.isfinite(stock)] >= 0).all()
