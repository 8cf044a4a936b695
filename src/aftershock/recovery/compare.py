"""Compare recovery plans on the same random numbers and mark the Pareto-efficient ones.

Every plan variant runs with the same seed, so replication ``k`` of every variant draws
from the same streams: differences between rows are the plans', not the dice's
(common random numbers).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

import numpy as np

from aftershock.errors import ScenarioWarning
from aftershock.io.yaml_lines import dotted
from aftershock.model.base import MAX_UNITS
from aftershock.model.plan import OrderCap, Surge
from aftershock.model.stores import LoadedScenario, dc_ids, normal_order_lines, store_dc_names
from aftershock.model.warnings import scenario_warnings

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


V = TypeVar("V")


@dataclass(frozen=True)
class ByDC(Generic[V]):
    """A knob of a plan variant at each DC: ``default`` at every DC not named, and per-DC values.

    Written ``2`` (every DC), ``dc-north:2`` (dc-north only; the other DCs get the knob's
    unset value) or ``1,dc-north:2`` (dc-north 2, every other DC 1); see :func:`parse_by_dc`.
    """

    default: V
    dcs: tuple[tuple[str, V], ...] = ()

    def at(self, dc: str) -> V:
        """The value at ``dc``."""
        return dict(self.dcs).get(dc, self.default)

    @property
    def is_uniform(self) -> bool:
        """Whether every DC gets the same value (no DC is named)."""
        return not self.dcs

    @property
    def named(self) -> tuple[str, ...]:
        """The DCs given their own value."""
        return tuple(dc for dc, _ in self.dcs)

    def label(self, fmt: Callable[[V], str], unset: V) -> str:
        """``2``, ``dc-north:2`` or ``1,dc-north:2`` (the default left out when it is ``unset``)."""
        parts = [] if self.dcs and self.default == unset else [fmt(self.default)]
        return ",".join(parts + [f"{dc}:{fmt(v)}" for dc, v in self.dcs])


def parse_by_dc(
    value: object, parse_value: Callable[[object], V], unset: V, *, knob: str = "value"
) -> ByDC[V]:
    """A knob's setting from text, a mapping ``{dc: value}``, a plain value or a :class:`ByDC`.

    Text is a comma-separated list of parts: at most one plain value (for every DC not named)
    and any number of ``DC:value`` parts, each DC once. Raises ``ValueError`` with what was
    expected; DC ids are checked against a scenario by :func:`check_dcs`.
    """
    if isinstance(value, ByDC):
        return value
    if isinstance(value, Mapping):
        return ByDC(unset, tuple((str(dc), parse_value(v)) for dc, v in value.items()))
    if not isinstance(value, str) or (":" not in value and "," not in value):
        return ByDC(parse_value(value))
    default: V = unset
    has_default = False
    per_dc: dict[str, V] = {}
    for part in value.split(","):
        dc, sep, text = part.strip().rpartition(":")
        if not sep:
            if has_default:
                raise ValueError(
                    f"expected one {knob} for every DC and DC:{knob} parts, got two plain values in "
                    f"'{value}' (repeat the option to compare several values)"
                )
            default, has_default = parse_value(text), True
            continue
        dc = dc.strip()
        if not dc:
            raise ValueError(f"expected DC:{knob}, got '{part.strip()}' in '{value}'")
        if dc in per_dc:
            raise ValueError(f"DC '{dc}' is named twice in '{value}'")
        per_dc[dc] = parse_value(text)
    return ByDC(default, tuple(per_dc.items()))


def check_dcs(loaded: LoadedScenario, setting: ByDC[Any], knob: str) -> None:
    """Every DC ``setting`` names is a DC of the scenario; raises ``ValueError``."""
    known = dc_ids(loaded.scenario)
    for dc in setting.named:
        if dc not in known:
            listed = ", ".join(known) if known else "none: the scenario lists no DC"
            raise ValueError(f"unknown DC '{dc}' in {knob} (DCs: {listed})")


def parse_shifts(value: object) -> int:
    """Extra shifts a day: a whole number from 0 to 6."""
    try:
        number = float(str(value).strip()) if not isinstance(value, int | float) else float(value)
    except ValueError:
        raise ValueError(f"expected 0 to 6 extra shifts, got '{value}'") from None
    if not number.is_integer() or not 0 <= number <= 6:
        raise ValueError(f"expected 0 to 6 extra shifts, got {value}")
    return int(number)


def parse_share(value: object) -> float | None:
    """A backup's share of spare capacity (0-1), or ``None``/``"keep"`` for the scenario's own."""
    if value is None or (isinstance(value, str) and value.strip().lower() in {"keep", "scenario"}):
        return None
    try:
        share = float(str(value).strip().rstrip("%")) / (100 if str(value).strip().endswith("%") else 1)
    except ValueError:
        raise ValueError(
            f"expected a share of spare capacity from 0 to 1 (or 'keep'), got '{value}'"
        ) from None
    if not 0 <= share <= 1:
        raise ValueError(f"expected a share of spare capacity from 0 to 1, got '{value}'")
    return share


def shifts_setting(value: int | str | Mapping[str, int] | ByDC[int]) -> ByDC[int]:
    """Extra shifts at each DC: ``1``, ``"dc-north:2"``, ``"1,dc-north:2"`` or ``{dc: shifts}``."""
    return parse_by_dc(value, parse_shifts, 0, knob="shifts")


def cap_setting(value: object) -> ByDC[CapSize | None]:
    """The order cap at each DC: ``40``, ``"75%"``, ``None``, ``"dc-north:40"``, ``"40,dc-west:none"``."""
    return parse_by_dc(value, CapSize.parse, None, knob="cap")  # type: ignore[arg-type]


def backup_setting(value: object) -> ByDC[float | None]:
    """Share of spare of the backups of each primary DC: ``0.5``, ``"dc-north:0.5"``; None keeps."""
    return parse_by_dc(value, parse_share, None, knob="share")


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


def plan_variant(
    loaded: LoadedScenario,
    policy: str,
    cap: CapSize | float | str | Mapping[str, Any] | ByDC[CapSize | None] | None,
    extra_shifts: int | str | Mapping[str, int] | ByDC[int],
    backup_share: float | str | Mapping[str, Any] | ByDC[float | None] | None = None,
) -> LoadedScenario:
    """The scenario with its plan's policy, cap size and surge shifts replaced, and optionally
    the share of spare capacity its backup DCs lend.

    Each knob is one value for every DC or a value per DC (:class:`ByDC`, or text such as
    ``"1,dc-north:2"``). The cap keeps the scenario's window, timing and (for one size at every
    DC) the DCs it covers when it has one (else: at dispatch, from the compromise day to the
    horizon); per-DC cap values set the DCs it covers, and all must have one size (the plan
    holds one cap). A DC's surge keeps the first surge of the scenario at that DC (or at
    every DC): its window, extra delivery hours and costs (else: from the end of the
    precautionary pause, i.e. detection + forensic clearance, to the horizon, at the costs of
    the scenario's first surge, so that shifts at a DC without a surge of its own are not
    free). ``backup_share`` sets ``share_of_spare`` of every backup of the DCs it names
    (None: the scenario's). Raises ``ValueError``.
    """
    scenario = loaded.scenario
    shifts = shifts_setting(extra_shifts)
    sizes = cap_setting(cap)
    for setting, knob in ((shifts, "shifts"), (sizes, "cap")):
        check_dcs(loaded, setting, knob)
    new_plan = scenario.plan.model_copy(
        update={
            "allocation": policy,
            "order_cap": _order_cap(loaded, sizes),
            "surge": _surges(loaded, shifts),
        }
    )
    variant = loaded.with_plan(new_plan)
    if backup_share is None:
        return variant
    return with_backup_shares(variant, backup_setting(backup_share))


def _order_cap(loaded: LoadedScenario, sizes: ByDC[CapSize | None]) -> OrderCap | None:
    scenario = loaded.scenario
    plan = scenario.plan
    ids = dc_ids(scenario)
    if sizes.is_uniform or not ids:
        size, dcs = sizes.default, plan.order_cap.dcs if plan.order_cap is not None else None
    else:
        at = {dc: sizes.at(dc) for dc in ids}
        distinct = {s for s in at.values() if s is not None}
        if len(distinct) > 1:
            raise ValueError(
                "a plan has one order cap, with one size at the DCs it covers; got "
                + ", ".join(f"{s.label()} at {dc}" for dc, s in at.items() if s is not None)
                + " (compare the sizes as separate --cap values)"
            )
        if not distinct:
            return None
        size = distinct.pop()
        covered = [dc for dc in ids if at[dc] is not None]
        dcs = None if len(covered) == len(ids) else covered
    if size is None:
        return None
    if plan.order_cap is not None:
        return plan.order_cap.model_copy(
            update={"units": size.units, "fraction_of_normal": size.fraction_of_normal, "dcs": dcs}
        )
    return OrderCap(
        units=size.units,
        fraction_of_normal=size.fraction_of_normal,
        from_day=scenario.incident.compromise.day,
        dcs=dcs,
    )


def _surges(loaded: LoadedScenario, shifts: ByDC[int]) -> list[Surge]:
    """The variant's surges: one for every DC when they share a template, else one per DC."""
    scenario = loaded.scenario
    plan = scenario.plan
    incident = scenario.incident
    restart = min(incident.detection_day + incident.forensic_clearance_days, scenario.horizon_days - 1)
    ids = dc_ids(scenario)

    def template_at(dc: str) -> Surge | None:
        return next((s for s in plan.surge if s.dc is None or s.dc == dc), None)

    def make(template: Surge | None, extra: int, dc: str | None) -> Surge:
        # a DC without a surge of its own pays what the scenario's first surge costs
        costs = template or (plan.surge[0] if plan.surge else None)
        return Surge(
            dc=dc,
            from_day=template.from_day if template else restart,
            until_day=template.until_day if template else None,
            ramp_days=template.ramp_days if template else 0,
            extra_shifts=extra,
            extra_delivery_hours=template.extra_delivery_hours if template else 0.0,
            cost_per_day=costs.cost_per_day if costs else 0.0,
            cost_per_shift=costs.cost_per_shift if costs else 0.0,
            cost_per_delivery_hour=costs.cost_per_delivery_hour if costs else 0.0,
        )

    shared = plan.surge[0] if plan.surge else None
    if shifts.is_uniform and all(template_at(dc) is shared for dc in ids):
        # one surge at every DC, as with one DC (a surge at every DC costs its cost_per_day at each)
        return [] if shifts.default == 0 else [make(shared, shifts.default, None)]
    return [make(template_at(dc), shifts.at(dc), dc) for dc in ids if shifts.at(dc) > 0]


def with_backup_shares(loaded: LoadedScenario, shares: ByDC[float | None]) -> LoadedScenario:
    """The scenario with ``share_of_spare`` of every backup of each DC set (None: kept).

    Raises ``ValueError`` when the scenario has no backup DC, or a DC named has none.
    """
    check_dcs(loaded, shares, "backup share")
    dcs = loaded.scenario.sites.dcs
    with_backups = [dc.id for dc in dcs if dc.backups]
    if not with_backups and (shares.default is not None or shares.dcs):
        raise ValueError(
            "no DC of this scenario has a backup DC (sites.dcs[].backups): a backup share changes nothing"
        )
    for dc in shares.named:
        if dc not in with_backups:
            raise ValueError(
                f"DC '{dc}' has no backup DC (sites.dcs[].backups); DCs with one: {', '.join(with_backups)}"
            )
    changed = []
    for dc in dcs:
        share = shares.at(dc.id)
        if share is None or not dc.backups:
            changed.append(dc)
            continue
        backups = [b.model_copy(update={"share_of_spare": share}) for b in dc.backups]
        changed.append(dc.model_copy(update={"backups": backups}))
    sites = loaded.scenario.sites.model_copy(update={"dcs": changed})
    return replace(loaded, scenario=loaded.scenario.model_copy(update={"sites": sites}))


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
                            cap=_one_size(sizes),
                            extra_shifts=max([setting.default, *(v for _, v in setting.dcs)]),
                            shifts=setting,
                            backup_share=None if share is None else backup_setting(share),
                            **variant_fields(loaded, variant),
                        )
                    )
    return mark_pareto(rows)


def _one_size(sizes: ByDC[CapSize | None]) -> CapSize | None:
    """The one cap size of a setting (plan_variant has refused several)."""
    return next((s for s in [sizes.default, *(v for _, v in sizes.dcs)] if s is not None), None)


def mark_pareto(rows: list[CompareRow]) -> list[CompareRow]:
    """Set ``is_pareto`` on every row over :data:`PARETO_OBJECTIVES`; returns the rows."""
    table = np.array(
        [[np.nan if r.metrics.get(k) is None else r.metrics[k] for k in PARETO_OBJECTIVES] for r in rows],
        dtype=float,
    ).reshape(len(rows), len(PARETO_OBJECTIVES))
    for row, keep in zip(rows, pareto_front(table), strict=True):
        row.is_pareto = bool(keep)
    return rows
