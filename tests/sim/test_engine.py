"""Engine: known answers computed by hand, invariants on random scenarios, determinism."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aftershock import api
from aftershock.errors import ScenarioError, UsageError
from aftershock.testing import pause_scenario, scenario_dict, write_scenario


def test_backlog_at_restart_and_clearing_day_match_hand_computation(tmp_path: Path) -> None:
    # S=10 stores, d=5/day, daily review, lead 1, enough stock to never run out.
    # During the pause [a, b) = [5, 10) each store orders d a day: backlog B = (b-a)·S·d = 250
    # on the morning of day b. From day b the DC ships C=80 a day while S·d=50 arrive:
    # backlog after day b+k = B + S·d - C - k(C - S·d) -> zero first at k = ceil(B/(C-S·d)) - 1.
    S, d, a, b, C = 10, 5.0, 5, 10, 80.0
    path = pause_scenario(
        tmp_path, stores=S, demand=d, order_up_to=100, on_hand=100, pause=(a, b), capacity=C
    )
    result = api.simulate(path, replications=2, seed=1)
    backlog = result.dataset["backlog_units"].values[0]
    B = (b - a) * S * d
    assert backlog[b - 1] == pytest.approx(B)
    assert backlog[b] == pytest.approx(B + S * d - C)
    clear = b + math.ceil(B / (C - S * d)) - 1
    assert backlog[clear] == pytest.approx(0.0)
    assert backlog[clear - 1] > 0
    assert result.metric("backlog_clear_day")[0] == clear
    assert result.metric("lost_sales_units")[0] == pytest.approx(0.0)
    shipped = result.dataset["shipped_units"].values[0]
    assert np.all(shipped[a:b] == 0)
    assert np.all(shipped[b:] <= C + 1e-9)


def test_lost_sales_when_stock_runs_out_during_the_pause(tmp_path: Path) -> None:
    # Each store holds U=20 units and sells d=5 a day: empty after 4 days of pause.
    # The pause covers days [0, 8); shipments of day 8 arrive on day 9, so days 0..8
    # (9 days, 45 units) are demanded against 20 units: 25 units lost per store.
    S, d, U = 4, 5.0, 20.0
    path = pause_scenario(tmp_path, stores=S, demand=d, order_up_to=U, on_hand=U, pause=(0, 8), capacity=1e6)
    result = api.simulate(path, replications=1, seed=0)
    assert result.metric("lost_sales_units")[0] == pytest.approx(S * (9 * d - U))
    # stores stock out from day 4 to day 8 inclusive: 5 days
    assert result.metric("stockout_store_days")[0] == S * 5
    lost = result.dataset["lost_units"].values[0]
    assert lost[:4].sum() == 0 and lost[9:].sum() == 0


def test_order_cap_at_dispatch_limits_each_store_each_day(tmp_path: Path) -> None:
    # 3 stores, pause [2, 6): backlog 4·5 = 20 per store; cap 6 units per store a day from day 6.
    path = pause_scenario(
        tmp_path,
        stores=3,
        demand=5.0,
        order_up_to=200,
        on_hand=200,
        pause=(2, 6),
        capacity=1e6,
        cap={"units": 6, "from_day": 6, "until_day": 12, "apply_at": "dispatch"},
    )
    result = api.simulate(path, replications=1, seed=0)
    shipped = result.dataset["shipped_units"].values[0]
    assert np.all(shipped[6:12] <= 3 * 6 + 1e-9)
    assert shipped[6] == pytest.approx(18.0)
    assert shipped[12] > 18.0  # the cap is lifted: the remaining backlog ships at once


def test_same_seed_same_result_whatever_the_chunking() -> None:
    whole = api.simulate("coop-kaseya-2021", replications=6, seed=11, overrides=["horizon_days=14"])
    split = api.simulate("coop-kaseya-2021", replications=6, seed=11, overrides=["horizon_days=14"], chunk=4)
    for name in ("sales_units", "lost_units", "backlog_units", "stores_closed"):
        assert np.array_equal(whole.dataset[name].values, split.dataset[name].values)
    other = api.simulate("coop-kaseya-2021", replications=6, seed=12, overrides=["horizon_days=14"])
    assert not np.array_equal(whole.dataset["sales_units"].values, other.dataset["sales_units"].values)


def test_bad_simulation_parameters_are_clear_errors() -> None:
    with pytest.raises(UsageError, match="replications"):
        api.simulate("ocs-2022", replications=0)
    with pytest.raises(ScenarioError, match="--set"):
        api.simulate("ocs-2022", replications=1, overrides=["incident.forensic_clearance_dayz=3"])
    with pytest.raises(ScenarioError, match="horizon"):
        api.simulate("ocs-2022", replications=1, overrides=["horizon_days=5"])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    stores=st.integers(1, 5),
    demand=st.floats(0.5, 30),
    cover=st.floats(0.5, 12),
    lead=st.integers(1, 3),
    review=st.integers(1, 7),
    a=st.integers(0, 10),
    length=st.integers(1, 10),
    capacity_share=st.floats(0.3, 3.0),
    cap_units=st.one_of(st.none(), st.floats(1, 50)),
    seed=st.integers(0, 2**16),
)
def test_invariants_on_random_scenarios(
    tmp_path_factory: pytest.TempPathFactory,
    stores: int,
    demand: float,
    cover: float,
    lead: int,
    review: int,
    a: int,
    length: int,
    capacity_share: float,
    cap_units: float | None,
    seed: int,
) -> None:
    folder = tmp_path_factory.mktemp("prop")
    capacity = max(capacity_share * stores * demand, 1.0)
    cap = None if cap_units is None else {"units": cap_units, "from_day": a + length, "apply_at": "dispatch"}
    path = pause_scenario(
        folder,
        stores=stores,
        demand=demand,
        order_up_to=demand * (cover + lead + review),
        on_hand=demand * cover,
        pause=(a, a + length),
        capacity=capacity,
        horizon=30,
        lead=lead,
        review=review,
        cap=cap,
        distribution="poisson",
    )
    result = api.simulate(path, replications=3, seed=seed, keep_store_days=True)
    ds = result.dataset
    assert (ds["store_on_hand_units"].values >= 0).all()
    sold = ds["sales_units"].sum("day").values
    received = ds["received_units"].sum("day").values
    initial, final = ds["initial_on_hand_units"].values, ds["final_on_hand_units"].values
    np.testing.assert_allclose(initial + received, final + sold, rtol=1e-9, atol=1e-6)
    demanded = ds["demand_units"].sum("day").values
    accounted = sold + ds["lost_units"].sum("day").values + ds["diverted_online_units"].sum("day").values
    np.testing.assert_allclose(demanded, accounted, rtol=1e-9, atol=1e-6)
    shipped = ds["shipped_units"].values
    assert (shipped[:, a : a + length] == 0).all()
    assert (shipped <= ds["dc_capacity_units"].values + 1e-6).all()
    if cap_units is not None:
        assert (shipped[:, a + length :] <= stores * cap_units + 1e-6).all()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    online=st.floats(0, 1),
    nearby=st.floats(0, 1),
    churn=st.floats(0, 0.5),
    fallback_day=st.integers(6, 12),
    distribution=st.sampled_from(["poisson", "negative_binomial", "deterministic"]),
    seed=st.integers(0, 2**16),
)
def test_closures_divert_and_conserve_units(
    tmp_path_factory: pytest.TempPathFactory,
    online: float,
    nearby: float,
    churn: float,
    fallback_day: int,
    distribution: str,
    seed: int,
) -> None:
    # reference network: pos-a stores close on day 5 (rmm -> pos-a), the app is a 0.3 fallback
    data = scenario_dict(
        behaviour={
            "divert_online_fraction": online,
            "divert_nearby_fraction": nearby,
            "churn_fraction": churn,
        },
        demand={"distribution": distribution},
    )
    data["requires"].append(
        {"site": {"id": "web"}, "capability": "channel.online", "groups": [[{"service": "pos-b"}]]}
    )
    data["incident"] = {
        "compromise": {"service": "rmm", "day": 5},
        "restore": {"pos-a": {"day": 9, "crews": 1, "sites_per_crew_per_day": 1}},
        "fallbacks": {"app": {"from_day": fallback_day, "sites_per_day": 1, "max_sites": 2}},
    }
    path = write_scenario(tmp_path_factory.mktemp("div"), data)
    result = api.simulate(path, replications=2, seed=seed, keep_store_days=True)
    ds = result.dataset
    assert (ds["store_on_hand_units"].values >= 0).all()
    demanded = ds["demand_units"].sum("day").values
    sold = ds["sales_units"].sum("day").values
    lost = ds["lost_units"].sum("day").values
    online_units = ds["diverted_online_units"].sum("day").values
    np.testing.assert_allclose(demanded, sold + lost + online_units, rtol=1e-9, atol=1e-6)
    closed = ds["stores_closed"].values[0]
    assert closed[:5].sum() == 0 and closed[5] == 3  # three pos-a stores, none with the app yet
    # crews restore one site a day from day 9: the last pos-a store reopens on day 11
    assert closed[11:].sum() == 0
    if online > 0:
        assert online_units.min() > 0


def test_reorder_point_orders_only_below_s(tmp_path: Path) -> None:
    # d=5, S=50, s=30, review daily, start at 50: position falls 5 a day; at day 3 it is 30 -> order 20.
    path = pause_scenario(
        tmp_path, stores=1, demand=5.0, order_up_to=50, on_hand=50, pause=(30, 31), capacity=1e6, horizon=32
    )
    text = path.read_text().replace("cover_days", "cover_days")
    data_path = path.parent / "stores.csv"
    rows = data_path.read_text().splitlines()
    data_path.write_text(rows[0] + ",reorder_point_units\n" + rows[1] + ",30\n")
    path.write_text(text)
    result = api.simulate(path, replications=1, seed=0)
    shipped = result.dataset["shipped_units"].values[0]
    assert list(np.flatnonzero(shipped)[:2]) == [3, 7]
    assert shipped[3] == pytest.approx(20.0)


def test_netcdf_output_has_named_dimensions(tmp_path: Path) -> None:
    import xarray as xr

    result = api.simulate(
        "coop-kaseya-2021", replications=2, seed=3, keep_store_days=True, overrides=["horizon_days=10"]
    )
    target = tmp_path / "run.nc"
    result.write(target)
    back = xr.open_dataset(target)
    assert back["store_sales_units"].dims == ("replication", "store", "item", "day")
    np.testing.assert_allclose(back["sales_units"].values, result.dataset["sales_units"].values)
    assert not list(tmp_path.glob("*.part"))


def test_online_channel_takes_no_more_than_its_capacity(tmp_path: Path) -> None:
    # pos-a stores (10 + 20 + 40 a day) close on day 5 for good and all their demand turns to
    # the web shop; with a capacity of 25 units a day it takes 25 and the rest is lost
    def run(capacity: float | None) -> dict[str, np.ndarray]:
        data = scenario_dict(
            behaviour={"divert_online_fraction": 1.0}, demand={"distribution": "deterministic"}
        )
        data["sites"]["channels"] = [{"id": "web", "kind": "online", "capacity_units_per_day": capacity}]
        path = write_scenario(tmp_path / str(capacity), data)
        ds = api.simulate(path, replications=1, seed=0).dataset
        return {k: ds[k].values[0] for k in ("diverted_online_units", "lost_units", "sales_units")}

    free, capped = run(None), run(25.0)
    assert free["diverted_online_units"][5:].min() > 25.0  # the closed stores sell more than 25 a day
    np.testing.assert_allclose(
        capped["diverted_online_units"], np.minimum(free["diverted_online_units"], 25.0)
    )
    np.testing.assert_allclose(
        capped["lost_units"],
        free["lost_units"] + free["diverted_online_units"] - capped["diverted_online_units"],
    )
    np.testing.assert_allclose(capped["sales_units"], free["sales_units"])


def test_advance_takes_the_same_day_steps_as_a_run() -> None:
    # advance (where the optimiser starts) and run_replications share one day step: the state
    # on the morning of day t is where a run stands at the end of day t - 1
    from aftershock.sim import build_inputs
    from aftershock.sim.engine import advance, run_replications
    from aftershock.sim.runner import replication_seeds

    inp = build_inputs(api.load("ocs-2022"))
    seeds = replication_seeds(5, 0, 3)
    daily = run_replications(inp, seeds)
    for day in (1, 15, inp.horizon_days):
        state, compromised_on = advance(inp, seeds, day)
        # the compiled kernel sums stores in table order, NumPy pairwise: equal to rounding
        np.testing.assert_allclose(
            state.on_hand.sum(axis=(1, 2)), daily["on_hand_units"][:, day - 1], rtol=1e-12
        )
        np.testing.assert_allclose(
            state.backlog_by_dc(inp).sum(axis=1), daily["backlog_units"][:, day - 1], rtol=1e-12
        )
        assert compromised_on.min(axis=1).tolist() == daily["first_compromise_day"].tolist()
