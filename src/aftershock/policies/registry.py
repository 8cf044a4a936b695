"""The registry of allocation policies. Built-ins register the same way plug-ins do.

An allocation policy decides which open orders the DC ships today when it cannot ship
them all. Signature::

    policy(open_units, order_day, capacity_units, context) -> shipped_units

* ``open_units``: ``(replication, store, slot, item)`` units still owed per open order
  (``slot`` indexes a store's open orders), already limited by caps and delivery runs;
* ``order_day``: ``(replication, store, slot)`` day each open order was placed (a large
  value where a slot is empty);
* ``capacity_units``: ``(replication,)`` units the DC can ship today;
* ``context``: a :class:`DispatchContext` with stock, demand and store ranks.

It returns ``shipped_units`` of the shape of ``open_units`` with
``0 <= shipped <= open`` and ``shipped.sum(axis=(1, 2, 3)) <= capacity_units``. The
common suite in ``tests/policies`` checks every registered policy for exactly that.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DispatchContext:
    """What a policy may look at besides the open orders."""

    on_hand: np.ndarray  # (R, S, I) units on the shelf after today's sales
    in_transit: np.ndarray  # (R, S, I) units shipped, not yet arrived
    base_demand: np.ndarray  # (S, I) normal units a day
    store_rank: np.ndarray  # (S,) 0 = most urgent (the 'priority' policy)
    day: int
    planned_units: np.ndarray | None = None  # today's lines of an optimised plan: (S, I), or (R, S, I)


AllocationPolicy = Callable[[np.ndarray, np.ndarray, np.ndarray, DispatchContext], np.ndarray]

_POLICIES: dict[str, AllocationPolicy] = {}


def register(name: str) -> Callable[[AllocationPolicy], AllocationPolicy]:
    """Decorator: register an allocation policy under ``name``."""

    def decorate(fn: AllocationPolicy) -> AllocationPolicy:
        if name in _POLICIES and _POLICIES[name] is not fn:
            raise ValueError(f"allocation policy '{name}' is already registered")
        _POLICIES[name] = fn
        return fn

    return decorate


def allocation_policies() -> dict[str, AllocationPolicy]:
    """Every registered policy by name."""
    _load_builtins()
    return dict(_POLICIES)


def unknown_policy_message(name: str) -> str:
    """ "unknown allocation policy ..." with a suggestion and the known names."""
    known = sorted(allocation_policies())
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"unknown allocation policy '{name}'{hint} (known: {', '.join(known)})"


def get_policy(name: str) -> AllocationPolicy:
    """The policy called ``name``; the error lists the known names."""
    policies = allocation_policies()
    if name not in policies:
        from aftershock.errors import UsageError

        raise UsageError(unknown_policy_message(name))
    return policies[name]


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


def fill_oldest_first(open_units: np.ndarray, order_day: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Split ``allowed`` units per (replication, store, item) over a store's open orders, oldest first."""
    order = np.argsort(order_day, axis=2, kind="stable")
    ordered = np.take_along_axis(open_units, order[:, :, :, None], axis=2)
    before = np.cumsum(ordered, axis=2) - ordered
    part = np.clip(allowed[:, :, None, :] - before, 0.0, ordered)
    out = np.empty_like(open_units)
    np.put_along_axis(out, order[:, :, :, None], part, axis=2)
    return out
