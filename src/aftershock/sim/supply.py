"""DC stock: supplier deliveries reach the dock, the dock receives them, the DC reorders.

Only DCs with a ``supply`` section hold limited stock; the others have infinite stock and
none of this touches them. Inbound goes on while outbound is paused (a DC whose dc.ship is
down still receives), and stops where dc.receive is down: deliveries then wait at the dock.
"""

from __future__ import annotations

import numpy as np

from aftershock.sim.inputs import SimInputs
from aftershock.sim.state import Capacities, State


def receive_at_dcs(inp: SimInputs, state: State, cap: Capacities, day: int) -> np.ndarray:
    """Supplier deliveries due today reach the dock; the dock receives within its capacity.

    Returns the units received into DC stock, (R, D).
    """
    slot = day % state.inbound.shape[2]
    state.dock += state.inbound[:, :, slot, :]
    state.inbound[:, :, slot, :] = 0.0
    up = cap.dc_receive  # (R, D)
    # inf (no dock limit) stays inf where dc.receive is up, and is 0 where it is down
    room = np.multiply(inp.dc_inbound_capacity[None, :], up, out=np.zeros_like(up), where=up > 0)
    waiting = state.dock.sum(axis=2)
    share = np.where(
        waiting > room, np.divide(room, waiting, out=np.zeros_like(room), where=waiting > 0), 1.0
    )
    received = state.dock * share[:, :, None]
    has_supply = inp.supplier_index >= 0  # (D, I)
    received = np.where(has_supply[None], received, 0.0)
    state.dock -= received
    state.dc_stock = np.where(has_supply[None], state.dc_stock + received, state.dc_stock)
    return received.sum(axis=2)


def order_from_suppliers(inp: SimInputs, state: State, day: int) -> None:
    """Each DC with supply orders up to its target position, within each supplier's capacity."""
    has_supply = inp.supplier_index >= 0
    position = state.dc_stock + state.inbound.sum(axis=2) + state.dock
    target = np.where(has_supply, inp.dc_target_position, 0.0)
    qty = np.where(
        has_supply[None], np.maximum(target[None] - np.where(has_supply[None], position, 0.0), 0.0), 0.0
    )
    for k, limit in enumerate(inp.supplier_capacity):
        if not np.isfinite(limit):
            continue
        mine = inp.supplier_index == k
        total = (qty * mine[None]).sum(axis=(1, 2))
        scale = np.divide(limit, total, out=np.ones_like(total), where=total > limit)
        qty = np.where(mine[None], qty * scale[:, None, None], qty)
    dcs, items = np.nonzero(has_supply)
    slot = (day + inp.supplier_lead[dcs, items]) % state.inbound.shape[2]
    state.inbound[:, dcs, slot, items] += qty[:, dcs, items]
