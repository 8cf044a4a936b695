"""Calibration: fit chosen parameters of a scenario to an observed timeline, with their uncertainty.

The search is ABC-SMC (:mod:`aftershock.analysis.calibrate`); here the scenario, the priors
and the observed points are checked, the particles run on an executor, and the calibrated
variant is simulated against the scenario as written, point by point.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from aftershock.analysis.calibrate import METHODS, Generation, Posterior, Prior, distance, weighted_quantile
from aftershock.api.results import frame_of, html_table, warnings_note
from aftershock.api.runs import check_seed, check_work, executor_for
from aftershock.api.scenarios import Overrides, ScenarioRef, load, warnings_data
from aftershock.errors import ParameterError, UsageError
from aftershock.io.observed import OBSERVED_SERIES, ObservedPoint, read_observed
from aftershock.limits import DEFAULT as DEFAULT_LIMITS
from aftershock.limits import Limits
from aftershock.model import LoadedScenario
from aftershock.model.threats import Estimate
from aftershock.parallel import Executor
from aftershock.parallel.executors import InProcess

if TYPE_CHECKING:
    import pandas as pd

#: The observed timeline a bundled scenario ships next to its scenario file.
OBSERVED_FILE = "observed.csv"
#: Most particles one task sent to a pool or cluster simulates (a task is the unit of progress).
MAX_PARTICLES_PER_TASK = 8
#: Quantiles of the posterior summary: the median and the 90% interval.
INTERVAL = (0.05, 0.5, 0.95)
#: A posterior 90% interval wider than this share of the prior's: the observations say little.
VAGUE = 0.8


@dataclass
class ParticleModel:
    """The engine on a parameter set: the scenario with each calibrated field at its value
    (every other field at its written value), run ``replications`` times from ``seed`` (the
    same random numbers for every set), reduced to the mean of each observed series per day.

    Picklable: it travels to process-pool and Dask workers as it is.
    """

    loaded: LoadedScenario
    priors: tuple[Prior, ...]
    series: tuple[str, ...]
    replications: int
    seed: int

    def variant(self, values: Sequence[float]) -> LoadedScenario:
        """The scenario with the priors' fields at ``values``; ``ValueError`` when not valid."""
        return with_values(self.loaded, {p.path: float(v) for p, v in zip(self.priors, values, strict=True)})

    def __call__(self, rows: np.ndarray) -> np.ndarray:
        """(rows, series, days) means over replications; NaN for a set that is not a valid scenario."""
        from aftershock.sim import build_inputs, run

        days = self.loaded.scenario.horizon_days
        out = np.full((len(rows), len(self.series), days), np.nan)
        for i, row in enumerate(np.atleast_2d(rows)):
            try:
                variant = self.variant(row)
            except ValueError:
                continue  # a combination of values that is not a scenario: never accepted
            raw = run(build_inputs(variant), self.replications, self.seed)
            out[i] = series_means(raw, self.series, len(variant.stores))
        return out


def series_means(raw: dict[str, np.ndarray], series: Sequence[str], n_stores: int) -> np.ndarray:
    """(series, days): the mean over replications of each observed series."""
    return np.stack([engine_series(raw, s, n_stores).mean(axis=0) for s in series])


def engine_series(raw: dict[str, Any], name: str, n_stores: int) -> np.ndarray:
    """(replications, days) of an observed series from the engine's daily arrays (or a Dataset)."""
    if name == "stores_open":
        return n_stores - np.asarray(raw["stores_closed"], dtype=float)
    if name not in OBSERVED_SERIES:
        raise ValueError(f"unknown observed series '{name}'")
    return np.asarray(raw[name], dtype=float)


def with_values(loaded: LoadedScenario, values: dict[str, float]) -> LoadedScenario:
    """``loaded`` with the fields at the paths of ``values`` set (whole-number fields rounded),
    validated and cross-checked, without those paths' ``uncertainty:`` (a value set is used,
    not drawn). ``ValueError`` names the first problem."""
    from aftershock.model.checks import check_scenario
    from aftershock.model.uncertainty import parameter, scenario_data, substituted

    scenario = loaded.scenario
    data = scenario_data(scenario)
    params = [parameter(data, path, Estimate(dist="point", value=0.0)) for path in values]
    changed = substituted(scenario, {p.path: _rounded(values[p.path], p.integer) for p in params}, params)
    problems = check_scenario(changed, loaded.stores)
    if problems:
        loc, message = problems[0]
        raise ValueError(f"{'.'.join(str(x) for x in loc)}: {message}")
    left = {p: e for p, e in scenario.uncertainty.items() if p not in values}
    return replace(loaded, scenario=changed.model_copy(update={"uncertainty": left}))


