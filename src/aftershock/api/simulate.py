"""Simulation: one scenario day by day over many replications, in memory or stored."""

from __future__ import annotations

from collections.abc import Callable

from aftershock.api.runs import check_seed, check_work, executor_for
from aftershock.api.scenarios import ScenarioRef, load, warnings_data
from aftershock.errors import ParameterError
from aftershock.limits import DEFAULT as DEFAULT_LIMITS
from aftershock.limits import Limits
from aftershock.model import LoadedScenario
from aftershock.parallel import Executor
from aftershock.runstore import RunStore
from aftershock.sim import build_inputs
from aftershock.sim import run as run_sim
from aftershock.sim.result import Result, build_result, result_labels


def simulate(
    ref: ScenarioRef,
    *,
    replications: int = 100,
    seed: int = 0,
    overrides: list[str] | None = None,
    keep_store_days: bool = False,
    chunk: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    executor: str | Executor | None = None,
    workers: int | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Result:
    """Simulate the scenario day by day over ``replications`` replications.

    Returns a :class:`~aftershock.sim.result.Result`: an xarray Dataset with dims
    ``replication, day`` (and ``store, item`` with ``keep_store_days``) and a summary of
    named metrics, each with mean, p5, p50 and p95. The same seed gives the same result
    whatever ``chunk`` (replications per chunk) is, on every executor: ``None`` (in
    process), ``"processes"``, ``"dask://local"`` or ``"dask://host:port"``.
    """
    limits.check_replications(replications)
    check_seed(seed)
    if chunk is not None and chunk <= 0:
        raise ParameterError("chunk", f"expected a whole number >= 1, got {chunk}")
    loaded = load(ref, overrides)
    check_work(loaded, replications, limits)
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
    return build_result(raw, seed=seed, warnings=warnings_data(loaded), **result_labels(loaded, inputs))


def open_store(db: str | None = None) -> RunStore:
    """The run store at ``db`` (URL or SQLite path; default ``$AFTERSHOCK_DB``, else the user data folder)."""
    return RunStore(db)


def simulate_and_save(
    ref: ScenarioRef,
    *,
    db: str | RunStore | None = None,
    replications: int = 100,
    seed: int = 0,
    overrides: list[str] | None = None,
    executor: str | None = None,
    workers: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    run_id: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[str, Result]:
    """Simulate and store the run; a failure or interrupt marks it failed, never done.

    With ``run_id``, the already queued run is executed (the web worker's path).
    """
    limits.check_replications(replications)
    store = db if isinstance(db, RunStore) else RunStore(db)
    loaded = load(ref, overrides)
    check_work(loaded, replications, limits)
    if run_id is None:
        scenario_id = store.add_scenario(loaded, "bundled" if _is_bundled(loaded) else "file")
        params = {"replications": replications, "overrides": list(overrides or [])}
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
