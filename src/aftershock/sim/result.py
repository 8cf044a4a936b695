"""The result of a simulation: an xarray Dataset plus a summary of named metrics."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from aftershock.io.results import write_atomic
from aftershock.sim.engine import DAILY, DC_DAILY, STORE_TOTALS
from aftershock.sim.metrics import (
    DAILY_SERIES,
    DC_METRICS,
    backlog_clear_day,
    daily_summary,
    dc_clear_slack,
    describe,
    describe_daily,
    metric_summary,
    per_replication,
)

#: Daily series summarised in the JSON summary (mean and 90% band per day).
SUMMARY_SERIES = tuple(DAILY_SERIES)
#: Per-DC daily series in each row of the DC table (mean and 90% band per day): the key in the
#: row's ``daily``, and the engine's series, label and unit of each. Stock only for a DC with a
#: supply section (without one its stock is unlimited).
DC_DAILY_SUMMARY: dict[str, tuple[str, str, str]] = {
    "backlog_units": ("dc_backlog_units", "Backlog, units", "units"),
    "stock_units": ("dc_stock_units", "Stock in the DC, units", "units"),
}


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
    dc_ids: tuple[str, ...] = (),
    dc_of_store: tuple[str, ...] | None = None,
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
    dcs: list[dict[str, Any]] = []
    if dc_ids:
        coords["dc"] = list(dc_ids)
        for name in DC_DAILY:
            data[name] = (("replication", "dc", "day"), raw[name])
        onset = np.where(np.isfinite(first), first, incident_day)
        clear = np.stack(
            [
                backlog_clear_day(
                    raw["dc_backlog_units"][:, d],
                    onset,
                    slack=dc_clear_slack(raw["dc_shipped_units"][:, d], onset),
                )
                for d in range(len(dc_ids))
            ],
            axis=1,
        )
        data["dc_backlog_clear_day"] = (("replication", "dc"), clear)
        dcs = _dc_table(raw, dc_ids, dc_of_store, clear)
    if dc_of_store is not None:
        coords["store_dc"] = ("store", list(dc_of_store))
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
        "dcs": dcs,
        "daily": {name: daily_summary(name, raw[name]) for name in SUMMARY_SERIES},
    }
    return Result(dataset=ds, summary=summary)


def add_parameter_draws(
    result: Result,
    draw: np.ndarray,
    values: dict[str, np.ndarray],
    parameters: list[dict[str, Any]],
) -> None:
    """Mark a result run over drawn parameter sets (``uncertainty:``, :mod:`aftershock.sim.draws`).

    ``draw`` (R,) is each replication's set and ``values`` each parameter's drawn value per set,
    by path; ``parameters`` describe them (path, estimate, point value, whole number or not).
    The Dataset gains a ``parameter_draw`` coordinate on ``replication`` and ``parameter_value``
    (``replication, parameter``); the summary gains ``uncertainty`` (the sets and the parameters
    with their drawn range) and, for each metric, ``from_parameters``: the share of its variance
    due to the parameters and its 90% interval from the parameters alone
    (:func:`aftershock.sim.draws.split_variance`).
    """
    from aftershock.sim.draws import drawn_summary, split_variance

    paths = list(values)
    ds = result.dataset.assign_coords(parameter_draw=("replication", draw.astype(np.int64)))
    if paths:
        per_rep = np.stack([values[p][draw] for p in paths], axis=1)
        ds = ds.assign_coords(parameter=paths)
        ds["parameter_value"] = (("replication", "parameter"), per_rep)
    result.dataset = ds
    sizes = np.bincount(draw)
    result.summary["uncertainty"] = {
        "draws": int(sizes.size),
        "replications_per_draw": {"min": int(sizes.min()), "max": int(sizes.max())},
        "parameters": [{**p, "drawn": drawn_summary(values[p["path"]])} for p in parameters],
        "method": "each parameter set runs on its own replications; the variance of each metric "
        "is split by the law of total variance (one-way random-effects estimate): between the "
        "sets' means (parameters) and within a set (demand)",
    }
    differ = any(np.ptp(v) > 0 for v in values.values())
    for name, row in result.summary["metrics"].items():
        row["from_parameters"] = split_variance(ds[name].values, draw, sets_differ=differ)


def _dc_table(
    raw: dict[str, np.ndarray],
    dc_ids: tuple[str, ...],
    dc_of_store: tuple[str, ...] | None,
    clear: np.ndarray,
) -> list[dict[str, Any]]:
    """One row per DC: its stores, their lost sales, its backlog, shipments, lending and clear day;
    and per day (``daily``, :data:`DC_DAILY_SUMMARY`) its backlog and, when finite, its stock."""
    stores = np.array(
        dc_of_store if dc_of_store is not None else [dc_ids[0]] * raw["store_lost_units_total"].shape[1]
    )
    rows = []
    for d, dc in enumerate(dc_ids):
        mine = stores == dc
        values = {
            "lost_sales_units": raw["store_lost_units_total"][:, mine].sum(axis=1),
            "backlog_peak_units": raw["dc_backlog_units"][:, d].max(axis=1),
            "backlog_clear_day": clear[:, d],
            "shipped_units": raw["dc_shipped_units"][:, d].sum(axis=1),
            "lent_units": raw["dc_lent_units"][:, d].sum(axis=1),
        }
        daily = {
            key: {"label": label, "unit": unit, **describe_daily(raw[series][:, d])}
            for key, (series, label, unit) in DC_DAILY_SUMMARY.items()
            if np.isfinite(raw[series][:, d]).all()  # unlimited stock (inf) is not drawn
        }
        rows.append(
            {
                "dc": dc,
                "stores": int(mine.sum()),
                "metrics": {
                    name: {"label": DC_METRICS[name][0], "unit": DC_METRICS[name][1], **describe(v)}
                    for name, v in values.items()
                },
                "daily": daily,
            }
        )
    return rows


def result_labels(loaded: Any, inputs: Any) -> dict[str, Any]:
    """The names ``build_result`` puts on a run of ``loaded`` compiled to ``inputs``: stores, items,
    regions and DCs."""
    from aftershock.model.stores import store_dc_names

    s = loaded.scenario
    return {
        "scenario": loaded.name,  # with the variant: ocs-2022:spread
        "start_date": s.start_date,
        "incident_day": s.incident.compromise.day,
        "store_ids": inputs.net.site_ids[: inputs.n_stores],
        "item_ids": inputs.item_ids,
        "region_of_store": tuple(loaded.stores.regions.tolist()),
        "dc_ids": inputs.dc_ids,
        "dc_of_store": tuple(str(x) for x in store_dc_names(s, loaded.stores).tolist())
        if inputs.dc_ids
        else None,
    }
