"""The public Python API. The CLI and the web app are thin layers over these functions.

Every function accepts a bundled scenario name or a path wherever it takes a scenario,
raises :class:`~aftershock.errors.AftershockError` subclasses for bad input, and returns
plain data (dataclasses, dicts, NumPy or xarray), never prints.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from aftershock.errors import ParameterError, Problem, ScenarioError, UsageError
from aftershock.graph import (
    blast_radius,
    build_timeline,
    compile_network,
    minimal_cut_sets,
    single_points_of_failure,
)
from aftershock.io import BundledScenario, bundled_scenarios, load_scenario
from aftershock.limits import DEFAULT as DEFAULT_LIMITS
from aftershock.limits import Limits
from aftershock.model import Capability, LoadedScenario, Scenario
from aftershock.parallel import Executor, executor_from_spec
from aftershock.policies import allocation_policies, unknown_policy_message
from aftershock.recovery import CapSize, CompareRow, compare_plans
from aftershock.recovery.compare import mark_pareto
from aftershock.risk.montecarlo import simulate_years
from aftershock.risk.stress import stress_test
from aftershock.runstore import RunStore
from aftershock.sim import build_inputs
from aftershock.sim import run as run_sim
from aftershock.sim.result import Result, build_result

ScenarioRef = str | Path | LoadedScenario


def load(ref: ScenarioRef, overrides: list[str] | None = None, *, confine: bool = False) -> LoadedScenario:
    """Load and validate a scenario (bundled name, path, or an already loaded one).

    ``confine=True`` for a scenario someone else sent (the web API): its store table must
    be a plain file name next to the scenario file; see :func:`aftershock.io.load_scenario`.
    """
    if isinstance(ref, LoadedScenario):
        if overrides:
            raise ScenarioError("overrides need a scenario name or path, not a loaded scenario")
        loaded = ref
    else:
        loaded = load_scenario(ref, overrides, confine=confine)
    _check_policy_names(loaded)
    return loaded


def _check_policy_names(loaded: LoadedScenario) -> None:
    name = loaded.scenario.plan.allocation
    if name not in allocation_policies():
        source = loaded.path.name if loaded.path else loaded.name
        raise ScenarioError.from_problems(
            [Problem(source, unknown_policy_message(name), field="plan.allocation")]
        )


def validate(ref: ScenarioRef, overrides: list[str] | None = None) -> dict[str, Any]:
    """Validate a scenario; return a short description of what it holds.

    Raises :class:`ScenarioError` / :class:`DataError` with every problem found.
    """
    loaded = load(ref, overrides)
    s = loaded.scenario
    return {
        "ok": True,
        "name": s.name,
        "path": str(loaded.path) if loaded.path else None,
        "stores": len(loaded.stores),
        "dcs": len(s.sites.dcs),
        "channels": len(s.sites.channels),
        "parties": len(s.parties),
        "services": len(s.services),
        "control_edges": len(s.control),
        "requires_rules": len(s.requires),
        "items": len(s.items),
        "horizon_days": s.horizon_days,
    }


def scenarios() -> list[BundledScenario]:
    """The bundled example scenarios."""
    return bundled_scenarios()


def schema() -> dict[str, Any]:
    """JSON Schema of the scenario format."""
    out = Scenario.model_json_schema(by_alias=True)
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    out["title"] = "aftershock scenario"
    return out


def impact(
    ref: ScenarioRef,
    *,
    service: str | None = None,
    threshold: float = 0.5,
    max_order: int = 2,
    overrides: list[str] | None = None,
) -> dict[str, Any]:
    """Blast radius of the scenario's compromise (or of ``service``), worst case.

    Returns compromised services with their most likely attack path, isolations, the state
    of every service and site capability with the reason, stores grouped by outcome and
    region, and the single points of failure / minimal cut sets of selling and receiving.
    """
    if not 0 < threshold <= 1:
        raise ScenarioError(f"threshold: expected a share in (0, 1], got {threshold}")
    if not 1 <= max_order <= 4:
        raise ScenarioError(f"max_order: expected 1 to 4, got {max_order}")
    loaded = load(ref, overrides)
    net = compile_network(loaded)
    timeline = build_timeline(loaded, net)
    start = None
    if service is not None:
        if service not in net.service_ids:
            raise ScenarioError(f"service: unknown service '{service}' (known: {', '.join(net.service_ids)})")
        start = net.service_ids.index(service)
    report = blast_radius(net, timeline, loaded.stores.regions, start_service=start)
    cuts = {}
    for capability in (Capability.STORE_SELL, Capability.STORE_RECEIVE):
        cuts[capability.value] = {
            "single_points_of_failure": [
                asdict(c) for c in single_points_of_failure(net, capability, threshold=threshold)
            ],
            "minimal_cut_sets": [
                asdict(c) for c in minimal_cut_sets(net, capability, threshold=threshold, max_order=max_order)
            ],
        }
    return {
        "scenario": loaded.name,
        "compromise": net.service_ids[timeline.start_service if start is None else start],
        "compromised": report.compromised,
        "isolated": report.isolated,
        "views": [asdict(v) for v in report.views],
        "cut_threshold": threshold,
        "cuts": cuts,
    }


def _check_seed(seed: int) -> None:
    if not 0 <= seed < 2**63:
        raise ParameterError("seed", f"expected a whole number from 0 to 2^63 - 1, got {seed}")


def check_work(loaded: LoadedScenario, replications: int, limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse a simulation of ``loaded`` whose store-days exceed ``limits`` (see :class:`Limits`)."""
    s = loaded.scenario
    limits.check_store_days(replications, s.horizon_days, len(loaded.stores), max(1, len(s.items)))


