"""Compare recovery plans on the same random numbers and mark the Pareto-efficient ones.

Every plan variant runs with the same seed, so replication ``k`` of every variant draws
from the same streams: differences between rows are the plans', not the dice's
(common random numbers).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from aftershock.errors import ScenarioWarning
from aftershock.io.yaml_lines import dotted
from aftershock.model.stores import LoadedScenario, dc_ids, normal_order_lines, store_dc_names
from aftershock.model.warnings import scenario_warnings
from aftershock.recovery.variants import (
    ByDC,
    CapSize,
    backup_setting,
    cap_setting,
    one_cap_size,
    plan_variant,
    shifts_setting,
)

#: Objectives of the Pareto front, all minimised.
PARETO_OBJECTIVES = (
    "lost_sales_units",
    "service_restored_day",
    "surge_cost",
    "worst_store_stockout_days",
)


@dataclass
class CompareRow:
    """One plan variant and its outcome (means over replications).

    ``cap``, ``extra_shifts`` and ``backup_share`` are the variant's settings; ``cap_dcs``,
    ``shifts_by_dc`` and ``backup_shares`` name the DCs each applies to in the scenario run.
    """

    policy: str
    cap: CapSize | None
    extra_shifts: int  # at every DC, or the most at any DC when DCs differ (see shifts_by_dc)
    metrics: dict[str, float | None] = field(default_factory=dict)  # means over replications
    is_pareto: bool = False
    #: each metric's 5th and 95th percentile over replications
    intervals: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    #: the optimiser's plan (``aftershock optimize``) replayed, not a policy of the grid
    optimised: bool = False
    note: str = ""
    #: extra shifts a day at each DC (sorted by id); empty without DCs
    shifts_by_dc: dict[str, int] = field(default_factory=dict)
    #: the DCs whose stores the cap applies at; () without a cap, None when the scenario has no DC
    cap_dcs: tuple[str, ...] | None = None
    #: the variant's shifts setting as written (one value, or per DC), for labels
    shifts: ByDC[int] | None = None
    #: the variant's setting of the backups' share of spare; None: the scenario's backups as written
    backup_share: ByDC[float | None] | None = None
    #: share of spare of each backup in the run: {primary DC: {backup DC: share}}
    backup_shares: dict[str, dict[str, float]] = field(default_factory=dict)
    #: the scenario's warnings for this variant (its own cap judged in place of the scenario's)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def cap_units(self) -> float | None:
        """The cap in units per order line (None: no cap, or a share of the normal order)."""
        return None if self.cap is None else self.cap.units

    @property
    def cap_label(self) -> str:
        """``none``, ``40`` (units) or ``75%`` (of the normal order), with ``at <DCs>`` when it
        applies at some DCs only."""
        if self.cap is None:
            return "none"
        where = (
            ""
            if self.cap_dcs is None or set(self.cap_dcs) >= set(self.shifts_by_dc)
            else (" at " + ", ".join(self.cap_dcs))
        )
        return self.cap.label() + where

    @property
    def shifts_label(self) -> str:
        """``1``, or per DC: ``dc-north:2`` / ``1,dc-north:2``."""
        if self.shifts is None or self.shifts.is_uniform:
            return str(self.extra_shifts)
        return self.shifts.label(str, 0)

    @property
    def backup_label(self) -> str:
        """``as in the scenario``, ``0.5`` or ``dc-north:0.5``."""
        if self.backup_share is None:
            return "as in the scenario"
        return self.backup_share.label(lambda v: "keep" if v is None else f"{v:g}", None)

    @classmethod
    def from_summaries(cls, summaries: dict[str, dict[str, float | None]], **fields: object) -> CompareRow:
        """A row from a run's metric summaries (``Result.summary["metrics"]``): means and p5/p95."""
        return cls(
            metrics={name: m["mean"] for name, m in summaries.items()},
            intervals={name: (m.get("p5"), m.get("p95")) for name, m in summaries.items()},
            **fields,  # type: ignore[arg-type]
        )

    def label(self) -> str:
        """Short name of the variant: ``fifo / cap 30 / +1 shift`` (per DC where it differs)."""
        if self.optimised:
            return f"optimised plan (LP; {self.note})" if self.note else "optimised plan (LP)"
        cap = "no cap" if self.cap is None else f"cap {self.cap_label}"
        if self.shifts is None or self.shifts.is_uniform:
            shifts = f"+{self.extra_shifts} shift{'s' if self.extra_shifts != 1 else ''}"
        else:
            shifts = "+shifts " + self.shifts.label(str, 0)
        text = f"{self.policy} / {cap} / {shifts}"
        if self.backup_share is not None:
            text += f" / backup share {self.backup_label}"
        return text


