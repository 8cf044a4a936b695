"""Same seed, same result on every executor: in process, a process pool, a real Dask LocalCluster."""

from __future__ import annotations

import time

import numpy as np
import pytest

from aftershock import api
from aftershock.errors import UsageError
from aftershock.parallel import DaskExecutor, executor_from_spec

SERIES = ("sales_units", "lost_units", "backlog_units", "shipped_units", "stores_closed")


@pytest.fixture(scope="module")
def reference():
    return api.simulate("ocs-2022", replications=6, seed=13, overrides=["horizon_days=21"])


def assert_same(a, b) -> None:
    for name in SERIES:
        assert np.array_equal(a.dataset[name].values, b.dataset[name].values), name


@pytest.mark.slow
def test_process_pool_matches_in_process(reference) -> None:
    other = api.simulate(
        "ocs-2022", replications=6, seed=13, overrides=["horizon_days=21"], executor="processes", workers=2
    )
    assert_same(reference, other)


@pytest.mark.slow
def test_dask_local_cluster_with_two_workers_matches_in_process(reference) -> None:
    ex = executor_from_spec("dask://local", workers=2)
    try:
        assert isinstance(ex, DaskExecutor)
        assert len(ex.client.scheduler_info()["workers"]) == 2
        other = api.simulate("ocs-2022", replications=6, seed=13, overrides=["horizon_days=21"], executor=ex)
        chunked = api.simulate(
            "ocs-2022", replications=6, seed=13, overrides=["horizon_days=21"], executor=ex, chunk=1
        )
    finally:
        ex.close()
    assert_same(reference, other)
    assert_same(reference, chunked)


@pytest.mark.slow
def test_unreachable_scheduler_fails_fast_with_the_url() -> None:
    started = time.monotonic()
    with pytest.raises(
        UsageError, match=r"cannot reach the Dask scheduler at tcp://127.0.0.1:1 .*dask://local"
    ):
        executor_from_spec("dask://127.0.0.1:1")
    assert time.monotonic() - started < 30


def test_unknown_executor_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match=r"^executor: expected"):
        executor_from_spec("threads")
    with pytest.raises(UsageError, match=r"^workers: expected"):
        executor_from_spec("processes", workers=0)


@pytest.mark.slow
def test_compare_on_a_process_pool_gives_the_in_process_grid() -> None:
    grid = {
        "policies": ["fifo", "lowest-cover-first"],
        "caps": [None, "75%"],
        "surges": [0, 1],
        "replications": 4,
        "seed": 2,
        "overrides": ["horizon_days=24"],
    }
    here = api.compare("ocs-2022", **grid)
    pooled = api.compare("ocs-2022", **grid, executor="processes", workers=2)
    assert [r.label() for r in here] == [r.label() for r in pooled]
    assert [r.metrics for r in here] == [r.metrics for r in pooled]
    assert [r.is_pareto for r in here] == [r.is_pareto for r in pooled]


def _fails_with_an_unpicklable_context(_: int) -> None:
    import tblib.pickling_support

    from aftershock.errors import Problem, ScenarioError

    tblib.pickling_support.install()  # as in a worker that imported Dask: chains are pickled too

    try:
        raise ValueError(memoryview(b"database parameters"))  # what SQLAlchemy errors hold
    except ValueError:
        raise ScenarioError.from_problems([Problem("s.yaml", "bad", field="x")])  # noqa: B904


@pytest.mark.slow
@pytest.mark.parametrize("spec", ["processes", "dask://local"])
def test_an_error_crosses_the_process_boundary_as_itself(spec: str) -> None:
    from aftershock.errors import ScenarioError

    ex = executor_from_spec(spec, workers=1)
    try:
        with pytest.raises(ScenarioError) as info:
            ex.map(_fails_with_an_unpicklable_context, [1])
        assert info.value.problems[0].field == "x"
    finally:
        ex.close()
