"""The HiGHS backend: solve a :class:`~aftershock.optimize.lp.program.LinearProgram` with highspy.

highspy is imported only inside the functions here; a missing backend is reported as
:data:`NOT_INSTALLED` (:func:`available` says whether it is there).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from aftershock.errors import SolverError
from aftershock.optimize.lp.program import LinearProgram

#: Message of a missing backend (one place, so the CLI, the API and the tests agree).
NOT_INSTALLED = "highspy is not installed; pip install highspy"
#: Above this many columns the interior-point tolerance is relaxed to 1e-6 (it stalls near there).
LARGE_COLUMNS = 100_000


def available() -> bool:
    """Whether the HiGHS backend (highspy) is installed."""
    try:
        import highspy  # noqa: F401
    except ImportError:
        return False
    return True


def highspy_module() -> Any:
    """The highspy module; a :class:`~aftershock.errors.SolverError` when it is not installed."""
    try:
        import highspy
    except ImportError:
        raise SolverError(NOT_INSTALLED) from None
    return highspy


def _quiet_highs(highspy: Any) -> Any:
    """A Highs instance whose start-up banner does not reach stdout (it would spoil --json)."""
    import os
    import sys

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
            h.setOptionValue("output_flag", False)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    return h


def run_highs(
    model: LinearProgram, *, time_limit_s: float, threads: int = 0
) -> tuple[np.ndarray, float, str, float]:
    """Solve with HiGHS; returns (column values, objective, status, seconds).

    Column values are zeros and the objective NaN unless the status is ``"Optimal"``.
    """
    highspy = highspy_module()
    n_rows, n_cols = model.matrix.shape
    h = _quiet_highs(highspy)
    is_mip = model.integer_columns is not None and model.integer_columns.size > 0
    if not is_mip:
        # The interior-point method, without crossover to a vertex, on purpose: it is several
        # times faster than simplex here, and among equally good plans it returns the centre of
        # the optimal face, which spreads shipments over store lines with the same need. A vertex
        # gives some lines everything and others just their expected demand, and random demand
        # then finds the thin ones (the replayed losses of the pause reference rise about fivefold).
        # Presolve is off for the same reason: it settles ties itself, at a vertex.
        h.setOptionValue("solver", "ipm")
        h.setOptionValue("run_crossover", "off")
        h.setOptionValue("presolve", "off")
        if n_cols > LARGE_COLUMNS:
            h.setOptionValue("ipm_optimality_tolerance", 1e-6)
    h.setOptionValue("time_limit", float(time_limit_s))
    if threads:
        h.setOptionValue("threads", int(threads))
    lp = highspy.HighsLp()
    lp.num_col_ = n_cols
    lp.num_row_ = n_rows
    lp.col_cost_ = model.cost
    lp.col_lower_ = model.col_lower
    lp.col_upper_ = model.col_upper
    lp.row_lower_ = model.row_lower
    lp.row_upper_ = model.row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = model.matrix.indptr
    lp.a_matrix_.index_ = model.matrix.indices
    lp.a_matrix_.value_ = model.matrix.data
    if is_mip:
        kinds = np.full(n_cols, highspy.HighsVarType.kContinuous)
        kinds[model.integer_columns] = highspy.HighsVarType.kInteger
        lp.integrality_ = kinds.tolist()
    h.passModel(lp)
    started = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - started
    status = h.modelStatusToString(h.getModelStatus())
    if status != "Optimal":
        return np.zeros(n_cols), float("nan"), status, seconds
    sol = np.asarray(h.getSolution().col_value)
    return sol, float(h.getInfo().objective_function_value), status, seconds
