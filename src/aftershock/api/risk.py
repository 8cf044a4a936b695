"""Yearly cyber-supply risk and the time-to-survive / time-to-recover stress test."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from pydantic import ValidationError

from aftershock.api.concentration import concentration_data
from aftershock.api.results import RiskResult, StressResult
from aftershock.api.runs import check_seed, executor_for
from aftershock.api.scenarios import Overrides, ScenarioRef, StoresTable, load, warnings_data
from aftershock.errors import ParameterError, ScenarioError, ScenarioWarning
from aftershock.limits import DEFAULT as DEFAULT_LIMITS
from aftershock.limits import Limits
from aftershock.model import LoadedScenario
from aftershock.model.insurance import InsuranceTerms
from aftershock.model.uncertainty import point_values
from aftershock.parallel import Executor
from aftershock.risk.montecarlo import simulate_years
from aftershock.risk.stress import DEFAULT_SAMPLES, DEFAULT_THRESHOLD, stress_test
from aftershock.sim import build_inputs


def future_spread(loaded: LoadedScenario) -> LoadedScenario:
    """``loaded`` with each future incident spreading along the control edges with their own ``p``.

    ``incident.spread_p_override`` says how the replayed incident spread (ocs-2022's record: it
    did not); a yearly threat model is about incidents to come, so it is not used, and a warning
    says so.
    """
    override = loaded.scenario.incident.spread_p_override
    if override is None:
        return loaded
    warning = ScenarioWarning(
        loaded.path.name if loaded.path else loaded.name,
        f"incident.spread_p_override ({override:g}) not used: risk draws the spread of each future "
        "incident from the control edges' own p (the override describes the replayed incident)",
        field="incident.spread_p_override",
    )
    incident = loaded.scenario.incident.model_copy(update={"spread_p_override": None})
    scenario = loaded.scenario.model_copy(update={"incident": incident})
    return replace(loaded, scenario=scenario, warnings=(*loaded.warnings, warning))


def risk(
    ref: ScenarioRef,
    *,
    years: int = 10_000,
    seed: int = 0,
    reps_per_shape: int = 4,
    overrides: Overrides = None,
    executor: str | Executor | None = None,
    workers: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    limits: Limits = DEFAULT_LIMITS,
    insurance: dict[str, float | None] | None = None,
    stores: StoresTable | None = None,
) -> RiskResult:
    """Yearly Monte Carlo of the scenario's threats: loss exceedance, ALE, VaR, ES, ranking.

    Each distinct incident shape (threat, pause days, outage days) is simulated once with
    ``reps_per_shape`` replications and reused for every year it occurs in. ``by_dc`` splits
    the expected annual loss over the DCs (sorted by id) by the revenue lost at each DC's
    stores; ``not_attributed_to_a_dc`` is the rest (response costs, losses without lost sales).

    Common causes (``common_causes:``) are priced with the threats and ranked among them, their
    loss going to their root vendor. ``insurance`` gives terms (``deductible``, ``limit``,
    ``waiting_days``, ``waiting_hours``, ``cbi_sublimit``) that replace the scenario's own
    ``insurance:`` field by field; ``net`` then has the statistics of the loss kept after the
    policy pays (equal to gross without terms) and ``insurance`` the terms applied.
    """
    limits.check_years(years)
    check_seed(seed)
    if not 1 <= reps_per_shape <= 1000:
        raise ParameterError(
            "reps_per_shape", f"expected a whole number from 1 to 1000, got {reps_per_shape}"
        )
    loaded = future_spread(point_values(load(ref, overrides, stores=stores), "risk"))
    terms = insurance_terms(loaded.scenario.insurance, insurance)
    if not loaded.scenario.threats and not loaded.scenario.common_causes:
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
    summary = result.summary(terms)
    summary["scenario"] = loaded.name
    summary["seed"] = seed
    summary["reps_per_shape"] = reps_per_shape
    summary["currency_note"] = "losses in the scenario's currency: lost margin + surge + churn + response"
    summary["warnings"] = warnings_data(loaded)
    summary["concentration"] = concentration_data(loaded)  # the network's vendor concentration
    return RiskResult(summary)


def insurance_terms(
    scenario_terms: InsuranceTerms | None, given: dict[str, float | None] | None
) -> InsuranceTerms | None:
    """The scenario's insurance terms with the ``given`` ones in their place (None: not given)."""
    given = {k: v for k, v in (given or {}).items() if v is not None}
    unknown = sorted(set(given) - set(InsuranceTerms.model_fields))
    if unknown:
        raise ParameterError(
            "insurance", f"unknown term '{unknown[0]}' (known: {', '.join(InsuranceTerms.model_fields)})"
        )
    if not given:
        return scenario_terms
    merged = {**(scenario_terms.model_dump() if scenario_terms is not None else {}), **given}
    try:
        return InsuranceTerms.model_validate(merged)
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]) if err["loc"] else "insurance"
        message = str(err["msg"])
        if message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        else:
            message = message.replace("Input should be ", "expected a value ") + f", got {merged.get(name)!r}"
        raise ParameterError(name, message) from None


