"""Executors: where chunks of work run. In-process, a process pool, or Dask distributed.

Every executor maps one picklable function over a list of arguments and returns results in
order, so a run splits the same way everywhere and the same seed gives the same result.
"""

from aftershock.parallel.executors import DaskExecutor, Executor, InProcess, ProcessPool, executor_from_spec

__all__ = ["DaskExecutor", "Executor", "InProcess", "ProcessPool", "executor_from_spec"]
