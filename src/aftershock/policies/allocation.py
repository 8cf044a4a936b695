"""Built-in allocation policies."""

from __future__ import annotations

import numpy as np

from aftershock.policies.registry import fill_in_priority_order, register


@register("fifo")
def fifo(open_units: np.ndarray, order_day: np.ndarray, capacity_units: np.ndarray) -> np.ndarray:
    """Oldest orders first; among orders of the same day, store-table order."""
    return fill_in_priority_order(open_units, order_day, capacity_units)
