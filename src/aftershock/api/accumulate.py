"""Portfolio accumulation: one vendor compromise across many scenario files (``accumulate``).

See :mod:`aftershock.risk.accumulate` for the model. This module finds the members, the
vendor in each, its entry service and its threat model, runs the members on an executor
and summarises: loss per member and in aggregate, gross, paid by each member's insurance
and net, per occurrence and per year.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from dataclasses import replace as dc_replace
from pathlib import Path
from typing import Any

import numpy as np

from aftershock.api.results import AccumulationResult
from aftershock.api.runs import check_seed, check_work, executor_for
from aftershock.api.scenarios import load, warnings_data
from aftershock.errors import AftershockError, ParameterError, Problem, ScenarioError
from aftershock.graph import compile_network
from aftershock.graph.concentration import StoreMeasures, demand_at_risk, reached
from aftershock.io.portfolio import MemberMapping, portfolio_files, read_mapping
from aftershock.limits import DEFAULT as DEFAULT_LIMITS
from aftershock.limits import Limits
from aftershock.model import LoadedScenario
from aftershock.model.threats import MAX_FREQUENCY_PER_YEAR, Estimate, Threat
from aftershock.model.uncertainty import point_values
from aftershock.parallel import Executor
from aftershock.risk.accumulate import (
    MemberJob,
    MemberLoss,
    annual_aggregate,
    annual_statistics,
    member_loss,
    member_seed,
    occurrence_statistics,
    response_costs,
    shared_shock,
)
from aftershock.risk.insurance import paid_per_occurrence, waiting_period_loss

#: How the entry service was chosen, in words (the member's ``entry_rule``).
ENTRY_RULES = {
    "mapping": "named in the mapping file",
    "incident": "the member's own incident starts there",
    "largest": "the vendor's service whose worst-case compromise puts the most demand at risk",
    "only": "the vendor's only service here",
}


@dataclass
class Member:
    """One scenario file of the portfolio and what was found in it."""

    file: str  # path relative to the folder
    loaded: LoadedScenario | None = None
    party: str | None = None
    entry: str | None = None
    entry_rule: str | None = None
    threat: Threat | None = None
    problems: list[Problem] = field(default_factory=list)
    status: str = "exposed"  # exposed | not exposed | broken
    reason: str = ""


def parse_frequency(value: Estimate | str | float | None) -> Estimate | None:
    """``--frequency``: a number (a point estimate) or an estimate in YAML flow form
    (``{dist: pert, low: 0.01, mode: 0.04, high: 0.12}``), at most 365 a year."""
    if value is None or isinstance(value, Estimate):
        return value
    import yaml
    from pydantic import ValidationError

    data: object = value
    if isinstance(value, str):
        if len(value) > 300:
            raise ParameterError("frequency", "expected a number or a short {dist: ...} estimate")
        try:
            data = yaml.safe_load(value)
        except yaml.YAMLError:
            raise ParameterError(
                "frequency",
                f"expected a number or {{dist: pert, low: ..., mode: ..., high: ...}}, got '{value}'",
            ) from None
    if isinstance(data, int | float) and not isinstance(data, bool):
        data = {"dist": "point", "value": float(data)}
    if not isinstance(data, dict):
        raise ParameterError("frequency", f"expected a number or a {{dist: ...}} estimate, got {value!r}")
    try:
        return Estimate.model_validate(data).bounded(MAX_FREQUENCY_PER_YEAR, "compromises a year")
    except (ValidationError, ValueError) as exc:
        errors = exc.errors() if isinstance(exc, ValidationError) else [{"msg": str(exc)}]
        raise ParameterError("frequency", "; ".join(str(e["msg"]) for e in errors)) from None


def _resourced(problems: list[Problem], rel: Path) -> list[Problem]:
    """Problems of a member, named by its path in the folder (the loader names the file only)."""
    out = []
    for p in problems:
        if p.source == rel.name:
            out.append(dc_replace(p, source=rel.as_posix()))
        elif rel.parent != Path(".") and "/" not in p.source:
            out.append(dc_replace(p, source=(rel.parent / p.source).as_posix()))
        else:
            out.append(p)
    return out


def _entry(loaded: LoadedScenario, services: list[str]) -> tuple[str, str]:
    """The entry service of the vendor's compromise in a member, and the rule that chose it."""
    if len(services) == 1:
        return services[0], "only"
    own = loaded.scenario.incident.compromise.service
    if own in services:
        return own, "incident"
    net = compile_network(loaded)
    index = [net.service_ids.index(s) for s in services]
    share, _, _ = demand_at_risk(StoreMeasures.of(loaded, net), [reached(net, [i]) for i in index])
    # the largest; a tie goes to the one listed first in the file
    return services[int(np.argmax(share))], "largest"


