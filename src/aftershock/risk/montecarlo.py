"""Yearly Monte Carlo of supplier cyber incidents: frequencies, durations, losses.

Each simulated year draws, per threat, a Poisson number of incidents (its rate itself
drawn from the frequency estimate), and for each incident a pause, an outage and a
response cost. Losses of an incident shape come from the engine: lost margin + surge cost
+ margin of customers who stay away, less the same in a year without incident.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from aftershock.model.stores import LoadedScenario
from aftershock.parallel.executors import Executor
from aftershock.risk.shapes import baseline_inputs, shape_inputs
from aftershock.sim.inputs import SimInputs
from aftershock.sim.runner import run as run_sim

#: Loss thresholds on the exceedance curve.
LEC_POINTS = 60


@dataclass
class RiskResult:
    """Annual losses per simulated year, with their breakdown and summary statistics."""

    annual_loss: np.ndarray  # (years,)
    by_threat: dict[str, np.ndarray]  # threat -> (years,)
    threat_party: dict[str, str]
    threat_service: dict[str, str]
    incidents_per_year: np.ndarray
    shapes_simulated: int
    shape_losses: dict[str, dict[str, float]] = field(default_factory=dict)
    #: DC -> (years,) the part of each year's loss at that DC's stores (see :func:`simulate_years`)
    by_dc: dict[str, np.ndarray] = field(default_factory=dict)
    dc_stores: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict[str, object]:
        """ALE, VaR, ES with confidence intervals, the exceedance curve and the ranking."""
        loss = self.annual_loss
        n = loss.size
        ale = float(loss.mean())
        se = float(loss.std(ddof=1) / np.sqrt(n)) if n > 1 else 0.0
        out: dict[str, object] = {
            "years": n,
            "expected_annual_loss": ale,
            "expected_annual_loss_ci95": [ale - 1.96 * se, ale + 1.96 * se],
            "incidents_per_year_mean": float(self.incidents_per_year.mean()),
            "share_of_years_with_incident": float((self.incidents_per_year > 0).mean()),
            "shapes_simulated": self.shapes_simulated,
        }
        for q in (0.95, 0.99):
            var, lo, hi = quantile_ci(loss, q)
            tail = loss[loss >= var]
            key = f"{round(q * 100)}"
            out[f"var{key}"] = var
            out[f"var{key}_ci95"] = [lo, hi]
            out[f"es{key}"] = float(tail.mean()) if tail.size else var
        out["loss_exceedance"] = exceedance_curve(loss)
        parties: dict[str, float] = {}
        rows = []
        for name, series in self.by_threat.items():
            mean = float(series.mean())
            parties[self.threat_party[name]] = parties.get(self.threat_party[name], 0.0) + mean
            rows.append(
                {
                    "threat": name,
                    "service": self.threat_service[name],
                    "vendor": self.threat_party[name],
                    "expected_annual_loss": mean,
                    "share": mean / ale if ale > 0 else 0.0,
                    "loss_per_incident": self.shape_losses.get(name, {}),
                }
            )
        rows.sort(key=lambda r: -float(r["expected_annual_loss"]))  # type: ignore[arg-type]
        for rank, r in enumerate(rows, start=1):
            r["rank"] = rank
        out["by_threat"] = rows
        out["by_vendor"] = [
            {"vendor": v, "expected_annual_loss": x, "share": x / ale if ale > 0 else 0.0, "rank": i}
            for i, (v, x) in enumerate(sorted(parties.items(), key=lambda kv: -kv[1]), start=1)
        ]
        by_dc = [
            {
                "dc": dc,
                "stores": self.dc_stores.get(dc, 0),
                "expected_annual_loss": float(series.mean()),
                "share": float(series.mean()) / ale if ale > 0 else 0.0,
            }
            for dc, series in self.by_dc.items()
        ]
        out["by_dc"] = by_dc
        out["not_attributed_to_a_dc"] = (
            max(ale - sum(float(r["expected_annual_loss"]) for r in by_dc), 0.0) if by_dc else ale
        )
        return out


def quantile_ci(values: np.ndarray, q: float) -> tuple[float, float, float]:
    """The ``q`` quantile and a 95% distribution-free interval from order statistics."""
    s = np.sort(values)
    n = s.size
    est = float(np.quantile(s, q))
    half = 1.96 * np.sqrt(n * q * (1 - q))
    lo = int(np.clip(np.floor(n * q - half), 0, n - 1))
    hi = int(np.clip(np.ceil(n * q + half), 0, n - 1))
    return est, float(s[lo]), float(s[hi])


def exceedance_curve(loss: np.ndarray) -> dict[str, list[float]]:
    """P(annual loss > x) on a grid of x from the smallest positive loss to the largest."""
    positive = loss[loss > 0]
    if not positive.size:
        return {"loss": [0.0], "probability": [0.0]}
    # start just below the smallest loss, so the first point is P(any loss)
    low = max(positive.min() * 0.999, 1e-9)
    grid = np.geomspace(low, max(positive.max(), low * 1.001), LEC_POINTS)
    s = np.sort(loss)
    prob = 1.0 - np.searchsorted(s, grid, side="right") / s.size
    return {"loss": [float(x) for x in grid], "probability": [float(p) for p in prob]}


def _loss_per_rep(raw: dict[str, np.ndarray], unit_margin: float) -> np.ndarray:
    return (
        raw["lost_margin"].sum(axis=1)
        + raw["surge_cost"].sum(axis=1)
        + raw["customers_lost_units"].sum(axis=1) * unit_margin
    )


def _revenue_by_dc(raw: dict[str, np.ndarray], onehot: np.ndarray) -> np.ndarray:
    """(reps, D) revenue lost at each DC's stores over the horizon."""
    return raw["store_lost_revenue_total"] @ onehot


