"""The pause decision: how long to isolate as a precaution, priced on common random numbers.

For each pause length ``L`` the scenario's precautionary isolations (those that end with the
pause, ``incident.pause_days``) last ``L`` days from detection, and the recovery plan's
surge and cap windows move with the restart (as ``risk`` moves them). Every length runs the
same replications (the same seed): replication ``r`` draws the same live control edges and
the same demand under every length, so the lengths are compared path by path.

A longer pause stops more of the spread (an isolation in force stops a compromise landing on
a control edge it cuts: :mod:`aftershock.graph.spread`) and costs more days without the
isolated systems. Per length:

- ``expected_loss`` and ``p95_loss``: the loss of the incident, lost margin + surge cost +
  margin of customers who stay away (:func:`aftershock.risk.montecarlo._loss_per_rep`), less
  the same replication with no incident at all;
- ``reach_probability``: the share of replications in which the attack compromises a
  guarded service (an isolated service, or the providing end of an isolated link) within
  the horizon;
- ``pause_cost``: the cost of the pause itself, the mean loss beyond a pause of 0 days on
  the replications in which the attack would reach no guarded service even with no pause
  (there the pause buys nothing, so the whole difference is what it costs); ``None`` when
  there are no such replications. ``pause_cost_per_day`` divides it by ``L``.

The best length has the least expected loss (the shortest among equals; ``tied_with`` lists
the longer lengths with the same expected loss, which the spread and the plan treat alike).
How sure that is: ``best_share`` is the share of bootstrap resamples of the replications
(paired: a replication is resampled with all its lengths) in which a length has the least
expected loss (tied lengths each count), and ``versus_runner_up`` the mean paired difference
from the best to the next length that is not tied with it, with a 95% interval.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from aftershock.graph.spread import NEVER, guard_of
from aftershock.model.stores import LoadedScenario
from aftershock.parallel.executors import Executor
from aftershock.risk.montecarlo import _loss_per_rep
from aftershock.risk.shapes import baseline_inputs
from aftershock.sim import build_inputs
from aftershock.sim.engine import sample_compromise
from aftershock.sim.inputs import SimInputs
from aftershock.sim.runner import replication_seeds
from aftershock.sim.runner import run as run_sim

#: Bootstrap resamples behind ``best_share``.
BOOTSTRAP = 2000
#: Relative difference under which two expected losses are equal (a tie, not a ranking).
_TIE = 1e-9


def with_pause(loaded: LoadedScenario, days: int) -> LoadedScenario:
    """``loaded`` with its precautionary isolations lasting ``days`` from detection."""
    incident = loaded.scenario.incident.model_copy(
        update={"pause_days": days, "forensic_clearance_days": days}
    )
    return replace(loaded, scenario=loaded.scenario.model_copy(update={"incident": incident}))


def paused_isolations(loaded: LoadedScenario) -> int:
    """How many isolations end with the pause (no ``until_day`` of their own)."""
    return sum(1 for iso in loaded.scenario.incident.isolate if iso.until_day is None)


def pause_inputs(loaded: LoadedScenario, days: int, replications: int) -> SimInputs:
    """Engine inputs with a pause of ``days``, the plan moved with the restart."""
    scenario_pause = loaded.scenario.incident.forensic_clearance_days
    inp = build_inputs(with_pause(loaded, days))
    return replace(inp, row_plan_shift=np.full(replications, days - scenario_pause, dtype=np.int64))


def reached(inp: SimInputs, replications: int, seed: int) -> np.ndarray:
    """Whether the attack compromises a guarded service within the horizon, per replication.

    Draws the live edges exactly as the engine does (the first draw of each replication's
    stream), so it describes the very replications the engine ran.
    """
    guard = guard_of(inp.timeline, inp.net)
    if guard is None:
        return np.zeros(replications, dtype=bool)
    rngs = [np.random.default_rng(s) for s in replication_seeds(seed, 0, replications)]
    days = sample_compromise(inp.take_rows(0, replications), rngs)
    services = np.unique(guard.service)
    hit = days[:, services]
    return ((hit < NEVER) & (hit < inp.horizon_days)).any(axis=1)


def pause_study(
    loaded: LoadedScenario,
    days: Sequence[int],
    *,
    replications: int,
    seed: int,
    executor: Executor | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[str, object]:
    """Price each pause length in ``days`` (sorted, distinct, >= 0); see the module docstring."""
    lengths = [int(d) for d in days]
    runs = sorted({0, *lengths})
    total = (len(runs) + 1) * replications
    done = 0
    items = loaded.scenario.items
    shares = np.array([i.demand_share for i in items])
    unit_margin = float((shares / shares.sum()) @ np.array([i.margin for i in items]))

    def run(inp: SimInputs) -> np.ndarray:
        nonlocal done
        start = done

        def tick(d: int, t: int) -> None:
            if on_progress is not None:
                on_progress(start + round(replications * d / max(t, 1)), total)

        raw = run_sim(inp, replications, seed, on_progress=tick, executor=executor)
        done += replications
        return _loss_per_rep(raw, unit_margin)

    base = build_inputs(loaded)
    normal = run(baseline_inputs(base, replications))
    loss: dict[int, np.ndarray] = {}
    reach: dict[int, np.ndarray] = {}
    for length in runs:
        inp = pause_inputs(loaded, length, replications)
        loss[length] = run(inp) - normal
        reach[length] = reached(inp, replications, seed)
    # paths the attack never takes to a guarded service, even with no pause: the pause buys nothing
    quiet = ~reach[0]
    rows = []
    for length in lengths:
        x = loss[length]
        cost = float((x[quiet] - loss[0][quiet]).mean()) if quiet.any() else None
        rows.append(
            {
                "pause_days": length,
                "expected_loss": float(x.mean()),
                "expected_loss_ci95": _mean_ci(x),
                "p95_loss": float(np.quantile(x, 0.95)),
                "reach_probability": float(reach[length].mean()),
                "pause_cost": cost,
                "pause_cost_per_day": None if cost is None or length == 0 else cost / length,
            }
        )
    matrix = np.stack([loss[length] for length in lengths])  # (L, R)
    means = matrix.mean(axis=1)
    best = int(np.argmin(means))
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(2)[1])
    picks = rng.integers(0, replications, (BOOTSTRAP, replications))
    boot = matrix[:, picks].mean(axis=2)  # (L, B)
    # equal losses (lengths the spread and the plan treat alike) are all best in a resample
    boot_best = boot <= boot.min(axis=0) + _TIE * np.maximum(np.abs(boot).max(axis=0), 1.0)
    tied = np.abs(means - means[best]) <= _TIE * max(float(np.abs(means).max()), 1.0)
    for k, row in enumerate(rows):
        row["best_share"] = float(boot_best[k].mean())
        row["best"] = k == best
    runner_up = None
    others = [k for k in np.argsort(means, kind="stable") if not tied[k]]
    if others:
        second = int(others[0])
        diff = matrix[second] - matrix[best]
        runner_up = {
            "pause_days": lengths[second],
            "extra_expected_loss": float(diff.mean()),
            "extra_expected_loss_ci95": _mean_ci(diff),
        }
    return {
        "rows": rows,
        "best_pause_days": lengths[best],
        "best_share": rows[best]["best_share"],
        "tied_with": [lengths[k] for k in np.flatnonzero(tied) if k != best],
        "versus_runner_up": runner_up,
        "replications": replications,
        "seed": seed,
        "no_reach_replications": int(quiet.sum()),
        "guarded_services": _guarded_ids(base),
        "scenario_pause_days": loaded.scenario.incident.forensic_clearance_days,
    }


def _guarded_ids(inp: SimInputs) -> list[str]:
    guard = guard_of(inp.timeline, inp.net)
    if guard is None:
        return []
    return [inp.net.service_ids[int(s)] for s in np.unique(guard.service)]


def _mean_ci(x: np.ndarray) -> list[float]:
    mean = float(x.mean())
    se = float(x.std(ddof=1) / np.sqrt(x.size)) if x.size > 1 else 0.0
    return [mean - 1.96 * se, mean + 1.96 * se]
