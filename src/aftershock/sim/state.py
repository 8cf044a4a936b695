"""What the engine carries from day to day (:class:`State`) and one day's capacities."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aftershock.sim.inputs import EMPTY_SLOT, SimInputs


@dataclass
class Capacities:
    """Capability capacities on one day, in [0, 1]."""

    sell: np.ndarray  # (R, S)
    receive: np.ndarray  # (R, S)
    order: np.ndarray  # (R, S)
    pickup: np.ndarray  # (R, S) store.pickup: handing over orders placed online
    pick: np.ndarray  # (R, D) dc.pick of each DC
    ship: np.ndarray  # (R, D)
    dc_receive: np.ndarray  # (R, D) dc.receive: the dock takes supplier deliveries
    online: np.ndarray  # (R, C) channel.online of each channel


@dataclass
class State:
    """Mutable state of a chunk of replications."""

    on_hand: np.ndarray  # (R, S, I)
    pipeline: np.ndarray  # (R, S, B, I) arriving on day d at slot d % B
    open_units: np.ndarray  # (R, S, Q, I)
    order_day: np.ndarray  # (R, S, Q)
    loyalty: np.ndarray  # (R, S) share of customers still coming
    inflation: np.ndarray  # (R, S) extra share of the order-up-to level stores order (fear of rationing)
    cap_lifted: np.ndarray  # (R, D) bool: the DC's order cap is lifted for good
    down_days: np.ndarray  # (R, D) days in a row the DC has not been able to ship
    dc_stock: np.ndarray  # (R, D, I) units in the DC; inf without supply
    dock: np.ndarray  # (R, D, I) supplier deliveries waiting to be received
    inbound: np.ndarray  # (R, D, L, I) supplier deliveries arriving on day d at slot d % L

    @classmethod
    def initial(cls, inp: SimInputs, reps: int) -> State:
        s, i = inp.base_demand.shape
        extra = max((b.extra_lead_days for backups in inp.dc_backups for b in backups), default=0)
        ring = int(inp.lead_time_days.max()) + extra + 1
        given = np.moveaxis(inp.initial_pipeline, 2, 1)[:, :ring]
        pipeline = np.zeros((s, ring, i))
        pipeline[:, : given.shape[1]] = given
        d = inp.n_dcs
        supply_ring = int(inp.supplier_lead.max()) + 1
        inbound = np.zeros((d, supply_ring, i))
        for t in range(supply_ring - 1):
            # before day 0 the DC received one day of its stores' demand a day
            inbound[:, t, :] = np.where(inp.supplier_lead > t, inp.dc_daily_demand, 0.0)
        return cls(
            on_hand=np.broadcast_to(inp.initial_on_hand, (reps, s, i)).copy(),
            pipeline=np.broadcast_to(pipeline, (reps, s, ring, i)).copy(),
            open_units=np.zeros((reps, s, inp.open_slots, i)),
            order_day=np.full((reps, s, inp.open_slots), EMPTY_SLOT, dtype=np.int64),
            loyalty=np.ones((reps, s)),
            inflation=np.zeros((reps, s)),
            cap_lifted=np.zeros((reps, d), dtype=bool),
            down_days=np.zeros((reps, d), dtype=np.int64),
            dc_stock=np.broadcast_to(inp.dc_initial_stock, (reps, d, i)).copy(),
            dock=np.zeros((reps, d, i)),
            inbound=np.broadcast_to(inbound, (reps, d, supply_ring, i)).copy(),
        )

    def backlog_by_dc(self, inp: SimInputs) -> np.ndarray:
        """Units owed to each DC's stores, (R, D)."""
        per_store = self.open_units.sum(axis=(2, 3))
        if inp.n_dcs == 1:
            return per_store.sum(axis=1, keepdims=True)
        return per_store @ inp.store_dc_onehot