def _dc_shares(extra: np.ndarray) -> np.ndarray:
    """(..., D) each DC's part of the extra lost revenue (0 everywhere when there is none)."""
    extra = np.maximum(extra, 0.0)
    total = extra.sum(axis=-1, keepdims=True)
    return np.divide(extra, total, out=np.zeros_like(extra), where=total > 0)


def simulate_years(
    loaded: LoadedScenario,
    base: SimInputs,
    *,
    years: int,
    seed: int,
    reps_per_shape: int,
    executor: Executor | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> RiskResult:
    """Sample ``years`` incident years and price every incident with the engine.

    Each occurrence's engine loss (lost margin, surge and churn beyond a year without
    incident) is split over the DCs in proportion to the revenue lost at each DC's stores
    beyond the same baseline (``by_dc``); the response cost, and the loss of a shape that
    loses no sales beyond the baseline, belong to no DC.
    """
    scenario = loaded.scenario
    threats = scenario.threats
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
    shares = np.array([i.demand_share for i in scenario.items])
    unit_margin = float((shares / shares.sum()) @ np.array([i.margin for i in scenario.items]))
    service_party = {s.id: s.party for s in scenario.services}
    svc_index = {s: i for i, s in enumerate(base.net.service_ids)}
    pause0 = scenario.incident.forensic_clearance_days
    horizon_room = scenario.horizon_days - scenario.incident.compromise.day

    draws = []
    for threat in threats:
        rate = threat.frequency_per_year.sample(rng, years)
        counts = rng.poisson(rate)
        total = int(counts.sum())
        pause = (
            np.full(total, pause0)
            if threat.pause_days is None
            else np.rint(threat.pause_days.sample(rng, total)).astype(np.int64)
        )
        outage = np.maximum(np.rint(threat.outage_days.sample(rng, total)).astype(np.int64), 1)
        # longer than the horizon is priced as the horizon: the simulated window is the cap
        pause = np.clip(pause, 0, horizon_room)
        outage = np.clip(outage, 1, horizon_room)
        cost = threat.response_cost.sample(rng, total)
        pick = rng.integers(0, reps_per_shape, total)
        draws.append((threat, counts, pause, outage, cost, pick))

    # one engine batch per threat: its distinct shapes × reps_per_shape, plus one baseline
    batches = []
    for _threat, _counts, pause, outage, _cost, _pick in draws:
        shapes = np.unique(np.stack([pause, outage], axis=1), axis=0) if pause.size else np.zeros((0, 2), int)
        batches.append(shapes)
    total_rows = sum(len(s) for s in batches) * reps_per_shape + reps_per_shape
    done_rows = 0

    dc_ids = base.dc_ids
    onehot = base.store_dc_onehot[:, : len(dc_ids)] if dc_ids else np.zeros((base.n_stores, 0))

    def run_batch(inputs: SimInputs, reps: int, batch_seed: int) -> tuple[np.ndarray, np.ndarray]:
        nonlocal done_rows
        start = done_rows

        def tick(d: int, t: int) -> None:
            if on_progress is not None:
                on_progress(start + round(reps * d / max(t, 1)), total_rows)

        raw = run_sim(inputs, reps, batch_seed, on_progress=tick, executor=executor)
        done_rows += reps
        return _loss_per_rep(raw, unit_margin), _revenue_by_dc(raw, onehot)

    normal_loss, normal_by_dc = run_batch(baseline_inputs(base, reps_per_shape), reps_per_shape, seed)
    baseline = float(normal_loss.mean())
    baseline_by_dc = normal_by_dc.mean(axis=0)
    by_dc = {dc: np.zeros(years) for dc in dc_ids}
    by_threat: dict[str, np.ndarray] = {}
    shape_losses: dict[str, dict[str, float]] = {}
    incidents = np.zeros(years, dtype=np.int64)
    for k, ((threat, counts, pause, outage, cost, pick), shapes) in enumerate(
        zip(draws, batches, strict=True)
    ):
        year_loss = np.zeros(years)
        incidents += counts
        if len(shapes):
            rows_pause = np.repeat(shapes[:, 0], reps_per_shape)
            rows_outage = np.repeat(shapes[:, 1], reps_per_shape)
            inputs = shape_inputs(base, svc_index[threat.service], rows_pause, rows_outage, pause0)
            raw_loss, revenue_by_dc = run_batch(inputs, rows_pause.size, seed + 1 + k)
            losses = np.maximum(raw_loss - baseline, 0.0).reshape(len(shapes), reps_per_shape)
            shares = _dc_shares(revenue_by_dc - baseline_by_dc).reshape(len(shapes), reps_per_shape, -1)
            # occurrence -> its shape's row -> one of that shape's replications
            key = pause * (horizon_room + 2) + outage
            shape_key = shapes[:, 0] * (horizon_room + 2) + shapes[:, 1]
            shape_of = np.searchsorted(shape_key, key)
            occurrence_loss = losses[shape_of, pick] + cost
            year_of = np.repeat(np.arange(years), counts)
            np.add.at(year_loss, year_of, occurrence_loss)
            at_dcs = losses[shape_of, pick][:, None] * shares[shape_of, pick]  # (occurrences, D)
            for d, dc in enumerate(dc_ids):
                np.add.at(by_dc[dc], year_of, at_dcs[:, d])
            shape_losses[threat.name] = {
                "mean": float(occurrence_loss.mean()),
                "p95": float(np.quantile(occurrence_loss, 0.95)),
            }
        by_threat[threat.name] = year_loss
    annual = np.sum(list(by_threat.values()), axis=0) if by_threat else np.zeros(years)
    return RiskResult(
        annual_loss=annual,
        by_threat=by_threat,
        threat_party={t.name: service_party[t.service] for t in threats},
        threat_service={t.name: t.service for t in threats},
        incidents_per_year=incidents,
        shapes_simulated=sum(len(s) for s in batches),
        shape_losses=shape_losses,
        by_dc=by_dc,
        dc_stores={dc: int((base.store_dc == d).sum()) for d, dc in enumerate(dc_ids)},
    )
