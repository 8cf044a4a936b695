"""A linear program as named blocks of columns and rows, assembled in bulk into one sparse matrix.

:class:`Blocks` lays a packed axis out as consecutive named blocks (``shipments``,
``inventory``, ``shifts`` …), each with a shape, so a formulation reads and writes variables
and constraints by name instead of keeping offsets by hand. :class:`ProgramBuilder` collects
coefficients and bounds block by block and builds a :class:`LinearProgram`, the
backend-neutral form a solver backend takes.

>>> cols = Blocks()
>>> cols.add("shipments", 2, 3)
slice(0, 6, None)
>>> cols.add("shifts", 3)
slice(6, 9, None)
>>> cols.size, cols.has("lost")
(9, False)
>>> cols.index("shifts").tolist()
[6, 7, 8]
>>> cols.read("shipments", [float(k) for k in range(9)]).tolist()
[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


class Blocks:
    """Consecutive named blocks of one packed axis (the columns or the rows of an LP), each with a shape."""

    def __init__(self) -> None:
        self._slices: dict[str, slice] = {}
        self._shapes: dict[str, tuple[int, ...]] = {}
        self.size = 0

    def add(self, name: str, *shape: int) -> slice:
        """Append a block of the given shape after the last one; returns its slice of the axis."""
        assert name not in self._slices, f"block {name!r} added twice"
        size = math.prod(shape)
        block = slice(self.size, self.size + size)
        self._slices[name] = block
        self._shapes[name] = tuple(int(n) for n in shape)
        self.size += size
        return block

    def __getitem__(self, name: str) -> slice:
        return self._slices[name]

    def has(self, name: str) -> bool:
        """Whether the layout has a block called ``name``."""
        return name in self._slices

    def index(self, name: str) -> np.ndarray:
        """Positions on the axis of every entry of a block, in the block's shape."""
        block = self._slices[name]
        return np.arange(block.start, block.stop).reshape(self._shapes[name])

    def read(self, name: str, values: Sequence[float] | np.ndarray) -> np.ndarray:
        """A block's part of ``values`` (one value per position on the axis), in the block's shape."""
        return np.asarray(values)[self._slices[name]].reshape(self._shapes[name])


@dataclass(frozen=True)
class LinearProgram:
    """``min cost·x`` subject to ``row_lower <= matrix·x <= row_upper``, ``col_lower <= x <= col_upper``."""

    matrix: Any  # scipy.sparse.csc_matrix (rows × columns)
    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    integer_columns: np.ndarray | None = None  # indices of integer columns (a MIP)


class ProgramBuilder:
    """Coefficients and bounds of a linear program, collected block by block.

    The columns are laid out up front (``columns``); costs and column bounds start at 0 and
    ``[0, inf)`` and are set by block (``cost[columns["lost"]] = ...``). Constraint rows are
    added as named blocks with their bounds (:meth:`add_rows`), coefficients as arrays of
    row and column positions (:meth:`add_terms`), so nothing loops over rows or columns.
    """

    def __init__(self, columns: Blocks) -> None:
        self.columns = columns
        self.rows = Blocks()
        self.cost = np.zeros(columns.size)
        self.col_lower = np.zeros(columns.size)
        self.col_upper = np.full(columns.size, np.inf)
        self._row_idx: list[np.ndarray] = []
        self._col_idx: list[np.ndarray] = []
        self._values: list[np.ndarray] = []
        self._lower: list[np.ndarray] = []
        self._upper: list[np.ndarray] = []

    def add_rows(self, name: str, lower: Any, upper: Any, *shape: int) -> np.ndarray:
        """A block of rows of ``shape`` (default: the bounds' shape); returns their positions, in that shape.

        The bounds broadcast to the shape.
        """
        lower, upper = np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)
        shape = shape or np.broadcast_shapes(lower.shape, upper.shape) or (1,)
        self.rows.add(name, *shape)
        self._lower.append(np.broadcast_to(lower, shape).ravel())
        self._upper.append(np.broadcast_to(upper, shape).ravel())
        return self.rows.index(name)

    def add_terms(self, rows: np.ndarray, columns: np.ndarray, values: Any) -> None:
        """Coefficients ``values`` (broadcast to the shape of the positions) at (``rows``, ``columns``)."""
        rows, columns = np.broadcast_arrays(rows, columns)
        self._row_idx.append(rows.ravel())
        self._col_idx.append(columns.ravel())
        self._values.append(np.broadcast_to(np.asarray(values, dtype=float), rows.shape).ravel())

    def build(self, *, integer_columns: np.ndarray | None = None) -> LinearProgram:
        """The program, its matrix assembled in one call."""
        from scipy import sparse

        matrix = sparse.csc_matrix(
            (
                np.concatenate(self._values),
                (np.concatenate(self._row_idx), np.concatenate(self._col_idx)),
            ),
            shape=(self.rows.size, self.columns.size),
        )
        return LinearProgram(
            matrix=matrix,
            cost=self.cost,
            col_lower=self.col_lower,
            col_upper=self.col_upper,
            row_lower=np.concatenate(self._lower),
            row_upper=np.concatenate(self._upper),
            integer_columns=integer_columns,
        )
