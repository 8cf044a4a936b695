"""The registry of allocation policies. Built-ins register the same way plug-ins do.

An allocation policy decides which open orders the DC ships today. Signature::

    policy(open_units, order_day, capacity_units) -> shipped_units

* ``open_units``: ``(replication, store, slot, item)`` units still owed per open order
  (``slot`` indexes a store's open orders);
* ``order_day``: ``(replication, store, slot)`` day each open order was placed (a large
  value where a slot is empty);
* ``capacity_units``: ``(replication,)`` units the DC can ship today.

It returns ``shipped_units`` of the same shape as ``open_units`` with
``0 <= shipped <= open`` and ``shipped.sum(axis=(1, 2, 3)) <= capacity_units``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

AllocationPolicy = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]

_POLICIES: dict[str, AllocationPolicy] = {}


def register(name: str) -> Callable[[AllocationPolicy], AllocationPolicy]:
    """Decorator: register an allocation policy under ``name``."""

    def decorate(fn: AllocationPolicy) -> AllocationPolicy:
        if name in _POLICIES:
            raise ValueError(f"allocation policy '{name}' is already registered")
        _POLICIES[name] = fn
        return fn

    return decorate


def allocation_policies() -> dict[str, AllocationPolicy]:
    """Every registered policy by name."""
    _load_builtins()
    return dict(_POLICIES)


def get_policy(name: str) -> AllocationPolicy:
    """The policy called ``name``; the error lists the known names."""
    policies = allocation_policies()
    try:
        return policies[name]
    except KeyError:
        from aftershock.errors import UsageError

        raise UsageError(
            f"unknown allocation policy '{name}' (known: {', '.join(sorted(policies))})"
        ) from None


def _load_builtins() -> None:
    from aftershock.policies import allocation  # noqa: F401  (registers on import)


def fill_in_priority_order(
    open_units: np.ndarray, priority: np.ndarray, capacity_units: np.ndarray
) -> np.ndarray:
    """Ship whole order lines in ascending ``priority`` until capacity runs out.

    ``priority`` has shape ``(replication, store, slot)``; ties keep store order. The line
    that meets the capacity limit ships partly. Shared by every priority-based policy.
    """
    reps, stores, slots, items = open_units.shape
    flat_priority = priority.reshape(reps, stores * slots)
    order = np.argsort(flat_priority, axis=1, kind="stable")
    lines = open_units.reshape(reps, stores * slots, items)
    ordered = np.take_along_axis(lines, order[:, :, None], axis=1).reshape(reps, -1)
    before = np.cumsum(ordered, axis=1) - ordered
    shipped_ordered = np.clip(capacity_units[:, None] - before, 0.0, ordered)
    shipped = np.empty_like(lines)
    np.put_along_axis(shipped, order[:, :, None], shipped_ordered.reshape(reps, -1, items), axis=1)
    return shipped.reshape(open_units.shape)
