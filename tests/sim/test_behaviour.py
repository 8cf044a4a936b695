"""Customer and store behaviour by hand: churn as documented, and orders inflated by fear of rationing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from aftershock import api
from aftershock.sim import build_inputs
from aftershock.sim.engine import run_replications
from aftershock.sim.runner import replication_seeds
from aftershock.testing import pause_scenario, scenario_dict, stores_csv, write_scenario


def closed_one_day(folder: Path, *, churn: float, visit: float, recovery: float) -> Path:
    """One store selling 10 a day (plenty of stock), its till down on day 2 only."""
    data = scenario_dict(
        horizon_days=8,
        services=[{"id": "pos", "party": "msp"}, {"id": "corp-it", "party": "vendor"}],
        control=[],
        requires=[{"site": {"kind": "store"}, "capability": "store.sell", "groups": [[{"service": "pos"}]]}],
        incident={
            "compromise": {"service": "corp-it", "day": 0},
            "isolate": [{"service": "pos", "from_day": 2, "until_day": 3}],
            "restore": {"corp-it": {"day": 1}},
        },
        demand={"distribution": "deterministic"},
        behaviour={"churn_fraction": churn, "visit_interval_days": visit, "churn_recovery_days": recovery},
        sites={"stores": {"table": "stores.csv"}, "dcs": [{"id": "dc", "pick_capacity_units_per_day": 1000}]},
    )
    header = [
        "id",
        "region",
        "demand_units_per_day",
        "on_hand_units",
        "order_up_to_units",
        "review_period_days",
    ]
    return write_scenario(folder, data, stores_csv([("s1", "r", 10.0, 100.0, 100.0, 1)], header))


def test_churn_takes_the_documented_share_of_the_unserved_once_and_they_come_back(tmp_path: Path) -> None:
    """10 units turned away on day 2; half of those customers stay away; customers visit every
    2 days, so the store loses 0.5 × 10 / 2 = 2.5 units of daily demand (a quarter); a quarter of
    those away come back each day (time constant 4 days)."""
    result = api.simulate(closed_one_day(tmp_path, churn=0.5, visit=2, recovery=4), replications=1)
    demand = result.dataset["demand_units"].values[0]
    lost = result.dataset["lost_units"].values[0]
    churned = result.dataset["customers_lost_units"].values[0]
    assert lost.tolist() == [0, 0, 10, 0, 0, 0, 0, 0]  # only the closed day: stock is plentiful
    away = [0, 0, 0.25, 0.25 * 0.75, 0.25 * 0.75**2, 0.25 * 0.75**3, 0.25 * 0.75**4, 0.25 * 0.75**5]
    # demand is 10 × the share still coming (the day after the loss is the first with less)
    assert demand == pytest.approx([10, 10, 10, *(10 * (1 - a) for a in away[2:-1])])
    assert churned == pytest.approx([10 * a for a in away])
    # customers lost = fraction × unserved: 2.5 units of daily demand × 2 days between visits = 5 units
    assert churned[2] * 2 == pytest.approx(0.5 * 10)
    # "demand lost to churn" is exactly the demand that did not arise (the last day's loss is
    # the next day's, beyond the horizon), and here less than the lost sales that caused it
    assert 80 - demand.sum() == pytest.approx(churned[:-1].sum())
    assert churned.sum() < lost.sum()


def test_without_churn_nothing_changes(tmp_path: Path) -> None:
    result = api.simulate(closed_one_day(tmp_path, churn=0.0, visit=2, recovery=4), replications=1)
    assert result.dataset["demand_units"].values[0].tolist() == [10.0] * 8
    assert result.dataset["customers_lost_units"].values[0].tolist() == [0.0] * 8


def inflation_run(folder: Path, inflation: dict | None) -> dict[str, np.ndarray]:
    path = pause_scenario(
        folder, stores=1, demand=10, order_up_to=30, on_hand=30, pause=(3, 5), capacity=1000, horizon=10
    )
    overrides = [] if inflation is None else [f"behaviour.order_inflation={inflation}"]
    inp = build_inputs(api.load(path, overrides))
    return run_replications(inp, replication_seeds(0, 0, 1))


def test_stores_that_fear_rationing_order_more_and_the_extra_fades(tmp_path: Path) -> None:
    """Order up to 30, 10 a day, daily review, lead 1; the DC cannot ship on days 3 and 4.

    Day 3: the store orders 10 (inflation is set after the day's orders) and hears of the
    shortage: inflation 0.5. Day 4: it orders up to 45 from a position of 10 on the shelf and 10
    owed: 25. Day 5 (DC back): up to 45 from 0 + 35 owed: 10; the DC ships all 45; no shortage
    now, so inflation fades to 0.25. Day 6: 45 arrive, 35 left after sales; it orders up to
    37.5: 2.5 (inflation 0.125). Day 7: 27.5 left, up to 33.75: 6.25. Day 8: 23.75 left, up to
    31.875: 8.125. Day 9: 21.875 left, up to 30.9375: 9.0625.
    """
    plain = inflation_run(tmp_path / "plain", None)
    fearful = inflation_run(tmp_path / "fear", {"after_stockout": 0.0, "while_short": 0.5, "fade_days": 2})
    assert plain["shipped_units"][0].tolist() == [10, 10, 10, 0, 0, 30, 10, 10, 10, 10]
    assert fearful["shipped_units"][0].tolist() == pytest.approx(
        [10, 10, 10, 0, 0, 45, 2.5, 6.25, 8.125, 9.0625]
    )


def test_a_stockout_raises_the_next_orders(tmp_path: Path) -> None:
    """The DC cannot ship on days 3-5: the shelf holds 20, 10, 0 after days 3, 4, 5 and nothing
    arrives on day 6 (the first shipment leaves that day), so day 6 loses its 10. On day 7 the
    store orders up to 30 × 1.5 = 45 instead of 30: 15 more ship that day."""
    path = pause_scenario(
        tmp_path, stores=1, demand=10, order_up_to=30, on_hand=30, pause=(3, 6), capacity=1000, horizon=10
    )
    with_fear = build_inputs(
        api.load(path, ["behaviour.order_inflation={after_stockout: 0.5, while_short: 0, fade_days: 1}"])
    )
    raw = run_replications(with_fear, replication_seeds(0, 0, 1))
    assert raw["lost_units"][0].tolist()[:7] == [0, 0, 0, 0, 0, 0, 10]
    plain = run_replications(build_inputs(api.load(path)), replication_seeds(0, 0, 1))
    assert raw["shipped_units"][0][:7].tolist() == plain["shipped_units"][0][:7].tolist()
    assert raw["shipped_units"][0][7] == pytest.approx(plain["shipped_units"][0][7] + 15)
