"""Calibration by approximate Bayesian computation (ABC): which parameter values make the
simulation reproduce an observed timeline, and how sure that is.

Each observed point comes with a tolerance: how far the truth may lie from the report. A
parameter set fits when every simulated point lies within its band; its distance is the
largest |simulated − observed| / tolerance over the points, so it fits at a distance of at
most 1. The posterior is the prior restricted to the sets that fit (ABC with a uniform
kernel on the tolerances): its spread is what the observations leave undecided.

The search is adaptive population Monte Carlo ABC (APMC; Lenormand, Jabot & Deffuant,
"Adaptive approximate Bayesian computation for complex models", Computational Statistics
28, 2013), a sequential Monte Carlo ABC whose tolerance follows the population down to 1:

1. Draw ``particles`` parameter sets from the priors and simulate each. Keep the
   ``alpha`` share closest.
2. Each generation draws ``particles − kept`` new sets from the kept ones, moved by a
   Gaussian kernel with twice their weighted covariance (Beaumont et al. 2009), weighted
   by prior density / kernel density. The new threshold is the distance of the
   ``kept``-th closest of old and new together, but not below 1; the sets within it stay.
3. Stop once the threshold is 1 (every kept set fits; all sets that fit are kept), when
   fewer than ``min_acceptance`` of a generation's new sets get in (the population no
   longer moves), or after ``max_generations`` (then the closest sets stand in, with a
   threshold above 1, and the result says so).

The kept sets and their weights approximate the posterior. Every generation simulates
the same number of sets, all independent of each other, so a generation fans out on any
executor; the random draws happen here, in order, so the result does not depend on the
executor. Nothing here reads files or runs the engine: ``simulate`` is given.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from aftershock.model.threats import Estimate

#: Methods :func:`calibrate` knows.
METHODS = ("abc-smc", "rejection")

#: Tries to draw a moved particle inside the prior's support before it is clipped into it.
MAX_KERNEL_TRIES = 100


@dataclass(frozen=True)
class Prior:
    """What is believed about one parameter before the observations: a uniform, PERT or
    lognormal :class:`~aftershock.model.threats.Estimate` of the value at ``path``."""

    path: str
    estimate: Estimate
    integer: bool = False
    origin: str = "--param"

    def __post_init__(self) -> None:
        e = self.estimate
        if e.dist == "point":
            raise ValueError(f"{self.path}: a point estimate ({e.value:g}) leaves nothing to calibrate")
        if e.dist in ("uniform", "pert") and not float(e.high) > float(e.low):  # type: ignore[arg-type]
            raise ValueError(f"{self.path}: low and high are both {e.low:g}; nothing to calibrate")

    @property
    def support(self) -> tuple[float, float]:
        """Lowest and highest value the prior allows."""
        e = self.estimate
        if e.dist in ("uniform", "pert"):
            return float(e.low), float(e.high)  # type: ignore[arg-type]
        return 0.0, math.inf

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return self.estimate.sample(rng, size)

    def logpdf(self, x: np.ndarray) -> np.ndarray:
        """Log prior density at ``x`` (``-inf`` outside the support)."""
        from scipy import stats

        e = self.estimate
        x = np.asarray(x, dtype=float)
        low, high = self.support
        with np.errstate(divide="ignore"):
            if e.dist == "uniform":
                out = np.full(x.shape, -math.log(high - low))
            elif e.dist == "pert":
                a = 1 + 4 * (float(e.mode) - low) / (high - low)  # type: ignore[arg-type]
                b = 1 + 4 * (high - float(e.mode)) / (high - low)  # type: ignore[arg-type]
                out = stats.beta.logpdf((x - low) / (high - low), a, b) - math.log(high - low)
            else:
                sigma = (math.log(float(e.p90)) - math.log(float(e.median))) / 1.2815515655446004  # type: ignore[arg-type]
                out = stats.lognorm.logpdf(x, s=sigma, scale=float(e.median))  # type: ignore[arg-type]
        return np.where((x >= low) & (x <= high), out, -np.inf)

    def quantile(self, q: Sequence[float]) -> np.ndarray:
        """The prior's quantiles ``q`` (0-1)."""
        from scipy import stats

        e = self.estimate
        q = np.asarray(q, dtype=float)
        low, high = self.support
        if e.dist == "uniform":
            return low + q * (high - low)
        if e.dist == "pert":
            a = 1 + 4 * (float(e.mode) - low) / (high - low)  # type: ignore[arg-type]
            b = 1 + 4 * (high - float(e.mode)) / (high - low)  # type: ignore[arg-type]
            return low + (high - low) * stats.beta.ppf(q, a, b)
        sigma = (math.log(float(e.p90)) - math.log(float(e.median))) / 1.2815515655446004  # type: ignore[arg-type]
        return float(e.median) * np.exp(sigma * stats.norm.ppf(q))  # type: ignore[arg-type]

    def describe(self) -> str:
        """``uniform 0.5-3``, ``pert 4 / 5 / 8``, ``lognormal median 2, p90 5``."""
        e = self.estimate
        if e.dist == "uniform":
            return f"uniform {e.low:g}-{e.high:g}"
        if e.dist == "pert":
            return f"pert {e.low:g} / {e.mode:g} / {e.high:g}"
        return f"lognormal median {e.median:g}, p90 {e.p90:g}"

    def value(self, x: float) -> float | int:
        """``x`` as the scenario takes it: rounded for a whole-number field."""
        return round(x) if self.integer else float(x)


