"""Replications over drawn parameter sets, and the spread the parameters cause.

A simulation of a scenario with ``uncertainty:`` runs ``K`` parameter sets, set ``k`` on a
block of consecutive replications. Each set is compiled to its own
:class:`~aftershock.sim.inputs.SimInputs` where its replications run (in a worker on a pool
or cluster), one set at a time in process, so memory holds one set's inputs, not ``K``.
Replication ``i`` keeps demand stream ``i`` of the seed whatever set it runs
(:func:`~aftershock.sim.runner.replication_seeds`), so a scenario whose estimates are all
points gives exactly the result of the scenario without them, and any chunking and any
executor give the same numbers.

With several replications per set (a nested design), the law of total variance splits a
metric's variance over replications into the part due to the parameters (the variance of
the expected metric given the set) and the part due to demand (the mean variance within a
set): :func:`split_variance`, the one-way random-effects (ANOVA) estimate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from aftershock.model.stores import LoadedScenario
from aftershock.parallel.executors import Executor, InProcess
from aftershock.sim.engine import run_replications
from aftershock.sim.inputs import SimInputs, build_inputs
from aftershock.sim.runner import chunk_size, replication_seeds

#: A unit of work: a parameter set's scenario, the seed, replications ``lo .. hi-1``, and
#: whether to keep the store × item × day arrays.
Part = tuple[LoadedScenario, int, int, int, bool]


def run_part(args: Part) -> dict[str, np.ndarray]:
    """Replications ``lo .. hi-1`` of ``seed`` on one parameter set: the unit sent to executors."""
    loaded, seed, lo, hi, keep_store_days = args
    return run_replications(
        build_inputs(loaded), replication_seeds(seed, lo, hi), keep_store_days=keep_store_days
    )


def run_sets(
    base: SimInputs,
    sets: Sequence[LoadedScenario],
    sizes: Sequence[int],
    seed: int,
    *,
    keep_store_days: bool = False,
    chunk: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    executor: Executor | None = None,
) -> dict[str, np.ndarray]:
    """Set ``k`` of ``sets`` on its ``sizes[k]`` replications (in order), chunked as
    :func:`aftershock.sim.runner.run` does; the arrays of every replication, in order.

    ``base`` is the scenario's own compiled inputs: the sets differ from it in numbers only,
    so it sizes the chunks. In process, progress ticks every simulated day; on other
    executors, every chunk (all the sets' chunks go to the executor at once, so the workers
    stay busy across sets).
    """
    parallel = not (executor is None or isinstance(executor, InProcess))
    total = int(sum(sizes))
    limit = chunk_size(base, keep_store_days)
    # on a pool, several chunks per worker keep every worker busy to the end
    step = min(chunk or (max(1, -(-total // 8)) if parallel else limit), limit)
    parts: list[Part] = []
    start = 0
    for loaded, size in zip(sets, sizes, strict=True):
        stop = start + size
        parts.extend(
            (loaded, seed, lo, min(lo + step, stop), keep_store_days) for lo in range(start, stop, step)
        )
        start = stop
    if not parallel:
        days = base.horizon_days
        steps = len(parts) * days
        out = []
        compiled: tuple[LoadedScenario | None, SimInputs | None] = (None, None)
        for k, (loaded, _, lo, hi, keep) in enumerate(parts):

            def tick(day: int, base_step: int = k * days) -> None:
                if on_progress is not None:
                    on_progress(base_step + day + 1, steps)

            if compiled[0] is not loaded:  # one set's inputs at a time
                compiled = (loaded, build_inputs(loaded))
            inp = compiled[1]
            assert inp is not None
            out.append(
                run_replications(inp, replication_seeds(seed, lo, hi), keep_store_days=keep, on_day=tick)
            )
    else:
        finished = 0

        def done(_: int) -> None:
            nonlocal finished
            finished += 1
            if on_progress is not None:
                on_progress(finished, len(parts))

        assert executor is not None
        out = executor.map(run_part, parts, done)
    return {name: np.concatenate([p[name] for p in out]) for name in out[0]}


def split_variance(values: np.ndarray, draw: np.ndarray, sets_differ: bool = True) -> dict[str, float | None]:
    """How much of the variance of ``values`` (one per replication) the parameter draws cause.

    ``draw`` (R,) is the set of each replication. Returns ``variance`` (total, over
    replications), ``from_parameters`` (the variance of the expected value given the set:
    the one-way random-effects estimate ``(MSB - MSW) / n0``, at least 0), ``from_demand``
    (the mean variance within a set, ``MSW``), ``share`` (``from_parameters`` over their
    sum: the intraclass correlation) with its 90% confidence interval ``share_low`` ..
    ``share_high`` (from the F distribution of ``MSB / MSW``, exact for equal sets, Searle
    1971), and ``p5``/``p95``: the 90% interval of the expected value given the set, from the
    sets' means shrunk towards the overall mean so that their spread matches
    ``from_parameters`` (their own spread also holds the demand noise of a mean of few
    replications). Every entry is None where it cannot be told: a value not reached within
    the horizon (NaN), a single set, or one replication per set (then only ``variance``).
    With ``sets_differ=False`` (every set holds the same values: point estimates) nothing comes
    from the parameters, exactly: the sets are arbitrary groups of replications.
    """
    values = np.asarray(values, dtype=float)
    out: dict[str, float | None] = {
        "variance": None,
        "from_parameters": None,
        "from_demand": None,
        "share": None,
        "share_low": None,
        "share_high": None,
        "p5": None,
        "p95": None,
    }
    if values.size == 0 or not np.isfinite(values).all():
        return out
    n = values.size
    out["variance"] = float(values.var(ddof=1)) if n > 1 else 0.0
    sets, index, counts = np.unique(draw, return_inverse=True, return_counts=True)
    k = sets.size
    if not sets_differ:
        total = out["variance"] or 0.0
        mean = float(values.mean())
        share = 0.0 if total > 0 else None
        out.update(from_parameters=0.0, from_demand=total, share=share, share_low=share, share_high=share)
        out.update(p5=mean, p95=mean)
        return out
    if k < 2 or n <= k:
        return out
    means = np.bincount(index, weights=values) / counts
    grand = values.mean()
    ssb = float((counts * (means - grand) ** 2).sum())
    ssw = float(((values - means[index]) ** 2).sum())
    msb, msw = ssb / (k - 1), ssw / (n - k)
    n0 = (n - float((counts**2).sum()) / n) / (k - 1)
    between = max(0.0, (msb - msw) / n0)
    out["from_parameters"] = between
    out["from_demand"] = msw
    out["share"] = between / (between + msw) if between + msw > 0 else None
    out["share_low"], out["share_high"] = _share_interval(msb, msw, n0, k - 1, n - k, out["share"])
    spread = float(means.var(ddof=1))
    shrink = min(1.0, float(np.sqrt(between / spread))) if spread > 0 else 0.0
    expected = grand + shrink * (means - grand)
    p5, p95 = np.percentile(np.repeat(expected, counts), [5, 95])
    out["p5"], out["p95"] = float(p5), float(p95)
    return out


def _share_interval(
    msb: float, msw: float, n0: float, df_between: int, df_within: int, share: float
) -> tuple[float, float]:
    """90% confidence interval of the intraclass correlation from ``F = MSB / MSW``."""
    if msw <= 0:
        return share, share  # no noise within a set: the split is exact
    from scipy.stats import f as f_dist

    ratio = msb / msw
    upper_q, lower_q = f_dist.ppf([0.95, 0.05], df_between, df_within)

    def icc(x: float) -> float:
        return float(np.clip((x - 1) / (x + n0 - 1), 0.0, 1.0))

    return icc(ratio / upper_q), icc(ratio / lower_q)


def drawn_summary(values: np.ndarray) -> dict[str, float]:
    """Mean and 90% interval of a parameter's drawn values."""
    p5, p50, p95 = np.percentile(values, [5, 50, 95])
    return {"mean": float(values.mean()), "p5": float(p5), "p50": float(p50), "p95": float(p95)}
