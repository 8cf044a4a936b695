"""Compare recovery plans on the same random numbers and mark the Pareto-efficient ones.

Every plan variant runs with the same seed, so replication ``k`` of every variant draws
from the same streams: differences between rows are the plans', not the dice's
(common random numbers).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from aftershock.model.plan import OrderCap, Surge
from aftershock.model.stores import LoadedScenario

#: Objectives of the Pareto front, all minimised.
PARETO_OBJECTIVES = (
    "lost_sales_units",
    "service_restored_day",
    "surge_cost",
    "worst_store_stockout_days",
)


@dataclass
class CompareRow:
    """One plan variant and its outcome (means over replications)."""

    policy: str
    cap_units: float | None
    extra_shifts: int
    metrics: dict[str, float | None] = field(default_factory=dict)
    is_pareto: bool = False

    def label(self) -> str:
        """Short name of the variant: ``fifo / cap 30 / +1 shift``."""
        cap = "no cap" if self.cap_units is None else f"cap {self.cap_units:g}"
        return f"{self.policy} / {cap} / +{self.extra_shifts} shift{'s' if self.extra_shifts != 1 else ''}"


def plan_variant(
    loaded: LoadedScenario, policy: str, cap_units: float | None, extra_shifts: int
) -> LoadedScenario:
    """The scenario with its plan's policy, cap size and surge shifts replaced.

    The cap keeps the scenario's window when it has one (else: from the compromise day to
    the horizon); the surge keeps the scenario's first surge window and costs (else: from the
    end of the precautionary pause, i.e. detection + forensic clearance, to the horizon).
    """
    scenario = loaded.scenario
    plan = scenario.plan
    incident = scenario.incident
    if cap_units is None:
        cap = None
    elif plan.order_cap is not None:
        cap = plan.order_cap.model_copy(update={"units": cap_units, "fraction_of_normal": None})
    else:
        cap = OrderCap(units=cap_units, from_day=incident.compromise.day)
    if extra_shifts == 0:
        surge: list[Surge] = []
    else:
        template = plan.surge[0] if plan.surge else None
        restart = min(incident.detection_day + incident.forensic_clearance_days, scenario.horizon_days - 1)
        surge = [
            Surge(
                from_day=template.from_day if template else restart,
                until_day=template.until_day if template else None,
                ramp_days=template.ramp_days if template else 0,
                extra_shifts=extra_shifts,
                extra_delivery_hours=template.extra_delivery_hours if template else 0.0,
                cost_per_day=template.cost_per_day if template else 0.0,
                cost_per_shift=template.cost_per_shift if template else 0.0,
                cost_per_delivery_hour=template.cost_per_delivery_hour if template else 0.0,
            )
        ]
    new_plan = plan.model_copy(update={"allocation": policy, "order_cap": cap, "surge": surge})
    return LoadedScenario(
        scenario=scenario.model_copy(update={"plan": new_plan}), stores=loaded.stores, path=loaded.path
    )


def pareto_front(values: np.ndarray) -> np.ndarray:
    """Boolean mask of rows not dominated by another (all columns minimised; NaN = worst)."""
    v = np.where(np.isnan(values), np.inf, values)
    n = v.shape[0]
    keep = np.ones(n, dtype=bool)
    for i in range(n):
        others = np.delete(np.arange(n), i)
        dominated = (v[others] <= v[i]).all(axis=1) & (v[others] < v[i]).any(axis=1)
        keep[i] = not dominated.any()
    return keep


def compare_plans(
    loaded: LoadedScenario,
    policies: Sequence[str],
    caps: Sequence[float | None],
    surges: Sequence[int],
    run: Callable[[LoadedScenario], dict[str, dict[str, float | None]]],
) -> list[CompareRow]:
    """Run every combination through ``run`` (which simulates and returns metric summaries)."""
    rows = []
    for policy in policies:
        for cap in caps:
            for shifts in surges:
                metrics = run(plan_variant(loaded, policy, cap, shifts))
                rows.append(
                    CompareRow(
                        policy=policy,
                        cap_units=cap,
                        extra_shifts=shifts,
                        metrics={name: m["mean"] for name, m in metrics.items()},
                    )
                )
    table = np.array(
        [[np.nan if r.metrics[k] is None else r.metrics[k] for k in PARETO_OBJECTIVES] for r in rows],
        dtype=float,
    )
    for row, keep in zip(rows, pareto_front(table), strict=True):
        row.is_pareto = bool(keep)
    return rows
