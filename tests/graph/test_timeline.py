"""The engine propagates only on timeline events: capacities never change on other days."""

from __future__ import annotations

import numpy as np
import pytest

from aftershock import api
from aftershock.graph.timeline import change_days
from aftershock.risk.shapes import shape_inputs
from aftershock.sim import build_inputs
from aftershock.sim.engine import capacities, sample_compromise

FIELDS = ("sell", "receive", "order", "pick", "ship", "online")


@pytest.mark.parametrize("name", ["ocs-2022", "coop-kaseya-2021"])
def test_capacities_change_only_on_change_days(name: str) -> None:
    inp = build_inputs(api.load(name))
    compromised = sample_compromise(inp, [np.random.default_rng(i) for i in range(12)])
    variants = [inp, shape_inputs(inp, 0, np.arange(12) % 6, 1 + np.arange(12) % 9, 5)]
    for variant in variants:
        changes = change_days(variant.timeline, compromised, variant.horizon_days, variant.rows)
        assert changes[0] and changes.sum() < variant.horizon_days
        before = capacities(variant, 0, compromised)
        for day in range(1, variant.horizon_days):
            now = capacities(variant, day, compromised)
            same = all(np.array_equal(getattr(now, f), getattr(before, f)) for f in FIELDS)
            assert same or changes[day], day
            before = now
