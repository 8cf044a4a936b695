"""Counter-based demand draws (``sim/demand.py``): the right distributions, and the same
numbers whatever the order, chunking or threads.

Keys are fixed, so every statistical check below is deterministic: the bounds (5 standard
errors, chi-square p > 1e-4) are wide enough that a correct sampler passes them for almost
every key, and a biased one fails them.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest
from scipy import stats

from aftershock.sim import demand
from aftershock.sim.demand import DETERMINISTIC, NEGATIVE_BINOMIAL, POISSON, draw, draw_array
from aftershock.sim.runner import replication_seeds

KEYS = demand.replication_keys(replication_seeds(2026, 0, 4))
# 4 replications x 50 stores x 500 items x 2 days = 200,000 draws per sample
SHAPE = (4, 50, 500)
DAYS = (0, 1)


def _sample(mean: float, dist: int, dispersion: float = 1.0) -> np.ndarray:
    grid = np.full(SHAPE, mean)
    return np.concatenate([draw_array(grid, KEYS, day, dist, dispersion).ravel() for day in DAYS])


def _exact(mean: float, dist: int, dispersion: float) -> stats.rv_discrete:
    if dist == POISSON:
        return stats.poisson(mean)
    return stats.nbinom(dispersion, dispersion / (dispersion + mean))


CASES = [
    pytest.param(0.3, POISSON, 1.0, id="poisson-0.3"),
    pytest.param(4.0, POISSON, 1.0, id="poisson-4"),
    pytest.param(30.0, POISSON, 1.0, id="poisson-30"),
    pytest.param(250.0, POISSON, 1.0, id="poisson-250"),
    pytest.param(5000.0, POISSON, 1.0, id="poisson-5000"),
    pytest.param(10.0, NEGATIVE_BINOMIAL, 0.5, id="nb-10-k0.5"),
    pytest.param(10.0, NEGATIVE_BINOMIAL, 2.0, id="nb-10-k2"),
    pytest.param(10.0, NEGATIVE_BINOMIAL, 20.0, id="nb-10-k20"),
]


@pytest.mark.parametrize(("mean", "dist", "dispersion"), CASES)
def test_mean_and_variance_match_the_distribution(mean: float, dist: int, dispersion: float) -> None:
    x = _sample(mean, dist, dispersion)
    exact = _exact(mean, dist, dispersion)
    mu, var, kurt = (float(v) for v in exact.stats(moments="mvk"))
    n = x.size
    assert mu == pytest.approx(mean)
    assert np.all(x == np.floor(x)) and x.min() >= 0
    assert abs(x.mean() - mu) < 5 * math.sqrt(var / n)
    # the sample variance's standard error from the fourth central moment
    mu4 = (kurt + 3.0) * var**2
    assert abs(x.var(ddof=1) - var) < 5 * math.sqrt((mu4 - var**2) / n)


def _merged_bins(exact: stats.rv_discrete, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Edges (value lower bounds) of bins with expected count >= 5, and those counts."""
    lo, hi = int(exact.ppf(1e-12)), int(exact.ppf(1 - 1e-12))
    support = np.arange(lo, hi + 1)
    expected = n * exact.pmf(support)
    expected[0] = n * exact.cdf(lo)  # everything at or below lo
    expected[-1] = n * exact.sf(hi - 1)  # everything at or above hi
    edges: list[int] = []
    counts: list[float] = []
    acc = 0.0
    start = lo
    for value, e in zip(support, expected, strict=True):
        acc += e
        if acc >= 5.0:
            edges.append(start)
            counts.append(acc)
            acc, start = 0.0, int(value) + 1
    counts[-1] += acc  # a remainder too small for a bin joins the last one
    return np.array(edges), np.array(counts)


@pytest.mark.parametrize(("mean", "dist", "dispersion"), CASES)
def test_counts_fit_the_exact_pmf(mean: float, dist: int, dispersion: float) -> None:
    x = _sample(mean, dist, dispersion)
    exact = _exact(mean, dist, dispersion)
    edges, expected = _merged_bins(exact, x.size)
    observed = np.bincount(np.searchsorted(edges, x, side="right") - 1, minlength=edges.size)
    assert observed.sum() == x.size
    p = stats.chisquare(observed, expected * (x.size / expected.sum())).pvalue
    assert p > 1e-4, f"chi-square p = {p:.2e} over {edges.size} bins"


def test_a_wrong_distribution_fails_the_fit() -> None:
    """The fit test has power: Poisson(4.2) draws are rejected as Poisson(4)."""
    x = _sample(4.2, POISSON)
    edges, expected = _merged_bins(stats.poisson(4.0), x.size)
    observed = np.bincount(np.searchsorted(edges, x, side="right") - 1, minlength=edges.size)
    assert stats.chisquare(observed, expected * (x.size / expected.sum())).pvalue < 1e-4


def test_a_very_large_mean_neither_underflows_nor_drifts() -> None:
    grid = np.full((4, 10, 500), 1e6)
    x = draw_array(grid, KEYS, 7, POISSON, 1.0).ravel()
    assert np.all(np.isfinite(x)) and np.all(x == np.floor(x))
    assert abs(x.mean() - 1e6) < 5 * math.sqrt(1e6 / x.size)
    assert abs(x.std() / 1e3 - 1.0) < 0.03


