"""A server that survives its workers (issue 11): deaths, cancel, time limit, deletes.

Each test has its own app and store; a "long" run takes minutes, so it is stopped (killed,
cancelled, timed out, deleted) long before it could finish.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from aftershock import api
from aftershock.errors import Problem, ScenarioError
from aftershock.runstore import RunStore
from aftershock.testing import alive
from aftershock.web import Settings, create_app
from aftershock.web.worker import RunQueue, WorkerUnavailable

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

LONG = {"scenario": "coop-kaseya-2021", "replications": 300, "horizon_days": 365, "seed": 1}
SHORT = {"scenario": "coop-kaseya-2021", "replications": 2, "seed": 2}
EXAMPLES = Path(__file__).parents[2] / "examples" / "plan"


@pytest.fixture
def make_client(tmp_path: Path) -> Iterator[Callable[..., TestClient]]:
    """An app with its own store and the given settings (one worker unless told)."""
    opened: list[TestClient] = []

    def make(**settings: Any) -> TestClient:
        merged = {"db": str(tmp_path / "runs.db"), "demo_run": False, "run_workers": 1, **settings}
        client = TestClient(create_app(Settings(**merged)), base_url="http://127.0.0.1:8000")
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


def queue(client: TestClient) -> RunQueue:
    return client.app.state.server.queue


def start(client: TestClient, body: dict[str, Any]) -> str:
    response = client.post("/api/runs", json=body)
    assert response.status_code == 202, response.text
    return response.json()["id"]


def wait_status(client: TestClient, run_id: str, statuses: set[str], timeout_s: float = 120) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        run = client.get(f"/api/runs/{run_id}").json()
        if run["status"] in statuses:
            return run
        time.sleep(0.1)
    raise AssertionError(f"run {run_id} is still {run['status']} after {timeout_s} s, not {statuses}")


def worker_pid(client: TestClient, run_id: str, timeout_s: float = 60) -> int:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        pid = queue(client).running().get(run_id)
        if pid:
            return pid
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} never got a worker")


def gone(pid: int, timeout_s: float = 15) -> bool:
    """Whether the process ends (or is only a zombie) within the time."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:
            if "\nState:\tZ" in Path(f"/proc/{pid}/status").read_text():
                return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


def plan_files() -> dict[str, tuple[str, bytes, str]]:
    names = {"backlog": "backlog.csv", "stock": "stores.csv", "capacity": "capacity.csv"}
    return {role: (name, (EXAMPLES / name).read_bytes(), "text/csv") for role, name in names.items()}


@pytest.mark.slow
def test_a_killed_worker_fails_its_run_and_everything_else_goes_on(make_client) -> None:
    client = make_client(run_workers=1)
    long_run = start(client, LONG)
    waiting = start(client, SHORT)  # queued behind it: one worker
    wait_status(client, long_run, {"running"})
    os.kill(worker_pid(client, long_run), signal.SIGKILL)
    failed = wait_status(client, long_run, {"failed"}, timeout_s=30)
    assert failed["error"] == "worker process died (signal 9, SIGKILL)"
    assert wait_status(client, waiting, {"done", "failed"})["status"] == "done"
    after = start(client, SHORT)
    assert wait_status(client, after, {"done", "failed"})["status"] == "done"
    plan = client.post("/api/plan", files=plan_files(), data={"horizon_days": "14"})
    assert plan.status_code == 200, plan.text


@pytest.mark.slow
def test_cancel_a_queued_and_a_running_run(make_client) -> None:
    client = make_client(run_workers=1)
    running = start(client, LONG)
    queued = start(client, LONG)
    wait_status(client, running, {"running"})
    pid = worker_pid(client, running)

    response = client.post(f"/api/runs/{queued}/cancel")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled"
    response = client.post(f"/api/runs/{running}/cancel")
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["error"]) == ("cancelled", "cancelled")
    assert gone(pid), "the cancelled run's worker is still alive"
    time.sleep(0.5)  # the stopped worker's own last words cannot change the status
    assert client.get(f"/api/runs/{running}").json()["status"] == "cancelled"

    again = client.post(f"/api/runs/{running}/cancel")
    assert again.status_code == 409 and "already ended (cancelled)" in again.json()["detail"]
    assert client.post(f"/api/runs/{'0' * 32}/cancel").status_code == 404
    page = client.get(f"/runs/{running}").text
    assert "This run was cancelled" in page
    after = start(client, SHORT)
    assert wait_status(client, after, {"done", "failed"})["status"] == "done"


def test_cancel_needs_write_permission(make_client) -> None:
    client = make_client(token="s" * 24)
    response = client.post(f"/api/runs/{'0' * 32}/cancel")
    assert response.status_code == 401


def test_the_run_page_has_a_cancel_button_while_the_run_is_unfinished(make_client) -> None:
    client = make_client()
    run_id = start(client, LONG)
    page = client.get(f"/runs/{run_id}").text
    assert 'id="cancel-run"' in page
    assert client.post(f"/api/runs/{run_id}/cancel").status_code == 200


@pytest.mark.slow
def test_a_run_over_the_time_limit_is_stopped_and_failed(make_client) -> None:
    client = make_client(run_workers=1, run_timeout_s=3)
    run_id = start(client, LONG)
    pid = worker_pid(client, run_id)
    failed = wait_status(client, run_id, {"failed", "done", "cancelled"}, timeout_s=60)
    assert (failed["status"], failed["error"]) == ("failed", "time limit of 3 s exceeded")
    assert gone(pid)


