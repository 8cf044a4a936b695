"""Demand draws from a counter-based stream: cheap, and the same however the work is split.

A draw depends only on ``(key, day, cell)``: the replication's key
(:func:`replication_keys`), the simulated day and the cell ``s * I + i`` of the store × item
grid. There is no generator state to carry, so a compiled day loop, the NumPy engine, any
chunking of replications and any number of threads all give bit-identical demand.

The stream of a cell is SplitMix64 (a Weyl sequence through a 64-bit finaliser) started at
a hash of ``(key, day, cell)``; its uniforms have 53-bit resolution and lie in (0, 1).
From it:

* Poisson by inversion (sequential search from 0, four cdf terms a step) below :data:`PTRS_MIN_MEAN`, and by
  Hormann's transformed rejection with squeeze (PTRS, 1993) above, whose cost does not grow
  with the mean and which works in logs, so a mean of 1e6 neither underflows nor loops long;
* negative binomial as a gamma-Poisson mixture, ``Poisson(Gamma(k, mean / k))`` with
  Marsaglia and Tsang's gamma (2000; shapes below 1 by the ``U ** (1 / k)`` boost) and
  polar-method normals from the same cell stream;
* deterministic demand, which is the mean itself.

The helpers are inlined at Numba's IR level (``inline="always"``): LLVM does not inline
across separately compiled Numba functions, and the calls alone doubled the cost of a draw.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numba
import numpy as np

POISSON: int = 0
NEGATIVE_BINOMIAL: int = 1
DETERMINISTIC: int = 2

_CODES = {"poisson": POISSON, "negative_binomial": NEGATIVE_BINOMIAL, "deterministic": DETERMINISTIC}

#: Last word of the spawn key of a replication's demand key ("dem"): the replication's own
#: generator spawns children 0, 1, 2, ..., so the demand child is never one of them.
DEMAND_STREAM = 0x64656D

#: Below this mean Poisson draws invert the cdf (about ``mean / 4 + 1`` steps); above, PTRS,
#: whose constants are fitted for means of 10 and up.
PTRS_MIN_MEAN = 10.0

# SplitMix64: the Weyl increment (odd, close to 2**64 / golden ratio) and finaliser constants.
_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
# Odd multipliers that spread day and cell over 64 bits before they are mixed into the key.
_DAY_MUL = np.uint64(0xD1B54A32D192ED03)
_CELL_MUL = np.uint64(0xAEF17502108EF2D9)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_TWO_M53 = 1.0 / 9007199254740992.0
_HALF_LOG_TWO_PI = 0.5 * math.log(2.0 * math.pi)

#: Steps of the inversion search before it stops (see :func:`_poisson_inversion`).
_INVERSION_STEPS = 64
# 1/k for k = 0 .. _INVERSION_STEPS + 3: the last step reads four terms past its start
_RECIPROCALS = np.concatenate(([0.0], 1.0 / np.arange(1, _INVERSION_STEPS + 4)))
_LOG_FACTORIALS = np.array([math.lgamma(k + 1.0) for k in range(256)])


def distribution_code(name: str) -> int:
    """The code :func:`draw` takes for a demand distribution's name."""
    try:
        return _CODES[name]
    except KeyError:
        raise ValueError(
            f"demand distribution {name!r}: expected one of {', '.join(sorted(_CODES))}"
        ) from None


def replication_keys(seeds: Sequence[np.random.SeedSequence]) -> np.ndarray:
    """One demand key per replication, shape ``(R,)`` uint64.

    Each key comes from a child of the replication's seed sequence kept for demand (spawn
    key extended by :data:`DEMAND_STREAM`), so it depends only on the seed and the
    replication, and demand never shares bits with the replication's own generator.
    """
    keys = np.empty(len(seeds), dtype=np.uint64)
    for r, s in enumerate(seeds):
        spawn_key = (*s.spawn_key, DEMAND_STREAM)
        child = np.random.SeedSequence(s.entropy, spawn_key=spawn_key, pool_size=s.pool_size)
        keys[r] = child.generate_state(1, np.uint64)[0]
    return keys