def _find(folder: Path, vendor: str, mapping: Path | None) -> list[Member]:
    files = portfolio_files(folder, exclude=mapping)
    rels = [f.relative_to(folder) for f in files]
    mapped = read_mapping(mapping, [r.as_posix() for r in rels]) if mapping is not None else {}
    members = []
    for path, rel in zip(files, rels, strict=True):
        m = Member(rel.as_posix())
        members.append(m)
        try:
            m.loaded = point_values(load(path), "accumulate")
        except AftershockError as exc:  # a file that does not load: scenario, store table, size
            m.status, m.problems = (
                "broken",
                _resourced(exc.problems or [Problem(rel.as_posix(), str(exc))], rel),
            )
            continue
        _match(m, vendor, mapped.get(m.file), mapping)
    return members


def _match(m: Member, vendor: str, mapped: MemberMapping | None, mapping: Path | None) -> None:
    """Find the vendor's party, entry service and threat in a loaded member."""
    assert m.loaded is not None
    scenario = m.loaded.scenario
    party = vendor if mapped is None else mapped.party
    parties = {p.id for p in scenario.parties} | {s.party for s in scenario.services}
    services = [s.id for s in scenario.services if s.party == party]
    source = mapping.name if mapping is not None else ""
    if party not in parties:
        if mapped is not None:
            m.status = "broken"
            m.problems = [
                Problem(
                    source,
                    f"{m.file} has no party '{party}' (parties: {', '.join(sorted(parties)) or 'none'})",
                    field=f"members.{m.file}",
                )
            ]
        else:
            m.status, m.reason = "not exposed", f"no party '{party}'"
        return
    m.party = party
    if not services:
        m.status = "broken"
        m.problems = [
            Problem(
                m.file,
                f"party '{party}' runs no service here: the vendor's compromise has no way in "
                "(add its service, or leave the party out)",
                field="services",
            )
        ]
        return
    if mapped is not None and mapped.service is not None:
        if mapped.service not in services:
            m.status = "broken"
            m.problems = [
                Problem(
                    source,
                    f"'{mapped.service}' is not a service of '{party}' in {m.file} "
                    f"(its services: {', '.join(services)})",
                    field=f"members.{m.file}.service",
                )
            ]
            return
        m.entry, m.entry_rule = mapped.service, "mapping"
    else:
        m.entry, m.entry_rule = _entry(m.loaded, services)
    m.threat = next((t for t in scenario.threats if t.service in services), None)