@pytest.mark.slow
def test_deleting_a_running_run_stops_its_worker(make_client) -> None:
    client = make_client(run_workers=1)
    run_id = start(client, LONG)
    wait_status(client, run_id, {"running"})
    pid = worker_pid(client, run_id)
    assert client.delete(f"/api/runs/{run_id}").status_code == 204
    assert gone(pid)
    assert client.get(f"/api/runs/{run_id}").status_code == 404
    after = start(client, SHORT)
    assert wait_status(client, after, {"done", "failed"})["status"] == "done"


def test_no_worker_for_a_call_is_a_503_problem(make_client) -> None:
    client = make_client()
    queue(client).close()  # as when the server stops
    response = client.post("/api/plan", files=plan_files())
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["retry-after"]
    assert "stopping" in response.json()["detail"]


# -- the queue on its own -----------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Iterator[RunStore]:
    runs = RunStore(str(tmp_path / "q.db"))
    yield runs
    runs.close()


def _busy_pid(q: RunQueue, timeout_s: float = 60) -> int:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with q._lock:
            if q._busy:
                return q._busy[0].process.pid or 0
        time.sleep(0.05)
    raise AssertionError("no worker took the call")


def test_a_call_whose_worker_dies_fails_alone_and_the_next_gets_a_new_worker(store: RunStore) -> None:
    q = RunQueue(store, 1)
    try:
        future: Future[Any] = q.call(time.sleep, 60)
        pid = _busy_pid(q)
        os.kill(pid, signal.SIGKILL)
        with pytest.raises(WorkerUnavailable, match=r"worker process died \(signal 9, SIGKILL\)"):
            future.result(timeout=30)
        assert q.call(os.getpid).result(timeout=60) not in (pid, os.getpid())
    finally:
        q.close()


def test_a_call_waits_for_a_worker_at_most_call_wait_s(store: RunStore) -> None:
    q = RunQueue(store, 1, call_wait_s=1.0)
    try:
        q.call(time.sleep, 60)
        with pytest.raises(WorkerUnavailable, match="all 1 workers are busy"):
            q.call(os.getpid).result(timeout=30)
    finally:
        q.close()


def test_a_call_over_the_time_limit_is_stopped(store: RunStore) -> None:
    q = RunQueue(store, 1, run_timeout_s=1)
    try:
        with pytest.raises(WorkerUnavailable, match="time limit of 1 s exceeded"):
            q.call(time.sleep, 60).result(timeout=60)
    finally:
        q.close()


def test_errors_come_back_as_themselves_even_with_an_unpicklable_context(store: RunStore) -> None:
    """The old pool's worker died on this: a chained error that did not pickle."""
    q = RunQueue(store, 1)
    try:
        with pytest.raises(ScenarioError) as caught:
            q.call(raise_chained_error).result(timeout=60)
        assert caught.value.problems == [Problem("scenario.yaml", "bad", line=3, field="x")]
        assert q.call(os.getpid).result(timeout=60)  # the queue goes on
    finally:
        q.close()


def test_close_stops_every_worker(store: RunStore) -> None:
    q = RunQueue(store, 2, stop_grace_s=1)
    future = q.call(time.sleep, 60)
    pid = _busy_pid(q)
    started = time.monotonic()
    q.close("server stopped")
    assert time.monotonic() - started < 10
    assert gone(pid, timeout_s=1)
    with pytest.raises(WorkerUnavailable, match="server stopped"):
        future.result(timeout=1)


def raise_chained_error() -> None:
    """In the worker: an aftershock error raised while handling an error that cannot pickle."""
    import tblib.pickling_support

    tblib.pickling_support.install()  # as Dask does: every exception pickles its chain
    try:
        raise ValueError(memoryview(b"not picklable"))
    except ValueError:
        raise ScenarioError("1 problem", [Problem("scenario.yaml", "bad", line=3, field="x")]) from None


def test_a_full_queue_refuses_more_work_instead_of_growing(store: RunStore) -> None:
    q = RunQueue(store, 1, max_queued=1)
    try:
        q.call(time.sleep, 60)
        _busy_pid(q)  # the one worker is taken
        q.call(time.sleep, 60)  # one may wait
        with pytest.raises(WorkerUnavailable, match="1 requests are already waiting"):
            q.call(os.getpid).result(timeout=5)
        sid = store.add_scenario(api.load("coop-kaseya-2021"))
        first, second = (store.create_run(sid, {"replications": 1}, 0) for _ in range(2))
        assert q.room_for_run()
        q.submit(first, sid, {"replications": 1}, 0)
        assert not q.room_for_run()
        with pytest.raises(WorkerUnavailable, match="1 runs are already waiting"):
            q.submit(second, sid, {"replications": 1}, 0)
        assert store.get_run(second)["status"] == "failed"
    finally:
        q.close()


def test_a_full_queue_is_a_503_with_retry_after(tmp_path: Path) -> None:
    app = create_app(Settings(db=str(tmp_path / "q.db"), demo_run=False, run_workers=1))
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        app.state.server.queue.max_queued = 0  # as if full
        r = c.post("/api/runs", json={"scenario": "ocs-2022", "replications": 1})
        assert r.status_code == 503 and r.headers["retry-after"] == "10"
        assert "already waiting" in r.json()["detail"]
        assert c.get("/api/runs").json()["total"] == 0  # nothing half-created


def test_an_abandoned_call_frees_its_worker(store: RunStore) -> None:
    q = RunQueue(store, 1)
    try:
        running = q.call(time.sleep, 60)
        pid = _busy_pid(q)
        waiting = q.call(time.sleep, 60)
        assert q.abandon(waiting)  # off the queue
        assert q.abandon(running)  # its worker stopped
        with pytest.raises(WorkerUnavailable, match="the client went away"):
            running.result(timeout=5)
        deadline = time.monotonic() + 10
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(pid)
        assert q.call(os.getpid).result(timeout=60) != pid  # the queue goes on
        assert not q.abandon(running)
    finally:
        q.close()
