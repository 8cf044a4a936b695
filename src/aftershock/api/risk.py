"""Yearly cyber-supply risk and the time-to-survive / time-to-recover stress test."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aftershock.api.runs import check_seed, executor_for
from aftershock.api.scenarios import ScenarioRef, load, warnings_data
from aftershock.errors import ParameterError, ScenarioError
from aftershock.limits import DEFAULT as DEFAULT_LIMITS
from aftershock.limits import Limits
from aftershock.parallel import Executor
from aftershock.risk.montecarlo import simulate_years
from aftershock.risk.stress import stress_test
from aftershock.sim import build_inputs


def risk(
    ref: ScenarioRef,
    *,
    years: int = 10_000,
    seed: int = 0,
    reps_per_shape: int = 4,
    overrides: list[str] | None = None,
    executor: str | Executor | None = None,
    workers: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> dict[str, Any]:
    """Yearly Monte Carlo of the scenario's threats: loss exceedance, ALE, VaR, ES, ranking.

    Each distinct incident shape (threat, pause days, outage days) is simulated once with
    ``reps_per_shape`` replications and reused for every year it occurs in. ``by_dc`` splits
    the expected annual loss over the DCs (sorted by id) by the revenue lost at each DC's
    stores; ``not_attributed_to_a_dc`` is the rest (response costs, losses without lost sales).
    """
    limits.check_years(years)
    check_seed(seed)
    if not 1 <= reps_per_shape <= 1000:
        raise ParameterError(
            "reps_per_shape", f"expected a whole number from 1 to 1000, got {reps_per_shape}"
        )
    loaded = load(ref, overrides)
    if not loaded.scenario.threats:
        raise ScenarioError(
            f"{loaded.name} has no threats: add a `threats:` list (see docs/risk.md) to run `risk`"
        )
    inputs = build_inputs(loaded)
    with executor_for(executor, workers) as ex:
        result = simulate_years(
            loaded,
            inputs,
            years=years,
            seed=seed,
            reps_per_shape=reps_per_shape,
            executor=ex,
            on_progress=on_progress,
        )
    summary = result.summary()
    summary["scenario"] = loaded.name
    summary["seed"] = seed
    summary["reps_per_shape"] = reps_per_shape
    summary["currency_note"] = "losses in the scenario's currency: lost margin + surge + churn + response"
    summary["warnings"] = warnings_data(loaded)
    return summary


def stress(
    ref: ScenarioRef, *, services: list[str] | None = None, overrides: list[str] | None = None
) -> dict[str, Any]:
    """Time-to-survive vs time-to-recover per service, impact, and risk exposure index.

    Returns ``{scenario, services, dcs, warnings}``: one row per service (most exposed first;
    with DCs, each row's ``by_dc`` has the TTS and impact on each DC's own stores), the DCs
    (sorted by id) with their number of stores, and the scenario's warnings.
    """
    loaded = load(ref, overrides)
    known = [s.id for s in loaded.scenario.services]
    for name in services or []:
        if name not in known:
            raise ParameterError("services", f"unknown service '{name}' (known: {', '.join(known)})")
    inputs = build_inputs(loaded)
    return {
        "scenario": loaded.name,
        "services": stress_test(loaded, inputs, services),
        "dcs": [
            {"dc": dc, "stores": int((inputs.store_dc == d).sum())} for d, dc in enumerate(inputs.dc_ids)
        ],
        "warnings": warnings_data(loaded),
    }