@numba.njit(cache=True, nogil=True, inline="always")
def _mix(z: np.uint64) -> np.uint64:
    """SplitMix64's finaliser: a bijection of 64-bit words with full avalanche."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@numba.njit(cache=True, nogil=True, inline="always")
def _start(key: np.uint64, day: np.int64, cell: np.int64) -> np.uint64:
    """The stream state of ``(key, day, cell)``.

    Day and cell are absorbed one at a time, each through a bijection, so for a given key
    distinct (day, cell) pairs collide only by chance (2**-64) and neighbouring cells or days
    start far apart on the Weyl sequence.
    """
    h = _mix(key ^ (np.uint64(day) * _DAY_MUL))
    return _mix(h ^ (np.uint64(cell) * _CELL_MUL))


@numba.njit(cache=True, nogil=True, inline="always")
def _uniform(state: np.uint64) -> tuple[np.uint64, float]:
    """Next state and a uniform in (0, 1): the top 53 bits, centred in their interval."""
    state = state + _GAMMA
    bits = _mix(state) >> _S11
    return state, (np.float64(bits) + 0.5) * _TWO_M53


@numba.njit(cache=True, nogil=True, inline="always")
def _poisson_inversion(state: np.uint64, mean: float) -> tuple[np.uint64, float]:
    """Poisson by sequential search of the cdf; for means below :data:`PTRS_MIN_MEAN`."""
    state, u = _uniform(state)
    p = math.exp(-mean)
    cdf = p
    if u <= cdf:
        return state, 0.0
    # Four terms per step: the pmf's multiply chain and the (hard to predict) exit test come
    # once per four values, the place within the four is counted without branches, and 1/k
    # from a table keeps divisions out of the loop. The search stops at the
    # table's end: P(X > 64) < 1e-27 for these means, below the uniforms' resolution, so only
    # a u above the rounded total of the cdf gets there.
    k = 0
    while k < _INVERSION_STEPS:
        q1 = mean * _RECIPROCALS[k + 1]
        q2 = q1 * mean * _RECIPROCALS[k + 2]
        q3 = q2 * mean * _RECIPROCALS[k + 3]
        q4 = q3 * mean * _RECIPROCALS[k + 4]
        c1 = cdf + p * q1
        c2 = c1 + p * q2
        c3 = c2 + p * q3
        cdf = c3 + p * q4
        p = p * q4
        if u <= cdf:
            return state, np.float64(k + 1 + (u > c1) + (u > c2) + (u > c3))
        k += 4
    return state, np.float64(k)


@numba.njit(cache=True, nogil=True, inline="always")
def _log_factorial(k: float) -> float:
    """ln k! for a whole k >= 0: a table below 256, Stirling's series above (error < 1e-20)."""
    if k < _LOG_FACTORIALS.shape[0]:
        return _LOG_FACTORIALS[np.int64(k)]
    r = 1.0 / k
    r2 = r * r
    series = r * (1.0 / 12.0 - r2 * (1.0 / 360.0 - r2 / 1260.0))
    return (k + 0.5) * math.log(k) - k + _HALF_LOG_TWO_PI + series


@numba.njit(cache=True, nogil=True, inline="always")
def _poisson_ptrs(state: np.uint64, mean: float) -> tuple[np.uint64, float]:
    """Poisson by Hormann's PTRS (transformed rejection with squeeze), for means >= 10."""
    b = 0.931 + 2.53 * math.sqrt(mean)
    a = -0.059 + 0.02483 * b
    v_r = 0.9277 - 3.6224 / (b - 2.0)
    while True:
        state, u = _uniform(state)
        state, v = _uniform(state)
        u -= 0.5
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + mean + 0.43)
        # the squeeze: most draws are accepted here, without a log
        if us >= 0.07 and v <= v_r:
            return state, k
        if k < 0.0 or (us < 0.013 and v > us):
            continue
        inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
        lhs = math.log(v * inv_alpha / (a / (us * us) + b))
        if lhs <= k * math.log(mean) - mean - _log_factorial(k):
            return state, k


@numba.njit(cache=True, nogil=True, inline="always")
def _poisson(state: np.uint64, mean: float) -> tuple[np.uint64, float]:
    if mean <= 0.0:
        return state, 0.0
    if mean < PTRS_MIN_MEAN:
        return _poisson_inversion(state, mean)
    return _poisson_ptrs(state, mean)