def _rounded(value: float, integer: bool) -> float:
    return float(round(value)) if integer else float(value)


# -- parameters -------------------------------------------------------------------------------


def parse_param(text: str) -> tuple[str, Estimate | None]:
    """``path=low:high`` (a uniform prior) or ``path`` (its estimate in ``uncertainty:``)."""
    path, sep, rng = text.partition("=")
    path = path.strip()
    if not path:
        raise ParameterError(
            "param", f"expected path=low:high or a path of the scenario's uncertainty, got '{text}'"
        )
    if not sep:
        return path, None
    low_text, colon, high_text = rng.partition(":")
    try:
        low, high = float(low_text), float(high_text)
    except ValueError:
        low = high = math.nan
    if not colon or not (math.isfinite(low) and math.isfinite(high)):
        raise ParameterError(
            "param", f"expected path=low:high with two numbers (e.g. {path}=0.5:3), got '{text}'"
        )
    if low < 0:
        raise ParameterError("param", f"{path}: expected low >= 0, got {low:g}")
    if not high > low:
        raise ParameterError("param", f"{path}: expected low < high, got {low:g}:{high:g}")
    return path, Estimate(dist="uniform", low=low, high=high)


def priors_for(loaded: LoadedScenario, params: Sequence[str] | None) -> tuple[Prior, ...]:
    """The priors of ``params`` (``path=low:high`` or a path of ``uncertainty:``), or of every
    non-point estimate of the scenario's ``uncertainty:``; each checked: the path exists,
    holds a number that may vary, and both ends of its range make a valid scenario."""
    from aftershock.model.uncertainty import parameter, scenario_data

    scenario = loaded.scenario
    chosen: list[tuple[str, Estimate, str]] = []
    if params:
        for text in params:
            path, estimate = parse_param(text)
            if estimate is None:
                found = scenario.uncertainty.get(path)
                if found is None:
                    listed = ", ".join(scenario.uncertainty) or "none"
                    raise ParameterError(
                        "param",
                        f"'{path}' has no estimate in the scenario's uncertainty: (it has: {listed}); "
                        f"give a range instead: --param {path}=LOW:HIGH",
                    )
                chosen.append((path, found, "uncertainty"))
            else:
                chosen.append((path, estimate, "--param"))
    else:
        chosen = [(p, e, "uncertainty") for p, e in scenario.uncertainty.items() if e.dist != "point"]
        if not chosen:
            raise ParameterError(
                "param",
                "nothing to calibrate: the scenario has no uncertainty: estimates; name the fields "
                "to fit with --param path=low:high (e.g. --param incident.forensic_clearance_days=3:8)",
            )
    paths = [c[0] for c in chosen]
    repeated = [p for i, p in enumerate(paths) if p in paths[:i]]
    if repeated:
        raise ParameterError("param", f"'{repeated[0]}' is named twice")
    data = scenario_data(scenario)
    priors = []
    for path, estimate, origin in chosen:
        try:
            found = parameter(data, path, estimate)
            prior = Prior(path, estimate, found.integer, origin)
        except ValueError as exc:
            raise ParameterError("param", str(exc)) from None
        for end in found.support():
            try:
                with_values(loaded, {path: end})
            except ValueError as exc:
                raise ParameterError("param", f"{path} = {end:g} is not a valid value: {exc}") from None
        priors.append(prior)
    return tuple(priors)


# -- the result -------------------------------------------------------------------------------