def test_the_same_key_day_and_cell_give_the_same_value() -> None:
    key = KEYS[0]
    for mean, dist, k in [(3.0, POISSON, 1.0), (70.0, POISSON, 1.0), (10.0, NEGATIVE_BINOMIAL, 0.7)]:
        first = [draw(key, 5, cell, mean, dist, k) for cell in range(200)]
        assert [draw(key, 5, cell, mean, dist, k) for cell in range(200)] == first
        # and the values do change from cell to cell
        assert len(set(first)) > 5


def test_draw_array_is_draw_cell_by_cell() -> None:
    rng = np.random.default_rng(3)
    mean = rng.choice([0.0, 0.2, 3.0, 9.99, 10.0, 42.0, 800.0], size=(3, 4, 5))
    for dist, k in [(POISSON, 1.0), (NEGATIVE_BINOMIAL, 0.4), (NEGATIVE_BINOMIAL, 5.0), (DETERMINISTIC, 1.0)]:
        out = draw_array(mean, KEYS[:3], 11, dist, k)
        expected = np.array(
            [
                [[draw(KEYS[r], 11, s * 5 + i, mean[r, s, i], dist, k) for i in range(5)] for s in range(4)]
                for r in range(3)
            ]
        )
        np.testing.assert_array_equal(out, expected)


def test_chunks_of_replications_give_the_whole() -> None:
    seeds = replication_seeds(99, 0, 7)
    keys = demand.replication_keys(seeds)
    # a key depends on the seed and the replication's index only
    np.testing.assert_array_equal(demand.replication_keys(replication_seeds(99, 3, 7)), keys[3:])
    mean = np.random.default_rng(0).uniform(0.0, 60.0, size=(7, 6, 9))
    for dist in (POISSON, NEGATIVE_BINOMIAL):
        whole = draw_array(mean, keys, 4, dist, 1.5)
        parts = [
            draw_array(np.ascontiguousarray(mean[a:b]), keys[a:b], 4, dist, 1.5) for a, b in [(0, 3), (3, 7)]
        ]
        np.testing.assert_array_equal(np.concatenate(parts), whole)


def test_the_number_of_threads_changes_nothing() -> None:
    mean = np.random.default_rng(1).uniform(0.0, 30.0, size=(8, 20, 50))
    saved = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = draw_array(mean, np.arange(8, dtype=np.uint64), 2, NEGATIVE_BINOMIAL, 3.0)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = draw_array(mean, np.arange(8, dtype=np.uint64), 2, NEGATIVE_BINOMIAL, 3.0)
    finally:
        numba.set_num_threads(saved)
    np.testing.assert_array_equal(one, two)


def test_neighbouring_keys_days_and_cells_look_independent() -> None:
    """Correlations between neighbouring streams are within 5 standard errors of 0, even for
    keys 0, 1, 2, ... that differ in a bit or two."""
    keys = np.arange(4, dtype=np.uint64)
    grid = np.full((4, 100, 500), 30.0)
    day0 = draw_array(grid, keys, 0, POISSON, 1.0)
    day1 = draw_array(grid, keys, 1, POISSON, 1.0)
    flat = day0.reshape(4, -1)
    pairs = {
        "adjacent cells": (flat[:, :-1], flat[:, 1:]),
        "adjacent keys": (flat[:-1], flat[1:]),
        "adjacent days": (day0, day1),
        "cell c and key r vs cell c+1 and key r+1": (flat[:-1, :-1], flat[1:, 1:]),
    }
    for name, (a, b) in pairs.items():
        r = np.corrcoef(a.ravel(), b.ravel())[0, 1]
        assert abs(r) < 5 / math.sqrt(a.size), f"{name}: correlation {r:.4f}"
    assert not np.array_equal(day0[0], day0[1])


def test_deterministic_demand_is_the_mean_exactly() -> None:
    mean = np.array([[[0.0, 0.25, 1.0 / 3.0, 7.5, 1e6]]])
    np.testing.assert_array_equal(draw_array(mean, KEYS[:1], 0, DETERMINISTIC, 1.0), mean)
    assert draw(KEYS[0], 0, 2, 1.0 / 3.0, DETERMINISTIC, 1.0) == 1.0 / 3.0


def test_random_draws_of_no_demand_are_zero() -> None:
    for dist, k in [(POISSON, 1.0), (NEGATIVE_BINOMIAL, 0.5)]:
        assert draw(KEYS[0], 1, 1, 0.0, dist, k) == 0.0
        assert draw(KEYS[0], 1, 1, -2.0, dist, k) == 0.0


def test_distribution_codes() -> None:
    assert demand.distribution_code("poisson") == POISSON
    assert demand.distribution_code("negative_binomial") == NEGATIVE_BINOMIAL
    assert demand.distribution_code("deterministic") == DETERMINISTIC
    with pytest.raises(ValueError, match=r"'normal': expected one of deterministic, negative_binomial"):
        demand.distribution_code("normal")


def test_keys_are_one_uint64_per_replication_and_differ_by_seed() -> None:
    a = demand.replication_keys(replication_seeds(1, 0, 5))
    b = demand.replication_keys(replication_seeds(2, 0, 5))
    assert a.dtype == np.uint64 and a.shape == (5,)
    assert len(set(a.tolist()) | set(b.tolist())) == 10
    # the demand key is not the first word of the replication's own generator state
    own = [s.generate_state(1, np.uint64)[0] for s in replication_seeds(1, 0, 5)]
    assert not set(a.tolist()) & set(own)
    assert demand.replication_keys([]).shape == (0,)
