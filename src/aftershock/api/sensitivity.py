"""Which input drives the answer: Morris screening, Sobol indices and a tornado (SALib)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from aftershock.analysis.sensitivity import (
    METHODS,
    EngineModel,
    Parameter,
    PathProblem,
    analyse,
    check_ranges,
    estimate_parameter,
    evaluations,
    given_parameter,
    parse_param,
)
from aftershock.api.results import SensitivityResult
from aftershock.api.runs import check_seed, check_work, executor_for
from aftershock.api.scenarios import Overrides, ScenarioRef, load, warnings_data
from aftershock.errors import ParameterError, Problem, ScenarioError
from aftershock.limits import DEFAULT as DEFAULT_LIMITS
from aftershock.limits import Limits
from aftershock.model import LoadedScenario
from aftershock.parallel import Executor
from aftershock.sim.metrics import LABELS, METRICS

#: Most parameters one analysis may vary.
MAX_PARAMETERS = 40
#: Largest Sobol base sample and most Morris trajectories.
MAX_SAMPLES = 4096
MAX_TRAJECTORIES = 500

#: A parameter as given: ``"path=low:high"`` or ``(path, low, high)``.
ParamSpec = str | tuple[str, float, float]


def sensitivity(
    ref: ScenarioRef,
    *,
    params: Sequence[ParamSpec] | None = None,
    metric: str = "lost_sales_units",
    method: str = "both",
    samples: int = 32,
    trajectories: int = 10,
    replications: int = 4,
    seed: int = 0,
    overrides: Overrides = None,
    executor: str | Executor | None = None,
    workers: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> SensitivityResult:
    """Global sensitivity of ``metric`` to the scenario's uncertain inputs.

    The inputs are ``params`` (``"incident.forensic_clearance_days=3:10"``: a numeric field
    by key path, as ``--set`` takes it, varied uniformly from low to high) or, without
    them, the estimates of the scenario's ``uncertainty:`` (uniform and PERT over their
    bounds, lognormal over its 5th-95th percentile; each drawn with its own shape). Every
    other field keeps its written value. Whole-number fields (days, crews, shifts) take
    whole values.

    ``method`` is ``morris`` (screening: ``trajectories × (k + 1)`` evaluations), ``sobol``
    (first-order and total indices with 95% intervals: ``samples × (k + 2)`` evaluations,
    ``samples`` a power of two) or ``both``; a one-at-a-time tornado (``2k + 1``
    evaluations) comes with either. Each evaluation runs ``replications`` replications from
    ``seed`` (common random numbers: the same demand in every evaluation) and takes the mean
    of the metric. Evaluations run on ``executor`` (as in :func:`simulate`).

    Returns plain data: the metric (name, label, unit), the parameters, the baseline (the
    metric at the scenario's own values), the ranking (most influential first), the
    evaluations, notes and the scenario's warnings.
    """
    loaded, parameters, notes, model = _prepare(
        ref, params, metric, method, samples, trajectories, replications, seed, overrides, limits
    )
    started = time.monotonic()
    with executor_for(executor, workers) as ex:
        out = analyse(
            model,
            parameters,
            method=method,
            samples=samples,
            trajectories=trajectories,
            seed=seed,
            executor=ex,
            on_progress=on_progress,
        )
        executor_name = ex.name
    unit, description = METRICS[metric]
    whole = [p.path for p in parameters if p.integer]
    notes = [
        f"Each evaluation is the mean of {replications} replication{'s' if replications != 1 else ''} from "
        f"seed {seed}, the same random numbers in every evaluation (common random numbers): differences "
        "come from the parameters, not from demand noise.",
        *notes,
        *([f"Whole-number fields take whole values only: {', '.join(whole)}."] if whole else []),
        "Fields not varied keep the scenario's written values; the scenario's `uncertainty:` is not "
        "drawn in these runs.",
        *out.pop("notes"),
    ]
    if out.get("samples"):
        notes.append(
            "Sobol indices are estimates: with few samples S1 can come out slightly below 0 or above ST; "
            "the 95% intervals say how far to trust them (more samples narrow them)."
        )
    return SensitivityResult(
        {
            "scenario": loaded.name,
            "metric": {"name": metric, "label": LABELS[metric], "unit": unit, "description": description},
            "replications": replications,
            "seed": seed,
            "executor": executor_name,
            **out,
            "notes": notes,
            "elapsed_seconds": round(time.monotonic() - started, 2),
            "warnings": warnings_data(loaded),
        }
    )


def check_sensitivity(
    ref: ScenarioRef,
    *,
    params: Sequence[ParamSpec] | None = None,
    metric: str = "lost_sales_units",
    method: str = "both",
    samples: int = 32,
    trajectories: int = 10,
    replications: int = 4,
    seed: int = 0,
    overrides: Overrides = None,
    limits: Limits = DEFAULT_LIMITS,
) -> None:
    """Every check :func:`sensitivity` makes before its work, without the work: a command that
    runs it last (``report``) refuses a bad parameter before it starts."""
    _prepare(ref, params, metric, method, samples, trajectories, replications, seed, overrides, limits)


def _prepare(
    ref: ScenarioRef,
    params: Sequence[ParamSpec] | None,
    metric: str,
    method: str,
    samples: int,
    trajectories: int,
    replications: int,
    seed: int,
    overrides: Overrides,
    limits: Limits,
) -> tuple[LoadedScenario, list[Parameter], list[str], EngineModel]:
    """The checked inputs of an analysis: the scenario, its parameters, notes on them, the model."""
    if metric not in METRICS:
        raise ParameterError("metric", f"unknown metric '{metric}' (known: {', '.join(METRICS)})")
    if method not in METHODS:
        raise ParameterError("method", f"expected one of {', '.join(METHODS)}, got '{method}'")
    if method in ("sobol", "both") and (
        isinstance(samples, bool) or not 4 <= samples <= MAX_SAMPLES or samples & (samples - 1)
    ):
        raise ParameterError(
            "samples",
            f"expected a power of two from 4 to {MAX_SAMPLES} (8, 16, 32, 64, ...): Sobol sequences are "
            f"balanced only then; got {samples}",
        )
    if method in ("morris", "both") and not 2 <= trajectories <= MAX_TRAJECTORIES:
        raise ParameterError(
            "trajectories", f"expected a whole number from 2 to {MAX_TRAJECTORIES}, got {trajectories}"
        )
    limits.check_replications(replications)
    check_seed(seed)
    loaded = load(ref, overrides)
    parameters, notes = _parameters(loaded, params)
    model = EngineModel(loaded, tuple(parameters), metric, replications, seed)
    try:
        check_ranges(model)
    except PathProblem as exc:
        raise _problem(loaded, parameters, exc, params) from None
    n = evaluations(len(parameters), method, samples, trajectories)
    total = n * replications
    if total > limits.replications:  # each evaluation is a simulation: the bound is on them all
        raise ParameterError(
            "samples",
            f"{n:,} evaluations × {replications} replications is {total:,} engine replications; at most "
            f"{limits.replications:,} here (fewer samples, trajectories or replications)",
        )
    check_work(loaded, total, limits)
    return loaded, parameters, notes, model


def _parameters(
    loaded: LoadedScenario, params: Sequence[ParamSpec] | None
) -> tuple[list[Parameter], list[str]]:
    """The parameters to vary: those given, else the scenario's estimates; notes about them."""
    from aftershock.model.uncertainty import scenario_data

    scenario = loaded.scenario
    data = scenario_data(scenario)
    out: list[Parameter] = []
    notes: list[str] = []
    if params:
        if len(params) > MAX_PARAMETERS:
            raise ParameterError("params", f"at most {MAX_PARAMETERS} parameters, got {len(params)}")
        for spec in params:
            text = spec if isinstance(spec, str) else f"{spec[0]}={spec[1]}:{spec[2]}"
            try:
                path, low, high = (
                    parse_param(spec) if isinstance(spec, str) else (spec[0], *map(float, spec[1:]))
                )
                p = given_parameter(data, path, low, high)
            except PathProblem as exc:
                raise ParameterError("params", f"{text}: {exc}") from None
            if any(q.keys == p.keys for q in out):
                raise ParameterError("params", f"{text}: '{path}' is given twice")
            out.append(p)
        if scenario.uncertainty:
            held = [k for k in scenario.uncertainty if k not in {p.path for p in out}]
            if held:
                notes.append(
                    "Only the parameters given vary; the scenario's other uncertain fields are held at "
                    f"their written values: {', '.join(held)}."
                )
        notes.append("Each range given is filled uniformly.")
        return out, notes
    if not scenario.uncertainty:
        raise ParameterError(
            "params",
            f"{loaded.name} has no `uncertainty:` estimates; name the fields to vary as "
            "path=low:high (--param incident.forensic_clearance_days=3:10)",
        )
    skipped = []
    source = loaded.path.name if loaded.path is not None else "scenario"
    for path, estimate in scenario.uncertainty.items():
        try:
            p = estimate_parameter(data, path, estimate)
        except PathProblem as exc:
            raise ScenarioError.from_problems(
                [Problem(source, str(exc), field=f"uncertainty.{path}")]
            ) from None
        if p is None:
            skipped.append(path)
        else:
            out.append(p)
    if skipped:
        notes.append(
            "Estimates with nothing to vary (a point, or a range within one whole number): "
            + ", ".join(skipped)
            + "."
        )
    if not out:
        raise ParameterError(
            "params",
            f"{loaded.name}'s `uncertainty:` estimates have no range to vary; "
            "name fields to vary as path=low:high (--param)",
        )
    notes.append("Ranges from the scenario's `uncertainty:` estimates (see each parameter's range).")
    return out, notes


def _problem(
    loaded: LoadedScenario, parameters: list[Parameter], exc: PathProblem, params: Sequence[ParamSpec] | None
) -> Exception:
    """A range whose end makes an invalid scenario, named as it was given."""
    if params:
        return ParameterError("params", str(exc))
    source = loaded.path.name if loaded.path is not None else "scenario"
    path = str(exc).split("'")[1] if "'" in str(exc) else None
    return ScenarioError.from_problems(
        [Problem(source, str(exc), field=f"uncertainty.{path}" if path else "uncertainty")]
    )
