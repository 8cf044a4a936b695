"""The Simchi-Levi stress test: time-to-survive against time-to-recover, per service.

For each service, the engine runs the network with that service (and nothing else) down
from the incident day for ``L`` days, for every ``L`` up to the horizon in one batch, with
deterministic demand and no recovery plan. Time-to-survive (TTS) is the longest ``L`` with
no lost demand; time-to-recover (TTR) comes from the threat model (median outage) or the
scenario's restoration plan. The performance impact is the lost sales of an outage of TTR
days; the risk exposure index scales impacts so that the worst service scores 1.0.

With DCs, each service row also has ``by_dc``: the same TTS and impact measured on the
stores of each DC alone (DCs sorted by id), so an outage that one DC's stores absorb and
another's do not shows as two numbers rather than one chain-wide average.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from aftershock.graph.spread import NEVER
from aftershock.model.stores import LoadedScenario
from aftershock.risk.shapes import FAR, baseline_inputs, shape_inputs
from aftershock.sim.inputs import SimInputs
from aftershock.sim.runner import run as run_sim

#: Lost units, as a share of horizon demand, below which an outage counts as absorbed.
ABSORBED_SHARE = 1e-4


def time_to_recover(loaded: LoadedScenario, service: str) -> float | None:
    """TTR of a service: median outage of a threat starting there, else the restore plan."""
    for threat in loaded.scenario.threats:
        if threat.service == service:
            return threat.outage_days.median_value()
    incident = loaded.scenario.incident
    restore = incident.restore.get(service)
    if restore is not None:
        return float(restore.day - incident.compromise.day + restore.ramp_days)
    return None


def stress_test(
    loaded: LoadedScenario, base: SimInputs, services: list[str] | None = None
) -> list[dict[str, object]]:
    """TTS, TTR, impact and risk exposure index for each service (default: all)."""
    scenario = loaded.scenario
    start = scenario.incident.compromise.day
    room = scenario.horizon_days - start
    lengths = np.arange(1, room + 1, dtype=np.int64)
    quiet = replace(
        base,
        distribution="deterministic",
        surge_pick=np.zeros_like(base.surge_pick),
        surge_delivery=np.zeros_like(base.surge_delivery),
        surge_cost=np.zeros_like(base.surge_cost),
        has_cap=False,
        timeline=replace(base.timeline, spread_p_override=0.0),
    )
    party = {s.id: s.party for s in scenario.services}
    normal = run_sim(baseline_inputs(quiet, 1), 1, 0)
    base_lost = float(normal["lost_units"].sum())
    base_revenue = float(normal["lost_revenue"].sum())
    demand = float(normal["demand_units"].sum())
    dcs = _DcView.of(base, normal, demand)
    rows = []
    for name in services or list(base.net.service_ids):
        index = base.net.service_ids.index(name)
        inputs = shape_inputs(quiet, index, np.zeros_like(lengths), lengths, 0)
        # no precautionary isolation: only this service is down, for exactly L days
        inputs = replace(
            inputs,
            rows=replace(inputs.rows, isolation_shift=np.full(lengths.size, -FAR)),  # type: ignore[arg-type]
            row_plan_shift=np.full(lengths.size, FAR),
        )
        if not lengths.size:
            continue
        raw = run_sim(inputs, lengths.size, 0)
        # loss of an outage of lengths[k] days, beyond the normal stockouts of a quiet period
        lost = np.r_[0.0, raw["lost_units"].sum(axis=1) - base_lost]
        revenue = np.r_[0.0, raw["lost_revenue"].sum(axis=1) - base_revenue]
        ttr = time_to_recover(loaded, name)
        survival = _survival(lost, revenue, demand, ttr, room)
        row: dict[str, object] = {"service": name, "vendor": party[name], "tts_days": None, "ttr_days": ttr}
        row.update(survival)
        if dcs.ids:
            lost_dc = np.r_[
                np.zeros((1, len(dcs.ids))), raw["store_lost_units_total"] @ dcs.onehot - dcs.lost
            ]
            revenue_dc = np.r_[
                np.zeros((1, len(dcs.ids))), raw["store_lost_revenue_total"] @ dcs.onehot - dcs.revenue
            ]
            row["by_dc"] = [
                {
                    "dc": dc,
                    "stores": dcs.stores[d],
                    **_survival(lost_dc[:, d], revenue_dc[:, d], dcs.demand[d], ttr, room),
                }
                for d, dc in enumerate(dcs.ids)
            ]
        rows.append(row)
    worst = max(
        (r["impact_lost_revenue"] for r in rows if np.isfinite(r["impact_lost_revenue"])), default=0.0
    )
    for r in rows:
        value = r["impact_lost_revenue"]
        r["risk_exposure_index"] = (
            float(value / worst) if worst and np.isfinite(value) else (0.0 if np.isfinite(value) else None)
        )
    rows.sort(key=lambda r: -(r["risk_exposure_index"] or -1.0))
    return rows


def _survival(
    lost: np.ndarray, revenue: np.ndarray, demand: float, ttr: float | None, room: int
) -> dict[str, object]:
    """TTS, gap and impact from the extra loss of outages of 0, 1, ... ``room`` days.

    ``lost`` and ``revenue`` are indexed by outage days; ``demand`` is the horizon demand
    the absorbed share is measured on.
    """
    absorbed = lost <= ABSORBED_SHARE * demand
    # TTS: the longest outage before the first one that loses demand (index = days)
    first_loss = np.flatnonzero(~absorbed)
    tts = float(first_loss[0] - 1) if first_loss.size else float(room)
    if ttr is None:
        impact_units, impact_revenue = float("nan"), float("nan")
    else:
        k = int(np.clip(round(ttr), 0, room))
        impact_units, impact_revenue = float(max(lost[k], 0.0)), float(max(revenue[k], 0.0))
    return {
        "tts_days": tts,
        "gap_days": None if ttr is None else ttr - tts,
        "impact_lost_units": impact_units,
        "impact_lost_revenue": impact_revenue,
        "tts_capped_by_horizon": bool(not first_loss.size),
    }


@dataclass(frozen=True)
class _DcView:
    """Each DC's stores, and their losses and demand in the quiet run without an incident."""

    ids: tuple[str, ...]
    onehot: np.ndarray  # (S, D)
    stores: tuple[int, ...]
    lost: np.ndarray  # (D,) units lost at the DC's stores without an incident
    revenue: np.ndarray  # (D,)
    demand: np.ndarray  # (D,) horizon demand of the DC's stores

    @classmethod
    def of(cls, base: SimInputs, normal: dict[str, np.ndarray], demand: float) -> _DcView:
        ids = base.dc_ids
        onehot = base.store_dc_onehot[:, : len(ids)]
        # deterministic demand: each DC's stores take their share of normal daily demand
        daily = base.base_demand.sum(axis=1) @ onehot
        share = daily / max(float(daily.sum()), 1e-12)
        return cls(
            ids=ids,
            onehot=onehot,
            stores=tuple(int(n) for n in onehot.sum(axis=0)),
            lost=(normal["store_lost_units_total"] @ onehot)[0],
            revenue=(normal["store_lost_revenue_total"] @ onehot)[0],
            demand=share * demand,
        )


__all__ = ["NEVER", "stress_test", "time_to_recover"]
