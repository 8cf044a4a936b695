"""Jobs run in worker processes, never in the event loop, so the API stays responsive.

A supervisor thread owns every worker process. Each job, a stored run or a short call
(``POST /api/plan``, ``POST /api/scenarios/{ref}/optimize``), gets a process of its own:
started ahead, so that it is warm (imports done) when the job comes, and used once. At
most ``workers`` processes live at a time; jobs wait in order, calls before runs. One job
can therefore be stopped, or die, without touching the others:

- a process that dies (a crash, ``kill -9``, the out-of-memory killer) fails its own job
  only: its run is marked failed with the reason ("worker process died (signal 9,
  SIGKILL)"), its call raises :class:`WorkerUnavailable` (a 503), and a new process takes
  its place for the jobs that wait;
- :meth:`RunQueue.cancel` stops a queued or running run and marks it cancelled; a job over
  the time limit is stopped and its run marked failed ("time limit of 3600 s exceeded");
- :meth:`RunQueue.close` (the server stopping) marks every unfinished run failed ("server
  stopped") and stops every worker.

Stopping a worker is SIGTERM (the job unwinds, its temporary folder goes), then SIGKILL
after a grace period. A run is marked before its worker is stopped, and the store never
changes how an ended run ended (:meth:`RunStore.end_run`), so the reason given here is the
one that stays. Workers ignore SIGINT (Ctrl-C in the server's terminal is the server's to
handle; it stops them) and exit by themselves if the server process disappears.

Errors cross the process boundary as themselves: an :class:`AftershockError` raised in a
worker is raised again, with its problems, in the request that waits for it.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import multiprocessing
import os
import pickle
import signal
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aftershock.errors import AftershockError
from aftershock.parallel.executors import without_chain

if TYPE_CHECKING:
    from aftershock.runstore import RunStore

log = logging.getLogger("aftershock.web")

#: Seconds a stopped worker has between SIGTERM and SIGKILL.
STOP_GRACE_S = 5.0
#: Runs (and, separately, plan or optimise requests) that may wait for a worker; more get a 503,
#: so a flood of requests cannot grow the queue without limit or starve later work for hours.
MAX_QUEUED = 100
#: Seconds a call waits for a free worker before it is refused with a 503.
CALL_WAIT_S = 60.0
#: Longest sleep of the supervisor between two looks at its workers.
_TICK_S = 1.0

# spawn: workers start clean (no forked threads, event loop or open database handles)
_CTX = multiprocessing.get_context("spawn")


class WorkerUnavailable(Exception):
    """A call got no result: no worker free in time, its worker died or ran out of time,
    or the server is stopping. The web app answers 503."""


# -- jobs (run in the worker process) ---------------------------------------------------
def execute_run(db: str, run_id: str, scenario_id: str, params: dict[str, Any], seed: int) -> str:
    """Worker-process entry: materialise the stored scenario, simulate, store the result."""
    from aftershock import api
    from aftershock.runstore import RunStore

    store = RunStore(db, recover=False)
    try:
        if store.get_run(run_id)["status"] != "queued":  # cancelled before it started
            return "skipped"
        with tempfile.TemporaryDirectory(prefix="aftershock-run-") as folder:
            path = store.scenario_files(scenario_id, Path(folder))
            variant = params.get("variant")
            api.simulate_and_save(
                f"{path}:{variant}" if variant else path,  # a variant keeps its name in the result
                db=store,
                replications=int(params.get("replications", 100)),
                seed=seed,
                overrides=list(params.get("overrides", [])),
                run_id=run_id,
            )
    except Exception as exc:  # recorded on the run (unless it already ended)
        store.fail_run(run_id, f"{type(exc).__name__}: {exc}")
        return "failed"
    finally:
        store.close()
    return "done"


def plan_job(paths: tuple[str, str, str], options: dict[str, Any]) -> dict[str, Any]:
    """Worker-process entry for ``POST /api/plan``: the operational plan of three tables."""
    from aftershock import api

    return api.plan(*paths, **options).as_dict()


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


def api_job(db: str, scenario_id: str, call: str, options: dict[str, Any], variant: str | None = None) -> Any:
    """Worker-process entry for a job on a stored scenario: its files (of its ``variant`` when
    one is named) copied out of the run store, then ``aftershock.api.<call>(ref, **options)``
    in this process."""
    from aftershock import api
    from aftershock.runstore import RunStore

    store = RunStore(db, recover=False)
    try:
        with tempfile.TemporaryDirectory(prefix=f"aftershock-{call}-") as folder:
            path = store.scenario_files(scenario_id, Path(folder))
            return getattr(api, call)(f"{path}:{variant}" if variant else path, **options)
    finally:
        store.close()


def optimize_job(
    db: str, scenario_id: str, options: dict[str, Any], variant: str | None = None
) -> dict[str, Any]:
    """Worker-process entry for ``POST /api/scenarios/{ref}/optimize``: plan, replay, promise
    (of the scenario's ``variant`` when one is named)."""
    result = api_job(db, scenario_id, "optimize", options, variant)
    out = result.as_dict()
    out["dispatch"] = result.dispatch.to_dict(orient="records")
    return _plain(out)


# -- the worker process -----------------------------------------------------------------
class WorkerStopped(SystemExit):
    """Raised in a worker on SIGTERM: its job unwinds (temporary folders go), then it exits.

    The server marks the run (cancelled, time limit, server stopped) before it stops the
    worker; the run's own "failed: WorkerStopped" is only seen when something else sends
    the signal (``kill``, a service manager stopping the whole process group).
    """

    def __init__(self) -> None:
        super().__init__("worker process stopped (SIGTERM)")
        self.code = 128 + signal.SIGTERM


def _stop_on_sigterm(_signum: int, _frame: Any) -> None:
    raise WorkerStopped


def _watch_parent(parent_pid: int) -> None:
    """Exit when the server process is gone (killed without a chance to stop us)."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent_pid:
            os._exit(1)


def _worker_main(conn: Connection, parent_pid: int) -> None:
    """One worker process: warm up, take one job, send back its result, exit."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    # warm: the job starts without the import time
    import aftershock.api
    import aftershock.runstore  # noqa: F401

    try:
        fn, args = conn.recv()
    except (EOFError, OSError):  # the server stopped before giving us a job
        return
    try:
        reply: tuple[str, Any] = ("ok", fn(*args))
    except Exception as exc:
        if not isinstance(exc, AftershockError):  # a bug: its traceback goes to the server's log
            traceback.print_exc()
        reply = ("error", _bare(exc))
    try:
        conn.send(reply)
    except Exception as exc:  # the value or the error does not pickle: say what it was
        conn.send(("error", _stand_in(reply[1] if reply[0] == "error" else exc)))


def _bare(exc: BaseException) -> BaseException:
    """The error without its traceback and chain: they stay in the worker."""
    return without_chain(exc).with_traceback(None)


def _stand_in(exc: BaseException) -> BaseException:
    """A picklable error that says what ``exc`` was (an aftershock error keeps its type)."""
    if isinstance(exc, AftershockError):
        try:
            copy = AftershockError.__new__(type(exc), str(exc))
            copy.args = (str(exc),)
            copy.problems = list(exc.problems)
            pickle.dumps(copy)
            return copy
        except Exception:
            return AftershockError(str(exc), list(exc.problems))
    return RuntimeError(f"{type(exc).__name__}: {exc}")


def death_reason(exitcode: int | None) -> str:
    """Why a worker process ended without a result, in words."""
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            return f"worker process died (signal {-exitcode})"
        return f"worker process died (signal {-exitcode}, {name})"
    if exitcode:
        return f"worker process died (exit code {exitcode})"
    return "worker process ended without a result"


# -- the supervisor ----------------------------------------------------------------------
@dataclass(eq=False)
class _Job:
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    run_id: str | None = None  # a stored run
    future: Future[Any] | None = None  # a call
    queued_at: float = field(default_factory=time.monotonic)
    handed: bool = False  # given to a worker once (its future is running)


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    conn: Connection  # the server's end of the pipe
    job: _Job | None = None
    deadline: float | None = None  # its job's time limit (monotonic)
    kill_at: float | None = None  # once stopped or finished: SIGKILL if still alive then


class RunQueue:
    """Worker processes fed with queued runs and calls, watched by one supervisor thread."""

    def __init__(
        self,
        store: RunStore,
        workers: int,
        *,
        run_timeout_s: float | None = None,
        call_wait_s: float = CALL_WAIT_S,
        stop_grace_s: float = STOP_GRACE_S,
        max_queued: int = MAX_QUEUED,
    ) -> None:
        self.store = store
        self.max_queued = max(1, int(max_queued))
        self.db = store.url
        self.workers = max(1, int(workers))
        self.run_timeout_s = run_timeout_s or None  # 0 or None: no limit
        self.call_wait_s = call_wait_s
        self.stop_grace_s = stop_grace_s
        self._lock = threading.RLock()
        self._runs: collections.deque[_Job] = collections.deque()
        self._calls: collections.deque[_Job] = collections.deque()
        self._idle: list[_Worker] = []  # warm, waiting for a job
        self._busy: list[_Worker] = []  # running a job
        self._ending: list[_Worker] = []  # done or stopped, not exited yet
        self._warm = False  # processes are started ahead once there has been work
        self._start_after = 0.0  # backoff while new processes die before their first job
        self._start_failures = 0
        self._closed = False
        self._wake_r, self._wake_w = _CTX.Pipe(duplex=False)
        self._wake_pending = False
        self._thread = threading.Thread(target=self._supervise, name="aftershock-workers", daemon=True)
        self._thread.start()

    # -- public ---------------------------------------------------------------------------
    def room_for_run(self) -> bool:
        """Whether another run may be queued (at most ``max_queued`` wait)."""
        with self._lock:
            return len(self._runs) < self.max_queued

    def submit(self, run_id: str, scenario_id: str, params: dict[str, Any], seed: int) -> None:
        """Queue a stored run; :class:`WorkerUnavailable` (the run marked failed) when the queue is full."""
        job = _Job(execute_run, (self.db, run_id, scenario_id, params, seed), run_id=run_id)
        with self._lock:
            if self._closed:
                self.store.fail_run(run_id, "server stopped")
                return
            if len(self._runs) >= self.max_queued:
                self.store.fail_run(run_id, f"the queue was full ({self.max_queued} runs waiting)")
                raise WorkerUnavailable(f"{self.max_queued} runs are already waiting; try again later")
            self._runs.append(job)
            self._warm = True
        self._wake()

    def call(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        """Run a short job (a picklable function) in a worker process; its future gets the
        value, the job's own error, or :class:`WorkerUnavailable`."""
        future: Future[Any] = Future()
        with self._lock:
            if self._closed:
                future.set_exception(WorkerUnavailable("the server is stopping"))
                return future
            if len(self._calls) >= self.max_queued:
                future.set_exception(WorkerUnavailable(f"{self.max_queued} requests are already waiting"))
                return future
            self._calls.append(_Job(fn, args, future=future))
            self._warm = True
        self._wake()
        return future

    def cancel(self, run_id: str, reason: str = "cancelled") -> bool:
        """Stop a queued or running run of this queue and mark it cancelled; False if this
        queue does not hold it (ended, or run by another process)."""
        return self._drop(
            self._runs,
            lambda job: job.run_id == run_id,
            lambda job: self.store.end_run(run_id, "cancelled", reason),
        )

    def abandon(self, future: Future[Any], reason: str = "the client went away") -> bool:
        """Drop the call behind ``future`` (its client is gone): off the queue, or its worker
        stopped, so it does not hold a worker until its time limit. False if it has ended."""
        return self._drop(
            self._calls, lambda job: job.future is future, lambda job: self._settle(job, reason)
        )

    def _drop(
        self, queue: collections.deque[_Job], matches: Callable[[_Job], bool], end: Callable[[_Job], Any]
    ) -> bool:
        """The one job that ``matches``: ended with ``end``, and taken off ``queue`` or its
        worker stopped (marked first, so the worker's last word cannot overwrite it)."""
        with self._lock:
            for job in queue:
                if matches(job):
                    queue.remove(job)
                    end(job)
                    return True
            for worker in self._busy:
                if worker.job is not None and matches(worker.job):
                    end(worker.job)
                    worker.job = None
                    self._stop(worker)
                    break
            else:
                return False
        self._wake()
        return True

    def running(self) -> dict[str, int]:
        """Run id -> pid of its worker process, for the runs being computed now."""
        with self._lock:
            return {
                w.job.run_id: w.process.pid or 0 for w in self._busy if w.job is not None and w.job.run_id
            }

    def close(self, reason: str = "server stopped") -> None:
        """Fail every unfinished run and call with ``reason``, stop every worker (SIGTERM,
        then SIGKILL after the grace period) and wait for them."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for job in [*self._runs, *self._calls]:
                self._settle(job, reason)
            self._runs.clear()
            self._calls.clear()
            for worker in self._busy + self._idle:
                if worker.job is not None:
                    self._settle(worker.job, reason)
                    worker.job = None
                self._stop(worker)
            workers = list(self._ending)
        self._wake()
        self._thread.join(timeout=5)
        deadline = time.monotonic() + self.stop_grace_s
        for worker in workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
        for worker in workers:
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(5)
            worker.conn.close()
        self._wake_r.close()
        self._wake_w.close()

    # -- supervisor ---------------------------------------------------------------------
    def _wake(self) -> None:
        if self._wake_pending:
            return
        self._wake_pending = True
        with contextlib.suppress(OSError):  # closed: the supervisor is gone
            self._wake_w.send_bytes(b"!")

    def _supervise(self) -> None:
        while True:
            try:
                with self._lock:
                    if self._closed:
                        return
                    now = time.monotonic()
                    self._collect(now)
                    self._dispatch(now)
                    handles: list[Any] = [self._wake_r]
                    handles += [w.conn for w in self._busy]
                    handles += [w.process.sentinel for w in self._idle + self._busy + self._ending]
                    timeout = self._next_timer(now)
                wait(handles, timeout)
                self._wake_pending = False  # before draining: a wake after this is never lost
                while self._wake_r.poll():
                    self._wake_r.recv_bytes()
            except Exception:  # the supervisor must outlive any surprise
                if self._closed:
                    return
                log.exception("worker supervisor")
                time.sleep(0.5)

    def _next_timer(self, now: float) -> float:
        times = [w.deadline for w in self._busy if w.deadline is not None]
        times += [w.kill_at for w in self._ending if w.kill_at is not None]
        if self._calls:
            times.append(self._calls[0].queued_at + self.call_wait_s)
        if self._start_after > now:
            times.append(self._start_after)
        return max(0.0, min([now + _TICK_S, *times]) - now)

    def _collect(self, now: float) -> None:
        """Results, deaths, time limits, exited and overdue processes, calls waited too long."""
        for worker in list(self._busy):
            job = worker.job
            if job is None:  # not expected: a busy worker without a job is stopped
                self._stop(worker)
                continue
            reply = None
            dead = False
            if worker.conn.poll():
                try:
                    reply = worker.conn.recv()
                except (EOFError, OSError):  # it closed its end: it is exiting
                    worker.process.join(1)
                    dead = True
                except Exception as exc:  # the result does not unpickle here
                    reply = ("error", RuntimeError(f"cannot read the worker's result: {exc}"))
            if reply is not None:
                self._start_failures = 0
                self._settle(job, None, reply)
                self._retire(worker, now)
            elif dead or not worker.process.is_alive():
                if worker.process.is_alive():  # closed its pipe but goes on: not ours any more
                    worker.process.kill()
                worker.process.join(1)
                self._settle(job, death_reason(worker.process.exitcode))
                self._retire(worker, now)
            elif worker.deadline is not None and now >= worker.deadline:
                self._settle(job, f"time limit of {self.run_timeout_s:g} s exceeded")
                worker.job = None
                self._stop(worker)
        for worker in list(self._idle):
            if not worker.process.is_alive():  # a warm process died before any job
                self._idle.remove(worker)
                worker.process.join(1)
                worker.conn.close()
                self._start_failures += 1
                self._start_after = now + min(2.0**self._start_failures, 60.0)
                log.warning("a new worker process died: %s", death_reason(worker.process.exitcode))
        for worker in list(self._ending):
            if not worker.process.is_alive():
                worker.process.join(1)
                worker.conn.close()
                self._ending.remove(worker)
            elif worker.kill_at is not None and now >= worker.kill_at:
                worker.process.kill()
                worker.kill_at = None
        while self._calls and now - self._calls[0].queued_at >= self.call_wait_s:
            job = self._calls.popleft()
            self._settle(job, f"all {self.workers} workers are busy; try again later")

    def _dispatch(self, now: float) -> None:
        """Start processes up to the limit, hand waiting jobs to warm ones (calls first)."""
        if self._warm and now >= self._start_after:
            while len(self._idle) + len(self._busy) + len(self._ending) < self.workers:
                try:
                    self._idle.append(self._start())
                except OSError:
                    log.exception("cannot start a worker process")
                    self._start_after = now + 5.0
                    break
        while self._idle and (self._calls or self._runs):
            job = self._calls.popleft() if self._calls else self._runs.popleft()
            if job.future is not None and not job.handed and not job.future.set_running_or_notify_cancel():
                continue  # the request went away before its turn
            worker = self._idle.pop(0)
            try:
                worker.conn.send((job.fn, job.args))
            except OSError:  # the warm process died: the job waits for another one
                (self._calls if job.future is not None else self._runs).appendleft(job)
                job.handed = True
                self._retire(worker, now)
                continue
            except Exception as exc:  # the job does not pickle: a bug, the worker is unused
                self._idle.insert(0, worker)
                self._settle(job, None, ("error", exc))
                continue
            job.handed = True
            worker.job = job
            worker.deadline = None if self.run_timeout_s is None else now + self.run_timeout_s
            self._busy.append(worker)

    def _start(self) -> _Worker:
        mine, theirs = _CTX.Pipe()
        process = _CTX.Process(
            target=_worker_main, args=(theirs, os.getpid()), name="aftershock-worker", daemon=True
        )
        process.start()
        theirs.close()
        return _Worker(process, mine)

    def _stop(self, worker: _Worker) -> None:
        """SIGTERM now, SIGKILL after the grace period (see :meth:`_collect`)."""
        for group in (self._busy, self._idle):
            if worker in group:
                group.remove(worker)
        if worker.process.is_alive():
            worker.process.terminate()
        worker.kill_at = time.monotonic() + self.stop_grace_s
        self._ending.append(worker)

    def _retire(self, worker: _Worker, now: float) -> None:
        """A worker whose job is over: it exits by itself, or is killed after the grace period."""
        for group in (self._busy, self._idle):
            if worker in group:
                group.remove(worker)
        worker.job = None
        worker.kill_at = now + self.stop_grace_s
        self._ending.append(worker)

    def _settle(self, job: _Job, failure: str | None, reply: tuple[str, Any] | None = None) -> None:
        """A job's end: its reply, or a failure in words (death, time limit, shutdown)."""
        if job.run_id is not None:
            if failure is None and reply is not None and reply[0] == "error":
                error = reply[1]
                failure = f"{type(error).__name__}: {error}"
            # a no-op when the run has ended already (stored, or failed with its own reason)
            try:
                self.store.end_run(job.run_id, "failed", failure or "worker process ended without a result")
            except Exception:
                log.exception("cannot mark run %s failed", job.run_id)
            return
        future = job.future
        if future is None or future.done():
            return
        try:
            if failure is not None:
                future.set_exception(WorkerUnavailable(failure))
            elif reply is not None and reply[0] == "ok":
                future.set_result(reply[1])
            elif reply is not None:
                future.set_exception(reply[1])
        except InvalidStateError:  # cancelled meanwhile
            pass