@numba.njit(cache=True, nogil=True, inline="always")
def _gamma(state: np.uint64, shape: float) -> tuple[np.uint64, float]:
    """Gamma(shape, 1) by Marsaglia and Tsang; shapes below 1 via Gamma(shape + 1) * U ** (1/shape)."""
    boost = 1.0
    if shape < 1.0:
        state, u = _uniform(state)
        # in logs: U ** (1 / shape) underflows gracefully to 0 for tiny shapes
        boost = math.exp(math.log(u) / shape)
        shape += 1.0
    d = shape - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    spare = 0.0
    have_spare = False
    while True:
        # Marsaglia's polar method gives normals in pairs; keep the second for the next try
        if have_spare:
            x = spare
            have_spare = False
        else:
            while True:
                state, u1 = _uniform(state)
                state, u2 = _uniform(state)
                u1 = 2.0 * u1 - 1.0
                u2 = 2.0 * u2 - 1.0
                r2 = u1 * u1 + u2 * u2
                if 0.0 < r2 < 1.0:
                    break
            f = math.sqrt(-2.0 * math.log(r2) / r2)
            x = u1 * f
            spare = u2 * f
            have_spare = True
        t = 1.0 + c * x
        if t <= 0.0:
            continue
        v = t * t * t
        state, u = _uniform(state)
        x2 = x * x
        if u < 1.0 - 0.0331 * x2 * x2 or math.log(u) < 0.5 * x2 + d * (1.0 - v + math.log(v)):
            return state, d * v * boost


@numba.njit(cache=True, nogil=True, inline="always")
def _draw(
    key: np.uint64, day: np.int64, cell: np.int64, mean: np.float64, dist: np.int64, dispersion: np.float64
) -> np.float64:
    """The body of :func:`draw`, inlined where it is called (by :func:`draw_array`)."""
    if dist == DETERMINISTIC:
        return mean
    if mean <= 0.0:
        return 0.0
    if not math.isfinite(mean):
        return mean
    state = _start(np.uint64(key), np.int64(day), np.int64(cell))
    if dist == POISSON:
        return _poisson(state, mean)[1]
    if dist == NEGATIVE_BINOMIAL and dispersion > 0.0:
        state, g = _gamma(state, dispersion)
        return _poisson(state, g * (mean / dispersion))[1]
    return np.nan


#: :func:`draw`'s body for compiled callers to inline (the engine's kernel): loop-invariant
#: work such as the gamma constants of a fixed dispersion is then hoisted out of their loops.
draw_inline = _draw


@numba.njit(cache=True, nogil=True)
def draw(
    key: np.uint64, day: np.int64, cell: np.int64, mean: np.float64, dist: np.int64, dispersion: np.float64
) -> np.float64:
    """One day's demand of one cell: a whole number as float64, or ``mean`` for DETERMINISTIC.

    The value depends on ``(key, day, cell)`` and the parameters only. Random draws of a
    mean <= 0 are 0; a NaN or infinite mean is returned as it is. The negative binomial has
    mean ``mean`` and variance ``mean + mean**2 / dispersion``; an unknown ``dist`` or a
    dispersion that is not > 0 gives NaN (the scenario schema rules both out).
    """
    return _draw(key, day, cell, mean, dist, dispersion)


@numba.njit(parallel=True, cache=True)
def draw_array(mean: np.ndarray, keys: np.ndarray, day: int, dist: int, dispersion: float) -> np.ndarray:
    """Demand of every (replication, store, item) on ``day``: :func:`draw` of each cell.

    ``mean`` is (R, S, I) float64, ``keys`` (R,) uint64 (:func:`replication_keys`); cell
    ``s * I + i``. Rows (r, s) run in parallel; each value depends on its own cell only,
    so the result is the same on any number of threads.
    """
    n_rep, n_store, n_item = mean.shape
    if keys.shape[0] != n_rep:
        raise ValueError("draw_array: keys must have one entry per replication (mean.shape[0])")
    out = np.empty((n_rep, n_store, n_item), dtype=np.float64)
    for rs in numba.prange(n_rep * n_store):
        r = rs // n_store
        s = rs - r * n_store
        key = keys[r]
        base = s * n_item
        for i in range(n_item):
            out[r, s, i] = _draw(key, day, base + i, mean[r, s, i], dist, dispersion)
    return out
