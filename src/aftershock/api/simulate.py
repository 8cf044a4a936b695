"""Simulation: one scenario day by day over many replications, in memory or stored."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from aftershock.api.results import frame_of, html_table, warnings_note
from aftershock.api.runs import check_seed, check_work, executor_for
from aftershock.api.scenarios import Overrides, ScenarioRef, StoresTable, load, warnings_data
from aftershock.api.what_if import override_strings
from aftershock.errors import ParameterError, Problem, ScenarioError
from aftershock.formatting import fmt
from aftershock.formatting import label as metric_label
from aftershock.limits import DEFAULT as DEFAULT_LIMITS
from aftershock.limits import Limits
from aftershock.model import LoadedScenario
from aftershock.model.uncertainty import DrawnSets, draw_sets, uncertainty_line
from aftershock.parallel import Executor
from aftershock.runstore import RunStore
from aftershock.sim import build_inputs
from aftershock.sim import run as run_sim
from aftershock.sim.result import Result, add_parameter_draws, build_result, result_labels

if TYPE_CHECKING:
    import pandas as pd


class SimulationResult(Result):
    """A simulation (:func:`aftershock.api.simulate`): the daily dataset and the summary."""

    def to_dataframe(self, table: str = "daily") -> pd.DataFrame:
        """``daily``: every chain-wide daily series in long form (replication, day, date when
        the scenario has a start date, variable, value); ``metrics``: one row per metric with
        its label, unit, mean, p5, p50 and p95 over replications."""
        import pandas as pd

        if table == "metrics":
            rows = [
                {
                    "metric": name,
                    "label": metric_label(name),
                    "unit": m.get("unit"),
                    **{s: m.get(s) for s in ("mean", "p5", "p50", "p95")},
                }
                for name, m in self.summary["metrics"].items()
            ]
            return frame_of(rows, ["metric", "label", "unit", "mean", "p5", "p50", "p95"])
        if table != "daily":
            raise ValueError(f"table: expected daily or metrics, got '{table}'")
        ds = self.dataset
        names = [v for v in ds.data_vars if ds[v].dims == ("replication", "day")]
        frame = ds[names].to_dataframe().reset_index()
        keep = ["replication", "day"] + (["date"] if "date" in frame.columns else [])
        frame = frame[keep + names]
        out = frame.melt(id_vars=keep, value_vars=names, var_name="variable", value_name="value")
        return pd.DataFrame(out)

    def _repr_html_(self) -> str:
        s = self.summary
        rows = [("Scenario", str(s.get("scenario"))), ("Replications", f"{s.get('replications', 0):,}")]
        for name, m in s["metrics"].items():
            rows.append(
                (
                    metric_label(name),
                    f"{fmt(name, m['mean'])} (90%: {fmt(name, m.get('p5'))} to {fmt(name, m.get('p95'))})",
                )
            )
        return html_table("Simulation, means over replications", rows, warnings_note(s.get("warnings")))


def simulation_result(result: Result) -> SimulationResult:
    """``result`` as a :class:`SimulationResult` (the same dataset and summary objects)."""
    return SimulationResult(dataset=result.dataset, summary=result.summary)


def simulate(
    ref: ScenarioRef,
    *,
    replications: int = 100,
    seed: int = 0,
    overrides: Overrides = None,
    keep_store_days: bool = False,
    chunk: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    executor: str | Executor | None = None,
    workers: int | None = None,
    limits: Limits = DEFAULT_LIMITS,
    parameter_draws: int | None = None,
    stores: StoresTable | None = None,
) -> SimulationResult:
    """Simulate the scenario day by day over ``replications`` replications.

    Returns a :class:`SimulationResult` (a :class:`~aftershock.sim.result.Result`): an
    xarray Dataset with dims ``replication, day`` (and ``store, item`` with
    ``keep_store_days``) and a summary of
    named metrics, each with mean, p5, p50 and p95. The same seed gives the same result
    whatever ``chunk`` (replications per chunk) is, on every executor: ``None`` (in
    process), ``"processes"``, ``"dask://local"`` or ``"dask://host:port"``.

    A scenario with ``uncertainty:`` draws ``parameter_draws`` parameter sets (default: one
    per two replications) and splits the replications evenly over them; the summary then
    tells, for each metric, the share of its variance due to the parameters and its interval
    from the parameters alone (:func:`aftershock.sim.result.add_parameter_draws`).
    """
    limits.check_replications(replications)
    check_seed(seed)
    if chunk is not None and chunk <= 0:
        raise ParameterError("chunk", f"expected a whole number >= 1, got {chunk}")
    loaded = load(ref, overrides, stores=stores)
    check_parameter_draws(loaded, replications, parameter_draws)
    check_work(loaded, replications, limits)
    if loaded.scenario.uncertainty:
        return simulation_result(
            _simulate_sets(
                loaded,
                replications,
                seed,
                parameter_draws,
                keep_store_days=keep_store_days,
                chunk=chunk,
                on_progress=on_progress,
                executor=executor,
                workers=workers,
            )
        )
    inputs = build_inputs(loaded)
    with executor_for(executor, workers) as ex:
        raw = run_sim(
            inputs,
            replications,
            seed,
            keep_store_days=keep_store_days,
            chunk=chunk,
            on_progress=on_progress,
            executor=ex,
        )
    result = build_result(raw, seed=seed, warnings=warnings_data(loaded), **result_labels(loaded, inputs))
    return simulation_result(result)


def check_parameter_draws(loaded: LoadedScenario, replications: int, draws: int | None) -> None:
    """Refuse a number of parameter sets that cannot be run: not 1 .. replications, or given for
    a scenario without ``uncertainty:`` (it would change nothing)."""
    if draws is None:
        return
    if not loaded.scenario.uncertainty:
        raise ParameterError(
            "parameter_draws",
            "the scenario has no uncertainty: block, so there are no parameters to draw",
        )
    if isinstance(draws, bool) or not isinstance(draws, int) or not 1 <= draws <= replications:
        raise ParameterError(
            "parameter_draws",
            f"expected a whole number from 1 to the replications ({replications}), got {draws}",
        )


def _simulate_sets(
    loaded: LoadedScenario,
    replications: int,
    seed: int,
    draws: int | None,
    *,
    keep_store_days: bool,
    chunk: int | None,
    on_progress: Callable[[int, int], None] | None,
    executor: str | Executor | None,
    workers: int | None,
) -> Result:
    """The simulation of a scenario with ``uncertainty:``: each drawn parameter set on its share
    of the replications, as one result."""
    from aftershock.sim.draws import run_sets

    sets = _draw_or_fail(loaded, replications, seed, draws)
    base = build_inputs(loaded)
    with executor_for(executor, workers) as ex:
        raw = run_sets(
            base,
            sets.scenarios,
            sets.sizes,
            seed,
            keep_store_days=keep_store_days,
            chunk=chunk,
            on_progress=on_progress,
            executor=ex,
        )
    result = build_result(raw, seed=seed, warnings=warnings_data(loaded), **result_labels(loaded, base))
    described = [
        {
            "path": p.path,
            "estimate": p.estimate.model_dump(exclude_none=True),
            "describe": p.describe(),
            "point": p.point,
            "integer": p.integer,
        }
        for p in sets.params
    ]
    add_parameter_draws(result, sets.draw_of_replication, sets.values, described)
    return result


def _draw_or_fail(loaded: LoadedScenario, replications: int, seed: int, draws: int | None) -> DrawnSets:
    """The parameter sets, or a :class:`ScenarioError` naming the draw that is not a valid scenario."""
    try:
        return draw_sets(loaded, replications, seed, draws)
    except ValueError as exc:
        source = loaded.path.name if loaded.path is not None else loaded.name
        problem = Problem(source, str(exc), line=uncertainty_line(loaded), field="uncertainty")
        raise ScenarioError.from_problems([problem]) from None


def open_store(db: str | None = None) -> RunStore:
    """The run store at ``db`` (URL or SQLite path; default ``$AFTERSHOCK_DB``, else the user data folder)."""
    return RunStore(db)


def simulate_and_save(
    ref: ScenarioRef,
    *,
    db: str | RunStore | None = None,
    replications: int = 100,
    seed: int = 0,
    overrides: Overrides = None,
    executor: str | None = None,
    workers: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    run_id: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    parameter_draws: int | None = None,
) -> tuple[str, Result]:
    """Simulate and store the run; a failure or interrupt marks it failed, never done.

    With ``run_id``, the already queued run is executed (the web worker's path).
    """
    limits.check_replications(replications)
    store = db if isinstance(db, RunStore) else RunStore(db)
    loaded = load(ref, overrides)
    check_parameter_draws(loaded, replications, parameter_draws)
    check_work(loaded, replications, limits)
    if loaded.scenario.uncertainty:
        _draw_or_fail(loaded, replications, seed, parameter_draws)  # before the run is recorded
    if run_id is None:
        scenario_id = store.add_scenario(loaded, "bundled" if _is_bundled(loaded) else "file")
        params = {"replications": replications, "overrides": override_strings(overrides)}
        if loaded.variant is not None:
            params["variant"] = loaded.variant
        if parameter_draws is not None:
            params["parameter_draws"] = parameter_draws
        run_id = store.create_run(scenario_id, params, seed, executor or "in-process")
    store.start_run(run_id)
    last = [0.0]

    def tick(done: int, total: int) -> None:
        share = done / max(total, 1)
        if share - last[0] >= 0.05 or done == total:
            last[0] = share
            store.set_progress(run_id, share)
        if on_progress is not None:
            on_progress(done, total)

    try:
        result = simulate(
            loaded,
            replications=replications,
            seed=seed,
            executor=executor,
            workers=workers,
            on_progress=tick,
            limits=limits,
            parameter_draws=parameter_draws,
        )
        store.complete_run(run_id, result)
    except KeyboardInterrupt:
        store.end_run(run_id, "cancelled", "interrupted (Ctrl-C)")
        raise
    except BaseException as exc:
        store.fail_run(run_id, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
        raise
    return run_id, result


def _is_bundled(loaded: LoadedScenario) -> bool:
    from aftershock.io.bundled import bundled_root

    return loaded.path is not None and bundled_root() in loaded.path.parents