def variant_fields(loaded: LoadedScenario, variant: LoadedScenario) -> dict[str, Any]:
    """What a row says about the DCs of ``variant`` (a plan variant of ``loaded``): shifts and
    cap per DC, the backups' shares, and its warnings."""
    scenario = variant.scenario
    ids = dc_ids(scenario)
    shifts = dict.fromkeys(ids, 0)
    for s in scenario.plan.surge:
        for dc in ids if s.dc is None else [s.dc]:
            shifts[dc] += s.extra_shifts
    cap = scenario.plan.order_cap
    if not ids:
        cap_dcs: tuple[str, ...] | None = None
    elif cap is None:
        cap_dcs = ()
    else:
        cap_dcs = ids if cap.dcs is None else tuple(dc for dc in ids if dc in cap.dcs)
    by_id = {dc.id: dc for dc in scenario.sites.dcs}
    backups = {dc: {b.dc: b.share_of_spare for b in by_id[dc].backups} for dc in ids if by_id[dc].backups}
    return {
        "shifts_by_dc": shifts,
        "cap_dcs": cap_dcs,
        "backup_shares": backups,
        "warnings": variant_warnings(loaded, variant),
    }


def variant_warnings(loaded: LoadedScenario, variant: LoadedScenario) -> list[dict[str, Any]]:
    """The scenario's warnings for a plan variant: as loaded, with the order-cap warnings of the
    variant's own cap (source ``compare``, no line) in place of the scenario's when it differs."""
    kept = [w.as_dict() for w in loaded.warnings]
    if variant.scenario.plan.order_cap == loaded.scenario.plan.order_cap:
        return kept
    kept = [w for w in kept if not str(w["field"] or "").startswith("plan.order_cap")]
    own = [
        ScenarioWarning("compare", message, field=dotted(loc)).as_dict()
        for loc, message in scenario_warnings(variant.scenario, variant.stores)
        if loc[:2] == ("plan", "order_cap")
    ]
    return kept + own


def normal_order_line_units(loaded: LoadedScenario) -> dict[str, float]:
    """Size of a normal order line (store × item: demand over a review period): p10, median, p90.

    What a cap in units compares with: a cap well below a normal line starves every store.
    """
    return _percentiles(normal_order_lines(loaded.scenario, loaded.stores).ravel())


def normal_order_line_units_by_dc(loaded: LoadedScenario) -> dict[str, dict[str, float]]:
    """:func:`normal_order_line_units` over each DC's stores, by DC id (sorted); empty without DCs.

    A cap at one DC compares with that DC's stores' order lines, which may be much smaller
    or larger than the chain's.
    """
    scenario = loaded.scenario
    lines = normal_order_lines(scenario, loaded.stores)
    names = store_dc_names(scenario, loaded.stores)
    return {dc: _percentiles(lines[names == dc].ravel()) for dc in dc_ids(scenario)}


def _percentiles(lines: np.ndarray) -> dict[str, float]:
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
    caps: Sequence[Any],
    surges: Sequence[Any],
    run: Callable[[LoadedScenario], dict[str, dict[str, float | None]]],
    *,
    backup_shares: Sequence[Any] = (None,),
) -> list[CompareRow]:
    """Run every combination through ``run`` (which simulates and returns metric summaries).

    ``caps``, ``surges`` and ``backup_shares`` hold one value for every DC or per-DC
    settings (see :func:`plan_variant`); ``None`` in ``backup_shares`` keeps the scenario's.
    """
    rows = []
    for policy in policies:
        for cap in caps:
            for shifts in surges:
                for share in backup_shares:
                    variant = plan_variant(loaded, policy, cap, shifts, share)
                    metrics = run(variant)
                    setting = shifts_setting(shifts)
                    sizes = cap_setting(cap)
                    rows.append(
                        CompareRow.from_summaries(
                            metrics,
                            policy=policy,
                            cap=one_cap_size(sizes),
                            extra_shifts=max([setting.default, *(v for _, v in setting.dcs)]),
                            shifts=setting,
                            backup_share=None if share is None else backup_setting(share),
                            **variant_fields(loaded, variant),
                        )
                    )
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