@contextmanager
def _executor(spec: str | Executor | None, workers: int | None) -> Iterator[Executor]:
    """An executor from a spec (closed afterwards), or the one given (left open)."""
    if spec is None or isinstance(spec, str):
        ex = executor_from_spec(spec, workers)
        try:
            yield ex
        finally:
            ex.close()
    else:
        yield spec


def simulate(
    ref: ScenarioRef,
    *,
    replications: int = 100,
    seed: int = 0,
    overrides: list[str] | None = None,
    keep_store_days: bool = False,
    chunk: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    executor: str | Executor | None = None,
    workers: int | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Result:
    """Simulate the scenario day by day over ``replications`` replications.

    Returns a :class:`~aftershock.sim.result.Result`: an xarray Dataset with dims
    ``replication, day`` (and ``store, item`` with ``keep_store_days``) and a summary of
    named metrics, each with mean, p5, p50 and p95. The same seed gives the same result
    whatever ``chunk`` (replications per chunk) is, on every executor: ``None`` (in
    process), ``"processes"``, ``"dask://local"`` or ``"dask://host:port"``.
    """
    limits.check_replications(replications)
    _check_seed(seed)
    if chunk is not None and chunk <= 0:
        raise ParameterError("chunk", f"expected a whole number >= 1, got {chunk}")
    loaded = load(ref, overrides)
    check_work(loaded, replications, limits)
    inputs = build_inputs(loaded)
    with _executor(executor, workers) as ex:
        raw = run_sim(
            inputs,
            replications,
            seed,
            keep_store_days=keep_store_days,
            chunk=chunk,
            on_progress=on_progress,
            executor=ex,
        )
    s = loaded.scenario
    return build_result(
        raw,
        scenario=s.name,
        seed=seed,
        start_date=s.start_date,
        store_ids=inputs.net.site_ids[: inputs.n_stores],
        item_ids=inputs.item_ids,
        incident_day=s.incident.compromise.day,
        region_of_store=tuple(loaded.stores.regions.tolist()),
    )


def compare(
    ref: ScenarioRef,
    *,
    policies: Sequence[str] = ("fifo",),
    caps: Sequence[float | str | CapSize | None] = (None,),
    surges: Sequence[int] = (0,),
    replications: int = 100,
    seed: int = 0,
    overrides: list[str] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    executor: str | Executor | None = None,
    workers: int | None = None,
    with_optimised: bool = False,
    limits: Limits = DEFAULT_LIMITS,
) -> list[CompareRow]:
    """Every combination of allocation policy × order cap × extra shifts, on common random numbers.

    ``caps`` holds cap sizes: units per order line (``40``), a share of the normal order
    (``"75%"``) or ``None`` (no cap); ``surges`` the
    extra shifts a day during the surge window. Each row carries the mean of every metric
    and whether it is Pareto-efficient over lost sales, service-restored day, surge cost
    and the worst store's days without stock. Every plan runs on ``executor`` (as in
    :func:`simulate`), with the same seed: the same numbers on every executor. With
    ``with_optimised`` the optimiser's plan (:func:`optimize`, replayed on the same seed) is
    a last row, and the Pareto front takes it in.
    """
    known = allocation_policies()
    bad = [p for p in policies if p not in known]
    if bad:
        raise UsageError(unknown_policy_message(bad[0]))
    if "planned" in policies:
        raise UsageError(
            "--policy planned follows a dispatch plan from `aftershock optimize`; compare has none "
            "and would run it as fifo (compare the optimised plan with `aftershock optimize`)"
        )
    if not policies or not caps or not surges:
        raise UsageError("compare needs at least one policy, one cap and one surge value")
    sizes: list[CapSize | None] = []
    for cap in caps:
        try:
            sizes.append(CapSize.parse(cap))
        except ValueError as exc:
            raise UsageError(f"--cap: {exc}") from None
    for shifts in surges:
        if not 0 <= shifts <= 6:
            raise UsageError(f"--surge: expected 0 to 6 extra shifts, got {shifts}")
    limits.check_replications(replications)
    _check_seed(seed)
    loaded = load(ref, overrides)
    check_work(loaded, replications * len(policies) * len(caps) * len(surges), limits)
    if "priority" in policies and loaded.scenario.plan.priority_attribute is None:
        raise UsageError(
            "--policy priority ranks stores by plan.priority_attribute, which this scenario does not "
            "set (add it, or --set plan.priority_attribute=tier); without it priority is fifo"
        )
    combos = len(policies) * len(caps) * len(surges)
    done = 0

    def run_one(variant: LoadedScenario) -> dict[str, dict[str, float | None]]:
        nonlocal done
        base = done

        def tick(step: int, total: int) -> None:
            if on_progress is not None:
                on_progress(base * total + step, combos * total)

        result = simulate(variant, replications=replications, seed=seed, on_progress=tick, executor=ex)
        done += 1
        return result.summary["metrics"]

    # one executor (process pool, Dask cluster) for the whole grid, as `simulate` would use
    with _executor(executor, workers) as ex:
        rows = compare_plans(loaded, policies, sizes, surges, run_one)
    if not with_optimised:
        return rows

    best = optimize(loaded, replications=replications, seed=seed)
    rows.append(
        CompareRow.from_summaries(
            best.replayed,
            policy="optimised",
            cap=None,
            extra_shifts=0,
            optimised=True,
            note=f"{sum(best.extra_shifts):.1f} extra shifts in all",
        )
    )
    return mark_pareto(rows)


def risk(
    ref: ScenarioRef,
    *,
    years: int = 10_000,
    seed: int = 0,
    reps_per_shape: int = 4,
    overrides: list[str] | None = None,
    executor: str | Executor | None = None,
    workers: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> dict[str, Any]:
    """Yearly Monte Carlo of the scenario's threats: loss exceedance, ALE, VaR, ES, ranking.

    Each distinct incident shape (threat, pause days, outage days) is simulated once with
    ``reps_per_shape`` replications and reused for every year it occurs in.
    """
    limits.check_years(years)
    _check_seed(seed)
    if not 1 <= reps_per_shape <= 1000:
        raise ParameterError(
            "reps_per_shape", f"expected a whole number from 1 to 1000, got {reps_per_shape}"
        )
    loaded = load(ref, overrides)
    if not loaded.scenario.threats:
        raise ScenarioError(
            f"{loaded.name} has no threats: add a `threats:` list (see docs/risk.md) to run `risk`"
        )
    inputs = build_inputs(loaded)
    with _executor(executor, workers) as ex:
        result = simulate_years(
            loaded,
            inputs,
            years=years,
            seed=seed,
            reps_per_shape=reps_per_shape,
            executor=ex,
            on_progress=on_progress,
        )
    summary = result.summary()
    summary["scenario"] = loaded.name
    summary["seed"] = seed
    summary["reps_per_shape"] = reps_per_shape
    summary["currency_note"] = "losses in the scenario's currency: lost margin + surge + churn + response"
    return summary


def stress(
    ref: ScenarioRef, *, services: list[str] | None = None, overrides: list[str] | None = None
) -> list[dict[str, Any]]:
    """Time-to-survive vs time-to-recover per service, impact, and risk exposure index."""
    loaded = load(ref, overrides)
    known = [s.id for s in loaded.scenario.services]
    for name in services or []:
        if name not in known:
            raise UsageError(f"--service: unknown service '{name}' (known: {', '.join(known)})")
    return stress_test(loaded, build_inputs(loaded), services)


def import_services(
    bom_path: str | Path,
    into: str | Path,
    *,
    capability: str | None = None,
    site_id: str | None = None,
    where: dict[str, str] | None = None,
    out: str | Path | None = None,
) -> dict[str, Any]:
    """Merge a CycloneDX BOM's services and providers into a scenario file.

    With ``capability`` (and ``site_id`` or ``where``), the target capability requires every
    imported top-level service (one group each). The merged scenario is validated before it
    is written (to ``out``, else over ``into``), so a failed import changes nothing.
    """
    import yaml

    from aftershock.io.cyclonedx import map_bom, read_bom
    from aftershock.io.results import write_text_atomic

    into_path = Path(into)
    bom = read_bom(Path(bom_path))
    if not into_path.is_file():
        raise ScenarioError(f"{into_path}: file not found (the scenario to merge into)")
    data = yaml.safe_load(into_path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ScenarioError(f"{into_path}: expected a scenario mapping at the top")
    taken = {p.get("id") for p in data.get("parties", []) or []} | {
        s.get("id") for s in data.get("services", []) or []
    }
    mapped = map_bom(bom, Path(bom_path).name, {t for t in taken if isinstance(t, str)})
    data.setdefault("parties", []).extend(mapped.parties)
    data.setdefault("services", []).extend(mapped.services)
    data.setdefault("requires", []).extend(mapped.requires)
    if capability is not None:
        if site_id is None and not where:
            raise UsageError("--capability needs --site ID or --where key=value to say which sites need it")
        selector: dict[str, Any] = {"id": site_id} if site_id else {"where": where}
        imported = [s["id"] for s in mapped.services]
        if imported:
            data["requires"].append(
                {
                    "site": selector,
                    "capability": capability,
                    "groups": [[{"service": s}] for s in imported],
                    "note": f"imported from {Path(bom_path).name}",
                }
            )
    target = Path(out) if out is not None else into_path
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    # validate the merged scenario next to the original (its store table is relative to it)
    probe = into_path.parent / f".{into_path.stem}.import-check.yaml"
    try:
        try:
            probe.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(
                f"--into {into_path}: cannot write a check file next to it: {exc.strerror}"
            ) from None
        load(probe)
    finally:
        probe.unlink(missing_ok=True)
    write_text_atomic(target, text, flag="--out" if out is not None else "--into")
    return {
        "written": str(target),
        "parties_added": [p["id"] for p in mapped.parties],
        "services_added": [s["id"] for s in mapped.services],
        "requires_added": len(mapped.requires) + (1 if capability and mapped.services else 0),
        "not_mapped": mapped.not_mapped,
    }


def open_store(db: str | None = None) -> RunStore:
    """The run store at ``db`` (URL or SQLite path; default ``$AFTERSHOCK_DB``, else the user data folder)."""
    return RunStore(db)


def simulate_and_save(
    ref: ScenarioRef,
    *,
    db: str | RunStore | None = None,
    replications: int = 100,
    seed: int = 0,
    overrides: list[str] | None = None,
    executor: str | None = None,
    workers: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    run_id: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[str, Result]:
    """Simulate and store the run; a failure or interrupt marks it failed, never done.

    With ``run_id``, the already queued run is executed (the web worker's path).
    """
    limits.check_replications(replications)
    store = db if isinstance(db, RunStore) else RunStore(db)
    loaded = load(ref, overrides)
    check_work(loaded, replications, limits)
    if run_id is None:
        scenario_id = store.add_scenario(loaded, "bundled" if _is_bundled(loaded) else "file")
        params = {"replications": replications, "overrides": list(overrides or [])}
        run_id = store.create_run(scenario_id, params, seed, executor or "in-process")
    store.start_run(run_id)
    last = [0.0]

    def tick(done: int, total: int) -> None:
        share = done / max(total, 1)
        if share - last[0] >= 0.05 or done == total:
            last[0] = share
            store.set_progress(run_id, share)
        if on_progress is not None:
            on_progress(done, total)

    try:
        result = simulate(
            loaded,
            replications=replications,
            seed=seed,
            executor=executor,
            workers=workers,
            on_progress=tick,
            limits=limits,
        )
        store.complete_run(run_id, result)
    except BaseException as exc:
        store.fail_run(run_id, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
        raise
    return run_id, result


def _is_bundled(loaded: LoadedScenario) -> bool:
    from aftershock.io.bundled import bundled_root

    return loaded.path is not None and bundled_root() in loaded.path.parents


# the optimiser's functions live in their own module (optimize/api_funcs.py)
from aftershock.optimize.api_funcs import OptimizeResult, PlanResult, optimize, plan  # noqa: E402,F401
