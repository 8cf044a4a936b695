"""Recovery plans compared: policy × cap × extra shifts × backup share on common random numbers."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from aftershock.api.optimize import optimize
from aftershock.api.results import Interval, frame_of
from aftershock.api.runs import check_seed, check_work, executor_for
from aftershock.api.scenarios import Overrides, ScenarioRef, StoresTable, load, warnings_data
from aftershock.api.simulate import simulate
from aftershock.errors import ParameterError, UsageError
from aftershock.formatting import fmt
from aftershock.formatting import label as metric_label
from aftershock.limits import DEFAULT as DEFAULT_LIMITS
from aftershock.limits import Limits
from aftershock.model import LoadedScenario
from aftershock.model.uncertainty import pin, point_values
from aftershock.parallel import Executor
from aftershock.policies import allocation_policies, unknown_policy_message
from aftershock.recovery import CompareRow, compare_plans
from aftershock.recovery.compare import mark_pareto
from aftershock.recovery.variants import (
    backup_setting,
    cap_setting,
    check_dcs,
    plan_variant,
    shifts_setting,
    with_backup_shares,
)

if TYPE_CHECKING:
    import pandas as pd

T = TypeVar("T")


class CompareResult(list[CompareRow]):
    """The rows of :func:`aftershock.api.compare`: a list of
    :class:`~aftershock.recovery.CompareRow` (each metric's interval an :class:`Interval`
    with ``low`` and ``high``), with a DataFrame and a notebook summary."""

    def to_dataframe(self) -> pd.DataFrame:
        """One row per plan and metric: the plan's settings, the mean, the 90% interval
        (``low``: p5, ``high``: p95) and whether the plan is on the Pareto front."""
        rows = [
            {
                "plan": i,
                "label": row.label(),
                "policy": row.policy,
                "cap": row.cap_label,
                "extra_shifts": row.extra_shifts,
                "backup_share": row.backup_label,
                "optimised": row.optimised,
                "is_pareto": row.is_pareto,
                "metric": metric,
                "mean": mean,
                "low": row.intervals.get(metric, (None, None))[0],
                "high": row.intervals.get(metric, (None, None))[1],
            }
            for i, row in enumerate(self)
            for metric, mean in row.metrics.items()
        ]
        columns = ["plan", "label", "policy", "cap", "extra_shifts", "backup_share", "optimised", "is_pareto"]
        return frame_of(rows, [*columns, "metric", "mean", "low", "high"])

    def _repr_html_(self) -> str:
        esc = html.escape
        metrics = ("lost_sales_units", "fill_rate", "service_restored_day", "surge_cost")
        head = "".join(f"<th>{esc(metric_label(m))}</th>" for m in metrics)
        body = "".join(
            f"<tr><td>{esc(row.label())}</td>"
            + "".join(f'<td style="text-align:right">{esc(fmt(m, row.metrics.get(m)))}</td>' for m in metrics)
            + f"<td>{'yes' if row.is_pareto else ''}</td></tr>"
            for row in self
        )
        return (
            '<div class="aftershock-result"><table><caption>Recovery plans compared (means)</caption>'
            f"<tr><th>Plan</th>{head}<th>Pareto</th></tr>{body}</table></div>"
        )


def compare_result(rows: list[CompareRow]) -> CompareResult:
    """``rows`` as a :class:`CompareResult`, each interval an :class:`Interval`."""
    for row in rows:
        row.intervals = {m: Interval(*v) for m, v in row.intervals.items()}
    return CompareResult(rows)


def compare(
    ref: ScenarioRef,
    *,
    policies: Sequence[str] = ("fifo",),
    caps: Sequence[Any] = (None,),
    surges: Sequence[Any] = (0,),
    backup_shares: Sequence[Any] = (None,),
    replications: int = 100,
    seed: int = 0,
    overrides: Overrides = None,
    on_progress: Callable[[int, int], None] | None = None,
    executor: str | Executor | None = None,
    workers: int | None = None,
    with_optimised: bool = False,
    limits: Limits = DEFAULT_LIMITS,
    stores: StoresTable | None = None,
) -> CompareResult:
    """Every combination of allocation policy × order cap × extra shifts (× backup share), on
    common random numbers.

    ``caps`` holds cap sizes: units per order line (``40``), a share of the normal order
    (``"75%"``) or ``None`` (no cap); ``surges`` the extra shifts a day during the surge
    window. Each cap and surge value applies at every DC, or per DC: ``"dc-north:2"`` (that
    DC only), ``"1,dc-north:2"`` (dc-north 2, the others 1) or a mapping ``{"dc-north": 2}``.
    A cap has one size, at the DCs it names. ``backup_shares`` sets the share of spare
    capacity (0-1) every backup DC lends (``0.5``), or the backups of one primary DC
    (``"dc-north:0.5"``); ``None`` keeps the scenario's. Each row carries the mean of every
    metric, the DCs each knob applies to, the scenario's warnings for that variant, and
    whether it is Pareto-efficient over lost sales, service-restored day, surge cost and the
    worst store's days without stock. Every plan runs on ``executor`` (as in
    :func:`simulate`), with the same seed: the same numbers on every executor. A scenario's
    ``uncertainty:`` is drawn as :func:`simulate` draws it, the same sets for every plan,
    except the fields compare sets itself (:func:`for_compare`). With
    ``with_optimised`` the optimiser's plan (:func:`optimize`, replayed on the same seed) is
    a last row, and the Pareto front takes it in.
    """
    known = allocation_policies()
    bad = [p for p in policies if p not in known]
    if bad:
        raise ParameterError("policies", unknown_policy_message(bad[0]))
    if "planned" in policies:
        raise ParameterError(
            "policies",
            "'planned' follows a dispatch plan from the optimiser; compare has none and would run it "
            "as fifo (compare the optimised plan with with_optimised, `compare --with-optimised`)",
        )
    if not policies or not caps or not surges or not backup_shares:
        raise UsageError("compare needs at least one policy, one cap and one surge value")
    cap_settings = _settings("caps", caps, cap_setting)
    surge_settings = _settings("surges", surges, shifts_setting)
    share_settings = [
        None if s is None else _settings("backup_shares", [s], backup_setting)[0] for s in backup_shares
    ]
    limits.check_replications(replications)
    check_seed(seed)
    loaded = for_compare(load(ref, overrides, stores=stores), backup_shares, with_optimised)
    combos = len(policies) * len(caps) * len(surges) * len(backup_shares)
    check_work(loaded, replications * combos, limits)
    if "priority" in policies and loaded.scenario.plan.priority_attribute is None:
        raise ParameterError(
            "policies",
            "'priority' ranks stores by plan.priority_attribute, which this scenario does not "
            "set (add it, or --set plan.priority_attribute=tier); without it priority is fifo",
        )
    # every variant is built once before anything runs, so a bad DC or cap fails at once
    for name, settings in (
        ("caps", cap_settings),
        ("surges", surge_settings),
        ("backup_shares", share_settings),
    ):
        for setting in settings:
            if setting is None:
                continue
            try:
                check_dcs(loaded, setting, name)
            except ValueError as exc:
                raise ParameterError(name, str(exc)) from None
    for cap in cap_settings:
        try:
            plan_variant(loaded, policies[0], cap, 0)
        except ValueError as exc:
            raise ParameterError("caps", str(exc)) from None
    for share in share_settings:
        if share is not None:
            try:
                with_backup_shares(loaded, share)
            except ValueError as exc:
                raise ParameterError("backup_shares", str(exc)) from None
    done = 0

    def run_one(variant: LoadedScenario) -> dict[str, dict[str, float | None]]:
        nonlocal done
        base = done

        def tick(step: int, total: int) -> None:
            if on_progress is not None:
                on_progress(base * total + step, combos * total)

        result = simulate(variant, replications=replications, seed=seed, on_progress=tick, executor=ex)
        done += 1
        return result.summary["metrics"]

    # one executor (process pool, Dask cluster) for the whole grid, as `simulate` would use
    with executor_for(executor, workers) as ex:
        rows = compare_plans(
            loaded, policies, cap_settings, surge_settings, run_one, backup_shares=share_settings
        )
    if not with_optimised:
        return compare_result(rows)

    best = optimize(loaded, replications=replications, seed=seed)
    rows.append(
        CompareRow.from_summaries(
            best.replayed,
            policy="optimised",
            cap=None,
            extra_shifts=0,
            optimised=True,
            note=f"{sum(best.extra_shifts):.1f} extra shifts in all",
            warnings=warnings_data(loaded),
        )
    )
    return compare_result(mark_pareto(rows))


def for_compare(
    loaded: LoadedScenario, backup_shares: Sequence[Any] = (None,), with_optimised: bool = False
) -> LoadedScenario:
    """``loaded`` as compare runs it: its uncertain plan fields (and, when ``backup_shares`` set
    any, its backups' uncertain fields) are not drawn, since every plan of the grid sets them,
    with a warning that names them; every other uncertain field is drawn as in :func:`simulate`.
    With ``with_optimised`` nothing is drawn (with a warning): the optimiser plans and replays
    on the point values, and every row must be compared on the same ones."""
    if with_optimised:
        return point_values(loaded, "compare --with-optimised")
    prefixes = ["plan"]
    why = "compare sets the recovery plan itself"
    if any(s is not None for s in backup_shares):
        prefixes.append("sites")
        why = "compare sets the recovery plan and the backups' shares itself"
    return pin(loaded, prefixes, why)


def _settings(name: str, values: Sequence[Any], parse: Callable[[Any], T]) -> list[T]:
    """Each value parsed, or a :class:`ParameterError` naming the parameter."""
    out = []
    for value in values:
        try:
            out.append(parse(value))
        except ValueError as exc:
            raise ParameterError(name, f"{exc}") from None
    return out
