"""Compare recovery plans on the same random numbers and mark the Pareto-efficient ones.

Every plan variant runs with the same seed, so replication ``k`` of every variant draws
from the same streams: differences between rows are the plans', not the dice's
(common random numbers).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from aftershock.model.base import MAX_UNITS
from aftershock.model.plan import OrderCap, Surge
from aftershock.model.stores import LoadedScenario, normal_order_lines

#: Objectives of the Pareto front, all minimised.
PARETO_OBJECTIVES = (
    "lost_sales_units",
    "service_restored_day",
    "surge_cost",
    "worst_store_stockout_days",
)


@dataclass(frozen=True)
class CapSize:
    """Size of an order cap in a comparison: units per order line, or a share of the normal order."""

    units: float | None = None
    fraction_of_normal: float | None = None

    def __post_init__(self) -> None:
        if (self.units is None) == (self.fraction_of_normal is None):
            raise ValueError("a cap size is either units or fraction_of_normal")

    @classmethod
    def parse(cls, text: str | float | CapSize | None) -> CapSize | None:
        """``None``/``"none"`` (no cap), ``40`` (units per order line) or ``"75%"`` (of the normal order).

        Raises ``ValueError`` with what was expected.
        """
        if text is None or isinstance(text, CapSize):
            return text
        if isinstance(text, int | float):
            value, percent = float(text), False
        else:
            raw = text.strip().lower()
            if raw in {"none", "no", "off"}:
                return None
            percent = raw.endswith("%")
            try:
                value = float(raw.rstrip("%").strip())
            except ValueError:
                raise ValueError(
                    f"expected 'none', a number of units or a percentage of the normal order "
                    f"such as 75%, got '{text}'"
                ) from None
        if not value > 0 or not np.isfinite(value):
            raise ValueError(f"expected a cap > 0, got '{text}'")
        if percent and value > 10_000:
            raise ValueError(f"expected a share of the normal order of at most 10000%, got '{text}'")
        if not percent and value > MAX_UNITS:
            raise ValueError(f"expected a cap of at most {MAX_UNITS:.0e} units, got '{text}'")
        return cls(fraction_of_normal=value / 100.0) if percent else cls(units=value)

    def label(self) -> str:
        """``40`` or ``75%``."""
        if self.fraction_of_normal is not None:
            return f"{self.fraction_of_normal * 100:g}%"
        return f"{self.units:g}"


@dataclass
class CompareRow:
    """One plan variant and its outcome (means over replications)."""

    policy: str
    cap: CapSize | None
    extra_shifts: int
    metrics: dict[str, float | None] = field(default_factory=dict)  # means over replications
    is_pareto: bool = False
    #: each metric's 5th and 95th percentile over replications
    intervals: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    #: the optimiser's plan (``aftershock optimize``) replayed, not a policy of the grid
    optimised: bool = False
    note: str = ""

    @property
    def cap_units(self) -> float | None:
        """The cap in units per order line (None: no cap, or a share of the normal order)."""
        return None if self.cap is None else self.cap.units

    @property
    def cap_label(self) -> str:
        """``none``, ``40`` (units) or ``75%`` (of the normal order)."""
        return "none" if self.cap is None else self.cap.label()

    @classmethod
    def from_summaries(cls, summaries: dict[str, dict[str, float | None]], **fields: object) -> CompareRow:
        """A row from a run's metric summaries (``Result.summary["metrics"]``): means and p5/p95."""
        return cls(
            metrics={name: m["mean"] for name, m in summaries.items()},
            intervals={name: (m.get("p5"), m.get("p95")) for name, m in summaries.items()},
            **fields,  # type: ignore[arg-type]
        )

    def label(self) -> str:
        """Short name of the variant: ``fifo / cap 30 / +1 shift``."""
        if self.optimised:
            return f"optimised plan (LP; {self.note})" if self.note else "optimised plan (LP)"
        cap = "no cap" if self.cap is None else f"cap {self.cap.label()}"
        return f"{self.policy} / {cap} / +{self.extra_shifts} shift{'s' if self.extra_shifts != 1 else ''}"


def plan_variant(
    loaded: LoadedScenario, policy: str, cap: CapSize | float | str | None, extra_shifts: int
) -> LoadedScenario:
    """The scenario with its plan's policy, cap size and surge shifts replaced.

    The cap keeps the scenario's window and where it applies when it has one (else: at
    order, from the compromise day to the horizon); the surge keeps the scenario's first
    surge window and costs (else: from the end of the precautionary pause, i.e. detection +
    forensic clearance, to the horizon).
    """
    scenario = loaded.scenario
    plan = scenario.plan
    incident = scenario.incident
    size = CapSize.parse(cap)
    order_cap: OrderCap | None
    if size is None:
        order_cap = None
    elif plan.order_cap is not None:
        order_cap = plan.order_cap.model_copy(
            update={"units": size.units, "fraction_of_normal": size.fraction_of_normal}
        )
    else:
        order_cap = OrderCap(
            units=size.units, fraction_of_normal=size.fraction_of_normal, from_day=incident.compromise.day
        )
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
    new_plan = plan.model_copy(update={"allocation": policy, "order_cap": order_cap, "surge": surge})
    return loaded.with_plan(new_plan)


def normal_order_line_units(loaded: LoadedScenario) -> dict[str, float]:
    """Size of a normal order line (store × item: demand over a review period): p10, median, p90.

    What a cap in units compares with: a cap well below a normal line starves every store.
    """
    lines = normal_order_lines(loaded.scenario, loaded.stores).ravel()
    p10, p50, p90 = np.percentile(lines, [10, 50, 90]) if lines.size else (0.0, 0.0, 0.0)
    return {"p10": float(p10), "median": float(p50), "p90": float(p90)}


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
    caps: Sequence[CapSize | None],
    surges: Sequence[int],
    run: Callable[[LoadedScenario], dict[str, dict[str, float | None]]],
) -> list[CompareRow]:
    """Run every combination through ``run`` (which simulates and returns metric summaries)."""
    rows = []
    for policy in policies:
        for cap in caps:
            for shifts in surges:
                metrics = run(plan_variant(loaded, policy, cap, shifts))
                rows.append(CompareRow.from_summaries(metrics, policy=policy, cap=cap, extra_shifts=shifts))
    return mark_pareto(rows)


def mark_pareto(rows: list[CompareRow]) -> list[CompareRow]:
    """Set ``is_pareto`` on every row over :data:`PARETO_OBJECTIVES`; returns the rows."""
    table = np.array(
        [[np.nan if r.metrics.get(k) is None else r.metrics[k] for k in PARETO_OBJECTIVES] for r in rows],
        dtype=float,
    ).reshape(len(rows), len(PARETO_OBJECTIVES))
    for row, keep in zip(rows, pareto_front(table), strict=True):
        row.is_pareto = bool(keep)
    return rows
