"""Plan variants for ``compare``: the knobs (policy, cap, extra shifts, backup share), per DC
or for every DC, and the scenario each set of knobs makes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

import numpy as np

from aftershock.model.base import MAX_UNITS
from aftershock.model.plan import OrderCap, Surge
from aftershock.model.stores import LoadedScenario, dc_ids


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


def one_cap_size(sizes: ByDC[CapSize | None]) -> CapSize | None:
    """The one cap size of a setting (plan_variant has refused several)."""
    return next((s for s in [sizes.default, *(v for _, v in sizes.dcs)] if s is not None), None)