@dataclass
class Generation:
    """One generation of the population: its tolerance, how many new sets got in, and the
    simulations it took."""

    index: int
    epsilon: float
    acceptance: float
    simulations: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "generation": self.index,
            "epsilon": self.epsilon,
            "acceptance": self.acceptance,
            "simulations": self.simulations,
        }


@dataclass
class Posterior:
    """The kept parameter sets (rows of ``theta``, one column per prior), their weights,
    distances and whatever ``simulate`` returned for each."""

    priors: tuple[Prior, ...]
    theta: np.ndarray
    weights: np.ndarray
    distances: np.ndarray
    extras: list[Any]
    generations: list[Generation] = field(default_factory=list)
    method: str = "abc-smc"

    @property
    def simulations(self) -> int:
        return sum(g.simulations for g in self.generations)

    @property
    def effective_size(self) -> float:
        """Kish's effective sample size of the weights."""
        w = self.weights
        return float(w.sum() ** 2 / (w**2).sum())

    def quantiles(self, q: Sequence[float]) -> np.ndarray:
        """Weighted quantiles ``q`` (0-1) of each parameter: shape (len(q), parameters), in the
        scenario's units (whole numbers for whole-number fields)."""
        out = np.empty((len(q), len(self.priors)))
        for j, prior in enumerate(self.priors):
            values = np.array([prior.value(x) for x in self.theta[:, j]], dtype=float)
            found = weighted_quantile(values, self.weights, q)
            out[:, j] = np.rint(found) if prior.integer else found
        return out

    def medians(self, digits: int = 4) -> dict[str, float | int]:
        """The posterior median of each parameter, as the scenario takes it (a whole number, or
        ``digits`` significant digits)."""
        med = self.quantiles([0.5])[0]
        return {
            p.path: int(p.value(m)) if p.integer else float(f"{m:.{digits}g}")
            for p, m in zip(self.priors, med, strict=True)
        }


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: Sequence[float]) -> np.ndarray:
    """Quantiles ``q`` of ``values`` under ``weights`` (the inverse of the weighted CDF, with
    each value at the middle of its weight)."""
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order] / weights.sum()
    cdf = np.cumsum(w) - w / 2
    return np.interp(np.asarray(q, dtype=float), cdf, v)


def distance(simulated: Sequence[float] | np.ndarray, observed: np.ndarray, tolerance: np.ndarray) -> float:
    """The largest |simulated − observed| / tolerance over the points: at most 1 when every
    simulated point lies within its band."""
    z = (np.asarray(simulated, dtype=float) - observed) / tolerance
    return float(np.max(np.abs(z)))


Simulate = Callable[[np.ndarray, int], tuple[np.ndarray, list[Any]]]


