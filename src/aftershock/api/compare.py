"""Recovery plans compared: policy × cap × extra shifts on common random numbers."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from aftershock.api.optimize import optimize
from aftershock.api.runs import check_seed, check_work, executor_for
from aftershock.api.scenarios import ScenarioRef, load
from aftershock.api.simulate import simulate
from aftershock.errors import ParameterError, UsageError
from aftershock.limits import DEFAULT as DEFAULT_LIMITS
from aftershock.limits import Limits
from aftershock.model import LoadedScenario
from aftershock.parallel import Executor
from aftershock.policies import allocation_policies, unknown_policy_message
from aftershock.recovery import CapSize, CompareRow, compare_plans
from aftershock.recovery.compare import mark_pareto


def compare(
    ref: ScenarioRef,
    *,
    policies: Sequence[str] = ("fifo",),
    caps: Sequence[float | str | CapSize | None] = (None,),
    surges: Sequence[int] = (0,),
    replications: int = 100,
    seed: int = 0,
    overrides: list[str] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    executor: str | Executor | None = None,
    workers: int | None = None,
    with_optimised: bool = False,
    limits: Limits = DEFAULT_LIMITS,
) -> list[CompareRow]:
    """Every combination of allocation policy × order cap × extra shifts, on common random numbers.

    ``caps`` holds cap sizes: units per order line (``40``), a share of the normal order
    (``"75%"``) or ``None`` (no cap); ``surges`` the
    extra shifts a day during the surge window. Each row carries the mean of every metric
    and whether it is Pareto-efficient over lost sales, service-restored day, surge cost
    and the worst store's days without stock. Every plan runs on ``executor`` (as in
    :func:`simulate`), with the same seed: the same numbers on every executor. With
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
    if not policies or not caps or not surges:
        raise UsageError("compare needs at least one policy, one cap and one surge value")
    sizes: list[CapSize | None] = []
    for cap in caps:
        try:
            sizes.append(CapSize.parse(cap))
        except ValueError as exc:
            raise ParameterError("caps", f"{exc}") from None
    for shifts in surges:
        if not 0 <= shifts <= 6:
            raise ParameterError("surges", f"expected 0 to 6 extra shifts, got {shifts}")
    limits.check_replications(replications)
    check_seed(seed)
    loaded = load(ref, overrides)
    check_work(loaded, replications * len(policies) * len(caps) * len(surges), limits)
    if "priority" in policies and loaded.scenario.plan.priority_attribute is None:
        raise ParameterError(
            "policies",
            "'priority' ranks stores by plan.priority_attribute, which this scenario does not "
            "set (add it, or --set plan.priority_attribute=tier); without it priority is fifo",
        )
    combos = len(policies) * len(caps) * len(surges)
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
        rows = compare_plans(loaded, policies, sizes, surges, run_one)
    if not with_optimised:
        return rows

    best = optimize(loaded, replications=replications, seed=seed)
    rows.append(
        CompareRow.from_summaries(
            best.replayed,
            policy="optimised",
            cap=None,
            extra_shifts=0,
            optimised=True,
            note=f"{sum(best.extra_shifts):.1f} extra shifts in all",
        )
    )
    return mark_pareto(rows)