def stress(
    ref: ScenarioRef,
    *,
    services: list[str] | None = None,
    overrides: Overrides = None,
    threshold: float = DEFAULT_THRESHOLD,
    weight: str = "revenue",
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
    stores: StoresTable | None = None,
) -> StressResult:
    """Stress test along attack paths: TTS vs TTR, impact and risk exposure index per entry and party.

    Each service in turn (``services``: only these) is the entry of the incident's compromise,
    which spreads along the control edges, worst case (every edge with p > 0) and sampled
    (``samples`` replications, each edge with its own p, from ``seed``); the incident's
    restoration, crews, fallbacks and (where the attack can reach) isolations apply. TTS is
    measured against the service ``threshold`` (share of demand served a day); ``weight``
    (``revenue`` or ``margin``) is what the impact counts. Definitions:
    :mod:`aftershock.risk.stress` and docs/risk.md.

    Returns ``{scenario, services, parties, vendors, dcs, threshold, weight, definitions,
    warnings}``: one row per entry (most exposed first; with several DCs each has ``by_dc``),
    one per party (every service of the party at once; left out with ``services``), the
    vendors (third and fourth parties) ranked, and the DCs (sorted by id) with their stores.
    """
    if not 0 < threshold <= 1:
        raise ParameterError(
            "threshold", f"expected a share of demand above 0 and at most 1, got {threshold}"
        )
    if weight not in ("revenue", "margin"):
        raise ParameterError("weight", f"expected revenue or margin, got '{weight}'")
    if not 0 <= samples <= 1000:
        raise ParameterError("samples", f"expected a whole number from 0 to 1000, got {samples}")
    check_seed(seed)
    loaded = future_spread(point_values(load(ref, overrides, stores=stores), "stress"))
    known = [s.id for s in loaded.scenario.services]
    for name in services or []:
        if name not in known:
            raise ParameterError("services", f"unknown service '{name}' (known: {', '.join(known)})")
    inputs = build_inputs(loaded)
    found = stress_test(
        loaded,
        inputs,
        services,
        threshold=threshold,
        weight="margin" if weight == "margin" else "revenue",
        samples=samples,
        seed=seed,
    )
    parties = found["parties"]
    return StressResult(
        {
            "scenario": loaded.name,
            "threshold": threshold,
            "weight": weight,
            "samples": samples,
            "seed": seed,
            "services": found["services"],
            "parties": parties,
            "vendors": [p for p in parties if p["rank"] is not None],
            "dcs": [
                {"dc": dc, "stores": int((inputs.store_dc == d).sum())} for d, dc in enumerate(inputs.dc_ids)
            ],
            "definitions": STRESS_DEFINITIONS,
            "warnings": warnings_data(loaded),
        }
    )


#: What the stress test's numbers mean, carried with them (docs/risk.md has the full text).
STRESS_DEFINITIONS = {
    "entry": "the incident's compromise moved to this service (a party: all its services at once), same "
    "day and hour; worst case: every control edge with p > 0 carries the attack; sampled: each its own p",
    "response": "the incident's restoration (central ramp or on-site crews) and fallbacks as written; a "
    "compromised service it does not restore comes back after the median outage of a threat on it, else "
    "not in the horizon; an isolation applies when the attack can reach what it guards; deterministic "
    "demand, no surge or cap",
    "ttr_days": "days from the compromise day to the first day from which every capability a store needs "
    "(and the online channels, for the chain) is at least 99% of normal for the rest of the horizon; the "
    "level's last store",
    "tts_days": "worst case with nothing restored: days from the compromise day to the first day the level "
    "(first store, region, DC's stores, chain) serves less than the threshold share of its demand "
    "(1 - lost / demand, diverted demand counts as served) and less than without an incident",
    "impact": "lost revenue (or margin) over the horizon, worst case with the response, beyond no incident",
    "risk_exposure_index": "impact / the largest impact over every entry and party (Simchi-Levi)",
}
