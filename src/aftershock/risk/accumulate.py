"""Portfolio accumulation: one compromise of a vendor shared by many companies' networks.

Replication ``r`` is one occurrence of the vendor's compromise, seen by every member at
once:

* **The shared shock.** Where the vendor's threat model is known (a threat in a member on
  one of the vendor's services), each replication draws one outage (days until compromised
  services start to come back) and one pause (the precautionary isolation) from it, and
  every member runs that same incident shape (:func:`~aftershock.risk.shapes.shape_inputs`,
  as ``risk`` prices its incidents); a threat without ``pause_days`` leaves each member its
  own ``forensic_clearance_days``. Without a threat, each member runs its own incident as
  written, from the vendor's entry service.
* **What stays each member's own.** Whether the attack crosses each of the member's control
  edges (each with its p), its demand and its response cost come from the member's own
  random streams (seeded by the seed and the member's file), so members are correlated
  through the shared shock, not through accidents of the random numbers. Within a member,
  the incident run and the run without incident use the same streams (common random
  numbers): the loss is their paired difference.
* **Loss.** As ``risk`` defines it (:func:`aftershock.risk.montecarlo.simulate_years`): the
  engine loss (lost margin + surge cost + margin of customers who stay away) beyond the
  same replication without incident, floored at 0, plus the response cost of the member's
  threat on the vendor's services (0 without one). Each member's insurance terms
  (``insurance:``, :mod:`aftershock.risk.insurance`) split it into what the policy pays and
  what the member keeps (net); the vendor's compromise is a supplier's incident, so a
  contingent business interruption sublimit applies.
* **The aggregate** of a replication is the sum over members; the annual aggregate is a
  compound Poisson sum by Monte Carlo over years: each year draws a rate from the vendor's
  frequency estimate, a Poisson count of occurrences, and for each occurrence one of the
  replications (the same one for gross, paid and net).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from aftershock.model.stores import LoadedScenario
from aftershock.model.threats import Estimate
from aftershock.risk.montecarlo import _loss_per_rep, exceedance_curve, loss_statistics
from aftershock.risk.shapes import baseline_inputs, shape_inputs
from aftershock.sim.inputs import build_inputs
from aftershock.sim.runner import run as run_sim

#: Quantiles of the per-occurrence loss reported.
QUANTILES = (0.5, 0.9, 0.95, 0.99)


@dataclass(frozen=True)
class MemberJob:
    """One member's share of the work, sent to an executor: everything it needs, no files."""

    loaded: LoadedScenario
    entry: str  # the service where the vendor's compromise enters
    pause_days: np.ndarray | None  # (R,) shared pause; None: the member's own
    outage_days: np.ndarray | None  # (R,) shared outage; None: the member's incident as written
    seed: int
    replications: int


@dataclass(frozen=True)
class MemberLoss:
    """A member's engine loss per replication and the daily business interruption behind it."""

    engine_loss: np.ndarray  # (R,) beyond the same replication without incident, >= 0
    bi_daily: np.ndarray  # (R, days) lost margin + margin of customers lost, beyond the baseline
    start_day: int
    start_share: float


def unit_margin(loaded: LoadedScenario) -> float:
    """Margin per unit of the chain's item mix (what a customer who stays away costs a unit)."""
    items = loaded.scenario.items
    shares = np.array([i.demand_share for i in items])
    return float((shares / shares.sum()) @ np.array([i.margin for i in items]))


def member_loss(job: MemberJob) -> MemberLoss:
    """Run one member: the replications with the vendor's compromise and the same without."""
    base = build_inputs(job.loaded)
    reps = job.replications
    entry = base.net.service_ids.index(job.entry)
    if job.outage_days is None:
        hit = replace(base, timeline=replace(base.timeline, start_service=entry))
    else:
        own = job.loaded.scenario.incident.forensic_clearance_days
        pause = np.full(reps, own) if job.pause_days is None else job.pause_days
        room = job.loaded.scenario.horizon_days - base.timeline.start_day
        # longer than the horizon is priced as the horizon, as risk does
        hit = shape_inputs(base, entry, np.clip(pause, 0, room), np.clip(job.outage_days, 1, room), own)
    margin = unit_margin(job.loaded)
    raw = run_sim(hit, reps, job.seed)
    normal = run_sim(baseline_inputs(base, reps), reps, job.seed)
    loss = np.maximum(_loss_per_rep(raw, margin) - _loss_per_rep(normal, margin), 0.0)
    bi = (raw["lost_margin"] + raw["customers_lost_units"] * margin) - (
        normal["lost_margin"] + normal["customers_lost_units"] * margin
    )
    return MemberLoss(
        engine_loss=loss,
        bi_daily=bi,
        start_day=int(base.timeline.start_day),
        start_share=float(getattr(base.timeline, "start_share", 0.0)),
    )


def member_seed(seed: int, key: str) -> int:
    """The seed of a member's own streams: from ``seed`` and the member's file, below 2^63."""
    words = [int(b) for b in key.encode("utf-8")[:256]]
    state = np.random.SeedSequence([seed, len(words), *words]).generate_state(2, np.uint32)
    return int((int(state[0]) << 31) | (int(state[1]) >> 1))


def shared_shock(
    outage: Estimate, pause: Estimate | None, replications: int, seed: int
) -> tuple[np.ndarray, np.ndarray | None]:
    """Each replication's outage and pause days (whole days; an outage at least 1)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(2)[0])
    days = np.maximum(np.rint(outage.sample(rng, replications)).astype(np.int64), 1)
    paused = (
        None if pause is None else np.maximum(np.rint(pause.sample(rng, replications)), 0).astype(np.int64)
    )
    return days, paused


def occurrence_statistics(loss: np.ndarray) -> dict[str, object]:
    """Mean, quantiles and maximum of a per-occurrence loss, and its exceedance curve."""
    out: dict[str, object] = {"mean": float(loss.mean()) if loss.size else 0.0}
    for q in QUANTILES:
        out[f"p{round(q * 100)}"] = float(np.quantile(loss, q)) if loss.size else 0.0
    out["max"] = float(loss.max()) if loss.size else 0.0
    out["share_with_loss"] = float((loss > 0).mean()) if loss.size else 0.0
    out["exceedance"] = exceedance_curve(loss)
    return out


def annual_aggregate(
    per_occurrence: dict[str, np.ndarray], frequency: Estimate, years: int, seed: int
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Compound Poisson annual sums of each per-occurrence series, by Monte Carlo over years.

    Every series (gross, paid, net) is summed over the same occurrences: year ``y`` has
    ``N_y ~ Poisson(λ_y)`` occurrences, ``λ_y`` drawn from ``frequency``, each priced by one
    replication drawn uniformly. Returns the annual series and the count per year.
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(3)[2])
    counts = rng.poisson(frequency.sample(rng, years))
    size = next(iter(per_occurrence.values())).size
    pick = rng.integers(0, size, int(counts.sum()))
    year_of = np.repeat(np.arange(years), counts)
    out = {}
    for name, loss in per_occurrence.items():
        annual = np.zeros(years)
        np.add.at(annual, year_of, loss[pick])
        out[name] = annual
    return out, counts


def annual_statistics(annual: np.ndarray) -> dict[str, object]:
    """ALE, VaR, ES and the exceedance curve of annual losses, as ``risk`` reports them."""
    return loss_statistics(annual)


def response_costs(cost: Estimate | None, seed: int, replications: int) -> np.ndarray:
    """A member's response cost in each replication (zeros without a threat), from its own streams."""
    if cost is None:
        return np.zeros(replications)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    return cost.sample(rng, replications)