@dataclass
class CalibrationResult:
    """Everything ``calibrate`` found, as plain data (:meth:`as_dict`), a variant (:meth:`variant_yaml`)."""

    scenario: str
    observed_file: str
    method: str
    seed: int
    settings: dict[str, Any]
    priors: tuple[Prior, ...]
    posterior: Posterior
    points: list[ObservedPoint]
    fit: list[dict[str, Any]]
    daily: dict[str, dict[str, Any]]
    variant_name: str
    medians: dict[str, float | int]
    variant_set: dict[str, Any]
    written_values: dict[str, float]
    seconds: float
    warnings: list[dict[str, Any]] = field(default_factory=list)
    start_date: str | None = None
    notes: list[str] = field(default_factory=list)

    def parameters(self) -> list[dict[str, Any]]:
        """One row per parameter: prior, written value, posterior median and 90% interval."""
        q = self.posterior.quantiles(INTERVAL)
        rows = []
        for j, p in enumerate(self.priors):
            prior_low, prior_high = (float(x) for x in p.quantile([INTERVAL[0], INTERVAL[2]]))
            width = prior_high - prior_low
            rows.append(
                {
                    "path": p.path,
                    "prior": p.describe(),
                    "prior_source": p.origin,
                    "prior_p5": prior_low,
                    "prior_p95": prior_high,
                    "whole_numbers": p.integer,
                    "written": self.written_values[p.path],
                    "median": self.medians[p.path],
                    "p5": float(q[0, j]),
                    "p95": float(q[2, j]),
                    # the posterior's 90% interval as a share of the prior's: near 1, the
                    # observations say little about the parameter
                    "narrowed_to": float((q[2, j] - q[0, j]) / width) if width > 0 else None,
                }
            )
        return rows

    def as_dict(self) -> dict[str, Any]:
        post = self.posterior
        return {
            "scenario": self.scenario,
            "observed_file": self.observed_file,
            "start_date": self.start_date,
            "method": self.method,
            "seed": self.seed,
            "settings": self.settings,
            "parameters": self.parameters(),
            "fit": self.fit,
            "within_band": {
                "written": sum(bool(f["written"]["within"]) for f in self.fit),
                "calibrated": sum(bool(f["calibrated"]["within"]) for f in self.fit),
                "points": len(self.fit),
            },
            "distance": {
                "written": distance(
                    [f["written"]["mean"] for f in self.fit],
                    np.array([p.value for p in self.points]),
                    np.array([p.tolerance for p in self.points]),
                ),
                "calibrated": distance(
                    [f["calibrated"]["mean"] for f in self.fit],
                    np.array([p.value for p in self.points]),
                    np.array([p.tolerance for p in self.points]),
                ),
            },
            "generations": [g.as_dict() for g in post.generations],
            "simulations": post.simulations,
            "effective_sample_size": post.effective_size,
            "particles": [
                {
                    "values": dict(zip([p.path for p in self.priors], map(float, row), strict=True)),
                    "weight": float(w),
                    "distance": float(d),
                }
                for row, w, d in zip(post.theta, post.weights, post.distances, strict=True)
            ],
            "variant": {"name": self.variant_name, "set": self.variant_set},
            "daily": self.daily,
            "seconds": self.seconds,
            "notes": self.notes,
            "warnings": self.warnings,
        }

    def to_dict(self) -> dict[str, Any]:
        """The plain data of :meth:`as_dict` (the name every API result has)."""
        return self.as_dict()

    def to_dataframe(self) -> pd.DataFrame:
        """One row per parameter: prior interval, written value, posterior median and 90% interval."""
        columns = ["path", "prior", "prior_p5", "prior_p95", "written", "median", "p5", "p95", "narrowed_to"]
        return frame_of([{k: r[k] for k in columns} for r in self.parameters()], columns)

    def _repr_html_(self) -> str:
        rows = [("Scenario", self.scenario), ("Observed", self.observed_file), ("Method", self.method)]
        rows += [
            (
                r["path"],
                f"{_num(r['median'])} (90%: {_num(r['p5'])} to {_num(r['p95'])}; "
                f"written {_num(r['written'])})",
            )
            for r in self.parameters()
        ]
        return html_table("Calibration", rows, warnings_note(self.warnings))

    def variant_yaml(self) -> str:
        """The calibrated variant as a ``variants:`` block to paste into the scenario file."""
        import yaml

        rows = self.parameters()
        intervals = "; ".join(
            f"{r['path']} {_num(r['median'])} (90%: {_num(r['p5'])}-{_num(r['p95'])})" for r in rows
        )
        within = sum(bool(f["calibrated"]["within"]) for f in self.fit)
        description = (
            f"Fitted to {self.observed_file} ({len(self.points)} points, {within} within their band) "
            f"by {self.method.upper()}, seed {self.seed}: posterior medians. {intervals}."
        )
        block = {"variants": {self.variant_name: {"description": description, "set": dict(self.variant_set)}}}
        head = (
            f"# Written by `aftershock calibrate {self.scenario}` ({self.method}, seed {self.seed}).\n"
            "# Paste under the scenario's `variants:` and run it as "
            f"`aftershock simulate {self.scenario.partition(':')[0]}:{self.variant_name}`.\n"
        )
        # the posterior as estimates, for a scenario that should draw what the fit leaves open
        tail = ["# The posterior as estimates for `uncertainty:` (90% interval and median, as PERT):"]
        tail += [
            f"#   {r['path']}: {{dist: pert, low: {_num(r['p5'])}, mode: {_num(r['median'])}, "
            f"high: {_num(r['p95'])}}}"
            for r in rows
        ]
        body = yaml.safe_dump(block, sort_keys=False, allow_unicode=True, width=100)
        return head + body + "\n".join(tail) + "\n"


