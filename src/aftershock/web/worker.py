"""Runs execute in worker processes, never in the event loop, so the API stays responsive."""

from __future__ import annotations

import multiprocessing
import tempfile
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from aftershock.errors import AftershockError


def execute_run(db: str, run_id: str, scenario_id: str, params: dict[str, Any], seed: int) -> str:
    """Worker-process entry: materialise the stored scenario, simulate, store the result."""
    from aftershock import api
    from aftershock.store import RunStore

    store = RunStore(db, recover=False)
    try:
        with tempfile.TemporaryDirectory(prefix="aftershock-run-") as folder:
            path = store.scenario_files(scenario_id, Path(folder))
            api.simulate_and_save(
                path,
                db=store,
                replications=int(params.get("replications", 100)),
                seed=seed,
                overrides=list(params.get("overrides", [])),
                run_id=run_id,
            )
    except Exception as exc:  # recorded on the run; the pool keeps going
        if store.get_run(run_id)["status"] != "failed":
            store.fail_run(run_id, f"{type(exc).__name__}: {exc}")
        return "failed"
    finally:
        store.close()
    return "done"


def error_data(exc: AftershockError) -> dict[str, Any]:
    """An input error as data for the parent process: its problems would not survive pickling."""
    return {
        "error": {
            "kind": type(exc).__name__,
            "message": str(exc),
            "problems": [p.as_dict() for p in exc.problems],
        }
    }


def plan_job(paths: tuple[str, str, str], options: dict[str, Any]) -> dict[str, Any]:
    """Worker-process entry for ``POST /api/plan``: the operational plan of three tables."""
    from aftershock import api

    try:
        result = api.plan(*paths, **options)
    except AftershockError as exc:
        return error_data(exc)
    return {"result": result.as_dict()}


def _plain(value: Any) -> Any:
    """NumPy scalars and arrays as JSON-ready Python values."""
    import numpy as np

    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    return value


def optimize_job(db: str, scenario_id: str, options: dict[str, Any]) -> dict[str, Any]:
    """Worker-process entry for ``POST /api/scenarios/{ref}/optimize``: plan, replay, promise."""
    from aftershock import api
    from aftershock.store import RunStore

    store = RunStore(db, recover=False)
    try:
        with tempfile.TemporaryDirectory(prefix="aftershock-optimize-") as folder:
            path = store.scenario_files(scenario_id, Path(folder))
            result = api.optimize(path, **options)
    except AftershockError as exc:
        return error_data(exc)
    finally:
        store.close()
    out = result.as_dict()
    out["dispatch"] = result.dispatch.to_dict(orient="records")
    return {"result": _plain(out)}


class RunQueue:
    """A pool of worker processes fed with queued runs."""

    def __init__(self, db: str, workers: int) -> None:
        self.db = db
        self._pool = ProcessPoolExecutor(max(1, workers), mp_context=multiprocessing.get_context("spawn"))
        self.futures: dict[str, Future[str]] = {}

    def submit(self, run_id: str, scenario_id: str, params: dict[str, Any], seed: int) -> None:
        """Queue a stored run."""
        self.futures[run_id] = self._pool.submit(execute_run, self.db, run_id, scenario_id, params, seed)

    def call(self, fn: Any, *args: Any) -> Future[Any]:
        """Run a short job (a picklable function) in the worker processes."""
        return self._pool.submit(fn, *args)

    def close(self) -> None:
        """Stop accepting work; running jobs are cancelled with the processes."""
        self._pool.shutdown(wait=False, cancel_futures=True)
