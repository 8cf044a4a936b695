"""Synthetic cases of the calibration tests: a crew-restore scenario and its observed timeline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aftershock import api
from aftershock.testing import scenario_dict, stores_csv, write_scenario

#: The crews' rate the synthetic observed timeline comes from.
TRUE_RATE = 3.0
RATE = "incident.restore.pos.sites_per_crew_per_day"


def crew_scenario(folder: Path, rate: float = TRUE_RATE, uncertainty: dict[str, Any] | None = None) -> Path:
    """40 stores lose their tills on day 2; two crews restore them from day 4, ``rate`` stores
    each a day, in id order; deterministic demand."""
    data = scenario_dict(
        horizon_days=14,
        start_date="2024-03-01",
        services=[{"id": "rmm", "party": "vendor"}, {"id": "pos", "party": "msp", "kind": "pos"}],
        control=[{"from": "rmm", "to": "pos", "p": 1.0}],
        requires=[{"site": {"kind": "store"}, "capability": "store.sell", "groups": [[{"service": "pos"}]]}],
        incident={
            "compromise": {"service": "rmm", "day": 2},
            "restore": {
                "rmm": {"day": 3},
                "pos": {"day": 4, "crews": 2, "sites_per_crew_per_day": rate, "order": "by_id"},
            },
        },
        demand={"distribution": "deterministic"},
    )
    if uncertainty:
        data["uncertainty"] = uncertainty
    rows = [(f"s{i:02d}", "r", "a", 10.0) for i in range(40)]
    return write_scenario(folder, data, stores_csv(rows))


def observed_from_truth(folder: Path, tolerance: float = 1.5) -> Path:
    """The stores closed on days 3-10 of the scenario at :data:`TRUE_RATE`, as an observed file."""
    truth = api.simulate(crew_scenario(folder / "truth"), replications=1, seed=0)
    closed = truth.dataset["stores_closed"].values[0]
    lines = ["date,series,value,tolerance,source"]
    for day in range(3, 11):
        lines.append(f"2024-03-{1 + day:02d},stores_closed,{closed[day]:g},{tolerance},synthetic")
    path = folder / "observed.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
