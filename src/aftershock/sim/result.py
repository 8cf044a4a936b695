"""The result of a simulation: an xarray Dataset plus a summary of named metrics."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from aftershock.io.results import write_atomic
from aftershock.sim.engine import DAILY, STORE_TOTALS
from aftershock.sim.metrics import DAILY_SERIES, daily_summary, metric_summary, per_replication

#: Daily series summarised in the JSON summary (mean and 90% band per day).
SUMMARY_SERIES = tuple(DAILY_SERIES)


@dataclass
class Result:
    """Daily results (dims ``replication, day`` and, when kept, ``store, item``) and a summary."""

    dataset: xr.Dataset
    summary: dict[str, Any] = field(default_factory=dict)

    def metric(self, name: str) -> np.ndarray:
        """Per-replication values of a metric of :data:`aftershock.sim.metrics.METRICS`."""
        return self.dataset[name].values

    def write(self, path: Path) -> None:
        """Write to NetCDF (``.nc``) or Parquet (``.parquet``, daily series in long form)."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".nc":
            write_atomic(path, lambda tmp: self.dataset.to_netcdf(tmp, engine="netcdf4"))
        elif suffix == ".parquet":
            frame = self.dataset[
                [v for v in self.dataset.data_vars if self.dataset[v].dims == ("replication", "day")]
            ]
            table = frame.to_dataframe().reset_index()
            write_atomic(path, lambda tmp: table.to_parquet(tmp, index=False))
        else:
            from aftershock.errors import UsageError

            raise UsageError(f"--out {path}: expected a .nc or .parquet file name")


def build_result(
    raw: dict[str, np.ndarray],
    *,
    scenario: str,
    seed: int,
    start_date: Any,
    store_ids: tuple[str, ...],
    item_ids: tuple[str, ...],
    incident_day: int,
    region_of_store: tuple[str, ...] | None = None,
    warnings: list[dict[str, Any]] | None = None,
) -> Result:
    """Assemble the Dataset and summary from the runner's arrays.

    ``warnings`` are the scenario's warnings as plain data (``ScenarioWarning.as_dict``); the
    summary carries them, so a stored run shows them with its numbers.
    """
    reps, days = raw["demand_units"].shape
    coords: dict[str, Any] = {"replication": np.arange(reps), "day": np.arange(days)}
    data: dict[str, Any] = {name: (("replication", "day"), raw[name]) for name in (*DAILY, "received_units")}
    first = raw["first_compromise_day"]
    metrics = per_replication(raw, np.where(np.isfinite(first), first, incident_day))
    for name, values in metrics.items():
        data[name] = (("replication",), values)
    for name in ("initial_on_hand_units", "final_on_hand_units", "final_pipeline_units"):
        data[name] = (("replication",), raw[name])
    coords["store"] = list(store_ids)
    for name in STORE_TOTALS:
        data[name] = (("replication", "store"), raw[name])
    if region_of_store is not None:
        coords["region"] = ("store", list(region_of_store))
    if "store_sales_units" in raw:
        coords["item"] = list(item_ids)
        for name in ("store_sales_units", "store_lost_units", "store_on_hand_units"):
            data[name] = (("replication", "store", "item", "day"), raw[name])
    if start_date is not None:
        coords["date"] = (
            "day",
            np.array([np.datetime64(start_date) + np.timedelta64(d, "D") for d in range(days)]),
        )
    ds = xr.Dataset(data, coords=coords, attrs={"scenario": scenario, "seed": seed})
    summary = {
        "scenario": scenario,
        "replications": reps,
        "seed": seed,
        "horizon_days": days,
        "start_date": str(start_date) if start_date is not None else None,
        "incident_day": incident_day,
        "warnings": list(warnings or []),
        # each metric and daily series carries its label and unit: tables, reports and the
        # dashboard's JavaScript read them here instead of keeping their own copies
        "metrics": {name: metric_summary(name, values) for name, values in metrics.items()},
        "daily": {name: daily_summary(name, raw[name]) for name in SUMMARY_SERIES},
    }
    return Result(dataset=ds, summary=summary)
