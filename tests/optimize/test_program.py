"""Named blocks of columns and rows, and a linear program built by name (optimize/lp/program.py)."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from aftershock.optimize.lp import program
from aftershock.optimize.lp.highs_backend import run_highs
from aftershock.optimize.lp.program import Blocks, ProgramBuilder


def test_docstring_examples() -> None:
    assert doctest.testmod(program).failed == 0


def test_blocks_are_consecutive_and_read_back_in_their_shape() -> None:
    cols = Blocks()
    assert cols.add("x", 2, 3) == slice(0, 6)
    assert cols.add("z", 4) == slice(6, 10)
    assert cols.size == 10 and cols.has("z") and not cols.has("y")
    assert cols.index("x").shape == (2, 3) and cols.index("x")[1, 2] == 5
    values = np.arange(10.0)
    assert cols.read("z", values).tolist() == [6.0, 7.0, 8.0, 9.0]
    with pytest.raises(AssertionError, match="added twice"):
        cols.add("x", 1)


def test_a_program_built_by_name_has_the_known_optimum() -> None:
    # max 2 a + 3 b subject to a + b <= 4, b <= 3 (a row), 0 <= a <= 10: a = 1, b = 3, value 11
    cols = Blocks()
    cols.add("a", 1)
    cols.add("b", 1)
    builder = ProgramBuilder(cols)
    a, b = cols.index("a"), cols.index("b")
    both = builder.add_rows("both", -np.inf, 4.0, 1)
    builder.add_terms(both, a, 1.0)
    builder.add_terms(both, b, 1.0)
    only_b = builder.add_rows("only_b", -np.inf, [3.0])
    builder.add_terms(only_b, b, 1.0)
    builder.cost[cols["a"]] = -2.0
    builder.cost[cols["b"]] = -3.0
    builder.col_upper[cols["a"]] = 10.0
    model = builder.build()
    assert model.matrix.shape == (2, 2) and builder.rows.index("only_b").tolist() == [1]
    sol, objective, status, _ = run_highs(model, time_limit_s=10)
    assert status == "Optimal"
    assert cols.read("a", sol)[0] == pytest.approx(1.0, abs=1e-6)
    assert cols.read("b", sol)[0] == pytest.approx(3.0, abs=1e-6)
    assert objective == pytest.approx(-11.0, abs=1e-6)