def accumulate(
    folder: str | Path,
    vendor: str,
    *,
    mapping: str | Path | None = None,
    replications: int = 200,
    years: int = 10_000,
    seed: int = 0,
    frequency: Estimate | str | float | None = None,
    skip_broken: bool = False,
    executor: str | Executor | None = None,
    workers: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> AccumulationResult:
    """One compromise of ``vendor`` across every scenario file of ``folder``.

    A member is exposed when it has a party with the vendor's id (or the one the mapping
    file names for it). Broken members (a file that does not load, a vendor party with no
    service, a mapping entry that names nothing) are all reported in one error, unless
    ``skip_broken``: then they are listed in ``broken`` and the rest run. Members without
    the vendor are listed as not exposed; a folder where no member has it is an error.

    Returns the members (entry service and why, loss per occurrence gross, paid and net,
    share of the aggregate), the aggregate per occurrence (gross, paid, net: statistics and
    exceedance curves, members hit, diversification), the threat model used, and the annual
    aggregate (compound Poisson over ``years``) when a frequency is known.
    """
    limits.check_replications(replications)
    check_seed(seed)
    freq = parse_frequency(frequency)
    if not isinstance(vendor, str) or not vendor:
        raise ParameterError("vendor", "expected a party id")
    root = Path(folder)
    mapping_path = Path(mapping) if mapping is not None else None
    members = _find(root, vendor, mapping_path)
    broken = [m for m in members if m.status == "broken"]
    exposed = [m for m in members if m.status == "exposed"]
    if broken and not skip_broken:
        problems = [p for m in broken for p in m.problems]
        problems.append(
            Problem(
                root.as_posix(),
                f"{len(broken)} broken member{'s' if len(broken) != 1 else ''} "
                f"({', '.join(m.file for m in broken)}): fix them, or add --skip-broken to run the others",
            )
        )
        raise ScenarioError("\n".join(str(p) for p in problems), problems)
    if not exposed:
        names = "; ".join(
            f"{m.file}: {', '.join(sorted({p.id for p in m.loaded.scenario.parties}))}"
            for m in members
            if m.loaded is not None
        )
        problem = Problem(
            root.as_posix(),
            f"no member has a party '{vendor}'"
            + (" that could run" if broken else "")
            + (f" (parties: {names})" if names else "")
            + "; name the vendor's party in each member with --mapping",
            field="parties",
        )
        raise ScenarioError(str(problem), [problem])
    for m in exposed:
        assert m.loaded is not None
        check_work(m.loaded, replications, limits)
    # the vendor's threat model: the first exposed member (in file order) with a threat on it
    source = next((m for m in exposed if m.threat is not None), None)
    threat = source.threat if source is not None else None
    if threat is not None and freq is None:
        freq = threat.frequency_per_year
    if freq is not None:
        limits.check_years(years)
    outage = pause = None
    if threat is not None:
        outage, pause = shared_shock(threat.outage_days, threat.pause_days, replications, seed)
    seeds = {m.file: member_seed(seed, m.file) for m in exposed}
    jobs = [
        MemberJob(m.loaded, m.entry, pause, outage, seeds[m.file], replications)  # type: ignore[arg-type]
        for m in exposed
    ]
    done = 0

    def tick(_: int) -> None:
        nonlocal done
        done += 1
        if on_progress is not None:
            on_progress(done, len(jobs))

    with executor_for(executor, workers) as ex:
        results: list[MemberLoss] = ex.map(member_loss, jobs, on_done=tick)
    return AccumulationResult(
        _summarise(
            root,
            vendor,
            members,
            exposed,
            results,
            seeds,
            replications,
            years,
            seed,
            freq,
            threat,
            source,
            ex_name=getattr(ex, "name", str(executor)),
        )
    )


def _summarise(
    root: Path,
    vendor: str,
    members: list[Member],
    exposed: list[Member],
    results: list[MemberLoss],
    seeds: dict[str, int],
    replications: int,
    years: int,
    seed: int,
    freq: Estimate | None,
    threat: Threat | None,
    source: Member | None,
    ex_name: str,
) -> dict[str, Any]:
    gross_m, paid_m, engine_m = [], [], []
    for m, res in zip(exposed, results, strict=True):
        assert m.loaded is not None
        own_threat = m.threat
        response = response_costs(
            None if own_threat is None else own_threat.response_cost, seeds[m.file], replications
        )
        terms = m.loaded.scenario.insurance
        waiting = np.zeros(replications)
        if terms is not None and terms.waiting_period_days > 0:
            waiting = waiting_period_loss(
                res.bi_daily, res.start_day, res.start_share, terms.waiting_period_days
            )
        paid = paid_per_occurrence(
            terms, res.engine_loss, response, waiting, np.ones(replications, dtype=bool)
        )
        gross_m.append(res.engine_loss + response)
        paid_m.append(paid)
        engine_m.append(res.engine_loss)
    gross = np.array(gross_m)  # (members, R)
    paid = np.array(paid_m)
    net = gross - paid
    agg = {"gross": gross.sum(axis=0), "paid": paid.sum(axis=0), "net": net.sum(axis=0)}
    agg_mean = float(agg["gross"].mean())
    standalone_p95 = float(sum(np.quantile(g, 0.95) for g in gross))
    occurrence: dict[str, Any] = {name: occurrence_statistics(x) for name, x in agg.items()}
    # hit: the compromise cost the member more than its response (the attack reached it, or a pause)
    hit = np.array(engine_m) > 0
    occurrence["members_hit_mean"] = float(hit.sum(axis=0).mean())
    occurrence["share_all_members_hit"] = float(hit.all(axis=0).mean())
    occurrence["sum_of_member_p95"] = standalone_p95
    occurrence["diversification_p95"] = (
        float(occurrence["gross"]["p95"]) / standalone_p95 if standalone_p95 > 0 else None
    )
    rows = []
    by_file = {m.file: i for i, m in enumerate(exposed)}
    for m in members:
        row: dict[str, Any] = {"file": m.file, "status": m.status}
        if m.loaded is not None:
            row["scenario"] = m.loaded.name
            row["stores"] = len(m.loaded.stores)
            row["warnings"] = warnings_data(m.loaded)
        if m.status == "exposed":
            i = by_file[m.file]
            terms = m.loaded.scenario.insurance if m.loaded is not None else None
            row.update(
                {
                    "party": m.party,
                    "entry_service": m.entry,
                    "entry_rule": ENTRY_RULES[m.entry_rule or "only"],
                    "threat": None if m.threat is None else m.threat.name,
                    "insurance": None if terms is None else terms.model_dump(),
                    "gross": _member_stats(gross[i]),
                    "paid": _member_stats(paid[i]),
                    "net": _member_stats(net[i]),
                    "share_with_loss": float(hit[i].mean()),
                    "share_of_aggregate": float(gross[i].mean()) / agg_mean if agg_mean > 0 else 0.0,
                    "correlation_with_rest": _correlation(gross[i], agg["gross"] - gross[i]),
                }
            )
        elif m.status == "not exposed":
            row["reason"] = m.reason
        else:
            row["problems"] = [p.as_dict() for p in m.problems]
            row["messages"] = [str(p) for p in m.problems]
        rows.append(row)
    annual = None
    annual_note = None
    if freq is not None:
        series, counts = annual_aggregate(agg, freq, years, seed)
        annual = {
            "years": years,
            "occurrences_per_year_mean": float(counts.mean()),
            "share_of_years_with_occurrence": float((counts > 0).mean()),
            **{name: annual_statistics(x) for name, x in series.items()},
        }
    else:
        annual_note = (
            "no annual aggregate: no exposed member has a threat on the vendor's services; "
            "give its frequency with --frequency"
        )
    return {
        "folder": root.as_posix(),
        "vendor": vendor,
        "replications": replications,
        "seed": seed,
        "executor": ex_name,
        "members": rows,
        "exposed": len(exposed),
        "not_exposed": sum(m.status == "not exposed" for m in members),
        "broken": [
            {"file": m.file, "messages": [str(p) for p in m.problems]}
            for m in members
            if m.status == "broken"
        ],
        "shared_shock": _shock(threat, source),
        "frequency": None if freq is None else freq.model_dump(exclude_none=True),
        "occurrence": occurrence,
        "annual": annual,
        "annual_note": annual_note,
        "note": (
            "loss per occurrence of the vendor's compromise: lost margin + surge + churn beyond the same "
            "replication without incident, + response cost; paid: by each member's insurance terms; "
            "net = gross - paid"
        ),
    }


def _shock(threat: Threat | None, source: Member | None) -> dict[str, Any] | None:
    """Where the shared outage and pause come from, and their estimates."""
    if threat is None or source is None or source.loaded is None:
        return None
    where = source.loaded.scenario.threats.index(threat)
    return {
        "source": f"{source.file}: threats[{where}] ({threat.name})",
        "outage_days": threat.outage_days.model_dump(exclude_none=True),
        "pause_days": None if threat.pause_days is None else threat.pause_days.model_dump(exclude_none=True),
    }


def _member_stats(loss: np.ndarray) -> dict[str, float]:
    return {
        "mean": float(loss.mean()),
        "p50": float(np.quantile(loss, 0.5)),
        "p95": float(np.quantile(loss, 0.95)),
        "max": float(loss.max()),
    }


def _correlation(a: np.ndarray, b: np.ndarray) -> float | None:
    """Pearson correlation of a member's loss with the rest's (None where either is constant)."""
    if a.std() <= 0 or b.std() <= 0:
        return None
    return float(np.corrcoef(a, b)[0, 1])