def calibrate(
    priors: Sequence[Prior],
    simulate: Simulate,
    *,
    method: str = "abc-smc",
    particles: int = 200,
    alpha: float = 0.5,
    max_generations: int = 8,
    min_acceptance: float = 0.05,
    target: float = 1.0,
    seed: int = 0,
    on_generation: Callable[[Generation], None] | None = None,
) -> Posterior:
    """Approximate the posterior of ``priors`` given the observations behind ``simulate``.

    ``simulate(theta, generation)`` takes parameter sets (rows; columns in the order of
    ``priors``) and returns their distances to the observations and one extra per set
    (kept with the posterior, e.g. the simulated series). ``target`` is the distance at
    which a set fits (1: every point within its band). ``method`` ``"rejection"`` stops
    after the first population (plain rejection ABC: the prior draws that fit, or the
    ``alpha`` share closest when fewer fit).
    """
    if method not in METHODS:
        raise ValueError(f"expected one of {', '.join(METHODS)}, got '{method}'")
    if not priors:
        raise ValueError("no parameters to calibrate")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie between 0 and 1, got {alpha}")
    kept_n = max(2, math.floor(alpha * particles))
    if particles - kept_n < 1:
        raise ValueError(f"{particles} particles keep {kept_n}: too few to move (at least 4)")
    rng = np.random.default_rng(seed)
    priors = tuple(priors)
    d = len(priors)
    theta = np.column_stack([p.sample(rng, particles) for p in priors])
    rho, extras = simulate(theta, 0)
    keep, epsilon = _select(rho, kept_n, target)
    theta, rho, weights = theta[keep], rho[keep], np.ones(len(keep))
    extras = [extras[i] for i in keep]
    generations = [Generation(0, epsilon, len(keep) / particles, particles)]
    if on_generation:
        on_generation(generations[-1])
    lows = np.array([p.support[0] for p in priors])
    highs = np.array([p.support[1] for p in priors])
    spans = np.where(np.isfinite(highs - lows), highs - lows, np.abs(theta).max(axis=0) + 1.0)
    t = 0
    while method == "abc-smc" and t < max_generations and epsilon > target:
        t += 1
        cov = 2.0 * np.atleast_2d(np.cov(theta.T, aweights=weights, bias=True))
        cov += np.diag((1e-6 * spans) ** 2)  # a collapsed parameter still moves a little
        chol = np.linalg.cholesky(cov)
        n_new = particles - kept_n
        parents = rng.choice(len(theta), size=n_new, p=weights / weights.sum())
        proposal = theta[parents].copy()
        todo = np.arange(n_new)
        for _ in range(MAX_KERNEL_TRIES):
            proposal[todo] = theta[parents[todo]] + rng.standard_normal((todo.size, d)) @ chol.T
            inside = np.all((proposal[todo] >= lows) & (proposal[todo] <= highs), axis=1)
            todo = todo[~inside]
            if todo.size == 0:
                break
        proposal = np.clip(proposal, lows, highs)
        new_w = _importance_weights(proposal, theta, weights, chol, priors)
        new_rho, new_extras = simulate(proposal, t)
        all_theta = np.vstack([theta, proposal])
        all_rho = np.concatenate([rho, new_rho])
        all_w = np.concatenate([weights, new_w])
        all_extras = extras + list(new_extras)
        old = len(theta)
        keep, epsilon = _select(all_rho, kept_n, target)
        acceptance = float(np.sum(keep >= old) / n_new)
        theta, rho, weights = all_theta[keep], all_rho[keep], all_w[keep]
        extras = [all_extras[i] for i in keep]
        generations.append(Generation(t, epsilon, acceptance, n_new))
        if on_generation:
            on_generation(generations[-1])
        if acceptance < min_acceptance:
            break
    return Posterior(priors, theta, weights / weights.sum(), rho, extras, generations, method)


def _select(rho: np.ndarray, kept_n: int, target: float) -> tuple[np.ndarray, float]:
    """Indices kept and the threshold: every set within ``target`` when at least ``kept_n``
    are, else the ``kept_n`` closest (the threshold is then the ``kept_n``-th distance)."""
    order = np.argsort(rho, kind="stable")
    fits = int(np.sum(rho <= target))
    if fits >= kept_n:
        return order[:fits], target
    keep = order[:kept_n]
    return keep, float(rho[keep[-1]])


def _importance_weights(
    proposal: np.ndarray, theta: np.ndarray, weights: np.ndarray, chol: np.ndarray, priors: Sequence[Prior]
) -> np.ndarray:
    """Prior density / mixture-of-kernels density of each proposed set."""
    from scipy.special import logsumexp

    log_prior = np.sum([p.logpdf(proposal[:, j]) for j, p in enumerate(priors)], axis=0)
    # the full Gaussian kernel density of every proposal around every kept set: prior / proposal
    # density is then an importance weight on the same scale as the first population's (1 for a
    # draw from the prior itself), so old and new sets compete on equal terms
    d = theta.shape[1]
    diff = proposal[:, None, :] - theta[None, :, :]
    z = np.linalg.solve(chol, diff.reshape(-1, d).T).T.reshape(diff.shape)
    log_kernel = -0.5 * np.sum(z**2, axis=2) - np.sum(np.log(np.diag(chol))) - 0.5 * d * math.log(2 * math.pi)
    log_mix = logsumexp(log_kernel + np.log(weights / weights.sum())[None, :], axis=1)
    return np.exp(log_prior - log_mix)
