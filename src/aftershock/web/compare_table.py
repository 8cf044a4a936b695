"""Runs side by side: the data of the compare page, its API and its CSV download."""

from __future__ import annotations

import csv
import io
from typing import Any

from aftershock.formatting import METRICS, what_if
from aftershock.runstore import RunStore
from aftershock.runstore.database import scenario_row

#: The metrics compared, in the page's order.
COMPARED = (
    "lost_sales_units",
    "lost_sales_revenue",
    "stockout_store_days",
    "fill_rate",
    "backlog_clear_day",
    "service_restored_day",
    "worst_store_stockout_days",
    "surge_cost",
)


def what_ifs(params: dict[str, Any]) -> list[str]:
    """A run's what-ifs in words: its variant, then each override."""
    words = [f"Variant: {params['variant']}"] if params.get("variant") else []
    return words + [what_if(o) for o in params.get("overrides") or []]


def compare_runs(store: RunStore, ids: list[str]) -> dict[str, Any]:
    """The runs (each with ``what_ifs`` in words and its scenario's version), the metrics
    compared (name, label, kind) and whether the runs are of different scenarios."""
    runs = []
    versions: dict[str, int | None] = {}
    for run_id in ids:
        run = store.get_run(run_id)
        sid = run["scenario_id"]
        if sid not in versions:
            versions[sid] = scenario_row(store, sid)["version"]
        runs.append({**run, "scenario_version": versions[sid], "what_ifs": what_ifs(run["params"])})
    scenarios = []
    for run in runs:
        version = run["scenario_version"]
        named = run["scenario"] + (f" v{version}" if version is not None else "")
        if named not in scenarios:
            scenarios.append(named)
    mixed = len(versions) > 1
    return {
        "runs": runs,
        "metrics": [{"name": n, **METRICS[n]} for n in COMPARED],
        "mixed_scenarios": mixed,
        "scenarios": scenarios,
        "warning": (
            f"These runs are of {len(versions)} different scenarios ({', '.join(scenarios)}): their "
            "differences come from the scenarios as well as from the what-ifs."
            if mixed
            else None
        ),
    }


def compare_csv_text(table: dict[str, Any]) -> str:
    """A header row, then a row per run: plain numbers for spreadsheets (no thousands
    separators, shares as fractions, empty where there is no value)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    head = ["run_id", "scenario", "scenario_version", "scenario_id", "status", "replications", "seed"]
    head += ["what_ifs"]
    for name in COMPARED:
        head += [name, f"{name}_p5", f"{name}_p95"]
    writer.writerow(head)
    for run in table["runs"]:
        metrics = (run.get("summary") or {}).get("metrics") or {}
        row: list[Any] = [
            run["id"],
            run["scenario"],
            run["scenario_version"] if run["scenario_version"] is not None else "",
            run["scenario_id"],
            run["status"],
            run["params"].get("replications", ""),
            run["seed"],
            "; ".join(run["what_ifs"]),
        ]
        for name in COMPARED:
            m = metrics.get(name) or {}
            row += [_plain(m.get(key)) for key in ("mean", "p5", "p95")]
        writer.writerow(row)
    return out.getvalue()


def _plain(value: Any) -> str:
    """A number as a spreadsheet reads it back exactly (repr), empty for none."""
    return "" if value is None else repr(float(value))
