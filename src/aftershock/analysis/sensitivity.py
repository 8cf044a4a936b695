"""Global sensitivity of a result to the scenario's uncertain inputs (SALib).

Which assumption drives the answer? Each parameter is a numeric field of the scenario (a key
path as ``--set`` takes it, ``incident.forensic_clearance_days``) with a range. The engine
is a function of those parameters; this module samples them, evaluates the function on an
executor and reads three answers off the evaluations:

- **Morris screening** (elementary effects): ``mu*``, the mean absolute change of the metric
  when one parameter moves, with its 95% interval, and ``sigma``, how much that change
  depends on the other parameters (interactions, non-linearity). Cheap; ranks many inputs.
- **Sobol indices** (Saltelli sampling, first order and total, no second order): ``S1``, the
  share of the metric's variance that one parameter explains alone, and ``ST``, its share
  with every interaction, each with a 95% bootstrap interval.
- **Tornado** (one at a time): the metric with one parameter at its low end, then its high
  end, every other parameter at the scenario's own value.

Parameters are sampled in the unit hypercube and mapped to values through each parameter's
quantile function (:meth:`Parameter.values`): uniform over a ``--param`` range, PERT or
lognormal for an estimate of the scenario's ``uncertainty:``. Whole-number fields (days,
crews, shifts) take whole values.

The function evaluated is pluggable (:data:`Model`, any picklable callable from a matrix of
parameter values to one number per row): :class:`EngineModel` runs the engine, and the test
suite runs :func:`ishigami`, whose indices are known, through the very same code path.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
from pydantic import ValidationError

from aftershock.errors import Problem, ScenarioError
from aftershock.model.checks import check_scenario
from aftershock.model.scenario import Scenario
from aftershock.model.stores import LoadedScenario
from aftershock.model.threats import Z90, Estimate
from aftershock.parallel.executors import Executor, InProcess

#: A model: parameter values, shape (n, k), to one metric value per row, shape (n,).
Model = Callable[[np.ndarray], np.ndarray]

Method = Literal["morris", "sobol", "both"]
METHODS: tuple[str, ...] = ("morris", "sobol", "both")

#: Levels of the Morris grid (SALib's default; each step moves a parameter 2/3 of its range).
MORRIS_LEVELS = 4
#: Bootstrap resamples behind each confidence interval.
BOOTSTRAP_RESAMPLES = 200
#: z of the two-sided 90% interval of a standard normal (a lognormal's 5th-95th percentile).
Z95 = 1.6448536269514722
#: Most rows evaluated by one task sent to an executor: a task is the unit of progress.
MAX_ROWS_PER_TASK = 16
#: Tasks a run aims for on a pool or cluster (enough to balance, few enough to ship cheaply).
TARGET_TASKS = 64


# -- parameters -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    """A scenario field varied over a range, and how its values are drawn there.

    ``point`` is the value the scenario holds (every other parameter's value in the tornado);
    ``low`` and ``high`` the ends of the range (the tornado's bars); ``shape`` how the range
    is filled: ``uniform``, ``pert`` (with ``mode``) or ``lognormal`` (``median``, ``sigma``,
    cut to the range). ``integer`` fields take whole values.
    """

    path: str
    low: float
    high: float
    point: float
    integer: bool = False
    shape: Literal["uniform", "pert", "lognormal"] = "uniform"
    mode: float | None = None
    median: float | None = None
    sigma: float | None = None
    #: where the range comes from: ``--param`` or ``uncertainty``
    source: str = "--param"
    #: the range in words, for the output ("low:high as given", "5th-95th percentile of ...")
    range_note: str = "low:high as given, uniform"
    #: the key path into the scenario's data (aliases, list indices as ints)
    keys: tuple[str | int, ...] = ()

    def values(self, u: np.ndarray) -> np.ndarray:
        """The values at unit coordinates ``u`` in [0, 1]: the quantile function of the shape.

        A whole-number field over a uniform range gives each whole value from low to high
        the same share of [0, 1]; other shapes round their quantile to the nearest whole number.
        """
        u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        lo, hi = self.low, self.high
        if self.shape == "uniform":
            if self.integer:
                count = round(hi - lo) + 1
                return np.minimum(lo + np.floor(u * count), hi)
            return lo + u * (hi - lo)
        if self.shape == "pert":
            from scipy.stats import beta

            mode = lo if self.mode is None else self.mode
            a = 1 + 4 * (mode - lo) / (hi - lo)
            b = 1 + 4 * (hi - mode) / (hi - lo)
            out = lo + (hi - lo) * beta.ppf(u, a, b)
        else:
            from scipy.stats import norm

            # cut to the 5th-95th percentile: u = 0 and 1 are the range's ends, not 0 and infinity
            z = norm.ppf(0.05 + 0.9 * u)
            out = np.clip(float(self.median) * np.exp(float(self.sigma) * z), lo, hi)  # type: ignore[arg-type]
        return np.rint(out) if self.integer else out

    def as_dict(self) -> dict[str, Any]:
        """The parameter as plain data (JSON)."""
        return {
            "path": self.path,
            "low": self.low,
            "high": self.high,
            "point": self.point,
            "whole_numbers": self.integer,
            "shape": self.shape,
            "source": self.source,
            "range": self.range_note,
        }


class PathProblem(ValueError):
    """A parameter path that cannot be varied: missing, not a number, or not simulated."""


def resolve(data: dict[str, Any], path: str) -> tuple[tuple[str | int, ...], float, bool]:
    """(where in the scenario's data, value, whole number?) of the field at ``path``.

    The same fields as an uncertain field of ``uncertainty:`` (``model/uncertainty.py``), with
    the same messages: numbers of the incident, plan, behaviour and demand, the attack paths'
    probability and delay, the backup DCs' share, lead time and switch-over. Raises
    :class:`PathProblem` for a path that does not exist, holds no number or may not vary.
    """
    from aftershock.model.uncertainty import parameter

    try:
        found = parameter(data, path, _ANY_ESTIMATE)
    except ValueError as exc:
        raise PathProblem(str(exc).replace("be uncertain", "be varied")) from None
    return found.loc, found.point, found.integer


#: Stands in for the estimate when only the field of a path is wanted.
_ANY_ESTIMATE = Estimate(dist="point", value=0.0)


def parse_param(text: str) -> tuple[str, float, float]:
    """``path=low:high`` as (path, low, high); :class:`PathProblem` says what was expected."""
    path, sep, rng = text.partition("=")
    low_text, colon, high_text = rng.partition(":")
    if not sep or not colon or not path.strip():
        raise PathProblem(
            f"expected path=low:high (e.g. incident.forensic_clearance_days=3:10), got '{text}'"
        )
    try:
        low, high = float(low_text), float(high_text)
    except ValueError:
        raise PathProblem(f"expected numbers for low and high in path=low:high, got '{text}'") from None
    if not (math.isfinite(low) and math.isfinite(high)):
        raise PathProblem(f"expected finite numbers for low and high, got '{text}'")
    return path.strip(), low, high


def given_parameter(data: dict[str, Any], path: str, low: float, high: float) -> Parameter:
    """A ``--param`` range on a field of the scenario's ``data``, checked: it exists, holds a
    number, low < high, whole numbers on a whole-number field."""
    keys, point, integer = resolve(data, path)
    if low > high:
        raise PathProblem(f"low ({low:g}) must be <= high ({high:g})")
    if low == high:
        raise PathProblem(f"low and high are both {low:g}: nothing to vary (use --set to fix a value)")
    if integer and not (low.is_integer() and high.is_integer()):
        raise PathProblem(f"'{path}' takes whole numbers; expected whole low and high, got {low:g}:{high:g}")
    return Parameter(path=path, low=low, high=high, point=point, integer=integer, keys=keys)


def estimate_parameter(data: dict[str, Any], path: str, estimate: Estimate) -> Parameter | None:
    """The parameter of an estimate of ``uncertainty:``; ``None`` for a point estimate (nothing to vary).

    Uniform and PERT estimates vary over their bounds (PERT values near the mode more often);
    a lognormal over its 5th-95th percentile.
    """
    keys, point, integer = resolve(data, path)
    base = {"path": path, "point": point, "integer": integer, "source": "uncertainty", "keys": keys}
    if estimate.dist == "point":
        return None
    if estimate.dist == "uniform":
        low, high = float(estimate.low), float(estimate.high)  # type: ignore[arg-type]
        shape, note, extra = "uniform", "bounds of the uniform estimate", {}
    elif estimate.dist == "pert":
        low, high = float(estimate.low), float(estimate.high)  # type: ignore[arg-type]
        shape, note = "pert", "bounds of the PERT estimate (values near the mode more often)"
        extra = {"mode": float(estimate.mode)}  # type: ignore[arg-type]
    else:
        median = float(estimate.median)  # type: ignore[arg-type]
        sigma = (math.log(float(estimate.p90)) - math.log(median)) / Z90  # type: ignore[arg-type]
        low, high = median * math.exp(-Z95 * sigma), median * math.exp(Z95 * sigma)
        shape, note = "lognormal", "5th-95th percentile of the lognormal estimate"
        extra = {"median": median, "sigma": sigma}
    if integer:
        low, high = float(round(low)), float(round(high))
    if not high > low:
        return None
    return Parameter(low=low, high=high, shape=shape, range_note=note, **base, **extra)  # type: ignore[arg-type]


# -- the engine as a model --------------------------------------------------------------------


@dataclass
class EngineModel:
    """The engine as a function of parameter values: each row a scenario, run ``replications``
    times from ``seed`` (the same random numbers for every row), reduced to the mean of ``metric``.

    Picklable: it travels to process-pool and Dask workers as it is. The scenario's own
    ``uncertainty:`` is not drawn here: every field not varied keeps its written value.
    """

    loaded: LoadedScenario
    parameters: tuple[Parameter, ...]
    metric: str = "lost_sales_units"
    replications: int = 4
    seed: int = 0
    _data: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        from aftershock.model.uncertainty import scenario_data

        self._data = scenario_data(self.loaded.scenario)

    def variant(self, values: Sequence[float]) -> LoadedScenario:
        """The scenario with each parameter set to its value, validated and cross-checked.

        Raises :class:`~aftershock.errors.ScenarioError` naming the fields and values that
        make it invalid.
        """
        data = copy.deepcopy(self._data)
        for p, v in zip(self.parameters, values, strict=True):
            node: Any = data
            for key in p.keys[:-1]:
                node = node[key]
            node[p.keys[-1]] = round(float(v)) if p.integer else float(v)
        setting = ", ".join(
            f"{p.path}={_num(v, p.integer)}" for p, v in zip(self.parameters, values, strict=True)
        )
        try:
            scenario = Scenario.model_validate(data)
        except ValidationError as exc:
            from aftershock.io.validation_errors import problems_from_validation

            problems = problems_from_validation(exc, "--param", {}, Scenario)
            raise ScenarioError.from_problems(
                [replace(p, message=f"{p.message} (at {setting})") for p in problems]
            ) from None
        findings = check_scenario(scenario, self.loaded.stores)
        if findings:
            from aftershock.io.yaml_lines import dotted

            raise ScenarioError.from_problems(
                [Problem("--param", f"{m} (at {setting})", field=dotted(loc)) for loc, m in findings]
            )
        return replace(self.loaded, scenario=scenario, warnings=())

    def __call__(self, X: np.ndarray) -> np.ndarray:
        from aftershock.sim import build_inputs, per_replication
        from aftershock.sim.runner import run

        out = np.empty(len(X))
        for i, row in enumerate(np.atleast_2d(X)):
            variant = self.variant(row)
            raw = run(build_inputs(variant), self.replications, self.seed)
            first = raw["first_compromise_day"]
            day = variant.scenario.incident.compromise.day
            values = per_replication(raw, np.where(np.isfinite(first), first, day))[self.metric]
            # a day not reached within the horizon counts as the horizon
            out[i] = float(np.where(np.isfinite(values), values, variant.scenario.horizon_days).mean())
        return out


def _num(value: float, integer: bool) -> str:
    return f"{round(value)}" if integer else f"{value:.6g}"


def check_ranges(model: EngineModel) -> None:
    """Every parameter at its low and at its high end (the others at their values) makes a valid
    scenario; else a :class:`PathProblem` naming the parameter, the end and the problem."""
    points = [p.point for p in model.parameters]
    for i, p in enumerate(model.parameters):
        for end in (p.low, p.high):
            row = list(points)
            row[i] = end
            try:
                model.variant(row)
            except ScenarioError as exc:
                first = exc.problems[0] if exc.problems else None
                reason = first.message.split(" (at ")[0] if first is not None else str(exc)
                raise PathProblem(f"'{p.path}' at {_num(end, p.integer)}: {reason}") from None


# -- a function with known indices ------------------------------------------------------------


def ishigami(X: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """The Ishigami function on x1, x2, x3 uniform over [-pi, pi]: sin x1 + a sin² x2 + b x3⁴ sin x1.

    With a = 7, b = 0.1 its Sobol indices are known: S1 = (0.314, 0.442, 0), ST = (0.558,
    0.442, 0.244). The tests run it through :func:`analyse` in place of the engine.
    """
    X = np.atleast_2d(X)
    return np.sin(X[:, 0]) + a * np.sin(X[:, 1]) ** 2 + b * X[:, 2] ** 4 * np.sin(X[:, 0])


# -- the analysis -----------------------------------------------------------------------------


def evaluations(k: int, method: str, samples: int, trajectories: int) -> int:
    """Rows an analysis of ``k`` parameters evaluates at most (before identical rows are merged)."""
    n = 2 * k + 1  # tornado: every parameter at both ends, and the point
    if method in ("morris", "both"):
        n += trajectories * (k + 1)
    if method in ("sobol", "both"):
        n += samples * (k + 2)
    return n


def _evaluate(task: tuple[Model, np.ndarray]) -> np.ndarray:
    """One task on an executor: the model on a block of rows."""
    model, rows = task
    return np.asarray(model(rows), dtype=float).reshape(len(rows))


def _unit_problem(k: int) -> dict[str, Any]:
    return {"num_vars": k, "names": [f"x{i}" for i in range(k)], "bounds": [[0.0, 1.0]] * k}


def analyse(
    model: Model,
    parameters: Sequence[Parameter],
    *,
    method: str = "both",
    samples: int = 32,
    trajectories: int = 10,
    seed: int = 0,
    executor: Executor | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Morris screening and/or Sobol indices (with 95% intervals), and the tornado, of ``model``.

    ``samples`` is the Sobol base sample (a power of two: ``samples × (k + 2)`` rows);
    ``trajectories`` the Morris trajectories (``trajectories × (k + 1)`` rows). Rows run on
    ``executor`` in blocks; identical rows (whole-number fields repeat values) run once.
    Returns plain data: ``parameters``, ``baseline``, ``ranking`` (one row per parameter, the
    most influential first: by ST, else by mu*), ``evaluations`` and ``notes``.
    """
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    params = list(parameters)
    k = len(params)
    problem = _unit_problem(k)
    points = np.array([p.point for p in params], dtype=float)
    # the tornado: the point, then each parameter at its low and high end
    tornado = [points]
    for i, p in enumerate(params):
        for end in (p.low, p.high):
            row = points.copy()
            row[i] = end
            tornado.append(row)
    blocks: dict[str, np.ndarray] = {"tornado": np.array(tornado)}
    unit: dict[str, np.ndarray] = {}
    if method in ("morris", "both"):
        unit["morris"] = morris_sample.sample(problem, trajectories, num_levels=MORRIS_LEVELS, seed=seed)
    if method in ("sobol", "both"):
        unit["sobol"] = sobol_sample.sample(problem, samples, calc_second_order=False, seed=seed)
    for name, u in unit.items():
        blocks[name] = np.column_stack([p.values(u[:, i]) for i, p in enumerate(params)])
    every = np.vstack(list(blocks.values()))
    rows, inverse = np.unique(every, axis=0, return_inverse=True)
    y_rows = _run(model, rows, executor, on_progress)
    y = y_rows[np.ravel(inverse)]
    out: dict[str, Any] = {}
    start = 0
    for name, block in blocks.items():
        out[name] = y[start : start + len(block)]
        start += len(block)

    ranking = [{"path": p.path} for p in params]
    notes: list[str] = []
    base = float(out["tornado"][0])
    for i, r in enumerate(ranking):
        low, high = float(out["tornado"][1 + 2 * i]), float(out["tornado"][2 + 2 * i])
        r["tornado"] = {"low": low, "high": high, "swing": abs(high - low)}
    spread = float(np.ptp(y)) if y.size else 0.0
    flat = spread <= 1e-12 * max(1.0, float(np.abs(y).max(initial=0.0)))
    if flat:
        notes.append("The metric is the same in every evaluation: no parameter moves it over these ranges.")
    if "morris" in unit:
        m = _morris(problem, unit["morris"], out["morris"], flat, seed)
        for i, r in enumerate(ranking):
            r["morris"] = {key: float(m[key][i]) for key in ("mu_star", "mu_star_conf", "mu", "sigma")}
    if "sobol" in unit:
        s = _sobol(problem, out["sobol"], flat, seed)
        for i, r in enumerate(ranking):
            r["sobol"] = {key: float(s[key][i]) for key in ("S1", "S1_conf", "ST", "ST_conf")}

    def key(r: dict[str, Any]) -> tuple[float, float]:
        main = r["sobol"]["ST"] if "sobol" in r else r.get("morris", {}).get("mu_star", 0.0)
        return (-main, -r["tornado"]["swing"])

    ranking.sort(key=key)
    for rank, r in enumerate(ranking, start=1):
        r["rank"] = rank
    by_path = {p.path: p for p in params}
    return {
        "parameters": [by_path[r["path"]].as_dict() for r in ranking],
        "baseline": base,
        "ranking": ranking,
        "method": method,
        "samples": samples if "sobol" in unit else None,
        "trajectories": trajectories if "morris" in unit else None,
        "evaluations": {
            **{name: len(block) for name, block in blocks.items()},
            "distinct": len(rows),
        },
        "notes": notes,
    }


def _run(
    model: Model,
    rows: np.ndarray,
    executor: Executor | None,
    on_progress: Callable[[int, int], None] | None,
) -> np.ndarray:
    """The model on every row, in blocks on ``executor``; ``on_progress(rows done, rows)``."""
    n = len(rows)
    if executor is None or isinstance(executor, InProcess):
        size = 1  # in process, progress ticks every row
    else:
        size = int(min(MAX_ROWS_PER_TASK, max(1, -(-n // TARGET_TASKS))))
    bounds = [(lo, min(lo + size, n)) for lo in range(0, n, size)]
    done = 0

    def tick(i: int) -> None:
        nonlocal done
        done += bounds[i][1] - bounds[i][0]
        if on_progress is not None:
            on_progress(done, n)

    ex = executor or InProcess()
    parts = ex.map(_evaluate, [(model, rows[lo:hi]) for lo, hi in bounds], tick)
    y = np.concatenate(parts) if parts else np.zeros(0)
    if not np.isfinite(y).all():
        raise ValueError("the model returned a value that is not a finite number")
    return y


def _morris(
    problem: dict[str, Any], X: np.ndarray, Y: np.ndarray, flat: bool, seed: int
) -> dict[str, np.ndarray]:
    k = problem["num_vars"]
    if flat:
        zero = np.zeros(k)
        return {"mu_star": zero, "mu_star_conf": zero, "mu": zero, "sigma": zero}
    from SALib.analyze import morris

    return morris.analyze(
        problem,
        X,
        Y,
        num_resamples=BOOTSTRAP_RESAMPLES,
        conf_level=0.95,
        num_levels=MORRIS_LEVELS,
        seed=_bootstrap_seed(seed),
    )


def _sobol(problem: dict[str, Any], Y: np.ndarray, flat: bool, seed: int) -> dict[str, np.ndarray]:
    k = problem["num_vars"]
    if flat:
        zero = np.zeros(k)
        return {"S1": zero, "S1_conf": zero, "ST": zero, "ST_conf": zero}
    from SALib.analyze import sobol

    return sobol.analyze(
        problem,
        Y,
        calc_second_order=False,
        num_resamples=BOOTSTRAP_RESAMPLES,
        conf_level=0.95,
        seed=_bootstrap_seed(seed),
    )


def _bootstrap_seed(seed: int) -> int:
    """The seed of the bootstrap intervals: never 0, which SALib's Sobol analysis takes as "no seed"."""
    return seed + 1