def _num(value: float) -> str:
    return f"{value:.4g}"


# -- the call ---------------------------------------------------------------------------------


def calibrate(
    ref: ScenarioRef,
    *,
    observed: str | Path | None = None,
    series: str | None = None,
    params: Sequence[str] | None = None,
    method: str = "abc-smc",
    particles: int = 200,
    alpha: float = 0.5,
    generations: int = 8,
    min_acceptance: float = 0.05,
    replications: int = 4,
    fit_replications: int = 40,
    seed: int = 0,
    overrides: Overrides = None,
    variant_name: str = "calibrated",
    executor: str | Executor | None = None,
    workers: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> CalibrationResult:
    """Fit ``params`` of the scenario to the ``observed`` timeline by approximate Bayesian
    computation (ABC-SMC, :mod:`aftershock.analysis.calibrate`).

    ``observed`` is a CSV or Parquet file of observed points (``date`` or ``day``, ``series``,
    ``value``, optional ``tolerance``; see :mod:`aftershock.io.observed`); by default the
    ``observed.csv`` next to the scenario file. ``params`` are ``path=low:high`` (a uniform
    prior) or paths of the scenario's ``uncertainty:`` (its estimate is the prior); by default
    every estimate there. Each particle is the scenario with those fields set (every other
    field at its written value), run ``replications`` times on the same random numbers from
    ``seed``; its distance is the root mean square of (simulated mean − observed) / tolerance.
    The posterior medians make the calibrated variant (``variant_name``), which runs
    ``fit_replications`` times next to the scenario as written, point by point.
    """
    started = time.perf_counter()
    if method not in METHODS:
        raise ParameterError("method", f"expected one of {', '.join(METHODS)}, got '{method}'")
    for name, value, low in (("particles", particles, 4), ("generations", generations, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= 100_000:
            raise ParameterError(name, f"expected a whole number from {low} to 100,000, got {value!r}")
    if not 0 < alpha < 1:
        raise ParameterError("alpha", f"expected a share between 0 and 1, got {alpha}")
    if not 0 <= min_acceptance < 1:
        raise ParameterError("min_acceptance", f"expected a share from 0 to 1, got {min_acceptance}")
    limits.check_replications(replications)
    limits.check_replications(fit_replications, "fit_replications")
    check_seed(seed)
    from aftershock.model.base import Id

    _check_id(variant_name, Id)
    loaded = load(ref, overrides)
    source, observed_path = _observed_path(loaded, observed)
    s = loaded.scenario
    points = read_observed(
        observed_path,
        start_date=s.start_date,
        horizon_days=s.horizon_days,
        n_stores=len(loaded.stores),
        series=series,
        source=source,
    )
    priors = priors_for(loaded, params)
    # the uncertain fields it does not fit run at their point values: say so in every output
    from aftershock.model.uncertainty import pin

    fitted = {p.path for p in priors}
    loaded = pin(
        loaded,
        [path for path in loaded.scenario.uncertainty if path not in fitted],
        "calibrate fits only its parameters and runs the others at their point values",
    )
    kept = max(2, math.floor(alpha * particles))
    most = particles + (generations if method == "abc-smc" else 0) * (particles - kept)
    check_work(loaded, replications * most + 2 * fit_replications, limits)
    names = tuple(dict.fromkeys(p.series for p in points))
    model = ParticleModel(_no_uncertainty(loaded), priors, names, replications, seed)
    obs_index = [(names.index(p.series), p.day) for p in points]
    y = np.array([p.value for p in points])
    tol = np.array([p.tolerance for p in points])
    done = [0]

    with executor_for(executor, workers) as ex:

        def simulate(theta: np.ndarray, _generation: int) -> tuple[np.ndarray, list[Any]]:
            means = _run_particles(model, theta, ex, done, most, on_progress)
            rho = np.array(
                [
                    math.inf if np.isnan(m).any() else distance([m[k, d] for k, d in obs_index], y, tol)
                    for m in means
                ]
            )
            return rho, list(means)

        from aftershock.analysis.calibrate import calibrate as abc

        try:
            posterior = abc(
                priors,
                simulate,
                method=method,
                particles=particles,
                alpha=alpha,
                max_generations=generations,
                min_acceptance=min_acceptance,
                seed=seed,
            )
        except ValueError as exc:
            raise ParameterError("particles", str(exc)) from None
        if not np.isfinite(posterior.distances).all():
            raise UsageError(
                "calibrate: too few parameter sets make a valid scenario to fit anything; narrow the "
                "--param ranges to values the scenario accepts together"
            )
        medians = posterior.medians()
        calibrated = with_values(loaded, dict(medians))
        from aftershock.api.simulate import simulate as run_simulation

        as_written = run_simulation(loaded, replications=fit_replications, seed=seed, executor=ex)
        fitted = run_simulation(calibrated, replications=fit_replications, seed=seed, executor=ex)
    n_stores = len(loaded.stores)
    fit = [_fit_row(p, as_written.dataset, fitted.dataset, n_stores) for p in points]
    daily = _daily(names, as_written.dataset, fitted.dataset, posterior, n_stores, s.start_date)
    written = {p.path: _value_at(loaded, p.path) for p in priors}
    notes = []
    base = _variant_base(loaded)
    if base:
        notes.append(
            f"calibrated from the variant {loaded.name}: the calibrated variant sets its values too "
            f"({', '.join(base)})"
        )
    last = posterior.generations[-1]
    if last.epsilon > 1.0:
        why = (
            f"after {generations} generations"
            if len(posterior.generations) > generations
            else f"when only {last.acceptance:.0%} of a generation's new sets got in"
        )
        notes.append(
            f"no parameter set put every point within its band ({why}); the {len(posterior.theta)} "
            f"closest stand in for the posterior, the farthest {last.epsilon:.2f} tolerances off a point: "
            "widen the --param ranges, fit other fields, or check the observed points"
        )
    result = CalibrationResult(
        scenario=loaded.name,
        observed_file=source,
        method=method,
        seed=seed,
        settings={
            "particles": particles,
            "kept": kept,
            "alpha": alpha,
            "generations": generations,
            "min_acceptance": min_acceptance,
            "replications": replications,
            "fit_replications": fit_replications,
        },
        priors=priors,
        posterior=posterior,
        points=points,
        fit=fit,
        daily=daily,
        variant_name=variant_name,
        medians=dict(medians),
        variant_set={**_variant_base(loaded), **medians},
        written_values=written,
        seconds=time.perf_counter() - started,
        warnings=warnings_data(loaded),
        start_date=None if s.start_date is None else s.start_date.isoformat(),
        notes=notes,
    )
    for row in result.parameters():
        if row["narrowed_to"] is not None and row["narrowed_to"] > VAGUE:
            notes.append(
                f"the observed points say little about {row['path']}: its posterior 90% interval is "
                f"{row['narrowed_to']:.0%} as wide as its prior's; the variant sets its median all the same "
                "(leave it out with --param to keep the written value)"
            )
    return result


def _variant_base(loaded: LoadedScenario) -> dict[str, Any]:
    """The values of the variant ``loaded`` was run as (``ocs-2022:spread``), which a variant
    calibrated from it must set too; none for the scenario itself."""
    _, _, name = loaded.name.partition(":")
    declared = loaded.scenario.variants.get(name) if name else None
    return dict(declared.set) if declared is not None else {}


def _check_id(name: str, id_type: Any) -> None:
    from pydantic import TypeAdapter, ValidationError

    try:
        TypeAdapter(id_type).validate_python(name)
    except ValidationError:
        raise ParameterError(
            "variant_name", f"expected a name of letters, digits, '-', '_' and '.', got '{name[:60]}'"
        ) from None


def _observed_path(loaded: LoadedScenario, observed: str | Path | None) -> tuple[str, Path]:
    """(name shown in messages, path) of the observed timeline."""
    if observed is not None:
        return Path(observed).name, Path(observed)
    if loaded.path is not None and (loaded.path.parent / OBSERVED_FILE).is_file():
        path = loaded.path.parent / OBSERVED_FILE
        return f"{loaded.path.parent.name}/{OBSERVED_FILE}", path
    raise ParameterError(
        "observed",
        f"give the observed timeline: a CSV with date, series, value and tolerance "
        f"(this scenario has no {OBSERVED_FILE} next to it)",
    )


def _no_uncertainty(loaded: LoadedScenario) -> LoadedScenario:
    """``loaded`` without ``uncertainty:``: particles set the calibrated fields, the rest keep
    their written values."""
    if not loaded.scenario.uncertainty:
        return loaded
    return replace(loaded, scenario=loaded.scenario.model_copy(update={"uncertainty": {}}))


def _value_at(loaded: LoadedScenario, path: str) -> float:
    from aftershock.model.uncertainty import resolve, scenario_data

    _, value = resolve(scenario_data(loaded.scenario), path)
    return float(value)


def _block(task: tuple[ParticleModel, np.ndarray]) -> np.ndarray:
    """One task on an executor: the model on a block of particles."""
    model, rows = task
    return model(rows)


def _run_particles(
    model: ParticleModel,
    theta: np.ndarray,
    executor: Executor,
    done: list[int],
    total: int,
    on_progress: Callable[[int, int], None] | None,
) -> np.ndarray:
    """(particles, series, days) for every row of ``theta``, in blocks on ``executor``."""
    n = len(theta)
    if isinstance(executor, InProcess):
        size = 1  # in process, progress ticks every particle
    else:
        workers = getattr(executor, "workers", None) or 2
        size = int(min(MAX_PARTICLES_PER_TASK, max(1, -(-n // (4 * workers)))))
    bounds = [(lo, min(lo + size, n)) for lo in range(0, n, size)]

    def tick(i: int) -> None:
        done[0] += bounds[i][1] - bounds[i][0]
        if on_progress is not None:
            on_progress(min(done[0], total), total)

    parts = executor.map(_block, [(model, theta[lo:hi]) for lo, hi in bounds], tick)
    return np.concatenate(parts, axis=0)


def _band(values: np.ndarray) -> dict[str, np.ndarray]:
    """Mean and 90% band over the first axis."""
    return {
        "mean": values.mean(axis=0),
        "p5": np.percentile(values, 5, axis=0),
        "p95": np.percentile(values, 95, axis=0),
    }


def _fit_row(point: ObservedPoint, written: Any, fitted: Any, n_stores: int) -> dict[str, Any]:
    """An observed point against the scenario as written and the calibrated variant."""
    row: dict[str, Any] = point.as_dict()
    for key, ds in (("written", written), ("calibrated", fitted)):
        values = engine_series(ds, point.series, n_stores)[:, point.day]
        mean = float(values.mean())
        row[key] = {
            "mean": mean,
            "p5": float(np.percentile(values, 5)),
            "p95": float(np.percentile(values, 95)),
            "z": (mean - point.value) / point.tolerance,
            "within": bool(abs(mean - point.value) <= point.tolerance),
        }
    return row


def _daily(
    names: Sequence[str],
    written: Any,
    fitted: Any,
    posterior: Posterior,
    n_stores: int,
    start_date: Any,
) -> dict[str, dict[str, Any]]:
    """Per observed series, per day: as written (mean, 90% band over replications), calibrated
    (the same) and the posterior band (5th-95th weighted percentile of the particles' means)."""
    days = int(written.sizes["day"])
    dates = (
        None if start_date is None else [(start_date + dt.timedelta(days=d)).isoformat() for d in range(days)]
    )
    means = np.stack(posterior.extras)  # (particles, series, days)
    out: dict[str, dict[str, Any]] = {}
    for k, name in enumerate(names):
        post = np.array(
            [weighted_quantile(means[:, k, d], posterior.weights, [0.05, 0.95]) for d in range(days)]
        )
        out[name] = {
            "label": OBSERVED_SERIES[name],
            "day": list(range(days)),
            "date": dates,
            "written": {k2: v.tolist() for k2, v in _band(engine_series(written, name, n_stores)).items()},
            "calibrated": {k2: v.tolist() for k2, v in _band(engine_series(fitted, name, n_stores)).items()},
            "posterior": {"p5": post[:, 0].tolist(), "p95": post[:, 1].tolist()},
        }
    return out


__all__ = [
    "OBSERVED_FILE",
    "CalibrationResult",
    "Generation",
    "ParticleModel",
    "calibrate",
    "engine_series",
    "parse_param",
    "priors_for",
    "with_values",
]
