"""Yearly Monte Carlo of supplier cyber incidents: frequencies, durations, losses.

Each simulated year draws, per threat and per common cause, a Poisson number of incidents
(its rate itself drawn from the frequency estimate), and for each incident a pause, an
outage and a response cost; a common cause also draws which of its entry services it hits.
Losses of an incident shape come from the engine: lost margin + surge cost + margin of
customers who stay away, less the same in a year without incident. Insurance terms
(:mod:`aftershock.risk.insurance`) turn the gross loss of each incident into a net one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from aftershock.model.insurance import InsuranceTerms
from aftershock.model.stores import LoadedScenario
from aftershock.model.threats import CommonCause, Threat
from aftershock.parallel.executors import Executor
from aftershock.risk.insurance import paid_per_occurrence, waiting_period_loss
from aftershock.risk.shapes import baseline_inputs, shape_inputs
from aftershock.sim.inputs import SimInputs
from aftershock.sim.runner import run as run_sim

#: Loss thresholds on the exceedance curve.
LEC_POINTS = 60


@dataclass
class Occurrences:
    """Every simulated incident (of a threat or a common cause), in the order they were drawn.

    ``bi_daily`` holds one row per engine replication priced: the business-interruption loss
    of each day (lost margin + margin of customers lost) beyond the same day in a year without
    incident; ``bi_row`` points each occurrence at its row, so a waiting period can be applied
    after the run.
    """

    year: np.ndarray  # (n,) the simulated year it falls in
    source: np.ndarray  # (n,) index into RiskResult.sources
    engine_loss: np.ndarray  # (n,) engine loss beyond the baseline (lost margin, surge, churn), >= 0
    response: np.ndarray  # (n,) response cost
    supplier: np.ndarray  # (n,) bool: caused by a supplier (contingent business interruption)
    bi_row: np.ndarray  # (n,) row of bi_daily
    bi_daily: np.ndarray  # (rows, days)

    @property
    def gross(self) -> np.ndarray:
        """Gross loss of each occurrence: engine loss + response cost."""
        return self.engine_loss + self.response


@dataclass
class RiskResult:
    """Annual losses per simulated year, with their breakdown and summary statistics."""

    annual_loss: np.ndarray  # (years,)
    by_threat: dict[str, np.ndarray]  # threat or common cause -> (years,)
    threat_party: dict[str, str]
    threat_service: dict[str, str]
    incidents_per_year: np.ndarray
    shapes_simulated: int
    shape_losses: dict[str, dict[str, float]] = field(default_factory=dict)
    #: DC -> (years,) the part of each year's loss at that DC's stores (see :func:`simulate_years`)
    by_dc: dict[str, np.ndarray] = field(default_factory=dict)
    dc_stores: dict[str, int] = field(default_factory=dict)
    #: every occurrence, for insurance terms (None: terms cannot be applied)
    occurrences: Occurrences | None = None
    #: names of by_threat in the order Occurrences.source counts them
    sources: list[str] = field(default_factory=list)
    #: common cause -> the entry services it compromises at once
    cause_entries: dict[str, list[str]] = field(default_factory=dict)
    first_party: dict[str, bool] = field(default_factory=dict)
    #: the compromise: day and share of the day before it (where a waiting period starts)
    start_day: int = 0
    start_share: float = 0.0

    def paid(self, terms: InsuranceTerms | None) -> np.ndarray:
        """What the policy pays for each occurrence under ``terms`` (zeros without terms)."""
        occ = self.occurrences
        if occ is None:
            if terms is not None:
                raise ValueError("this result kept no occurrences: insurance terms cannot be applied")
            return np.zeros(0)
        waiting = np.zeros(occ.engine_loss.size)
        if terms is not None and terms.waiting_period_days > 0 and occ.bi_daily.size:
            per_row = waiting_period_loss(
                occ.bi_daily, self.start_day, self.start_share, terms.waiting_period_days
            )
            waiting = per_row[occ.bi_row]
        return paid_per_occurrence(terms, occ.engine_loss, occ.response, waiting, occ.supplier)

    def summary(self, terms: InsuranceTerms | None = None) -> dict[str, object]:
        """ALE, VaR, ES with confidence intervals, the exceedance curve and the ranking.

        The top-level statistics are of the gross loss; ``net`` has the same for the loss the
        company keeps under ``terms`` (equal to gross without terms), ``insurance`` the terms
        and what the policy pays a year on average.
        """
        loss = self.annual_loss
        n = loss.size
        gross = loss_statistics(loss)
        ale = float(gross["expected_annual_loss"])  # type: ignore[arg-type]
        out: dict[str, object] = {
            "years": n,
            "expected_annual_loss": ale,
            "expected_annual_loss_ci95": gross["expected_annual_loss_ci95"],
            "incidents_per_year_mean": float(self.incidents_per_year.mean()),
            "share_of_years_with_incident": float((self.incidents_per_year > 0).mean()),
            "shapes_simulated": self.shapes_simulated,
        }
        for key in ("var95", "var95_ci95", "es95", "var99", "var99_ci95", "es99", "loss_exceedance"):
            out[key] = gross[key]
        # what the policy pays: per year, and per year of each threat
        paid = self.paid(terms)
        paid_year = np.zeros(n)
        paid_by_source = {name: np.zeros(n) for name in self.by_threat}
        if self.occurrences is not None and paid.size:
            occ = self.occurrences
            np.add.at(paid_year, occ.year, paid)
            for k, name in enumerate(self.sources):
                mine = occ.source == k
                np.add.at(paid_by_source[name], occ.year[mine], paid[mine])
        net_loss = loss - paid_year
        gross_grid = gross["loss_exceedance"]["loss"]  # type: ignore[index]
        # on the gross curve's grid: the two curves can be read side by side
        out["net"] = loss_statistics(net_loss, gross_grid)
        out["insurance"] = (
            None
            if terms is None
            else {
                "terms": terms.model_dump(),
                "expected_annual_recovery": float(paid_year.mean()),
                "share_of_gross_recovered": float(paid_year.mean()) / ale if ale > 0 else 0.0,
            }
        )
        net_ale = float(net_loss.mean())
        parties: dict[str, list[float]] = {}
        rows = []
        for name, series in self.by_threat.items():
            mean = float(series.mean())
            net_mean = float((series - paid_by_source[name]).mean())
            party = self.threat_party[name]
            acc = parties.setdefault(party, [0.0, 0.0])
            acc[0] += mean
            acc[1] += net_mean
            rows.append(
                {
                    "threat": name,
                    "kind": "common_cause" if name in self.cause_entries else "threat",
                    "service": self.threat_service[name],
                    "entries": self.cause_entries.get(name),
                    "vendor": party,
                    "first_party": self.first_party.get(name, False),
                    "expected_annual_loss": mean,
                    "share": mean / ale if ale > 0 else 0.0,
                    "net_expected_annual_loss": net_mean,
                    "loss_per_incident": self.shape_losses.get(name, {}),
                }
            )
        rows.sort(key=lambda r: -float(r["expected_annual_loss"]))  # type: ignore[arg-type]
        for rank, r in enumerate(rows, start=1):
            r["rank"] = rank
        out["by_threat"] = rows
        out["by_vendor"] = [
            {
                "vendor": v,
                "expected_annual_loss": x,
                "share": x / ale if ale > 0 else 0.0,
                "net_expected_annual_loss": net,
                "net_share": net / net_ale if net_ale > 0 else 0.0,
                "rank": i,
            }
            for i, (v, (x, net)) in enumerate(sorted(parties.items(), key=lambda kv: -kv[1][0]), start=1)
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


def loss_statistics(loss: np.ndarray, grid: list[float] | None = None) -> dict[str, object]:
    """ALE with a 95% interval, VaR 95/99 with distribution-free intervals, ES and the exceedance
    curve (on ``grid`` when given)."""
    n = loss.size
    ale = float(loss.mean())
    se = float(loss.std(ddof=1) / np.sqrt(n)) if n > 1 else 0.0
    out: dict[str, object] = {
        "expected_annual_loss": ale,
        "expected_annual_loss_ci95": [ale - 1.96 * se, ale + 1.96 * se],
    }
    for q in (0.95, 0.99):
        var, lo, hi = quantile_ci(loss, q)
        tail = loss[loss >= var]
        key = f"{round(q * 100)}"
        out[f"var{key}"] = var
        out[f"var{key}_ci95"] = [lo, hi]
        out[f"es{key}"] = float(tail.mean()) if tail.size else var
    out["loss_exceedance"] = exceedance_curve(loss, grid)
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


def exceedance_curve(loss: np.ndarray, grid: list[float] | None = None) -> dict[str, list[float]]:
    """P(annual loss > x) on a grid of x from the smallest positive loss to the largest.

    ``grid`` gives the x instead (the net curve is drawn on the gross curve's grid).
    """
    if grid is not None:
        s = np.sort(loss)
        prob = 1.0 - np.searchsorted(s, np.asarray(grid), side="right") / s.size
        return {"loss": [float(x) for x in grid], "probability": [float(p) for p in prob]}
    positive = loss[loss > 0]
    if not positive.size:
        return {"loss": [0.0], "probability": [0.0]}
    # start just below the smallest loss, so the first point is P(any loss)
    low = max(positive.min() * 0.999, 1e-9)
    grid_x = np.geomspace(low, max(positive.max(), low * 1.001), LEC_POINTS)
    s = np.sort(loss)
    prob = 1.0 - np.searchsorted(s, grid_x, side="right") / s.size
    return {"loss": [float(x) for x in grid_x], "probability": [float(p) for p in prob]}


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


@dataclass
class _Draws:
    """The occurrences of one threat or common cause over the simulated years."""

    name: str
    counts: np.ndarray  # (years,)
    pause: np.ndarray  # (n,)
    outage: np.ndarray  # (n,)
    cost: np.ndarray  # (n,)
    pick: np.ndarray  # (n,) which replication of its shape prices it
    #: (start services, occurrences) groups priced as one engine batch each
    groups: list[tuple[list[int], np.ndarray]]
    first_party: bool


def _draw(
    source: Threat | CommonCause,
    rng: np.random.Generator,
    years: int,
    pause0: int,
    horizon_room: int,
    reps_per_shape: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Counts per year, then pause, outage, response cost and replication per occurrence."""
    rate = source.frequency_per_year.sample(rng, years)
    counts = rng.poisson(rate)
    total = int(counts.sum())
    pause = (
        np.full(total, pause0)
        if source.pause_days is None
        else np.rint(source.pause_days.sample(rng, total)).astype(np.int64)
    )
    outage = np.maximum(np.rint(source.outage_days.sample(rng, total)).astype(np.int64), 1)
    # longer than the horizon is priced as the horizon: the simulated window is the cap
    pause = np.clip(pause, 0, horizon_room)
    outage = np.clip(outage, 1, horizon_room)
    cost = source.response_cost.sample(rng, total)
    pick = rng.integers(0, reps_per_shape, total)
    return counts, pause, outage, cost, pick


def _shapes(pause: np.ndarray, outage: np.ndarray) -> np.ndarray:
    """Distinct (pause, outage) pairs, sorted."""
    if not pause.size:
        return np.zeros((0, 2), dtype=np.int64)
    return np.unique(np.stack([pause, outage], axis=1), axis=0)


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

    Each threat and each common cause draws its own Poisson count a year. A common cause's
    occurrence compromises its entries together (each with its p), in one engine run
    (:func:`aftershock.risk.shapes.shape_inputs`), and its loss is attributed to its root.

    Each occurrence's engine loss (lost margin, surge and churn beyond a year without
    incident) is split over the DCs in proportion to the revenue lost at each DC's stores
    beyond the same baseline (``by_dc``); the response cost, and the loss of a shape that
    loses no sales beyond the baseline, belong to no DC.
    """
    scenario = loaded.scenario
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
    shares = np.array([i.demand_share for i in scenario.items])
    unit_margin = float((shares / shares.sum()) @ np.array([i.margin for i in scenario.items]))
    service_party = {s.id: s.party for s in scenario.services}
    svc_index = {s: i for i, s in enumerate(base.net.service_ids)}
    pause0 = scenario.incident.forensic_clearance_days
    horizon_room = scenario.horizon_days - scenario.incident.compromise.day

    # threats first, in the order of the file (their draws do not depend on common causes)
    draws: list[_Draws] = []
    for threat in scenario.threats:
        counts, pause, outage, cost, pick = _draw(threat, rng, years, pause0, horizon_room, reps_per_shape)
        every = np.arange(pause.size)
        draws.append(
            _Draws(
                threat.name,
                counts,
                pause,
                outage,
                cost,
                pick,
                [([svc_index[threat.service]], every)],
                threat.first_party,
            )
        )
    for cause in scenario.common_causes:
        counts, pause, outage, cost, pick = _draw(cause, rng, years, pause0, horizon_room, reps_per_shape)
        p = np.array([e.p for e in cause.entries])
        hit = rng.random((pause.size, p.size)) < p
        # one engine batch per distinct set of entries hit (listed order: the first starts it)
        mask = hit.astype(np.int64) @ (1 << np.arange(p.size, dtype=np.int64))
        groups = []
        for m in np.unique(mask):
            starts = [svc_index[e.service] for j, e in enumerate(cause.entries) if (int(m) >> j) & 1]
            groups.append((starts, np.flatnonzero(mask == m)))
        draws.append(_Draws(cause.name, counts, pause, outage, cost, pick, groups, cause.first_party))

    total_rows = (
        sum(len(_shapes(d.pause[idx], d.outage[idx])) for d in draws for _, idx in d.groups) * reps_per_shape
        + reps_per_shape
    )
    done_rows = 0

    dc_ids = base.dc_ids
    onehot = base.store_dc_onehot[:, : len(dc_ids)] if dc_ids else np.zeros((base.n_stores, 0))

    def run_batch(inputs: SimInputs, reps: int, batch_seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        nonlocal done_rows
        start = done_rows

        def tick(d: int, t: int) -> None:
            if on_progress is not None:
                on_progress(start + round(reps * d / max(t, 1)), total_rows)

        raw = run_sim(inputs, reps, batch_seed, on_progress=tick, executor=executor)
        done_rows += reps
        bi_daily = raw["lost_margin"] + raw["customers_lost_units"] * unit_margin
        return _loss_per_rep(raw, unit_margin), _revenue_by_dc(raw, onehot), bi_daily

    normal_loss, normal_by_dc, normal_bi = run_batch(
        baseline_inputs(base, reps_per_shape), reps_per_shape, seed
    )
    baseline = float(normal_loss.mean())
    baseline_by_dc = normal_by_dc.mean(axis=0)
    baseline_bi = normal_bi.mean(axis=0)
    by_dc = {dc: np.zeros(years) for dc in dc_ids}
    by_threat: dict[str, np.ndarray] = {}
    shape_losses: dict[str, dict[str, float]] = {}
    incidents = np.zeros(years, dtype=np.int64)
    occ_parts: list[tuple[np.ndarray, ...]] = []
    bi_rows: list[np.ndarray] = []
    n_bi_rows = 0
    shapes_simulated = 0
    batch = 0
    for k, d in enumerate(draws):
        year_loss = np.zeros(years)
        incidents += d.counts
        total = d.pause.size
        engine_loss = np.zeros(total)
        at_dcs = np.zeros((total, len(dc_ids)))
        bi_row = np.zeros(total, dtype=np.int64)
        for starts, idx in d.groups:
            shapes = _shapes(d.pause[idx], d.outage[idx])
            if not len(shapes):
                continue
            shapes_simulated += len(shapes)
            rows_pause = np.repeat(shapes[:, 0], reps_per_shape)
            rows_outage = np.repeat(shapes[:, 1], reps_per_shape)
            inputs = shape_inputs(base, starts, rows_pause, rows_outage, pause0)
            raw_loss, revenue_by_dc, bi_daily = run_batch(inputs, rows_pause.size, seed + 1 + batch)
            batch += 1
            losses = np.maximum(raw_loss - baseline, 0.0).reshape(len(shapes), reps_per_shape)
            dc_share = _dc_shares(revenue_by_dc - baseline_by_dc).reshape(len(shapes), reps_per_shape, -1)
            # occurrence -> its shape's row -> one of that shape's replications
            key = d.pause[idx] * (horizon_room + 2) + d.outage[idx]
            shape_key = shapes[:, 0] * (horizon_room + 2) + shapes[:, 1]
            shape_of = np.searchsorted(shape_key, key)
            engine_loss[idx] = losses[shape_of, d.pick[idx]]
            at_dcs[idx] = engine_loss[idx][:, None] * dc_share[shape_of, d.pick[idx]]
            bi_row[idx] = n_bi_rows + shape_of * reps_per_shape + d.pick[idx]
            bi_rows.append(bi_daily - baseline_bi[None, :])
            n_bi_rows += bi_daily.shape[0]
        if total:
            occurrence_loss = engine_loss + d.cost
            year_of = np.repeat(np.arange(years), d.counts)
            np.add.at(year_loss, year_of, occurrence_loss)
            for j, dc in enumerate(dc_ids):
                np.add.at(by_dc[dc], year_of, at_dcs[:, j])
            shape_losses[d.name] = {
                "mean": float(occurrence_loss.mean()),
                "p95": float(np.quantile(occurrence_loss, 0.95)),
            }
            supplier = np.full(total, not d.first_party)
            occ_parts.append((year_of, np.full(total, k), engine_loss, d.cost, supplier, bi_row))
        by_threat[d.name] = year_loss
    annual = np.sum(list(by_threat.values()), axis=0) if by_threat else np.zeros(years)
    horizon = scenario.horizon_days
    occurrences = Occurrences(
        *(np.concatenate([part[i] for part in occ_parts]) if occ_parts else np.zeros(0) for i in range(6)),
        bi_daily=np.concatenate(bi_rows) if bi_rows else np.zeros((0, horizon)),
    )
    occurrences.year = occurrences.year.astype(np.int64)
    occurrences.source = occurrences.source.astype(np.int64)
    occurrences.bi_row = occurrences.bi_row.astype(np.int64)
    occurrences.supplier = occurrences.supplier.astype(bool)
    party_ids = {pt.id for pt in scenario.parties}
    causes = scenario.common_causes
    return RiskResult(
        annual_loss=annual,
        by_threat=by_threat,
        threat_party={
            **{t.name: service_party[t.service] for t in scenario.threats},
            **{c.name: c.root if c.root in party_ids else service_party[c.root] for c in causes},
        },
        threat_service={
            **{t.name: t.service for t in scenario.threats},
            **{c.name: " + ".join(e.service for e in c.entries) for c in causes},
        },
        incidents_per_year=incidents,
        shapes_simulated=shapes_simulated,
        shape_losses=shape_losses,
        by_dc=by_dc,
        dc_stores={dc: int((base.store_dc == d).sum()) for d, dc in enumerate(dc_ids)},
        occurrences=occurrences,
        sources=[d.name for d in draws],
        cause_entries={c.name: [e.service for e in c.entries] for c in causes},
        first_party={d.name: d.first_party for d in draws},
        start_day=int(base.timeline.start_day),
        start_share=float(getattr(base.timeline, "start_share", 0.0)),
    )
