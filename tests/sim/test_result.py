"""The result's summary carries the labels, units and daily bands that tables, reports and the web read."""

from __future__ import annotations

import numpy as np

from aftershock import api
from aftershock.sim.metrics import DAILY_BAND_PERCENTILES, DAILY_SERIES, LABELS, METRICS


def test_summary_carries_labels_units_and_daily_bands() -> None:
    result = api.simulate("coop-kaseya-2021", replications=3, seed=2, overrides=["horizon_days=10"])
    metrics = result.summary["metrics"]
    assert list(metrics) == list(METRICS)
    for name, m in metrics.items():
        assert (m["label"], m["unit"], m["description"]) == (LABELS[name], *METRICS[name])
    daily = result.summary["daily"]
    assert list(daily) == list(DAILY_SERIES)
    for name, series in daily.items():
        assert (series["label"], series["unit"]) == DAILY_SERIES[name]
        values = result.dataset[name].values
        low, high = np.percentile(values, DAILY_BAND_PERCENTILES, axis=0)
        assert series["p5"] == low.tolist() and series["p95"] == high.tolist()
        assert series["mean"] == values.mean(axis=0).tolist() and len(series["mean"]) == 10
