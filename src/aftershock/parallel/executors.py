"""Executor backends behind one small interface; heavy imports stay inside the backends."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from aftershock.errors import ParameterError, UsageError

#: Seconds to wait for a Dask scheduler before giving up with a clear message.
DASK_CONNECT_TIMEOUT_S = 10


class Executor(Protocol):
    """Maps ``fn`` over ``args`` and calls ``on_done(i)`` as each item finishes."""

    name: str

    def map(
        self, fn: Callable[[Any], Any], args: Sequence[Any], on_done: Callable[[int], None] | None = None
    ) -> list[Any]:
        """Results in the order of ``args``."""
        ...

    def close(self) -> None:
        """Release workers."""
        ...


def without_chain(exc: BaseException) -> BaseException:
    """``exc`` without its chained errors, which stay in the worker.

    The chain is what fails to cross a process boundary: a database error's parameters (a
    memoryview), and once ``tblib.pickling_support`` is installed (Dask installs it) every
    exception pickles its ``__context__`` and ``__cause__`` too.
    """
    exc.__cause__ = None
    exc.__context__ = None
    return exc


def call_portably(fn: Callable[[Any], Any], arg: Any) -> Any:
    """``fn(arg)`` in a worker: an error comes back as itself, without a chain that cannot pickle."""
    try:
        return fn(arg)
    except Exception as exc:
        raise without_chain(exc) from None


class InProcess:
    """Runs every item here, one after the other."""

    name = "in-process"

    def map(
        self, fn: Callable[[Any], Any], args: Sequence[Any], on_done: Callable[[int], None] | None = None
    ) -> list[Any]:
        out = []
        for i, a in enumerate(args):
            out.append(fn(a))
            if on_done is not None:
                on_done(i)
        return out

    def close(self) -> None:
        return None


class ProcessPool:
    """A pool of local worker processes (``concurrent.futures``)."""

    name = "processes"

    def __init__(self, workers: int | None = None) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.workers = workers or os.cpu_count() or 1
        # spawn: workers start clean (no forked threads or open database handles)
        self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))

    def map(
        self, fn: Callable[[Any], Any], args: Sequence[Any], on_done: Callable[[int], None] | None = None
    ) -> list[Any]:
        from concurrent.futures import as_completed

        futures = {self._pool.submit(call_portably, fn, a): i for i, a in enumerate(args)}
        out: list[Any] = [None] * len(args)
        try:
            for fut in as_completed(futures):
                i = futures[fut]
                out[i] = fut.result()
                if on_done is not None:
                    on_done(i)
        except BaseException:
            # Ctrl-C or an error: neither wait for the chunks left nor leave workers behind
            self.stop()
            raise
        return out

    def stop(self) -> None:
        """Drop the work not started and end the worker processes now (SIGTERM, then SIGKILL)."""
        processes = list((getattr(self._pool, "_processes", None) or {}).values())
        self._pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join(5)

    def close(self) -> None:
        self._pool.shutdown()


class DaskExecutor:
    """Dask distributed: an existing scheduler (``dask://host:port``) or a LocalCluster."""

    name = "dask"

    def __init__(self, address: str | None, workers: int | None = None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise UsageError("Dask distributed is not installed; pip install 'dask[distributed]'") from None
        self._cluster = None
        if address is None:
            self._cluster = LocalCluster(
                n_workers=workers or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                host="127.0.0.1",
            )
            self.client = Client(self._cluster)
        else:
            try:
                self.client = Client(address, timeout=DASK_CONNECT_TIMEOUT_S)
            except (OSError, TimeoutError) as exc:
                raise UsageError(
                    f"cannot reach the Dask scheduler at {address} within {DASK_CONNECT_TIMEOUT_S} s "
                    f"({type(exc).__name__}); is `dask scheduler` running there? "
                    "Use dask://local (--executor dask://local) for a local cluster."
                ) from None

    def map(
        self, fn: Callable[[Any], Any], args: Sequence[Any], on_done: Callable[[int], None] | None = None
    ) -> list[Any]:
        from distributed import as_completed

        futures = [self.client.submit(call_portably, fn, a, pure=False) for a in args]
        index = {f.key: i for i, f in enumerate(futures)}
        for fut in as_completed(futures):
            if on_done is not None:
                on_done(index[fut.key])
        return self.client.gather(futures)

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


def executor_from_spec(spec: str | None, workers: int | None = None) -> Executor:
    """``None``/``local``/``in-process``, ``processes``, ``dask://local`` or ``dask://host:port``."""
    if workers is not None and workers < 1:
        raise ParameterError("workers", f"expected a whole number >= 1, got {workers}")
    if spec in (None, "", "local", "in-process", "inprocess"):
        return InProcess()
    if spec == "processes":
        return ProcessPool(workers)
    if spec.startswith("dask://"):
        rest = spec.removeprefix("dask://")
        if rest in ("local", ""):
            return DaskExecutor(None, workers)
        return DaskExecutor(f"tcp://{rest}", workers)
    raise ParameterError(
        "executor", f"expected in-process, processes, dask://local or dask://host:port, got '{spec}'"
    )
